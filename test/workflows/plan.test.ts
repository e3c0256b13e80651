/**
 * Plan mode against the real SDK, the emulator and a real Temporal server: each plan changes nothing, and
 * the pipeline run afterwards does exactly what its plan said (the names it creates, create vs update,
 * the scaling it removes and puts back, what it deletes and keeps).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { CreateEndpointConfigCommand, CreateModelCommand, CreateModelPackageCommand } from '@aws-sdk/client-sagemaker';
import type { DeployInput } from '../../src/domain/deploy/input';
import type { DeployPlan } from '../../src/domain/deploy/plan';
import { endpointWorkflowId } from '../../src/domain/names';
import type { CallStats } from '../../src/emulator';
import { createStateReader } from '../../src/plan/read-state';
import { planCanaryRun, planDeleteRun, planDeployRun, planUpdateRun, type UpdatePipelinePlan } from '../../src/plan/plans';
import { approveStepSignal, canaryRollout, canaryStatusQuery } from '../../src/workflows/canary';
import { deleteSageMakerEndpoint } from '../../src/workflows/delete-endpoint';
import { deployModel } from '../../src/workflows/deploy';
import { updateSageMakerEndpoint } from '../../src/workflows/update-endpoint';
import { endpointServing, ownedConfigTags, ownedTags } from '../support/endpoints';
import { createHarness, eventually, uniqueName, type Harness } from '../support/harness';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => h?.close());

const BIN = path.resolve(__dirname, '../../bin/modelship');
const ROLE = 'arn:aws:iam::123456789012:role/sagemaker-exec';
const FAST_POLL = { min: '100ms', max: '300ms' };
const image = (model: string, tag: string) => `123456789012.dkr.ecr.us-east-1.amazonaws.com/${model}:${tag}`;

/** `modelship …` as a separate process, reading AWS through the emulator with throwaway credentials. */
function modelship(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: h.env.address,
    MODELSHIP_TASK_QUEUE: h.taskQueue,
    AWS_ACCESS_KEY_ID: 'AKIDPLANTEST',
    AWS_SECRET_ACCESS_KEY: 'plan-test-secret',
    AWS_REGION: 'us-east-1',
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args, '--aws-endpoint', h.emulator.url], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const reader = () => createStateReader(h.aws);

/** Calls that change something: every operation but Describe*, List* and Get*. */
function mutations(calls: CallStats = h.emulator.control.calls()): Record<string, number> {
  return Object.fromEntries(Object.entries(calls.counts).filter(([op]) => !/\.(Describe|List|Get)/.test(op)));
}

/** Runs `plan`, asserting that it sent AWS no create, update or delete call. */
async function changesNothing<T>(plan: () => Promise<T>): Promise<T> {
  const before = mutations();
  const out = await plan();
  assert.deepEqual(mutations(), before, 'a plan must not change anything');
  return out;
}

function since(before: CallStats, op: string): number {
  return (h.emulator.control.calls().counts[op] ?? 0) - (before.counts[op] ?? 0);
}

/** Names of the successful create-like calls of `op` since `before`. */
function createdSince(before: CallStats, op: string): string[] {
  return h.emulator.control
    .calls()
    .creates.slice(before.creates.length)
    .filter((c) => c.operation === op && !c.error)
    .map((c) => c.name!);
}

function ok<T>(planned: { ok: true; plan: T } | { ok: false; refusal: unknown }): T {
  assert.ok(planned.ok, `expected a plan, got ${JSON.stringify(!planned.ok && planned.refusal)}`);
  return planned.plan;
}

function deployInput(endpointName: string, model: string, tag: string): DeployInput {
  return {
    endpointName,
    model: { name: model, image: image(model, tag), modelDataUrl: `s3://models/${model}/${tag}.tar.gz` },
    executionRoleArn: ROLE,
    instanceType: 'ml.m5.large',
    instanceCount: 2,
    autoApprove: true,
    poll: FAST_POLL,
  };
}

const deploy = (input: DeployInput) =>
  h.client.workflow.execute(deployModel, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(input.endpointName), args: [input] });

async function registerApproved(model: string, tag: string): Promise<void> {
  await h.aws.sagemaker.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: model,
      InferenceSpecification: {
        Containers: [{ Image: image(model, tag), ModelDataUrl: `s3://models/${model}/${tag}.tar.gz` }],
        SupportedContentTypes: ['application/json'],
        SupportedResponseMIMETypes: ['application/json'],
      },
      ModelApprovalStatus: 'Approved',
    }),
  );
}

