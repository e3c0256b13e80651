/**
 * AWS rules a pipeline's waits and creates meet (issue 12 §6): CreateEndpoint's eventual consistency,
 * an endpoint that goes OutOfService, and a run cancelled from outside, which reports itself as Cancelled
 * after its compensation.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateEndpointConfigCommand, CreateModelCommand, UpdateEndpointCommand, UpdateEndpointWeightsAndCapacitiesCommand } from '@aws-sdk/client-sagemaker';
import type { DeployInput } from '../../src/domain/deploy/input';
import { endpointWorkflowId } from '../../src/domain/names';
import { pendingWait } from '../../src/cli/run-pipeline';
import { describeEndpoint } from '../../src/inventory';
import { deleteSageMakerEndpoint, deleteStatusQuery } from '../../src/workflows/delete-endpoint';
import { deployModel, deployStatusQuery } from '../../src/workflows/deploy';
import { updateSageMakerEndpoint } from '../../src/workflows/update-endpoint';
import { endpointServing } from '../support/endpoints';
import { createHarness, eventually, failureOf, uniqueName, within, type Harness } from '../support/harness';
import { deployInput } from '../support/deploy';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => h?.close());

const FAST_POLL = { min: '100ms', max: '500ms' };

function deploy(input: DeployInput) {
  return h.client.workflow.start(deployModel, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(input.endpointName), args: [input] });
}

/** Names of the emulator's models, configs and endpoints that mention `fragment`. */
function leftovers(fragment: string) {
  const s = h.emulator.control.state();
  const named = (names: string[]) => names.filter((n) => n.includes(fragment)).sort();
  return {
    models: named(s.models.map((m) => m.name)),
    endpointConfigs: named(s.endpointConfigs.map((c) => c.name)),
    endpoints: named(s.endpoints.map((e) => e.name)),
  };
}

