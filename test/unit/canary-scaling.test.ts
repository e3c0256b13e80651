import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canaryScalingFrom, withMinCapacity } from '../../src/domain/canary/scaling';

const tracking = { TargetValue: 70, PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' } };
const baseline = {
  variantName: 'AllTraffic',
  resourceId: 'endpoint/churn/variant/AllTraffic',
  minCapacity: 2,
  maxCapacity: 4,
  policies: [
    { policyName: 'invocations', policyType: 'TargetTrackingScaling', policyArn: 'arn:old', targetTracking: tracking },
    {
      policyName: 'custom',
      policyType: 'TargetTrackingScaling',
      targetTracking: { TargetValue: 1, CustomizedMetricSpecification: { MetricName: 'CPUUtilization' } },
    },
  ],
  scheduledActions: [{ scheduledActionName: 'nightly', schedule: 'cron(0 0 * * ? *)' }],
  tags: { team: 'ml' },
};

describe('canary scaling from the baseline', () => {
  it('copies only target tracking on invocations per instance, sized by the weight, owned by the run', () => {
    const s = canaryScalingFrom(baseline, { endpointName: 'churn', canaryVariant: 'canary', minCapacity: 3, owner: { endpoint: 'churn', run: 'r1' } });
    assert.deepEqual(s, {
      variantName: 'canary',
      resourceId: 'endpoint/churn/variant/canary',
      minCapacity: 3,
      maxCapacity: 4,
      policies: [{ policyName: 'invocations', policyType: 'TargetTrackingScaling', targetTracking: tracking }],
      tags: { 'modelship:endpoint': 'churn', 'modelship:run': 'r1' },
    });
  });

  it('never lets the minimum exceed the maximum, and raising it never lowers it', () => {
    const s = canaryScalingFrom(baseline, { endpointName: 'churn', canaryVariant: 'canary', minCapacity: 6 })!;
    assert.deepEqual([s.minCapacity, s.maxCapacity], [6, 6]);
    const raised = withMinCapacity({ ...s, minCapacity: 2, maxCapacity: 4 }, 5);
    assert.deepEqual([raised.minCapacity, raised.maxCapacity], [5, 5]);
    assert.equal(withMinCapacity(raised, 1).minCapacity, 5);
  });

  it('gives nothing when the baseline is not autoscaled or has no policy to copy', () => {
    assert.equal(canaryScalingFrom(undefined, { endpointName: 'churn', canaryVariant: 'canary', minCapacity: 1 }), null);
    assert.equal(
      canaryScalingFrom({ ...baseline, policies: [baseline.policies[1]] }, { endpointName: 'churn', canaryVariant: 'canary', minCapacity: 1 }),
      null,
    );
  });
});