/** An InService endpoint on `<ep>-v1` serving `model`, optionally with a target-tracking and a step policy. */
const endpoint = (ep: string, model: string, autoscaled: boolean) => endpointServing(h.aws, ep, model, { autoscaled, stepPolicy: true, owned: true });

/** `owner`: tagged as a modelship run for that endpoint tags the models it creates. */
async function createModel(name: string, tag: string, owner?: string): Promise<void> {
  await h.aws.sagemaker.send(
    new CreateModelCommand({
      ModelName: name,
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: image('churn', tag), ModelDataUrl: `s3://models/churn/${tag}.tar.gz` },
      ...(owner ? { Tags: ownedTags(owner) } : {}),
    }),
  );
}

describe('plan mode: each plan changes nothing, and the pipeline then does what it said', () => {
  it('deploy: predicts the version, names and endpoint create, then the update from the old config, the archived version and what archive: false removes', async () => {
    const ep = uniqueName('plan-dep');
    const model = uniqueName('m');

    const first = ok(await changesNothing(() => planDeployRun(deployInput(ep, model, 'v1'), reader())));
    assert.equal(first.endpointAction, 'create');
    assert.deepEqual(first.changes.map((c) => `${c.action} ${c.resource}`).slice(0, 2), ['create model package group', 'create model version']);
    let calls = h.emulator.control.calls();
    const v1 = await deploy(deployInput(ep, model, 'v1'));
    assert.equal(v1.version, first.version);
    assert.equal(v1.sageMakerModelName, first.sageMakerModelName);
    assert.equal(v1.endpointConfigName, first.endpointConfigName);
    assert.deepEqual(createdSince(calls, 'SageMaker.CreateModel'), [first.sageMakerModelName]);
    assert.deepEqual(createdSince(calls, 'SageMaker.CreateEndpointConfig'), [first.endpointConfigName]);
    assert.deepEqual(createdSince(calls, 'SageMaker.CreateEndpoint'), [ep]);

    // The second one through the CLI: `plan deploy … --json` prints the same plan object as the function.
    const flags = [
      '--endpoint',
      ep,
      '--model',
      model,
      '--image',
      image(model, 'v2'),
      '--model-data-url',
      `s3://models/${model}/v2.tar.gz`,
      '--role',
      ROLE,
      '--instance-type',
      'ml.m5.large',
      '--instance-count',
      '2',
      '--auto-approve',
    ];
    const runBefore = (await h.client.workflow.getHandle(endpointWorkflowId(ep)).describe()).runId;
    const before = mutations();
    const json = await modelship('plan', 'deploy', ...flags, '--json');
    assert.equal(json.code, 0, json.stderr);
    const second = JSON.parse(json.stdout) as DeployPlan;
    assert.deepEqual(mutations(), before, 'a plan must not change anything');
    const input = deployInput(ep, model, 'v2');
    assert.deepEqual(JSON.parse(JSON.stringify(ok(await changesNothing(() => planDeployRun(input, reader()))))), second);
    assert.equal(second.version, 2);
    assert.equal(second.endpointAction, 'update');
    assert.equal(second.previousEndpointConfigName, first.endpointConfigName);
    assert.deepEqual(second.archived, [`${model}/1`]);
    assert.deepEqual(
      second.changes.find((c) => c.resource === 'endpoint'),
      {
        action: 'update',
        resource: 'endpoint',
        name: ep,
        detail: `from ${first.endpointConfigName} to ${second.endpointConfigName}`,
      },
    );
    assert.equal((await h.client.workflow.getHandle(endpointWorkflowId(ep)).describe()).runId, runBefore, 'no pipeline was started');

    // archive: false also deletes the superseded config and model: the plan names them.
    const cleaning = ok(await changesNothing(() => planDeployRun({ ...input, archive: false }, reader())));
    assert.deepEqual(cleaning.removed, [first.endpointConfigName, first.sageMakerModelName]);
    calls = h.emulator.control.calls();
    const v2 = await deploy({ ...input, archive: false });
    assert.deepEqual(v2.removed, cleaning.removed);
    assert.equal(v2.endpointConfigName, cleaning.endpointConfigName);
    assert.equal(v2.version, second.version);
    assert.equal(v2.endpointConfigName, second.endpointConfigName);
    assert.equal(v2.previousEndpointConfigName, second.previousEndpointConfigName);
    assert.deepEqual(v2.archived, second.archived);
    assert.deepEqual(createdSince(calls, 'SageMaker.CreateModel'), [second.sageMakerModelName]);
    assert.deepEqual(createdSince(calls, 'SageMaker.CreateEndpointConfig'), [second.endpointConfigName]);
    assert.equal(since(calls, 'SageMaker.CreateEndpoint'), 0);
    assert.equal(since(calls, 'SageMaker.UpdateEndpoint'), 1);
  });

  it('canary: variants, ramp and final configs, weights per step and cleanup match the rollout; refusals exit 2 with the reason', async () => {
    const ep = uniqueName('plan-can');
    const model = uniqueName('m');
    await deploy(deployInput(ep, model, 'v1'));
    await registerApproved(model, 'v2');
    await h.aws.sagemaker.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: model,
        InferenceSpecification: {
          Containers: [{ Image: image(model, 'v3'), ModelDataUrl: 's3://m/v3.tar.gz' }],
          SupportedContentTypes: ['application/json'],
          SupportedResponseMIMETypes: ['application/json'],
        },
      }),
    );
    const input = {
      endpointName: ep,
      model: { name: model, version: 2 },
      executionRoleArn: ROLE,
      steps: [20, 100],
      approvalSteps: [100],
      bake: '800ms',
      gate: { minInvocations: 5, metricPeriod: '1s', maxErrorRate: 0.05 },
      poll: FAST_POLL,
    };

    const before = mutations();
    const [refused, cli] = await Promise.all([
      modelship('plan', 'canary', '--endpoint', ep, '--model', model, '--version', '3', '--role', ROLE),
      modelship('canary', '--endpoint', ep, '--model', model, '--version', '2', '--role', ROLE, '--steps', '20,100', '--approval-steps', '100', '--plan'),
    ]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /refused \(VersionNotApproved\): .* version 3 is PendingManualApproval; only an Approved version can be rolled out/);
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(mutations(), before, 'a plan must not change anything');
    assert.match(cli.stdout, /step +AllTraffic +canary/);
    // The 100 % step is the promotion: straight to the final config after its approval, no in-place 100 %.
    assert.match(cli.stdout, new RegExp(`^ {2}2 +0% ×2 +100% ×2 +approval, promote: config ${ep}-v2-\\w+$`, 'm'));
    assert.match(cli.stdout, new RegExp(`^~ update endpoint ${ep} from ${ep}-v1-\\w+ to ${ep}-canary-v2-\\w+ \\(canary 20%\\)$`, 'm'));
    assert.match(cli.stdout, new RegExp(`^- delete model ${model}-v1$`, 'm'));

    const read = h.emulator.control.calls();
    const plan = ok(await changesNothing(() => planCanaryRun(input, reader())));
    // It reads the cleanup by tag, as the rollout does: no listing of the account's endpoints.
    assert.deepEqual([since(read, 'SageMaker.ListEndpoints'), since(read, 'SageMaker.ListEndpointConfigs')], [0, 0]);
    assert.deepEqual(
      plan.steps.map((s) => [s.baselineWeight, s.canaryWeight, s.waitsForApproval]),
      [
        [80, 20, false],
        [0, 100, true],
      ],
    );
    assert.deepEqual(
      [plan.baseline.modelName, plan.baseline.instanceCount, plan.canary.modelName, plan.canary.instanceCount],
      [`${model}-v1`, 2, `${model}-v2`, 1],
    );
    assert.deepEqual(plan.removed.slice(1), [plan.originalEndpointConfigName, `${model}-v1`]);
    const byRef = ok(await changesNothing(() => planCanaryRun({ ...input, model: { ref: `models:/${model}/2` } }, reader())));
    assert.deepEqual(
      [byRef.rampEndpointConfigName, byRef.finalEndpointConfigName, byRef.modelRef?.moving],
      [plan.rampEndpointConfigName, plan.finalEndpointConfigName, false],
    );

    const calls = h.emulator.control.calls();
    h.emulator.control.startTraffic({ endpointName: ep, rps: 200 });
    const handle = await h.client.workflow.start(canaryRollout, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(ep), args: [input] });
    await eventually(
      () => handle.query(canaryStatusQuery),
      (s) => s.phase === 'awaiting-approval',
    );
    await handle.signal(approveStepSignal, { by: 'test' });
    const result = await handle.result();
    h.emulator.control.stopTraffic(ep);
    assert.equal(result.endpointConfigName, plan.finalEndpointConfigName);
    assert.deepEqual(result.removed, plan.removed);
    assert.deepEqual(createdSince(calls, 'SageMaker.CreateModel'), [plan.sageMakerModelName]);
    assert.deepEqual(createdSince(calls, 'SageMaker.CreateEndpointConfig'), [plan.rampEndpointConfigName, plan.finalEndpointConfigName]);
    // One call per in-place weight shift, and one before each shift that raises the canary's count; the 100 %
    // step is the promotion (UpdateEndpoint to the final config), so here there is none at all.
    const shifts = plan.steps.filter((s) => s.via === 'UpdateEndpointWeightsAndCapacities');
    const raises = plan.steps.filter((s, i) => i > 0 && !s.promotes && s.canaryInstances > plan.steps[i - 1].canaryInstances);
    assert.deepEqual(
      plan.steps.map((s) => [s.canaryInstances, s.promotes]),
      [
        [1, false],
        [2, true],
      ],
      'the canary follows its weight on a 2-instance baseline; the final variant runs 2',
    );
    assert.equal(shifts.length + raises.length, 0);
    assert.equal(since(calls, 'SageMaker.UpdateEndpointWeightsAndCapacities'), shifts.length + raises.length);

    const again = await changesNothing(() => planCanaryRun(input, reader()));
    assert.deepEqual(again, { ok: false, refusal: { type: 'AlreadyServing', reason: `endpoint ${ep} already serves ${model} version 2` } });
  });

  it('update: the autoscaling rule, the targets and policies removed and restored, and the new config match the run', async () => {
    const ep = uniqueName('plan-upd');
    await createModel(`${ep}-m1`, '1');
    await endpoint(ep, `${ep}-m1`, true);
    const before = mutations();
    const cli = await modelship(
      'update',
      '--endpoint',
      ep,
      '--variant',
      'AllTraffic',
      '--instance-type',
      'ml.c5.xlarge',
      '--raise',
      'AllTraffic=3',
      '--plan',
      '--json',
    );
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(mutations(), before, 'a plan must not change anything');
    const viaCli = JSON.parse(cli.stdout) as UpdatePipelinePlan;
    const input = {
      endpointName: ep,
      change: [{ variantName: 'AllTraffic', instanceType: 'ml.c5.xlarge' }],
      raiseCapacityDuringUpdate: { AllTraffic: 3 },
      poll: FAST_POLL,
    };
    const plan = ok(await changesNothing(() => planUpdateRun(input, reader())));
    assert.equal(viaCli.newConfigName, plan.newConfigName);
    assert.equal(plan.autoscalingRule.applies, true);
    assert.deepEqual(
      plan.deregister.map((s) => [s.resourceId, s.minCapacity, s.maxCapacity, s.policies.map((p) => p.policyName).sort()]),
      [[`endpoint/${ep}/variant/AllTraffic`, 1, 4, ['invocations-per-instance', 'step-out']]],
    );
    assert.deepEqual(plan.raise, [{ variantName: 'AllTraffic', instanceCount: 3 }]);
    const target = `endpoint/${ep}/variant/AllTraffic`;
    assert.deepEqual(
      plan.changes.map((c) => `${c.action} ${c.resource} ${c.name}`),
      [
        'delete scaling policy invocations-per-instance',
        'delete scaling policy step-out',
        `delete scalable target ${target}`,
        `update endpoint capacity ${ep}/AllTraffic`,
        `create endpoint config ${plan.newConfigName}`,
        `update endpoint ${ep}`,
        `create scalable target ${target}`,
        'create scaling policy invocations-per-instance',
        'create scaling policy step-out',
      ],
    );

    const calls = h.emulator.control.calls();
    const result = await h.client.workflow.execute(updateSageMakerEndpoint, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(ep), args: [input] });
    assert.equal(result.endpointConfigName, plan.newConfigName);
    assert.equal(result.previousEndpointConfigName, plan.currentConfigName);
    assert.deepEqual(result.changes, plan.variantChanges);
    assert.deepEqual(
      result.autoscaling.restored,
      plan.restore.map((s) => s.variantName),
    );
    assert.deepEqual(createdSince(calls, 'SageMaker.CreateEndpointConfig'), [plan.newConfigName]);
    const policies = plan.deregister.flatMap((s) => s.policies.map((p) => p.policyName));
    assert.equal(since(calls, 'AnyScaleFrontendService.DeleteScalingPolicy'), policies.length);
    assert.equal(since(calls, 'AnyScaleFrontendService.DeregisterScalableTarget'), plan.deregister.length);
    assert.deepEqual(
      createdSince(calls, 'AnyScaleFrontendService.RegisterScalableTarget'),
      plan.restore.map((s) => s.resourceId),
    );
    assert.deepEqual(
      createdSince(calls, 'AnyScaleFrontendService.PutScalingPolicy').sort(),
      plan.restore.flatMap((s) => s.policies.map((p) => p.policyName)).sort(),
    );
    assert.equal(since(calls, 'SageMaker.UpdateEndpointWeightsAndCapacities'), plan.raise.length);
  });

  it('delete: scaling, endpoint, configs and models to delete, and the model kept for another endpoint, match the run', async () => {
    const ep = uniqueName('plan-del');
    const other = uniqueName('plan-keep');
    // Both models made for `ep`; `other` serves the shared one too (the same version on two endpoints).
    await Promise.all([createModel(`${ep}-own`, '1', ep), createModel(`${ep}-shared`, '2', ep)]);
    await Promise.all([endpoint(ep, `${ep}-own`, true), endpoint(other, `${ep}-shared`, false)]);
    // A second config of the endpoint (its tags say so), serving the shared model: it goes, the shared model stays.
    await h.aws.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${ep}-old`,
        ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: `${ep}-shared`, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }],
        Tags: ownedConfigTags(ep, [`${ep}-shared`]),
      }),
    );

    const before = mutations();
    const human = await modelship('delete', '--endpoint', ep, '--plan');
    assert.equal(human.code, 0, human.stderr);
    assert.deepEqual(mutations(), before, 'a plan must not change anything');
    const plan = ok(await changesNothing(() => planDeleteRun({ endpointName: ep }, reader())));
    assert.deepEqual(plan.deletedEndpointConfigs, [`${ep}-old`, `${ep}-v1`]);
    assert.deepEqual(plan.deletedModels, [`${ep}-own`]);
    assert.deepEqual(plan.kept, [{ kind: 'model', name: `${ep}-shared`, reason: `endpoint config ${other}-v1 uses it` }]);
    assert.match(human.stdout, new RegExp(`^- delete endpoint ${ep}: InService`, 'm'));
    assert.match(human.stdout, new RegExp(`^= keep model ${ep}-shared: endpoint config ${other}-v1 uses it$`, 'm'));
    assert.match(human.stdout, /^- delete scaling policy step-out: StepScaling on endpoint\//m);

    const calls = h.emulator.control.calls();
    const result = await h.client.workflow.execute(deleteSageMakerEndpoint, {
      taskQueue: h.taskQueue,
      workflowId: endpointWorkflowId(ep),
      args: [{ endpointName: ep, poll: FAST_POLL }],
    });
    assert.equal(result.endpointDeleted, plan.endpointDeleted);
    assert.deepEqual(result.scalingRemoved, plan.scalingRemoved);
    assert.deepEqual(result.deletedEndpointConfigs, plan.deletedEndpointConfigs);
    assert.deepEqual(result.deletedModels, plan.deletedModels);
    assert.deepEqual(result.kept, plan.kept);
    assert.equal(since(calls, 'AnyScaleFrontendService.DeleteScalingPolicy'), plan.scaling.flatMap((s) => s.policies).length);
    assert.equal(since(calls, 'AnyScaleFrontendService.DeregisterScalableTarget'), plan.scaling.length);
    assert.equal(since(calls, 'SageMaker.DeleteEndpoint'), 1);
    assert.equal(since(calls, 'SageMaker.DeleteModel'), plan.deletedModels.length);

    // Planned again, the endpoint is gone and nothing is left to do (the shared model still stays).
    const gone = ok(await changesNothing(() => planDeleteRun({ endpointName: ep }, reader())));
    assert.deepEqual([gone.endpointDeleted, gone.changes.map((c) => `${c.action} ${c.name}`)], [false, [`keep ${ep}-shared`]]);
  });
});