describe('waits and creates against AWS rules', () => {
  it('retries CreateEndpoint while the new endpoint config is not yet visible to it (eventual consistency), then serves', async () => {
    const ep = uniqueName('visible');
    h.emulator.control.setSettings({ endpointConfigVisibilityDelayMs: 800 });
    const before = h.emulator.control.calls().errors['SageMaker.CreateEndpoint']?.ValidationException ?? 0;
    try {
      const result = await (await deploy(deployInput(ep, uniqueName('m')))).result();
      assert.equal((await describeEndpoint(h.aws.sagemaker, ep)).EndpointConfigName, result.endpointConfigName);
    } finally {
      h.emulator.control.setSettings({ endpointConfigVisibilityDelayMs: 0 });
    }
    const refused = (h.emulator.control.calls().errors['SageMaker.CreateEndpoint']?.ValidationException ?? 0) - before;
    assert.ok(refused >= 1, 'CreateEndpoint was answered "Could not find endpoint configuration" at least once');
    assert.equal(h.emulator.control.calls().creates.filter((c) => c.operation === 'SageMaker.CreateEndpoint' && c.name === ep && !c.error).length, 1);
  });

  it('waits out a short OutOfService, saying so in the pending poll that progress output shows', async () => {
    const ep = uniqueName('oos-short');
    h.emulator.control.setFaults([{ kind: 'outOfService', endpoints: [ep], forMs: 1500 }]);
    try {
      const handle = await deploy(deployInput(ep, uniqueName('m')));
      const shown = await eventually(
        () => pendingWait(handle),
        (w) => !!w?.includes('OutOfService'),
      );
      assert.match(
        shown!,
        new RegExp(`endpoint ${ep} is OutOfService \\(not available to take incoming requests\\) since .*; waiting up to 10m \\(poll\\.outOfService\\)`),
      );
      await handle.result();
    } finally {
      h.emulator.control.setFaults([]);
    }
    assert.equal((await describeEndpoint(h.aws.sagemaker, ep)).EndpointStatus, 'InService');
  });

  it('fails the wait with a clear message once OutOfService lasts past poll.outOfService, and rolls back', async () => {
    const ep = uniqueName('oos-long');
    const model = uniqueName('m');
    h.emulator.control.setFaults([{ kind: 'outOfService', endpoints: [ep] }]);
    const started = Date.now();
    try {
      const failure = await failureOf((await deploy(deployInput(ep, model, '1', { poll: { ...FAST_POLL, outOfService: '1s' } }))).result());
      assert.equal(failure.type, 'DeploymentFailed');
      assert.match(
        failure.message,
        new RegExp(`failed while waiting-in-service: endpoint ${ep} is OutOfService .* longer than 1s \\(poll\\.outOfService\\); .*an operator must look`),
      );
      assert.match(failure.message, new RegExp(`Rolled back: delete endpoint ${ep}`));
    } finally {
      h.emulator.control.setFaults([]);
    }
    assert.ok(Date.now() - started < 30_000, 'ended by the bound, not by inServiceTimeout (30m)');
    assert.deepEqual(leftovers(model), { models: [], endpointConfigs: [], endpoints: [] });
  });

  it('a cancelled deploy compensates, then reports itself as Cancelled', async () => {
    const ep = uniqueName('cancel-deploy');
    const model = uniqueName('m');
    h.emulator.control.setFaults([{ kind: 'slowTransitions', factor: 20, transitions: ['create'], endpoints: [ep] }]);
    try {
      const handle = await deploy(deployInput(ep, model));
      await eventually(
        () => handle.query(deployStatusQuery),
        (s) => s.step === 'waiting-in-service',
      );
      await handle.cancel();
      const failure = await failureOf(handle.result());
      assert.equal(failure.type, 'Cancelled');
      assert.match(
        failure.message,
        new RegExp(
          `deploying version 1 to ${ep} was cancelled while waiting-in-service: .*Rolled back: delete endpoint ${ep}, delete endpoint config .*, delete model`,
        ),
      );
    } finally {
      h.emulator.control.setFaults([]);
    }
    assert.deepEqual(leftovers(model), { models: [], endpointConfigs: [], endpoints: [] });
  });

  it('a cancelled delete puts the scaling it removed back, then reports itself as Cancelled', async () => {
    const ep = uniqueName('cancel-delete');
    const model = uniqueName('m');
    await h.aws.sagemaker.send(
      new CreateModelCommand({
        ModelName: model,
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/sagemaker-exec',
        PrimaryContainer: { Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1', ModelDataUrl: 's3://models/churn/1/model.tar.gz' },
      }),
    );
    await endpointServing(h.aws, ep, model);
    // The endpoint is Updating for a while, so the delete waits to send DeleteEndpoint when the cancel comes.
    h.emulator.control.setFaults([{ kind: 'slowTransitions', factor: 20, transitions: ['weights'], endpoints: [ep] }]);
    try {
      await h.aws.sagemaker.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: ep,
          DesiredWeightsAndCapacities: [{ VariantName: 'AllTraffic', DesiredInstanceCount: 3 }],
        }),
      );
      const handle = await h.client.workflow.start(deleteSageMakerEndpoint, {
        taskQueue: h.taskQueue,
        workflowId: endpointWorkflowId(ep),
        args: [{ endpointName: ep, poll: FAST_POLL }],
      });
      await eventually(
        () => handle.query(deleteStatusQuery),
        (s) => s.step === 'deleting-endpoint',
      );
      await handle.cancel();
      const failure = await failureOf(handle.result());
      assert.equal(failure.type, 'Cancelled');
      assert.match(failure.message, new RegExp(`deleting ${ep} was cancelled while deleting-endpoint: .*Deleted so far: nothing`));
    } finally {
      h.emulator.control.setFaults([]);
    }
    const s = h.emulator.control.state();
    assert.ok(
      s.endpoints.some((e) => e.name === ep),
      'the endpoint is still there',
    );
    assert.ok(
      s.scalableTargets.some((t) => t.resourceId === `endpoint/${ep}/variant/AllTraffic`),
      'its scalable target is registered again',
    );
  });
});

/**
 * UpdateRollbackFailed: "Both the rolling deployment and auto-rollback failed" (DescribeEndpoint). The endpoint
 * does not leave it by itself, so no step may wait on it as if it were still changing: each ends at once,
 * naming the FailureReason and saying an operator must look (issue 12 §6).
 */
