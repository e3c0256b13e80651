import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeScalableTargetsCommand, PutScalingPolicyCommand, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointConfigCommand,
  ListEndpointConfigsCommand,
  ListTagsCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  type ProductionVariant,
} from '@aws-sdk/client-sagemaker';
import type { CallStats } from '../../src/emulator';
import { endpointWorkflowId } from '../../src/domain/names';
import type { UpdateInput } from '../../src/domain/update/input';
import { describeEndpoint } from '../../src/inventory';
import { updateSageMakerEndpoint, updateStatusQuery } from '../../src/workflows/update-endpoint';
import { createHarness, eventually, uniqueName, type Harness, failureOf } from '../support/harness';
import { endpointServing } from '../support/endpoints';
import { decorateScaling, scalingOf as readScaling, stepAlarmName, ONCALL_TOPIC } from '../support/scaling';
import { workflowBundle } from '../support/temporal';
import { startWorkerProcess } from '../support/worker-child';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => h?.close());

const ROLE = 'arn:aws:iam::123456789012:role/sagemaker-exec';
const NS = 'sagemaker' as const;
const DIM = 'sagemaker:variant:DesiredInstanceCount' as const;
const FAST_POLL = { min: '100ms', max: '500ms' };

async function createModel(name: string, tag: string): Promise<void> {
  await h.aws.sagemaker.send(
    new CreateModelCommand({
      ModelName: name,
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:${tag}`, ModelDataUrl: `s3://models/churn/${tag}/model.tar.gz` },
    }),
  );
}

/**
 * An InService endpoint whose variants are Application Auto Scaling targets with a target-tracking and a
 * step policy each, tags, a scheduled action and a CloudWatch alarm wired to the step policy, set up with
 * the AWS SDK directly (the way an operator would have done it).
 */
async function autoscaledEndpoint(prefix: string, variants = ['AllTraffic']): Promise<string> {
  const ep = uniqueName(prefix);
  await createModel(`${ep}-m1`, '1');
  const production: ProductionVariant[] = variants.map((v) => ({
    VariantName: v,
    ModelName: `${ep}-m1`,
    InstanceType: 'ml.m5.large',
    InitialInstanceCount: 2,
    InitialVariantWeight: 1,
  }));
  await h.aws.sagemaker.send(new CreateEndpointConfigCommand({ EndpointConfigName: `${ep}-v1`, ProductionVariants: production }));
  await h.aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: ep, EndpointConfigName: `${ep}-v1` }));
  await eventually(
    () => describeEndpoint(h.aws.sagemaker, ep),
    (d) => d.EndpointStatus === 'InService',
  );
  for (const v of variants) {
    const id = { ServiceNamespace: NS, ResourceId: `endpoint/${ep}/variant/${v}`, ScalableDimension: DIM };
    await h.aws.autoscaling.send(
      new RegisterScalableTargetCommand({ ...id, MinCapacity: 1, MaxCapacity: 6, SuspendedState: { DynamicScalingInSuspended: true } }),
    );
    await h.aws.autoscaling.send(
      new PutScalingPolicyCommand({
        ...id,
        PolicyName: 'invocations-per-instance',
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 70,
          PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
          ScaleInCooldown: 300,
          ScaleOutCooldown: 60,
        },
      }),
    );
    await h.aws.autoscaling.send(
      new PutScalingPolicyCommand({
        ...id,
        PolicyName: 'step-out',
        PolicyType: 'StepScaling',
        StepScalingPolicyConfiguration: {
          AdjustmentType: 'ChangeInCapacity',
          StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
          Cooldown: 120,
          MetricAggregationType: 'Average',
        },
      }),
    );
    await decorateScaling(h.aws, ep, v);
  }
  return ep;
}

/** The endpoint's whole scaling (targets, tags, scheduled actions, policies, the step policies' alarms). */
const scalingOf = (ep: string) => readScaling(h.aws, ep);

/**
 * Scaling as it was, with what a plain re-registration loses checked by name: the target's tags, its
 * scheduled action, and the step policy's alarm acting on the re-created policy (whose ARN is new).
 */
