import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deployModel, approveSignal, deployStatusQuery, rejectSignal } from '../../src/workflows/deploy';
import type { DeployInput } from '../../src/domain/deploy/input';
import { endpointWorkflowId } from '../../src/domain/names';
import { createHarness, eventually, uniqueName, type Harness, failureOf } from '../support/harness';
import { describeEndpoint, registryVersions, resourcesNamed } from '../../src/inventory';
import type { CallStats } from '../../src/emulator';
import { deployInput } from '../support/deploy';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => h?.close());

function start(input: DeployInput) {
  return h.client.workflow.start(deployModel, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(input.endpointName), args: [input] });
}

describe('register → stage → deploy', () => {
  it('deploys a fresh endpoint to InService and marks the version Production', async () => {
    const ep = uniqueName('fresh');
    const model = uniqueName('m');
    const result = await (await start(deployInput(ep, model, '1'))).result();

    assert.equal(result.version, 1);
    const desc = await describeEndpoint(h.aws.sagemaker, ep);
    assert.equal(desc.EndpointStatus, 'InService');
    assert.equal(desc.EndpointConfigName, result.endpointConfigName);
    assert.equal(desc.ProductionVariants?.[0].VariantName, 'AllTraffic');
    assert.deepEqual(await registryVersions(h.aws.sagemaker, model), [
      { version: 1, approval: 'Approved', stage: 'Production', stageStatus: 'Deployed', stageDescription: `serving on endpoint ${ep}` },
    ]);
  });

  it('moves an existing endpoint to a new config without deleting it, and archives the previous version', async () => {
    const ep = uniqueName('existing');
    const model = uniqueName('m');
    const first = await (await start(deployInput(ep, model, '1'))).result();
    const before = await describeEndpoint(h.aws.sagemaker, ep);
    const callsBefore = h.emulator.control.calls();

    const second = await (await start(deployInput(ep, model, '2'))).result();

    const afterDesc = await describeEndpoint(h.aws.sagemaker, ep);
    assert.equal(afterDesc.EndpointConfigName, second.endpointConfigName);
    assert.equal(second.previousEndpointConfigName, first.endpointConfigName);
    assert.equal(afterDesc.CreationTime?.getTime(), before.CreationTime?.getTime(), 'same endpoint, not a re-created one');
    const callsAfter = h.emulator.control.calls();
    assert.equal(countOf(callsAfter, 'DeleteEndpoint') - countOf(callsBefore, 'DeleteEndpoint'), 0);
    assert.equal(countOf(callsAfter, 'UpdateEndpoint') - countOf(callsBefore, 'UpdateEndpoint'), 1);
    const versions = await registryVersions(h.aws.sagemaker, model);
    assert.deepEqual(
      versions.map((v) => [v.version, v.stage]),
      [
        [1, 'Archived'],
        [2, 'Production'],
      ],
    );
    assert.deepEqual(second.archived, [`${model}/1`]);
  });

  it('waits for an approve signal before creating anything in SageMaker', async () => {
    const ep = uniqueName('approval');
    const model = uniqueName('m');
    const handle = await start(deployInput(ep, model, '1', { autoApprove: false }));

    await eventually(
      () => handle.query(deployStatusQuery),
      (s) => s.step === 'awaiting-approval',
    );
    assert.deepEqual(await resourcesNamed(h.aws.sagemaker, model), { models: [], endpointConfigs: [], endpoints: [] });
    assert.equal((await registryVersions(h.aws.sagemaker, model))[0].stage, 'Staging');

    await handle.signal(approveSignal, { by: 'alice', reason: 'offline eval looks good' });
    await handle.result();
    const status = await handle.query(deployStatusQuery);
    assert.deepEqual(status.approval, { decision: 'approved', by: 'alice', reason: 'offline eval looks good' });
    assert.equal(status.step, 'succeeded');
    assert.deepEqual(
      status.created.map((c) => c.kind),
      ['model-package', 'model', 'endpoint-config', 'endpoint'],
    );
  });

  it('stops at a reject signal, marks the version Rejected and creates nothing', async () => {
    const ep = uniqueName('reject');
    const model = uniqueName('m');
    const handle = await start(deployInput(ep, model, '1', { autoApprove: false }));
    await eventually(
      () => handle.query(deployStatusQuery),
      (s) => s.step === 'awaiting-approval',
    );
    await handle.signal(rejectSignal, { by: 'bob', reason: 'bias check failed' });

    const failure = await failureOf(handle.result());
    assert.equal(failure.type, 'ApprovalRejected');
    assert.match(failure.message, /rejected by bob: bias check failed/);
    assert.equal((await registryVersions(h.aws.sagemaker, model))[0].approval, 'Rejected');
    assert.deepEqual(await resourcesNamed(h.aws.sagemaker, ep), { models: [], endpointConfigs: [], endpoints: [] });
  });

  it('rolls back a fresh deploy whose model fails health checks, leaving nothing behind', async () => {
    const ep = uniqueName('failing');
    const model = uniqueName('m');
    const input = deployInput(ep, model, 'broken');
    h.emulator.control.setBehaviours({ [input.model.image]: { healthy: false, failureReason: 'container failed ping health check' } });

    const failure = await failureOf((await start(input)).result());

    assert.equal(failure.type, 'DeploymentFailed');
    assert.match(failure.message, /container failed ping health check/);
    assert.deepEqual(await resourcesNamed(h.aws.sagemaker, model), { models: [], endpointConfigs: [], endpoints: [] });
    assert.deepEqual(await resourcesNamed(h.aws.sagemaker, ep), { models: [], endpointConfigs: [], endpoints: [] });
    const [v] = await registryVersions(h.aws.sagemaker, model);
    assert.equal(v.stageStatus, 'DeploymentFailed');
    assert.match(v.stageDescription ?? '', /container failed ping health check/);
  });

  it('detects SageMaker rolling an update back to the old config, and cleans up the new config and model', async () => {
    const ep = uniqueName('rollback');
    const model = uniqueName('m');
    const first = await (await start(deployInput(ep, model, '1'))).result();
    const bad = deployInput(ep, model, 'broken-2');
    h.emulator.control.setBehaviours({ [bad.model.image]: { healthy: false, failureReason: 'model data download failed' } });

    const failure = await failureOf((await start(bad)).result());

    assert.equal(failure.type, 'DeploymentFailed');
    assert.match(failure.message, /does not serve version 2.*model data download failed/);
    const desc = await describeEndpoint(h.aws.sagemaker, ep);
    assert.equal(desc.EndpointStatus, 'InService');
    assert.equal(desc.EndpointConfigName, first.endpointConfigName, 'still on the previous config');
    assert.deepEqual(await resourcesNamed(h.aws.sagemaker, model), {
      models: [first.sageMakerModelName],
      endpointConfigs: [],
      endpoints: [],
    });
    assert.deepEqual((await resourcesNamed(h.aws.sagemaker, ep)).endpointConfigs, [first.endpointConfigName]);
    const versions = await registryVersions(h.aws.sagemaker, model);
    assert.deepEqual(
      versions.map((v) => [v.version, v.stage, v.stageStatus]),
      [
        [1, 'Production', 'Deployed'],
        [2, 'Staging', 'DeploymentFailed'],
      ],
    );
  });

  it('ends at once, naming the FailureReason, when an update ends UpdateRollbackFailed (no wait until the deadline)', async () => {
    const ep = uniqueName('urf');
    const model = uniqueName('m');
    await (await start(deployInput(ep, model, '1'))).result();
    h.emulator.control.setFaults([
      {
        kind: 'failTransition',
        transitions: ['update'],
        endpoints: [ep],
        endStatus: 'UpdateRollbackFailed',
        failureReason: 'rollback could not get capacity',
        times: 1,
      },
    ]);
    const handle = await start(deployInput(ep, model, '2', { inServiceTimeout: '10m' }));
    try {
      const outcome = await Promise.race([failureOf(handle.result()), new Promise<null>((resolve) => setTimeout(() => resolve(null), 30_000))]);
      assert.ok(outcome, 'the deploy still waits on an endpoint that cannot settle by itself');
      assert.equal(outcome.type, 'RollbackIncomplete');
      assert.match(outcome.message, /UpdateRollbackFailed: rollback could not get capacity.*an operator must look/);
    } finally {
      h.emulator.control.setFaults([]);
      await handle.terminate('test cleanup').catch(() => undefined);
    }
  });

  it('retries creates whose response was lost without creating anything twice', async () => {
    const ep = uniqueName('lost');
    const model = uniqueName('m');
    // Each create takes effect, then answers 500 three times running: the SDK's own 3 attempts all fail,
    // so Temporal's activity retry must find the resource already there and carry on.
    const ops = ['CreateModelPackage', 'CreateModel', 'CreateEndpointConfig', 'CreateEndpoint'];
    h.emulator.control.setFaults(ops.map((op) => ({ kind: 'serverError', operations: [`SageMaker.${op}`], afterApply: true, times: 3 })));
    try {
      const result = await (await start(deployInput(ep, model, '1'))).result();
      assert.equal((await describeEndpoint(h.aws.sagemaker, ep)).EndpointStatus, 'InService');
      assert.equal(result.version, 1);
    } finally {
      h.emulator.control.setFaults([]);
    }
    const creates = h.emulator.control.calls().creates.filter((c) => c.name?.includes(model) || c.name?.includes(ep));
    // Models, configs and endpoints: each name took effect exactly once; the retries met "already exists".
    const effective = creates.filter((c) => ops.slice(1).includes(c.operation.split('.')[1]) && (!c.error || c.applied));
    const perResource = new Map<string, number>();
    for (const c of effective) perResource.set(`${c.operation} ${c.name}`, (perResource.get(`${c.operation} ${c.name}`) ?? 0) + 1);
    assert.equal(perResource.size, 3, `one of each create: ${[...perResource.keys()]}`);
    for (const [resource, n] of perResource) assert.equal(n, 1, `${resource} took effect ${n} times`);
    // The registry: every attempt carried the run's ClientToken, so they all named the one version.
    const tokens = new Set(creates.filter((c) => c.operation === 'SageMaker.CreateModelPackage').map((c) => c.clientToken));
    assert.equal(tokens.size, 1);
    assert.equal((await registryVersions(h.aws.sagemaker, model)).length, 1, 'one registered version');
    // Each kind of create really lost a response (the retries that followed met "already exists").
    const lost = new Set(creates.filter((c) => c.applied).map((c) => c.operation.split('.')[1]));
    assert.deepEqual([...lost].sort(), [...ops].sort());
  });

  it('refuses bad input with the field and rule named, before any AWS call', async () => {
    const ep = uniqueName('bad');
    const callsBefore = total(h.emulator.control.calls());
    const input = { ...deployInput(ep, 'm', '1'), instanceType: 'm5.large', model: { name: 'bad_name', image: 'x', modelDataUrl: 's3://x' } };

    const failure = await failureOf((await start(input)).result());

    assert.equal(failure.type, 'InvalidInput');
    assert.match(failure.message, /model\.name: must be 1-63 letters, digits and hyphens.*got "bad_name"/);
    assert.match(failure.message, /instanceType: must be a SageMaker instance type/);
    assert.equal(failure.nonRetryable, true);
    assert.equal(total(h.emulator.control.calls()), callsBefore, 'no AWS call was made');
  });

  it('refuses a second deployment to an endpoint while one runs', async () => {
    const ep = uniqueName('busy');
    const handle = await start(deployInput(ep, uniqueName('m'), '1', { autoApprove: false }));
    await assert.rejects(start(deployInput(ep, uniqueName('m'), '2')), /already started|AlreadyStarted/i);
    await handle.signal(rejectSignal, { by: 'test' });
    await failureOf(handle.result());
  });
});

function countOf(calls: CallStats, op: string): number {
  return calls.counts[`SageMaker.${op}`] ?? 0;
}

function total(calls: CallStats): number {
  return Object.values(calls.counts).reduce((n, v) => n + v, 0);
}
