/**
 * Deploy `replace` onto an autoscaled endpoint (issue 12 §1): SageMaker refuses an UpdateEndpoint that
 * changes the instance type of an autoscaled variant or removes one
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-scaling-update.html). A new instanceType or
 * variantName therefore goes through the autoscaling-safe procedure: scaling removed, endpoint updated,
 * scaling put back (moved to the new variant on a rename), and the fleet keeps its live size.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DeployInput } from '../../src/domain/deploy/input';
import { endpointWorkflowId } from '../../src/domain/names';
import { describeEndpoint } from '../../src/inventory';
import { deployModel } from '../../src/workflows/deploy';
import { autoscaleVariant } from '../support/endpoints';
import { createHarness, uniqueName, type Harness } from '../support/harness';
import { decorateScaling, scalingOf } from '../support/scaling';
import { deployInput as input } from '../support/deploy';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => h?.close());

function deploy(i: DeployInput) {
  return h.client.workflow.execute(deployModel, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(i.endpointName), args: [i] });
}

/** v1 deployed, then autoscaled as an operator would: min 2 (so the fleet is 2), tags, a schedule, a step policy wired to an alarm. */
async function autoscaledEndpoint(prefix: string) {
  const endpointName = uniqueName(prefix);
  const model = uniqueName('m');
  await deploy(input(endpointName, model, 'v1'));
  await autoscaleVariant(h.aws, endpointName, 'AllTraffic', { stepPolicy: true, min: 2, max: 5 });
  await decorateScaling(h.aws, endpointName, 'AllTraffic');
  return { endpointName, model, before: await scalingOf(h.aws, endpointName) };
}

describe('deploy replace onto an autoscaled endpoint', () => {
  it('a new instance type: scaling removed, endpoint updated, scaling restored exactly, the fleet kept at its live size', async () => {
    const { endpointName, model, before } = await autoscaledEndpoint('dep-type');
    const v2 = await deploy(input(endpointName, model, 'v2', { instanceType: 'ml.m5.xlarge' }));

    const ep = await describeEndpoint(h.aws.sagemaker, endpointName);
    assert.equal(ep.EndpointConfigName, v2.endpointConfigName);
    assert.deepEqual(
      ep.ProductionVariants?.map((v) => [v.VariantName, v.CurrentInstanceCount]),
      [['AllTraffic', 2]],
    );
    assert.equal(h.emulator.control.state().endpointConfigs.find((c) => c.name === v2.endpointConfigName)?.productionVariants[0].instanceType, 'ml.m5.xlarge');
    assert.deepEqual(await scalingOf(h.aws, endpointName), before, 'target, tags, scheduled action, policies and the alarm link are as they were');
    assert.deepEqual(v2.autoscaling, { restored: ['AllTraffic'], notRestored: [] });
  });

  it('a new variant name: the fleet keeps its size and the target, schedule and target tracking move to the new variant', async () => {
    const { endpointName, model, before } = await autoscaledEndpoint('dep-rename');
    const v2 = await deploy(input(endpointName, model, 'v2', { variantName: 'blue' }));

    const ep = await describeEndpoint(h.aws.sagemaker, endpointName);
    assert.deepEqual(
      ep.ProductionVariants?.map((v) => [v.VariantName, v.CurrentInstanceCount]),
      [['blue', 2]],
      'not 1 instance under full traffic',
    );
    const afterwards = await scalingOf(h.aws, endpointName);
    const moved = (id: string | undefined) => id?.replace('/variant/AllTraffic', '/variant/blue');
    assert.deepEqual(
      afterwards.targets,
      before.targets.map((t) => ({ ...t, ResourceId: moved(t.ResourceId) })),
    );
    assert.deepEqual(
      afterwards.scheduledActions,
      before.scheduledActions.map((a) => ({ ...a, ResourceId: moved(a.ResourceId) })),
    );
    assert.deepEqual(
      afterwards.policies.map((p) => [p.ResourceId, p.PolicyName, p.PolicyType]),
      [[`endpoint/${endpointName}/variant/blue`, 'invocations-per-instance', 'TargetTrackingScaling']],
    );
    assert.deepEqual(v2.autoscaling?.restored, ['blue']);
    assert.match(v2.autoscaling?.notRestored[0]?.reason ?? '', /policies step-out watch AllTraffic's own metrics/);
  });
});
