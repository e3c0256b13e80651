import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateModelCommand, CreateModelPackageCommand, CreateModelPackageGroupCommand } from '@aws-sdk/client-sagemaker';
import type { CanaryInput } from '../../src/domain/canary/input';
import { describeEndpoint, registryVersions, resourcesNamed } from '../../src/inventory';
import { abortSignal, approveStepSignal, canaryStatusQuery, pauseSignal, promoteSignal, resumeSignal, setWeightUpdate } from '../../src/workflows/canary';
import { canaryInput, endpointWithNewVersion as withNewVersion, image, phaseIs, ROLE, assertRestored as restored, startCanary } from '../support/canary';
import { endpointServing } from '../support/endpoints';
import { createHarness, eventually, uniqueName, type Harness, failureOf } from '../support/harness';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => h?.close());

const endpointWithNewVersion = (prefix: string) => withNewVersion(h, prefix);
const start = (input: CanaryInput) => startCanary(h, input);
const assertRestored = (endpointName: string, model: string, v1Config: string) => restored(h, endpointName, model, v1Config);

describe('canary rollout', () => {
  it('ramps a healthy canary to 100%, promotes it and marks the registry, removing what it superseded', async () => {
    const { endpointName, model, v1 } = await endpointWithNewVersion('healthy');
    const handle = await start(canaryInput(endpointName, model));
    const result = await handle.result();
    h.emulator.control.stopTraffic(endpointName);

    // The 100 % step is the promotion itself: no gate on the ramp config at 100 %.
    assert.deepEqual(
      result.gates.map((g) => [g.weight, g.verdict]),
      [
        [10, 'pass'],
        [50, 'pass'],
      ],
    );
    for (const g of result.gates) assert.ok(g.canary.invocations >= 5, `gate at ${g.weight}% saw ${g.canary.invocations} canary invocations`);
    const ep = await describeEndpoint(h.aws.sagemaker, endpointName);
    assert.equal(ep.EndpointConfigName, result.endpointConfigName);
    assert.deepEqual(
      ep.ProductionVariants?.map((v) => [v.VariantName, v.CurrentInstanceCount]),
      [['AllTraffic', 2]],
      'baseline name and capacity carried over',
    );
    assert.ok(ep.ProductionVariants?.[0].DeployedImages?.[0].SpecifiedImage?.endsWith(':v2'));
    assert.deepEqual(
      (await registryVersions(h.aws.sagemaker, model)).map((v) => [v.version, v.stage]),
      [
        [1, 'Archived'],
        [2, 'Production'],
      ],
    );
    // In the order the cleanup deletes them: the ramp config, the original config, the baseline model.
    assert.match(result.removed[0], /-canary-v2-/);
    assert.deepEqual(result.removed.slice(1), [v1.endpointConfigName, v1.sageMakerModelName]);
    assert.deepEqual((await resourcesNamed(h.aws.sagemaker, endpointName)).endpointConfigs, [result.endpointConfigName]);
    assert.deepEqual((await resourcesNamed(h.aws.sagemaker, model)).models, [`${model}-v2`]);
  });

  it('leaves a hand-made baseline config and model alone after promoting, and lists no endpoints to decide it', async () => {
    const endpointName = uniqueName('handmade');
    const model = uniqueName('m');
    // Set up by hand (an infrastructure team's Terraform): model and config without modelship's ownership tags.
    const theirModel = `${endpointName}-manual`;
    await h.aws.sagemaker.send(
      new CreateModelCommand({
        ModelName: theirModel,
        ExecutionRoleArn: ROLE,
        PrimaryContainer: { Image: image(model, 'manual'), ModelDataUrl: `s3://manual/${model}.tar.gz` },
      }),
    );
    await endpointServing(h.aws, endpointName, theirModel, { autoscaled: false });
    const theirConfig = `${endpointName}-v1`;
    await h.aws.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: model }));
    await h.aws.sagemaker.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: model,
        InferenceSpecification: {
          Containers: [{ Image: image(model, 'v1'), ModelDataUrl: `s3://models/${model}/v1.tar.gz` }],
          SupportedContentTypes: ['application/json'],
          SupportedResponseMIMETypes: ['application/json'],
        },
        ModelApprovalStatus: 'Approved',
      }),
    );
    h.emulator.control.startTraffic({ endpointName, rps: 200 });
    const before = h.emulator.control.calls().counts;

    const result = await (await start({ ...canaryInput(endpointName, model), model: { name: model, version: 1 } })).result();
    h.emulator.control.stopTraffic(endpointName);

    const now = h.emulator.control.calls().counts;
    const listed = Object.keys(now).filter((op) => /^SageMaker\.List(Endpoints|EndpointConfigs|Models)$/.test(op) && now[op]! - (before[op] ?? 0) > 0);
    assert.deepEqual(listed, [], 'no ListEndpoints / ListEndpointConfigs / ListModels: the cleanup reads by tag');
    assert.equal((await describeEndpoint(h.aws.sagemaker, endpointName)).EndpointConfigName, result.endpointConfigName);
    assert.equal(result.removed.length, 1, `only the ramp config goes: ${result.removed.join(', ')}`);
    assert.match(result.removed[0], /-canary-v1-/);
    const s = h.emulator.control.state();
    assert.ok(
      s.endpointConfigs.some((c) => c.name === theirConfig),
      'their config stays',
    );
    assert.ok(
      s.models.some((m) => m.name === theirModel),
      'their model stays',
    );
    assert.deepEqual(
      (await resourcesNamed(h.aws.sagemaker, endpointName)).endpointConfigs.sort(),
      [theirConfig, result.endpointConfigName].sort(),
      'the ramp config is gone',
    );
  });

  it('rolls an unhealthy canary back at the first gate: traffic restored, canary removed, version rejected', async () => {
    const { endpointName, model, v1, canaryImage } = await endpointWithNewVersion('unhealthy');
    h.emulator.control.setBehaviours({ [canaryImage]: { errorRate: 0.4 } });
    const handle = await start(canaryInput(endpointName, model));

    const failure = await failureOf(handle.result());
    h.emulator.control.stopTraffic(endpointName);

    assert.equal(failure.type, 'GateFailed');
    assert.match(failure.message, /gate failed at 10%: canary 5xx rate \d+\.\d+% is above the limit 5\.00%/);
    const status = await handle.query(canaryStatusQuery);
    assert.equal(status.phase, 'rolled-back');
    assert.equal(status.gates.length, 1);
    assert.equal(status.gates[0].verdict, 'fail');
    assert.ok(status.gates[0].canary.errors5xx > 0 && status.gates[0].baseline.errors5xx === 0);
    await assertRestored(endpointName, model, v1.endpointConfigName);
    const v2 = (await registryVersions(h.aws.sagemaker, model))[1];
    assert.deepEqual([v2.approval, v2.stageStatus], ['Rejected', 'CanaryRolledBack']);
  });

  it('rolls back a canary whose latency is far above the baseline', async () => {
    const { endpointName, model, v1, canaryImage } = await endpointWithNewVersion('slow');
    h.emulator.control.setBehaviours({ [canaryImage]: { latencyMs: 60 } });
    const failure = await failureOf((await start(canaryInput(endpointName, model))).result());
    h.emulator.control.stopTraffic(endpointName);
    assert.equal(failure.type, 'GateFailed');
    assert.match(failure.message, /p99 latency .* is more than 1\.5x the baseline/);
    await assertRestored(endpointName, model, v1.endpointConfigName);
  });

  it('detects SageMaker rolling the first UpdateEndpoint back and fails with its FailureReason', async () => {
    const { endpointName, model, v1, canaryImage } = await endpointWithNewVersion('svc-rollback');
    h.emulator.control.setBehaviours({ [canaryImage]: { healthy: false, failureReason: 'canary container failed health check' } });
    const failure = await failureOf((await start(canaryInput(endpointName, model))).result());
    h.emulator.control.stopTraffic(endpointName);
    assert.equal(failure.type, 'EndpointDrift');
    assert.match(failure.message, /serves config .*expected .*canary.*canary container failed health check/);
    await assertRestored(endpointName, model, v1.endpointConfigName);
  });

  it('obeys pause, setWeight, resume, approve, promote and promote --full, and records who did what', async () => {
    const { endpointName, model } = await endpointWithNewVersion('steer');
    const handle = await start(canaryInput(endpointName, model, { bake: '60s', approvalSteps: [50] }));

    await eventually(() => handle.query(canaryStatusQuery), phaseIs('baking', 10));
    await handle.signal(pauseSignal, { by: 'alice', reason: 'looking at dashboards' });
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('paused'));

    await assert.rejects(handle.executeUpdate(setWeightUpdate, { args: [{ weight: 150 }] }), (err: Error) => {
      assert.match(String((err.cause as Error | undefined)?.message), /weight must be a number from 0 to 99/);
      return true;
    });
    const afterSet = await handle.executeUpdate(setWeightUpdate, { args: [{ weight: 30, by: 'alice' }] });
    assert.equal(afterSet.canaryWeight, 30);
    const weights = (await describeEndpoint(h.aws.sagemaker, endpointName)).ProductionVariants?.map((v) => [v.VariantName, v.CurrentWeight]);
    assert.deepEqual(weights, [
      ['AllTraffic', 70],
      ['canary', 30],
    ]);

    await handle.signal(resumeSignal, { by: 'alice' });
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('baking', 30));
    await handle.signal(promoteSignal, { by: 'bob', reason: 'metrics look fine' });
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('awaiting-approval'));
    assert.equal((await handle.query(canaryStatusQuery)).canaryWeight, 30, 'holds before an approval step');
    await handle.signal(approveStepSignal, { by: 'carol' });
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('baking', 50));
    await handle.signal(promoteSignal, { by: 'bob', full: true });

    const result = await handle.result();
    h.emulator.control.stopTraffic(endpointName);
    assert.ok(result.endpointConfigName);
    const status = await handle.query(canaryStatusQuery);
    assert.equal(status.phase, 'succeeded');
    assert.deepEqual(
      status.actions.map((a) => [a.action, a.by]),
      [
        ['pause', 'alice'],
        ['set-weight', 'alice'],
        ['resume', 'alice'],
        ['promote', 'bob'],
        ['approve', 'carol'],
        ['promote-full', 'bob'],
      ],
    );
    assert.equal(status.actions[1].detail, '10% -> 30%');
  });

  it('aborts on request: traffic back to the baseline, canary removed, version left Approved for a retry', async () => {
    const { endpointName, model, v1 } = await endpointWithNewVersion('abort');
    const handle = await start(canaryInput(endpointName, model, { bake: '60s' }));
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('baking', 10));
    await handle.signal(abortSignal, { by: 'dave', reason: 'incident 42' });

    const failure = await failureOf(handle.result());
    h.emulator.control.stopTraffic(endpointName);
    assert.equal(failure.type, 'Aborted');
    assert.match(failure.message, /aborted by dave: incident 42/);
    await assertRestored(endpointName, model, v1.endpointConfigName);
    const v2 = (await registryVersions(h.aws.sagemaker, model))[1];
    assert.deepEqual([v2.approval, v2.stageStatus], ['Approved', 'CanaryAborted']);
  });

  it('fails when the gate stays inconclusive (no traffic), after re-measuring as asked', async () => {
    const { endpointName, model, v1 } = await endpointWithNewVersion('quiet');
    h.emulator.control.stopTraffic(endpointName);
    const handle = await start(
      canaryInput(endpointName, model, { bake: '500ms', gate: { minInvocations: 5, metricPeriod: '1s', onInconclusive: 'wait', maxInconclusive: 2 } }),
    );
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, 'GateInconclusive');
    const status = await handle.query(canaryStatusQuery);
    assert.deepEqual(
      status.gates.map((g) => g.verdict),
      ['inconclusive', 'inconclusive'],
    );
    assert.match(status.gates.at(-1)!.reasons[0], /only 0 canary invocations in the window; 5 needed/);
    await assertRestored(endpointName, model, v1.endpointConfigName);
  });

  it('pauses for a human on an inconclusive gate when asked to', async () => {
    const { endpointName, model } = await endpointWithNewVersion('quiet-pause');
    h.emulator.control.stopTraffic(endpointName);
    const handle = await start(canaryInput(endpointName, model, { bake: '500ms', gate: { minInvocations: 5, metricPeriod: '1s', onInconclusive: 'pause' } }));
    const paused = await eventually(() => handle.query(canaryStatusQuery), phaseIs('paused'));
    assert.equal(paused.gates[0].verdict, 'inconclusive');
    assert.equal(paused.actions[0].by, 'gate');
    await handle.signal(abortSignal, { by: 'erin' });
    assert.equal((await failureOf(handle.result())).type, 'Aborted');
  });

  it('refuses a version that is not approved, and a second rollout on a busy endpoint', async () => {
    const { endpointName, model } = await endpointWithNewVersion('refuse');
    const same = await failureOf((await start({ ...canaryInput(endpointName, model), model: { name: model, version: 1 } })).result());
    assert.equal(same.type, 'AlreadyServing');
    assert.match(same.message, /already serves .* version 1/);
    await h.aws.sagemaker.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: model,
        InferenceSpecification: {
          Containers: [{ Image: image(model, 'v3') }],
          SupportedContentTypes: ['application/json'],
          SupportedResponseMIMETypes: ['application/json'],
        },
        ModelApprovalStatus: 'PendingManualApproval',
      }),
    );
    const pending = await failureOf((await start({ ...canaryInput(endpointName, model), model: { name: model, version: 3 } })).result());
    assert.equal(pending.type, 'VersionNotApproved');
    assert.match(pending.message, /version 3 is PendingManualApproval; only an Approved version can be rolled out/);

    const running = await start(canaryInput(endpointName, model, { bake: '60s' }));
    await assert.rejects(start(canaryInput(endpointName, model)), /already started/i);
    await running.signal(abortSignal, { by: 'test' });
    await failureOf(running.result());
    h.emulator.control.stopTraffic(endpointName);
  });

  it('holds outside its deployment window before shifting any traffic', async () => {
    const { endpointName, model, v1 } = await endpointWithNewVersion('window');
    const hour = new Date().getUTCHours();
    const from = (hour + 2) % 24 === 23 ? 1 : (hour + 2) % 24;
    const hh = (n: number) => `${String(n).padStart(2, '0')}:00`;
    const handle = await start(
      canaryInput(endpointName, model, {
        windows: { timezone: 'UTC', allowed: [{ days: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'], from: hh(from), to: hh(from + 1) }] },
      }),
    );

    await eventually(() => handle.query(canaryStatusQuery), phaseIs('holding'));
    const ep = await describeEndpoint(h.aws.sagemaker, endpointName);
    assert.equal(ep.EndpointConfigName, v1.endpointConfigName, 'no traffic shifted while holding');
    await handle.signal(abortSignal, { by: 'test' });
    assert.equal((await failureOf(handle.result())).type, 'Aborted');
    h.emulator.control.stopTraffic(endpointName);
    await assertRestored(endpointName, model, v1.endpointConfigName);
  });

  it('refuses bad input with fields and rules named, before any AWS call', async () => {
    const callsBefore = Object.values(h.emulator.control.calls().counts).reduce((a, b) => a + b, 0);
    const failure = await failureOf((await start({ ...canaryInput(uniqueName('bad'), 'm'), steps: [50, 25, 90], gate: { dryRun: true } })).result());
    assert.equal(failure.type, 'InvalidInput');
    assert.match(failure.message, /steps: must be strictly increasing/);
    assert.match(failure.message, /steps: must end at 100/);
    assert.match(failure.message, /gate\.dryRun: a dry-run gate never stops a bad canary; set force: true/);
    assert.equal(
      Object.values(h.emulator.control.calls().counts).reduce((a, b) => a + b, 0),
      callsBefore,
    );
  });
});
