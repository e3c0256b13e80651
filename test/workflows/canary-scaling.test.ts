/**
 * An autoscaled baseline, with the emulator's target-tracking simulation on (issue 12 §1): the canary gets
 * its own scalable target and the baseline's target-tracking policy while it serves, grows with its
 * traffic mid-rollout without failing the rollout, and leaves nothing of its scaling behind, whether the
 * rollout is promoted or rolled back.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PutScalingPolicyCommand, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import { describeEndpoint } from '../../src/inventory';
import { abortSignal, canaryStatusQuery } from '../../src/workflows/canary';
import { canaryInput, endpointWithNewVersion, phaseIs, startCanary } from '../support/canary';
import { createHarness, eventually, failureOf, type Harness } from '../support/harness';
import { scalingOf, trackInvocations } from '../support/scaling';

const NS = 'sagemaker';
const DIMENSION = 'sagemaker:variant:DesiredInstanceCount';
/** Invocations per instance per minute the policy holds: 80 req/s, what each of the 2 baseline instances gets at 160 req/s. */
const TARGET_PER_MINUTE = 4800;
const TRACKING = {
  TargetValue: TARGET_PER_MINUTE,
  PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
  ScaleInCooldown: 600,
  ScaleOutCooldown: 0,
} as const;

let h: Harness;
before(async () => {
  // The simulator reads the last 2 s of invocations, so scaling follows traffic within seconds.
  h = await createHarness({ autoscalingSimulation: { intervalMs: 250, windowMs: 2000 }, instanceCapacityRps: { 'ml.m5.large': 200 } });
});
after(async () => h?.close());

/** The baseline (AllTraffic) autoscaled: min 2, max 6, target tracking on invocations per instance. */
async function autoscale(endpointName: string): Promise<void> {
  const id = { ServiceNamespace: NS, ResourceId: `endpoint/${endpointName}/variant/AllTraffic`, ScalableDimension: DIMENSION } as const;
  await h.aws.autoscaling.send(new RegisterScalableTargetCommand({ ...id, MinCapacity: 2, MaxCapacity: 6 }));
  await h.aws.autoscaling.send(
    new PutScalingPolicyCommand({ ...id, PolicyName: 'invocations', PolicyType: 'TargetTrackingScaling', TargetTrackingScalingPolicyConfiguration: TRACKING }),
  );
}