function assertRestoredExactly(
  after: Awaited<ReturnType<typeof scalingOf>>,
  before: Awaited<ReturnType<typeof scalingOf>>,
  ep: string,
  variant = 'AllTraffic',
) {
  assert.deepEqual(after, before);
  const resourceId = `endpoint/${ep}/variant/${variant}`;
  assert.deepEqual(after.targets.find((t) => t.ResourceId === resourceId)?.tags, { team: 'churn', 'cost-center': 'ml-42' }, 'target tags');
  assert.deepEqual(
    after.scheduledActions.filter((a) => a.ResourceId === resourceId).map((a) => a.ScheduledActionName),
    ['business-hours'],
    'scheduled action',
  );
  assert.deepEqual(
    after.stepAlarms.find((a) => a.name === stepAlarmName(ep, variant))?.alarmActions,
    ['policy:step-out', ONCALL_TOPIC],
    'the alarm acts on the step policy as it is now',
  );
}

async function servedVariants(ep: string) {
  const desc = await describeEndpoint(h.aws.sagemaker, ep);
  const config = await h.aws.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: desc.EndpointConfigName }));
  return { status: desc.EndpointStatus, configName: desc.EndpointConfigName!, variants: config.ProductionVariants ?? [], live: desc.ProductionVariants ?? [] };
}

async function configsOf(ep: string): Promise<string[]> {
  const out = await h.aws.sagemaker.send(new ListEndpointConfigsCommand({ NameContains: ep, MaxResults: 100 }));
  return (out.EndpointConfigs ?? []).map((c) => c.EndpointConfigName!).sort();
}

function start(input: UpdateInput, taskQueue = h.taskQueue) {
  return h.client.workflow.start(updateSageMakerEndpoint, { taskQueue, workflowId: endpointWorkflowId(input.endpointName), args: [input] });
}

function count(calls: CallStats, op: string): number {
  return calls.counts[op] ?? 0;
}

function delta(before: CallStats, op: string): number {
  return count(h.emulator.control.calls(), op) - count(before, op);
}

const DEREGISTER = 'AnyScaleFrontendService.DeregisterScalableTarget';
const REGISTER = 'AnyScaleFrontendService.RegisterScalableTarget';

