import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import { CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand } from '@aws-sdk/client-sagemaker';
import type { DeleteInput } from '../../src/domain/delete/input';
import type { DeployInput } from '../../src/domain/deploy/input';
import { endpointConfigName, endpointWorkflowId } from '../../src/domain/names';
import type { CallStats } from '../../src/emulator';
import { describeEndpoint } from '../../src/inventory';
import { deleteSageMakerEndpoint, deleteStatusQuery } from '../../src/workflows/delete-endpoint';
import { deployModel, rejectSignal } from '../../src/workflows/deploy';
import { endpointServing, ownedConfigTags, ownedTags } from '../support/endpoints';
import { decorateScaling, ONCALL_TOPIC, scalingOf, stepAlarmName } from '../support/scaling';
import { createHarness, eventually, uniqueName, within, type Harness, failureOf } from '../support/harness';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => h?.close());

const ROLE = 'arn:aws:iam::123456789012:role/sagemaker-exec';
const FAST_POLL = { min: '100ms', max: '500ms' };

/** A model; `owner`: tagged as a modelship run for that endpoint tags what it creates. */
async function createModel(name: string, owner?: string): Promise<void> {
  await h.aws.sagemaker.send(
    new CreateModelCommand({
      ModelName: name,
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1', ModelDataUrl: 's3://models/churn/1/model.tar.gz' },
      ...(owner ? { Tags: ownedTags(owner) } : {}),
    }),
  );
}

/** A config serving `model`; `owner`: tagged as a modelship run for that endpoint tags what it creates. */
async function createConfig(name: string, model: string, owner?: string): Promise<void> {
  await h.aws.sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: model, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }],
      ...(owner ? { Tags: ownedConfigTags(owner, [model]) } : {}),
    }),
  );
}

/**
 * An InService endpoint on config `<ep>-v1` serving `model`, optionally autoscaled with a target-tracking
 * policy; its config and endpoint carry the ownership tags, as a modelship deploy leaves them.
 */
const endpoint = (ep: string, model: string, autoscaled = true) => endpointServing(h.aws, ep, model, { autoscaled, owned: true });

/** Everything the emulator holds whose name mentions `fragment`: models, configs, endpoints, targets, policies, alarms. */
function leftovers(fragment: string) {
  const s = h.emulator.control.state();
  return {
    models: s.models
      .map((m) => m.name)
      .filter((n) => n.includes(fragment))
      .sort(),
    endpointConfigs: s.endpointConfigs
      .map((c) => c.name)
      .filter((n) => n.includes(fragment))
      .sort(),
    endpoints: s.endpoints
      .map((e) => e.name)
      .filter((n) => n.includes(fragment))
      .sort(),
    scalableTargets: s.scalableTargets
      .map((t) => t.resourceId)
      .filter((n) => n.includes(fragment))
      .sort(),
    scalingPolicies: s.scalingPolicies
      .map((p) => `${p.resourceId}:${p.policyName}`)
      .filter((n) => n.includes(fragment))
      .sort(),
    alarms: s.alarms
      .map((a) => a.alarmName)
      .filter((n) => n.includes(fragment))
      .sort(),
  };
}

const NOTHING = { models: [], endpointConfigs: [], endpoints: [], scalableTargets: [], scalingPolicies: [], alarms: [] };

function start(input: DeleteInput) {
  return h.client.workflow.start(deleteSageMakerEndpoint, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(input.endpointName), args: [input] });
}

function mutatingCalls(before: CallStats): string[] {
  const now = h.emulator.control.calls().counts;
  return Object.keys(now).filter((op) => !/\.(Describe|List|Get)/.test(op) && now[op] - (before.counts[op] ?? 0) > 0);
}