describe('canary on an autoscaled baseline', () => {
  it('gives the canary its own target and policy, lets it scale out mid-rollout, and promotes leaving only the baseline scaling', async () => {
    const { endpointName, model } = await endpointWithNewVersion(h, 'scaled', 160);
    await autoscale(endpointName);
    const before = await scalingOf(h.aws, endpointName);
    const handle = await startCanary(h, canaryInput(endpointName, model, { steps: [50, 100], bake: '4s' }));
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('baking', 50), 60_000);

    // While it serves: a target for the canary variant (min = the 1 instance 50 % of 2 needs, max = the
    // baseline's) with the baseline's target-tracking configuration.
    const during = await scalingOf(h.aws, endpointName);
    const canaryTarget = during.targets.find((t) => t.ResourceId === `endpoint/${endpointName}/variant/canary`);
    assert.ok(canaryTarget, `no scalable target for the canary: ${JSON.stringify(during.targets)}`);
    assert.equal(canaryTarget.MinCapacity, 1);
    assert.equal(canaryTarget.MaxCapacity, 6);
    const canaryPolicy = during.policies.find((p) => p.ResourceId === canaryTarget.ResourceId);
    assert.equal(canaryPolicy?.PolicyType, 'TargetTrackingScaling');
    assert.deepEqual(canaryPolicy?.TargetTrackingScalingPolicyConfiguration?.TargetValue, TARGET_PER_MINUTE);

    // Traffic triples mid-step: 240 req/s on the canary's 1 instance is three times the target, so its own
    // policy scales it out, with the endpoint Updating meanwhile. That is not a failed canary.
    h.emulator.control.startTraffic({ endpointName, rps: 480 });
    await eventually(
      () => describeEndpoint(h.aws.sagemaker, endpointName),
      (ep) => (ep.ProductionVariants?.find((v) => v.VariantName === 'canary')?.DesiredInstanceCount ?? 0) > 1,
      30_000,
    );
    const result = await handle.result();
    h.emulator.control.stopTraffic(endpointName);

    assert.equal(result.endpointName, endpointName);
    const ep = await describeEndpoint(h.aws.sagemaker, endpointName);
    assert.equal(ep.EndpointConfigName, result.endpointConfigName);
    assert.deepEqual(
      ep.ProductionVariants?.map((v) => v.VariantName),
      ['AllTraffic'],
    );
    // Afterwards: the baseline's own target and policy, exactly as before; nothing of the canary's.
    const afterwards = await scalingOf(h.aws, endpointName);
    assert.deepEqual(
      afterwards.targets.map((t) => t.ResourceId),
      [`endpoint/${endpointName}/variant/AllTraffic`],
    );
    assert.deepEqual(afterwards.targets, before.targets);
    assert.deepEqual(afterwards.policies, before.policies);
  });

  it('removes the canary scaling first on rollback, so the endpoint goes back to its config with the baseline scaling intact', async () => {
    const { endpointName, model, v1 } = await endpointWithNewVersion(h, 'scaled-rb', 160);
    await autoscale(endpointName);
    const before = await scalingOf(h.aws, endpointName);
    const handle = await startCanary(h, canaryInput(endpointName, model, { steps: [50, 100], bake: '60s' }));
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('baking', 50), 60_000);
    assert.equal((await scalingOf(h.aws, endpointName)).targets.length, 2, 'the canary has its own target while it serves');
    await handle.signal(abortSignal, { by: 'test', reason: 'scaling rollback' });
    const failure = await failureOf(handle.result());
    h.emulator.control.stopTraffic(endpointName);

    // UpdateEndpoint refuses to remove an autoscaled variant: had the canary kept its target, the restore
    // would have failed and the run would end RollbackIncomplete.
    assert.equal(failure.type, 'Aborted', failure.message);
    const ep = await describeEndpoint(h.aws.sagemaker, endpointName);
    assert.equal(ep.EndpointConfigName, v1.endpointConfigName);
    const afterwards = await scalingOf(h.aws, endpointName);
    assert.deepEqual(afterwards.targets, before.targets);
    assert.deepEqual(afterwards.policies, before.policies);
  });

  it('a cancelled rollout rolls back, puts back the baseline MinCapacity it raised, and reports Cancelled with what it rolled back', async () => {
    const { endpointName, model, v1 } = await endpointWithNewVersion(h, 'scaled-cancel', 160);
    // MinCapacity 1: the rollout raises it to the baseline's 2 while the canary serves. Scale-in suspended, so
    // that the simulation cannot shrink the baseline to 1 before the rollout starts (a traffic generator
    // slowed by a loaded machine reads as less load); RegisterScalableTarget keeps the suspension when the
    // rollout changes only MinCapacity, and the target must come back exactly.
    await trackInvocations(h.aws, endpointName, { min: 1, max: 6, targetPerMinute: 6000 });
    await h.aws.autoscaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'sagemaker',
        ResourceId: `endpoint/${endpointName}/variant/AllTraffic`,
        ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
        SuspendedState: { DynamicScalingInSuspended: true },
      }),
    );
    const before = await scalingOf(h.aws, endpointName);
    const handle = await startCanary(h, canaryInput(endpointName, model, { steps: [50, 100], bake: '60s' }));
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('baking', 50), 60_000);
    const pinned = (await scalingOf(h.aws, endpointName)).targets.find((t) => t.ResourceId === `endpoint/${endpointName}/variant/AllTraffic`);
    assert.equal(pinned?.MinCapacity, 2, 'the baseline is held at its live count while the canary serves');
    await handle.cancel();
    const failure = await failureOf(handle.result());
    h.emulator.control.stopTraffic(endpointName);

    assert.equal(failure.type, 'Cancelled', failure.message);
    assert.match(failure.message, /was cancelled and rolled back/);
    const details = failure.details?.[0] as { rolledBack: string[]; rollbackFailures: string[] };
    assert.deepEqual(details.rollbackFailures, []);
    assert.ok(
      details.rolledBack.some((d) => d.startsWith(`restore endpoint ${endpointName} to ${v1.endpointConfigName}`)),
      JSON.stringify(details.rolledBack),
    );
    assert.equal(details.rolledBack.at(-1), 'put back MinCapacity 1 on the scalable target of AllTraffic');
    const status = await handle.query(canaryStatusQuery);
    assert.equal(status.phase, 'rolled-back');
    assert.deepEqual([status.rolledBack, status.rollbackFailures], [details.rolledBack, details.rollbackFailures]);
    assert.equal((await describeEndpoint(h.aws.sagemaker, endpointName)).EndpointConfigName, v1.endpointConfigName);
    const afterwards = await scalingOf(h.aws, endpointName);
    assert.deepEqual(afterwards.targets, before.targets);
    assert.deepEqual(afterwards.policies, before.policies);
  });
});