describe('endpoint update with autoscaling', () => {
  it('changes an autoscaled variant’s instance type: scaling off for the update, then restored exactly', async () => {
    const ep = await autoscaledEndpoint('itype');
    const scalingBefore = await scalingOf(ep);
    const calls = h.emulator.control.calls();

    const handle = await start({ endpointName: ep, change: [{ variantName: 'AllTraffic', instanceType: 'ml.c5.xlarge' }], poll: FAST_POLL });
    const result = await handle.result();

    const served = await servedVariants(ep);
    assert.equal(served.status, 'InService');
    assert.equal(served.configName, result.endpointConfigName);
    assert.equal(served.variants[0].InstanceType, 'ml.c5.xlarge');
    assert.equal(served.variants[0].ModelName, `${ep}-m1`, 'the model is copied from the previous config');
    assert.equal(served.live[0].CurrentInstanceCount, 2, 'the instance count is kept');
    assertRestoredExactly(await scalingOf(ep), scalingBefore, ep);
    assert.equal(delta(calls, DEREGISTER), 1);
    assert.equal(delta(calls, REGISTER), 1);
    assert.deepEqual(result.autoscaling, { restored: ['AllTraffic'], notRestored: [] });
    const status = await handle.query(updateStatusQuery);
    assert.equal(status.step, 'succeeded');
    assert.equal(status.scaling, 'restored');
    assert.deepEqual(status.plan?.autoscalingRule.reasons, ['variant AllTraffic is autoscaled and its instance type changes from ml.m5.large to ml.c5.xlarge']);
    assert.deepEqual(
      status.snapshot?.map((s) => [s.variantName, s.minCapacity, s.maxCapacity, s.policies.map((p) => p.policyName).sort()]),
      [['AllTraffic', 1, 6, ['invocations-per-instance', 'step-out']]],
    );
  });

  it('changes only the model of an autoscaled variant without deregistering anything', async () => {
    const ep = await autoscaledEndpoint('model');
    await createModel(`${ep}-m2`, '2');
    const targetsBefore = (
      await h.aws.autoscaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: NS, ResourceIds: [`endpoint/${ep}/variant/AllTraffic`] }))
    ).ScalableTargets;
    const calls = h.emulator.control.calls();

    const result = await (await start({ endpointName: ep, change: [{ variantName: 'AllTraffic', modelName: `${ep}-m2` }], poll: FAST_POLL })).result();

    const served = await servedVariants(ep);
    assert.equal(served.configName, result.endpointConfigName);
    assert.equal(served.variants[0].ModelName, `${ep}-m2`);
    assert.match(served.live[0].DeployedImages?.[0].SpecifiedImage ?? '', /churn:2$/);
    assert.equal(delta(calls, DEREGISTER), 0, 'no DeregisterScalableTarget');
    assert.equal(delta(calls, REGISTER), 0, 'no RegisterScalableTarget');
    assert.equal(delta(calls, 'AnyScaleFrontendService.DeleteScalingPolicy'), 0, 'no DeleteScalingPolicy');
    const targetsAfter = (
      await h.aws.autoscaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: NS, ResourceIds: [`endpoint/${ep}/variant/AllTraffic`] }))
    ).ScalableTargets;
    assert.deepEqual(targetsAfter, targetsBefore, 'the very same target, ARN and creation time included');
    assert.deepEqual(result.autoscaling, { restored: [], notRestored: [] });
  });

  it('removes an autoscaled variant: its scaling goes with it, the other variant’s is untouched', async () => {
    const ep = await autoscaledEndpoint('remove', ['blue', 'green']);
    const before = await scalingOf(ep);
    const calls = h.emulator.control.calls();

    const result = await (await start({ endpointName: ep, remove: ['green'], poll: FAST_POLL })).result();

    const served = await servedVariants(ep);
    assert.deepEqual(
      served.variants.map((v) => v.VariantName),
      ['blue'],
    );
    const after = await scalingOf(ep);
    assert.deepEqual(
      after.targets,
      before.targets.filter((t) => t.ResourceId!.endsWith('/blue')),
    );
    assert.deepEqual(
      after.policies,
      before.policies.filter((p) => p.ResourceId!.endsWith('/blue')),
    );
    assert.deepEqual(
      after.scheduledActions,
      before.scheduledActions.filter((a) => a.ResourceId!.endsWith('/blue')),
    );
    assert.deepEqual(
      after.stepAlarms.find((a) => a.name === stepAlarmName(ep, 'blue')),
      before.stepAlarms.find((a) => a.name === stepAlarmName(ep, 'blue')),
    );
    assert.equal(delta(calls, DEREGISTER), 1);
    assert.equal(delta(calls, REGISTER), 0, 'nothing to re-register for a removed variant');
    assert.deepEqual(result.autoscaling.restored, []);
    assert.deepEqual(
      result.autoscaling.notRestored.map((n) => n.variantName),
      ['green'],
    );
  });

  it('puts the original scaling back when SageMaker rolls the update back (failTransition)', async () => {
    const ep = await autoscaledEndpoint('rollback');
    const before = await scalingOf(ep);
    const configsBefore = await configsOf(ep);
    const calls = h.emulator.control.calls();
    h.emulator.control.setFaults([
      { kind: 'failTransition', transitions: ['update'], endpoints: [ep], failureReason: 'insufficient capacity for ml.c5.xlarge', times: 1 },
    ]);
    try {
      const failure = await failureOf(
        (await start({ endpointName: ep, change: [{ variantName: 'AllTraffic', instanceType: 'ml.c5.xlarge' }], poll: FAST_POLL })).result(),
      );
      assert.equal(failure.type, 'UpdateFailed');
      assert.match(failure.message, /failed while verifying: .*insufficient capacity for ml\.c5\.xlarge/);
      assert.match(failure.message, /restore autoscaling of AllTraffic/);
    } finally {
      h.emulator.control.setFaults([]);
    }
    const served = await servedVariants(ep);
    assert.equal(served.configName, `${ep}-v1`, 'still on the previous config');
    assert.equal(served.variants[0].InstanceType, 'ml.m5.large');
    assertRestoredExactly(await scalingOf(ep), before, ep);
    assert.deepEqual(await configsOf(ep), configsBefore, 'the unused new config is deleted');
    assert.equal(delta(calls, DEREGISTER), 1, 'the scaling was off for the update');
    assert.equal(delta(calls, REGISTER), 1, 'and registered again by the compensation');
  });

  it('puts the original scaling back when the new model fails its health checks, and lowers raised capacity again', async () => {
    const ep = await autoscaledEndpoint('unhealthy');
    await createModel(`${ep}-m2`, 'broken');
    h.emulator.control.setBehaviours({
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:broken': { healthy: false, failureReason: 'container failed ping health check' },
    });
    const before = await scalingOf(ep);
    const calls = h.emulator.control.calls();
    try {
      const failure = await failureOf(
        (
          await start({
            endpointName: ep,
            change: [{ variantName: 'AllTraffic', instanceType: 'ml.c5.xlarge', modelName: `${ep}-m2` }],
            raiseCapacityDuringUpdate: { AllTraffic: 4 },
            poll: FAST_POLL,
          })
        ).result(),
      );
      assert.equal(failure.type, 'UpdateFailed');
      assert.match(failure.message, /container failed ping health check/);
    } finally {
      h.emulator.control.setBehaviours({});
    }
    assert.equal(delta(calls, 'SageMaker.UpdateEndpointWeightsAndCapacities'), 2, 'raised, then lowered back');
    const served = await servedVariants(ep);
    assert.equal(served.configName, `${ep}-v1`);
    assert.equal(served.live[0].DesiredInstanceCount, 2);
    assertRestoredExactly(await scalingOf(ep), before, ep);
  });

  it('cancelled mid-update: moves the endpoint back to its config, puts the original scaling back and reports Cancelled', async () => {
    const ep = await autoscaledEndpoint('cancel');
    const before = await scalingOf(ep);
    const configsBefore = await configsOf(ep);
    // A slow update, so that the cancel arrives while the endpoint is Updating towards the new config.
    h.emulator.control.setFaults([{ kind: 'slowTransitions', factor: 10, transitions: ['update'], endpoints: [ep] }]);
    try {
      const handle = await start({ endpointName: ep, change: [{ variantName: 'AllTraffic', instanceType: 'ml.c5.xlarge' }], poll: FAST_POLL });
      await eventually(
        () => handle.query(updateStatusQuery),
        (s) => s.step === 'waiting-updated',
      );
      h.emulator.control.setFaults([]);
      await handle.cancel();

      const failure = await failureOf(handle.result());
      assert.equal(failure.type, 'Cancelled', 'a cancel reports itself as cancelled, after the compensation');
      assert.match(failure.message, /was cancelled while waiting-updated/);
      assert.match(failure.message, new RegExp(`restore endpoint ${ep} to ${ep}-v1`));
    } finally {
      h.emulator.control.setFaults([]);
    }
    const served = await servedVariants(ep);
    assert.equal(served.status, 'InService');
    assert.equal(served.configName, `${ep}-v1`, 'back on the previous config');
    assert.equal(served.variants[0].InstanceType, 'ml.m5.large');
    assertRestoredExactly(await scalingOf(ep), before, ep);
    assert.deepEqual(await configsOf(ep), configsBefore, 'the new config is deleted once unused');
  });

  it('refuses bad input with the fields and rules named, before any AWS call', async () => {
    const calls = h.emulator.control.calls();
    const total = (c: CallStats) => Object.values(c.counts).reduce((n, v) => n + v, 0);
    const input = {
      endpointName: 'bad_name',
      change: [{ variantName: 'AllTraffic' }],
      add: [{ variantName: 'AllTraffic', modelName: 'm', instanceType: 'm5.large' }],
    } as UpdateInput;

    const failure = await failureOf((await start(input)).result());

    assert.equal(failure.type, 'InvalidInput');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /endpointName: must be 1-63 letters, digits and hyphens.*got "bad_name"/);
    assert.match(failure.message, /change\.0: must change at least one of modelName, instanceType, instanceCount, weight/);
    assert.match(failure.message, /add\.0\.instanceType: must be a SageMaker instance type/);
    assert.match(failure.message, /add\.0\.variantName: variant AllTraffic is named more than once/);
    assert.equal(total(h.emulator.control.calls()), total(calls), 'no AWS call was made');
  });

  it('refuses an impossible plan (unknown variant, count outside the scaling range) without changing anything', async () => {
    const ep = await autoscaledEndpoint('plan');
    const calls = h.emulator.control.calls();

    const failure = await failureOf(
      (
        await start({
          endpointName: ep,
          change: [
            { variantName: 'Blue', instanceType: 'ml.c5.xlarge' },
            { variantName: 'AllTraffic', instanceCount: 9 },
          ],
          poll: FAST_POLL,
        })
      ).result(),
    );

    assert.equal(failure.type, 'InvalidInput');
    assert.match(failure.message, new RegExp(`change\\.0\\.variantName: endpoint ${ep} has no variant Blue \\(it has AllTraffic\\)`));
    assert.match(failure.message, /change\.1\.instanceCount: must be within the variant's autoscaling range 1-6; got 9/);
    const changed = Object.keys(h.emulator.control.calls().counts).filter((op) => !/\.(Describe|List)/.test(op) && delta(calls, op) > 0);
    assert.deepEqual(changed, [], 'only reads');
  });

  it('finishes with scaling restored after its worker is killed between deregistration and re-registration', async () => {
    const ep = await autoscaledEndpoint('crash');
    const before = await scalingOf(ep);
    const taskQueue = uniqueName('crash-queue');
    const dir = mkdtempSync(path.join(tmpdir(), 'modelship-worker-'));
    const bundlePath = path.join(dir, 'workflows.js');
    writeFileSync(bundlePath, (await workflowBundle()).code);
    // The update takes ~6 s instead of 300 ms: a window in which the targets are deregistered.
    h.emulator.control.setFaults([{ kind: 'slowTransitions', factor: 20, transitions: ['update'], endpoints: [ep] }]);
    let worker = await startWorkerProcess(h, taskQueue, bundlePath);
    try {
      const handle = await start(
        { endpointName: ep, change: [{ variantName: 'AllTraffic', instanceType: 'ml.c5.xlarge' }], poll: { min: '500ms', max: '1s' } },
        taskQueue,
      );
      await eventually(
        () => handle.query(updateStatusQuery),
        (s) => s.step === 'waiting-updated',
        30_000,
      );
      worker.kill('SIGKILL');
      await new Promise((r) => worker.once('exit', r));
      const meanwhile = await scalingOf(ep);
      assert.deepEqual(
        { ...meanwhile, stepAlarms: meanwhile.stepAlarms.map((a) => a.alarmActions) },
        { targets: [], policies: [], scheduledActions: [], stepAlarms: [[ONCALL_TOPIC]] },
        'killed while the scaling was off (the alarm stays, without the deleted policy as its action)',
      );

      worker = await startWorkerProcess(h, taskQueue, bundlePath);
      const result = await handle.result();

      assert.equal(result.changed, true);
      const served = await servedVariants(ep);
      assert.equal(served.configName, result.endpointConfigName);
      assert.equal(served.variants[0].InstanceType, 'ml.c5.xlarge');
      assertRestoredExactly(await scalingOf(ep), before, ep);
    } finally {
      h.emulator.control.setFaults([]);
      worker.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('endpoint update rollback', () => {
  it('a failed update that raised an instance count puts back the count that was live before (not the retained raised one)', async () => {
    const ep = uniqueName('count-back');
    await createModel(`${ep}-m1`, '1');
    await endpointServing(h.aws, ep, `${ep}-m1`, { autoscaled: false });
    assert.equal((await servedVariants(ep)).live[0].DesiredInstanceCount, 2);
    // The update lands (the endpoint serves the new config with 4 instances) but then stays OutOfService
    // longer than poll.outOfService allows: the pipeline fails and moves the endpoint back.
    h.emulator.control.setFaults([{ kind: 'outOfService', transitions: ['update'], endpoints: [ep], forMs: 2_000, times: 1 }]);
    try {
      const failure = await failureOf(
        (
          await start({ endpointName: ep, change: [{ variantName: 'AllTraffic', instanceCount: 4, weight: 3 }], poll: { ...FAST_POLL, outOfService: '300ms' } })
        ).result(),
      );
      assert.equal(failure.type, 'UpdateFailed');
      assert.match(failure.message, /OutOfService/);
    } finally {
      h.emulator.control.setFaults([]);
    }
    const served = await servedVariants(ep);
    assert.equal(served.status, 'InService');
    assert.equal(served.configName, `${ep}-v1`, 'back on the previous config');
    assert.equal(served.live[0].DesiredInstanceCount, 2, 'the 2 instances it ran before the update, not the 4 the update raised it to');
    assert.equal(served.live[0].CurrentInstanceCount, 2);
    assert.equal(served.live[0].DesiredWeight, 1, 'and its weight before the update');
  });
});

describe('endpoint update onto the config in use', () => {
  it('never sends UpdateEndpoint to the config the endpoint serves: a no-op when nothing differs, a named refusal when only live counts do', async () => {
    const ep = uniqueName('same-config');
    await createModel(`${ep}-m1`, '1');
    await endpointServing(h.aws, ep, `${ep}-m1`, { autoscaled: false });
    const first = await (await start({ endpointName: ep, change: [{ variantName: 'AllTraffic', instanceCount: 3 }], poll: FAST_POLL })).result();
    assert.equal((await servedVariants(ep)).configName, first.endpointConfigName);

    // The same update again: the spec is the config the endpoint serves, and its live count is 3 already.
    let calls = h.emulator.control.calls();
    const again = await (await start({ endpointName: ep, change: [{ variantName: 'AllTraffic', instanceCount: 3 }], poll: FAST_POLL })).result();
    assert.equal(again.changed, false);
    assert.equal(again.endpointConfigName, first.endpointConfigName);
    assert.equal(delta(calls, 'SageMaker.UpdateEndpoint'), 0, 'no UpdateEndpoint');

    // Autoscaling (or an operator) brings the live count down to 2 in place; the config still says 3.
    await h.aws.sagemaker.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: ep,
        DesiredWeightsAndCapacities: [{ VariantName: 'AllTraffic', DesiredInstanceCount: 2 }],
      }),
    );
    await eventually(
      () => describeEndpoint(h.aws.sagemaker, ep),
      (d) => d.EndpointStatus === 'InService' && d.ProductionVariants?.[0]?.CurrentInstanceCount === 2,
    );
    // Asking for 3 again resolves to that very config: AWS would refuse UpdateEndpoint to it.
    calls = h.emulator.control.calls();
    const failure = await failureOf((await start({ endpointName: ep, change: [{ variantName: 'AllTraffic', instanceCount: 3 }], poll: FAST_POLL })).result());
    assert.equal(failure.type, 'InvalidInput');
    assert.match(
      failure.message,
      new RegExp(`already serves config ${first.endpointConfigName}, which holds exactly this spec.*AllTraffic: instanceCount 2 → 3`),
    );
    assert.equal(delta(calls, 'SageMaker.UpdateEndpoint'), 0, 'no UpdateEndpoint');
    assert.equal(delta(calls, 'SageMaker.CreateEndpointConfig'), 0, 'nothing created');
    const served = await servedVariants(ep);
    assert.equal(served.configName, first.endpointConfigName);
    assert.equal(served.live[0].DesiredInstanceCount, 2);
  });
});

describe('endpoint update tags', () => {
  it('the new config keeps the current config’s user tags, and gets its own modelship tags', async () => {
    const ep = uniqueName('tags');
    await createModel(`${ep}-m1`, '1');
    await h.aws.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${ep}-v1`,
        ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: `${ep}-m1`, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }],
        Tags: [
          { Key: 'team', Value: 'risk' },
          { Key: 'cost-center', Value: '42' },
          { Key: 'modelship:run', Value: 'an-earlier-run' },
          { Key: 'modelship:endpoint', Value: 'another-endpoint' },
        ],
      }),
    );
    await h.aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: ep, EndpointConfigName: `${ep}-v1` }));
    await eventually(
      () => describeEndpoint(h.aws.sagemaker, ep),
      (d) => d.EndpointStatus === 'InService',
    );

    const handle = await start({ endpointName: ep, change: [{ variantName: 'AllTraffic', instanceType: 'ml.c5.xlarge' }], poll: FAST_POLL });
    const result = await handle.result();

    const arn = (await h.aws.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: result.endpointConfigName }))).EndpointConfigArn;
    const tags = Object.fromEntries(((await h.aws.sagemaker.send(new ListTagsCommand({ ResourceArn: arn }))).Tags ?? []).map((t) => [t.Key, t.Value]));
    assert.equal(tags.team, 'risk');
    assert.equal(tags['cost-center'], '42');
    assert.equal(tags['modelship:endpoint'], ep, 'its own ownership tags, not the copied ones');
    assert.equal(tags['modelship:run'], handle.firstExecutionRunId);
  });
});