describe('endpoint delete', () => {
  it('deletes an autoscaled, updated endpoint with every config, model, target and policy it had', async () => {
    const ep = uniqueName('del');
    await createModel(`${ep}-m1`, ep);
    await createModel(`${ep}-m2`, ep);
    await endpoint(ep, `${ep}-m1`);
    // A second config the endpoint no longer serves (an archived one): the delete must find both.
    await createConfig(`${ep}-v2`, `${ep}-m2`, ep);
    assert.equal(leftovers(ep).endpointConfigs.length, 2);
    assert.equal(leftovers(ep).alarms.length, 2, 'target tracking made its two alarms');
    // Without the permission, DeleteEndpoint is refused while targets exist: modelship removes them itself.
    h.emulator.control.setSettings({ callerCanDeregisterScalableTargets: false });
    try {
      const handle = await start({ endpointName: ep, poll: FAST_POLL });
      const result = await handle.result();

      assert.deepEqual(leftovers(ep), NOTHING);
      assert.equal(result.endpointDeleted, true);
      assert.deepEqual(result.scalingRemoved, ['AllTraffic']);
      assert.equal(result.deletedEndpointConfigs.length, 2);
      assert.deepEqual(result.deletedModels, [`${ep}-m1`, `${ep}-m2`]);
      assert.equal((await handle.query(deleteStatusQuery)).step, 'succeeded');
    } finally {
      h.emulator.control.setSettings({ callerCanDeregisterScalableTargets: true });
    }
  });

  for (const [refused, operation] of [
    ['DeregisterScalableTarget', 'AnyScaleFrontendService.DeregisterScalableTarget'],
    ['DeleteEndpoint', 'SageMaker.DeleteEndpoint'],
  ] as const) {
    it(`puts the scaling back exactly when ${refused} is refused before the endpoint is gone`, async () => {
      const ep = uniqueName('guard');
      await createModel(`${ep}-m1`);
      await endpointServing(h.aws, ep, `${ep}-m1`, { autoscaled: true, stepPolicy: true });
      await decorateScaling(h.aws, ep, 'AllTraffic');
      const before = await scalingOf(h.aws, ep);
      h.emulator.control.setFaults([
        { kind: 'serverError', status: 400, code: 'AccessDeniedException', message: `not authorized to perform ${refused}`, operations: [operation] },
      ]);
      try {
        const failure = await failureOf((await start({ endpointName: ep, poll: FAST_POLL })).result());
        assert.equal(failure.type, 'DeleteFailed');
        assert.match(failure.message, new RegExp(`not authorized to perform ${refused}`));
      } finally {
        h.emulator.control.setFaults([]);
      }
      assert.equal((await describeEndpoint(h.aws.sagemaker, ep)).EndpointStatus, 'InService', 'the endpoint stays');
      const after = await scalingOf(h.aws, ep);
      assert.deepEqual(after, before);
      assert.deepEqual(
        after.scheduledActions.map((a) => a.ScheduledActionName),
        ['business-hours'],
      );
      assert.deepEqual(after.targets[0]?.tags, { team: 'churn', 'cost-center': 'ml-42' });
      assert.deepEqual(after.stepAlarms.find((a) => a.name === stepAlarmName(ep, 'AllTraffic'))?.alarmActions, ['policy:step-out', ONCALL_TOPIC]);
    });
  }

  it('a scaling restore that keeps failing ends the delete as RollbackIncomplete in bounded time, naming what is left', async () => {
    const ep = uniqueName('gbound');
    await createModel(`${ep}-m1`);
    await endpointServing(h.aws, ep, `${ep}-m1`, { autoscaled: true });
    // DeleteEndpoint fails until deleteTimeout (3 s); putting the scaling back fails for good (bound: 6 s).
    h.emulator.control.setFaults([
      { kind: 'serverError', operations: ['SageMaker.DeleteEndpoint'] },
      { kind: 'serverError', operations: ['AnyScaleFrontendService.RegisterScalableTarget'] },
    ]);
    try {
      const handle = await start({ endpointName: ep, poll: FAST_POLL, deleteTimeout: '3s' });
      const failure = await within(60_000, failureOf(handle.result()), () => handle.terminate('test: the scaling restore did not end'));
      assert.equal(failure.type, 'RollbackIncomplete', failure.message);
      assert.match(
        failure.message,
        new RegExp(`^deleting ${ep} failed while deleting-endpoint: .*ROLLBACK INCOMPLETE, needs an operator: restore autoscaling of AllTraffic`),
      );
      const details = failure.details?.[0] as { rollbackFailures: string[]; snapshot: Array<{ variantName: string }> };
      assert.equal(details.rollbackFailures.length, 1, details.rollbackFailures.join('; '));
      assert.deepEqual(
        details.snapshot.map((s) => s.variantName),
        ['AllTraffic'],
        'what to register again is in the details',
      );
    } finally {
      h.emulator.control.setFaults([]);
    }
    assert.equal((await describeEndpoint(h.aws.sagemaker, ep)).EndpointStatus, 'InService', 'the endpoint stays');
  });

  it('succeeds as a no-op when run again on the deleted endpoint', async () => {
    const ep = uniqueName('again');
    await createModel(`${ep}-m1`, ep);
    await endpoint(ep, `${ep}-m1`);
    await (await start({ endpointName: ep, poll: FAST_POLL })).result();
    const calls = h.emulator.control.calls();

    const second = await (await start({ endpointName: ep, poll: FAST_POLL })).result();

    assert.deepEqual(second, { endpointName: ep, endpointDeleted: false, scalingRemoved: [], deletedEndpointConfigs: [], deletedModels: [], kept: [] });
    assert.deepEqual(mutatingCalls(calls), [], 'nothing was changed');
    assert.deepEqual(leftovers(ep), NOTHING);
  });

  it('keeps a model another endpoint’s config uses, and the last endpoint’s delete removes it', async () => {
    const ep = uniqueName('shared');
    const other = `${ep}-shadow`; // its configs (`<ep>-shadow-v1`) share this endpoint's name prefix
    await createModel(`${ep}-m1`, ep);
    await endpoint(ep, `${ep}-m1`, false);
    await endpoint(other, `${ep}-m1`, false); // the same version deployed to a second endpoint: one model

    const result = await (await start({ endpointName: ep, poll: FAST_POLL })).result();

    assert.deepEqual(result.deletedEndpointConfigs, [`${ep}-v1`]);
    assert.deepEqual(result.deletedModels, []);
    assert.deepEqual(result.kept, [{ kind: 'model', name: `${ep}-m1`, reason: `endpoint config ${other}-v1 uses it` }]);
    assert.equal((await describeEndpoint(h.aws.sagemaker, other)).EndpointStatus, 'InService');
    const last = await (await start({ endpointName: other, poll: FAST_POLL })).result();
    assert.deepEqual([last.deletedEndpointConfigs, last.deletedModels], [[`${other}-v1`], [`${ep}-m1`]]);
    assert.deepEqual(leftovers(ep), NOTHING);
  });

  it('deletes by ownership tags, not by name: a hand-made `<endpoint>-prod-manual` config and model survive (issue 12 §2)', async () => {
    const ep = uniqueName('churn');
    await createModel(`${ep}-m1`, ep);
    await endpoint(ep, `${ep}-m1`, false);
    // Made by hand, no ownership tags, named as if for endpoint `<ep>-prod`.
    await createModel(`${ep}-prod-manual`);
    await createConfig(`${ep}-prod-manual`, `${ep}-prod-manual`);

    const result = await (await start({ endpointName: ep, poll: FAST_POLL })).result();

    assert.deepEqual([result.deletedEndpointConfigs, result.deletedModels], [[`${ep}-v1`], [`${ep}-m1`]]);
    assert.deepEqual(leftovers(ep), { ...NOTHING, models: [`${ep}-prod-manual`], endpointConfigs: [`${ep}-prod-manual`] });
  });

  it('leaves nothing behind for an endpoint whose name is past 56 characters (config names cut and hashed)', async () => {
    const ep = `${uniqueName('long')}-${'x'.repeat(60)}`.slice(0, 60);
    const model = uniqueName('longm');
    const serving = endpointConfigName(ep, 'v1', { model });
    const archived = endpointConfigName(ep, 'v2', { model });
    assert.ok(!serving.startsWith(`${ep}-`) && !archived.startsWith(`${ep}-`), 'the names are cut before the endpoint name ends');
    await createModel(model, ep);
    await createConfig(serving, model, ep);
    await createConfig(archived, model, ep);
    await h.aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: ep, EndpointConfigName: serving, Tags: ownedTags(ep) }));
    await eventually(
      () => describeEndpoint(h.aws.sagemaker, ep),
      (d) => d.EndpointStatus === 'InService',
    );

    const result = await (await start({ endpointName: ep, poll: FAST_POLL })).result();

    assert.deepEqual(result.deletedEndpointConfigs.sort(), [serving, archived].sort());
    assert.deepEqual(result.deletedModels, [model]);
    assert.deepEqual(leftovers(ep.slice(0, 40)), NOTHING);
    assert.deepEqual(leftovers(model), NOTHING);
  });

  it('makes no account-wide List call: its cost does not grow with the account', async () => {
    const ep = uniqueName('scan');
    await createModel(`${ep}-m1`, ep);
    await endpoint(ep, `${ep}-m1`, false);
    const before = h.emulator.control.calls().counts;

    await (await start({ endpointName: ep, poll: FAST_POLL })).result();

    const now = h.emulator.control.calls().counts;
    const listed = Object.keys(now).filter((op) => /^SageMaker\.List(Endpoints|EndpointConfigs|Models)$/.test(op) && now[op]! - (before[op] ?? 0) > 0);
    assert.deepEqual(listed, [], 'no ListEndpoints / ListEndpointConfigs / ListModels');
    assert.deepEqual(leftovers(ep), NOTHING);
  });

  it('reads only its own variants’ scaling: DescribeScalableTargets calls do not grow with the account’s other targets, and the restore and removal stay exact (issue 12 §2)', async () => {
    const DESCRIBE_TARGETS = 'AnyScaleFrontendService.DescribeScalableTargets';
    const targetCalls = () => h.emulator.control.calls().counts[DESCRIBE_TARGETS] ?? 0;
    /** Runs a delete of `ep` and returns how many DescribeScalableTargets calls it made, and its outcome. */
    const deleteCounting = async (ep: string) => {
      const before = targetCalls();
      const outcome = await (await start({ endpointName: ep, poll: FAST_POLL })).result().then(
        (r) => ({ ok: true as const, r }),
        (err: unknown) => ({ ok: false as const, err }),
      );
      return { calls: targetCalls() - before, outcome };
    };

    // The cost with an account holding (next to) nothing else.
    const alone = uniqueName('alone');
    await createModel(`${alone}-m1`, alone);
    await endpoint(alone, `${alone}-m1`);
    const baseline = await deleteCounting(alone);
    assert.ok(baseline.outcome.ok);
    assert.deepEqual(leftovers(alone), NOTHING);

    // 60 scalable targets of other endpoints, registered straight through the SDK: 6 endpoints of 10
    // variants each, named after the endpoint to delete (`<ep>-0` …), so a prefix read would meet them.
    const ep = uniqueName('crowded');
    await createModel(`${ep}-m1`);
    await endpointServing(h.aws, ep, `${ep}-m1`, { autoscaled: true, stepPolicy: true });
    await decorateScaling(h.aws, ep, 'AllTraffic');
    const variants = Array.from({ length: 10 }, (_, i) => `v${i}`);
    await h.aws.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${ep}-crowd`,
        ProductionVariants: variants.map((v) => ({ VariantName: v, ModelName: `${ep}-m1`, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 })),
      }),
    );
    const others = Array.from({ length: 6 }, (_, i) => `${ep}-${i}`);
    await Promise.all(
      others.map(async (o) => {
        await h.aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: o, EndpointConfigName: `${ep}-crowd` }));
        await eventually(
          () => describeEndpoint(h.aws.sagemaker, o),
          (d) => d.EndpointStatus === 'InService',
        );
        for (const v of variants) {
          await h.aws.autoscaling.send(
            new RegisterScalableTargetCommand({
              ServiceNamespace: 'sagemaker',
              ResourceId: `endpoint/${o}/variant/${v}`,
              ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
              MinCapacity: 1,
              MaxCapacity: 3,
            }),
          );
        }
      }),
    );
    const othersTargets = () =>
      h.emulator.control
        .state()
        .scalableTargets.filter((t) => others.some((o) => t.resourceId.startsWith(`endpoint/${o}/`)))
        .map((t) => JSON.stringify(t))
        .sort();
    const othersBefore = othersTargets();
    assert.equal(othersBefore.length, 60);
    const before = await scalingOf(h.aws, ep);

    // A delete whose DeleteEndpoint is refused puts this endpoint's scaling back exactly…
    h.emulator.control.setFaults([
      {
        kind: 'serverError',
        status: 400,
        code: 'AccessDeniedException',
        message: 'not authorized to perform DeleteEndpoint',
        operations: ['SageMaker.DeleteEndpoint'],
      },
    ]);
    let refused: Awaited<ReturnType<typeof deleteCounting>>;
    try {
      refused = await deleteCounting(ep);
    } finally {
      h.emulator.control.setFaults([]);
    }
    assert.equal(refused.outcome.ok, false);
    assert.deepEqual(await scalingOf(h.aws, ep), before, 'its scaling is back exactly');
    assert.deepEqual(othersTargets(), othersBefore, 'no other endpoint’s target was touched');

    // …and the delete that goes through removes exactly it.
    const deleted = await deleteCounting(ep);
    assert.ok(deleted.outcome.ok && deleted.outcome.r.endpointDeleted);
    assert.deepEqual(deleted.outcome.r.scalingRemoved, ['AllTraffic']);
    assert.deepEqual((await scalingOf(h.aws, ep)).targets, []);
    assert.deepEqual(othersTargets(), othersBefore, 'no other endpoint’s target was touched');

    assert.deepEqual(
      { refused: refused.calls, deleted: deleted.calls },
      { refused: baseline.calls, deleted: baseline.calls },
      `DescribeScalableTargets calls per delete: ${baseline.calls} alone; the 60 other targets must not add any`,
    );
    assert.equal(baseline.calls, 1, 'one call: the endpoint’s one variant, by resource id');
  });

  it('keeps configs and models when asked to (deleteConfigsAndModels: false)', async () => {
    const ep = uniqueName('keep');
    await createModel(`${ep}-m1`);
    await endpoint(ep, `${ep}-m1`);

    const result = await (await start({ endpointName: ep, deleteConfigsAndModels: false, poll: FAST_POLL })).result();

    assert.equal(result.endpointDeleted, true);
    assert.deepEqual(leftovers(ep), { ...NOTHING, models: [`${ep}-m1`], endpointConfigs: [`${ep}-v1`] });
  });

  it('is refused while another pipeline runs on the endpoint', async () => {
    const ep = uniqueName('busy');
    const deploy: DeployInput = {
      endpointName: ep,
      model: { name: uniqueName('m'), image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1', modelDataUrl: 's3://models/churn/1/model.tar.gz' },
      executionRoleArn: ROLE,
      instanceType: 'ml.m5.large',
      autoApprove: false,
    };
    const running = await h.client.workflow.start(deployModel, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(ep), args: [deploy] });

    await assert.rejects(start({ endpointName: ep }), /already started|AlreadyStarted/i);

    await running.signal(rejectSignal, { by: 'test' });
    await running.result().catch(() => undefined);
  });

  it('refuses bad input with the fields and rules named, before any AWS call', async () => {
    const total = (c: CallStats) => Object.values(c.counts).reduce((n, v) => n + v, 0);
    const calls = h.emulator.control.calls();

    const failure = await failureOf(
      (await start({ endpointName: 'bad_name', deleteConfigsAndModels: 'yes', poll: { min: 'soon' } } as unknown as DeleteInput)).result(),
    );

    assert.equal(failure.type, 'InvalidInput');
    assert.match(failure.message, /endpointName: must be 1-63 letters, digits and hyphens.*got "bad_name"/);
    assert.match(failure.message, /deleteConfigsAndModels: must be true or false/);
    assert.match(failure.message, /poll\.min: must be a duration such as 500ms/);
    assert.equal(total(h.emulator.control.calls()), total(calls), 'no AWS call was made');
  });
});