describe('an endpoint in UpdateRollbackFailed ends every step at once', () => {
  const ROLE = 'arn:aws:iam::123456789012:role/sagemaker-exec';
  const REASON = 'rollback could not get capacity';
  const STUCK = new RegExp(`UpdateRollbackFailed: ${REASON}.*an operator must look`);
  const urf = (ep: string) => ({
    kind: 'failTransition' as const,
    transitions: ['update' as const],
    endpoints: [ep],
    endStatus: 'UpdateRollbackFailed' as const,
    failureReason: REASON,
    times: 1,
  });

  async function createModel(name: string) {
    await h.aws.sagemaker.send(
      new CreateModelCommand({
        ModelName: name,
        ExecutionRoleArn: ROLE,
        PrimaryContainer: { Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1', ModelDataUrl: 's3://models/churn/1/model.tar.gz' },
      }),
    );
  }

  async function createConfig(name: string, model: string, instanceCount = 3) {
    await h.aws.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: name,
        ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: model, InstanceType: 'ml.m5.large', InitialInstanceCount: instanceCount }],
      }),
    );
  }

  it('delete: DeleteEndpoint is not waited for until deleteTimeout', async () => {
    const ep = uniqueName('urf-delete');
    const model = uniqueName('m');
    await createModel(model);
    await endpointServing(h.aws, ep, model, { autoscaled: false });
    await createConfig(`${ep}-other`, model);
    h.emulator.control.setFaults([urf(ep)]);
    try {
      await h.aws.sagemaker.send(new UpdateEndpointCommand({ EndpointName: ep, EndpointConfigName: `${ep}-other` }));
      await eventually(
        () => describeEndpoint(h.aws.sagemaker, ep),
        (d) => d.EndpointStatus === 'UpdateRollbackFailed',
      );
    } finally {
      h.emulator.control.setFaults([]);
    }
    const handle = await h.client.workflow.start(deleteSageMakerEndpoint, {
      taskQueue: h.taskQueue,
      workflowId: endpointWorkflowId(ep),
      args: [{ endpointName: ep, poll: FAST_POLL, deleteTimeout: '10m' }],
    });
    const failure = await within(30_000, failureOf(handle.result()), () => handle.terminate('test: the delete waits on UpdateRollbackFailed'));
    assert.equal(failure.type, 'DeleteFailed', failure.message);
    assert.match(failure.message, new RegExp(`deleting ${ep} failed while deleting-endpoint: endpoint ${ep} is ${STUCK.source}`));
  });

  it('update: lowering raised capacity back is not waited for until the compensation bound', async () => {
    const ep = uniqueName('urf-update');
    const model = uniqueName('m');
    await createModel(model);
    await endpointServing(h.aws, ep, model, { autoscaled: false });
    h.emulator.control.setFaults([urf(ep)]);
    try {
      const handle = await h.client.workflow.start(updateSageMakerEndpoint, {
        taskQueue: h.taskQueue,
        workflowId: endpointWorkflowId(ep),
        args: [
          {
            endpointName: ep,
            change: [{ variantName: 'AllTraffic', instanceType: 'ml.c5.xlarge' }],
            raiseCapacityDuringUpdate: { AllTraffic: 3 },
            inServiceTimeout: '10m',
            poll: FAST_POLL,
          },
        ],
      });
      const failure = await within(30_000, failureOf(handle.result()), () => handle.terminate('test: the undo waits on UpdateRollbackFailed'));
      assert.equal(failure.type, 'RollbackIncomplete', failure.message);
      const { rollbackFailures } = failure.details?.[0] as { rollbackFailures: string[] };
      assert.ok(
        rollbackFailures.some((f) => f.startsWith('restore instance counts of AllTraffic: ') && STUCK.test(f)),
        rollbackFailures.join('; '),
      );
    } finally {
      h.emulator.control.setFaults([]);
    }
  });

  it('deploy: deleting the endpoint it created is not waited for until the compensation bound', async () => {
    const ep = uniqueName('urf-deploy');
    const model = uniqueName('m');
    // Another actor updates the new endpoint the moment it is created, and that update ends UpdateRollbackFailed.
    const theirModel = `${ep}-theirs`;
    await createModel(theirModel);
    await createConfig(`${ep}-theirs`, theirModel);
    h.emulator.control.setFaults([{ kind: 'actorUpdate', endpoints: [ep], endpointConfigName: `${ep}-theirs`, after: ['create'] }, urf(ep)]);
    try {
      const handle = await deploy(deployInput(ep, model, '1', { inServiceTimeout: '10m' }));
      const failure = await within(30_000, failureOf(handle.result()), () => handle.terminate('test: the undo waits on UpdateRollbackFailed'));
      assert.equal(failure.type, 'RollbackIncomplete', failure.message);
      const { rollbackFailures } = failure.details?.[0] as { rollbackFailures: string[] };
      assert.ok(
        rollbackFailures.some((f) => f.startsWith(`delete endpoint ${ep}: `) && STUCK.test(f)),
        rollbackFailures.join('; '),
      );
    } finally {
      h.emulator.control.setFaults([]);
    }
  });
});
