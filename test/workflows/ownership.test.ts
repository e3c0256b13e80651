import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListTagsCommand,
} from '@aws-sdk/client-sagemaker';
import { deployModel, deployStatusQuery } from '../../src/workflows/deploy';
import { updateSageMakerEndpoint, updateStatusQuery } from '../../src/workflows/update-endpoint';
import { canaryInput, endpointWithNewVersion, startCanary } from '../support/canary';
import { endpointWorkflowId, modelName } from '../../src/domain/names';
import { OWNERSHIP_TAGS } from '../../src/domain/ownership';
import { createHarness, eventually, failureOf, uniqueName, within, type Harness } from '../support/harness';
import { deployInput } from '../support/deploy';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => h?.close());

const tagsOf = async (arn: string) =>
  Object.fromEntries(((await h.aws.sagemaker.send(new ListTagsCommand({ ResourceArn: arn }))).Tags ?? []).map((t) => [t.Key, t.Value]));

describe('ownership tags: undo only what this run created', () => {
  it('tags the model, config and endpoint it creates with the endpoint and the run', async () => {
    const ep = uniqueName('own');
    const model = uniqueName('m');
    const handle = await h.client.workflow.start(deployModel, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(ep), args: [deployInput(ep, model)] });
    const result = await handle.result();
    const runId = handle.firstExecutionRunId;
    const endpoint = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: ep }));
    const m = await h.aws.sagemaker.send(new DescribeModelCommand({ ModelName: result.sageMakerModelName }));
    const config = await h.aws.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: result.endpointConfigName }));
    for (const arn of [endpoint.EndpointArn!, m.ModelArn!, config.EndpointConfigArn!]) {
      const tags = await tagsOf(arn);
      assert.equal(tags[OWNERSHIP_TAGS.endpoint], ep, arn);
      assert.equal(tags[OWNERSHIP_TAGS.run], runId, arn);
    }
  });

  it('a create whose response was lost is retried, found already ours by its tags, and carries the ownership tags', async () => {
    const ep = uniqueName('own-lost');
    const model = uniqueName('m');
    // Each create takes effect, then answers 500 three times running (the SDK's own attempts): the activity's
    // retry meets "already exists" and decides by the tags the lost call set.
    const ops = ['CreateModel', 'CreateEndpointConfig', 'CreateEndpoint'];
    h.emulator.control.setFaults(ops.map((op) => ({ kind: 'serverError', operations: [`SageMaker.${op}`], afterApply: true, times: 3 })));
    const handle = await h.client.workflow.start(deployModel, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(ep), args: [deployInput(ep, model)] });
    const result = await handle.result().finally(() => h.emulator.control.setFaults([]));
    const lost = new Set(
      h.emulator.control
        .calls()
        .creates.filter((c) => c.applied && (c.name?.includes(model) || c.name?.includes(ep)))
        .map((c) => c.operation.split('.')[1]),
    );
    assert.deepEqual([...lost].sort(), [...ops].sort(), 'each create lost its response');
    const status = await handle.query(deployStatusQuery);
    assert.equal(status.step, 'succeeded');
    assert.deepEqual(
      status.created
        .map((c) => c.kind)
        .filter((k) => k !== 'model-package')
        .sort(),
      ['endpoint', 'endpoint-config', 'model'],
      'each adopted as made by this run',
    );
    const runId = handle.firstExecutionRunId;
    const endpoint = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: ep }));
    assert.equal(endpoint.EndpointStatus, 'InService');
    assert.equal(endpoint.EndpointConfigName, result.endpointConfigName);
    const m = await h.aws.sagemaker.send(new DescribeModelCommand({ ModelName: result.sageMakerModelName }));
    const config = await h.aws.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: result.endpointConfigName }));
    for (const arn of [endpoint.EndpointArn!, m.ModelArn!, config.EndpointConfigArn!]) {
      const tags = await tagsOf(arn);
      assert.equal(tags[OWNERSHIP_TAGS.endpoint], ep, arn);
      assert.equal(tags[OWNERSHIP_TAGS.run], runId, arn);
    }
  });

  it('leaves a model of the same name that someone else made alone when the deploy fails on it', async () => {
    const ep = uniqueName('collide');
    const model = uniqueName('m');
    // Another actor already made the model name this deploy will use, with another container.
    const foreign = modelName(model, 1);
    await h.aws.sagemaker.send(
      new CreateModelCommand({
        ModelName: foreign,
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/sagemaker-exec',
        PrimaryContainer: { Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/other:9', ModelDataUrl: 's3://other/model.tar.gz' },
      }),
    );
    const handle = await h.client.workflow.start(deployModel, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(ep), args: [deployInput(ep, model)] });
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, 'DeploymentFailed');
    const still = await h.aws.sagemaker.send(new DescribeModelCommand({ ModelName: foreign }));
    assert.equal(still.PrimaryContainer?.Image, '123456789012.dkr.ecr.us-east-1.amazonaws.com/other:9', 'the other model is still there, unchanged');
  });

  it('does not delete an endpoint another actor created while the deploy was preparing', async () => {
    const ep = uniqueName('race');
    const model = uniqueName('m');
    // The other actor's model and config exist first; their endpoint appears just before the deploy's
    // CreateEndpoint is served (the emulator's actorCreate fault), after the deploy's last look.
    const theirModel = `${ep}-theirs`;
    await h.aws.sagemaker.send(
      new CreateModelCommand({
        ModelName: theirModel,
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/sagemaker-exec',
        PrimaryContainer: { Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/other:1', ModelDataUrl: 's3://other/model.tar.gz' },
      }),
    );
    await h.aws.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${ep}-theirs`,
        ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: theirModel, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }],
      }),
    );
    const actorCreates = () => h.emulator.control.calls().faults['actorCreate'] ?? 0;
    const before = actorCreates();
    h.emulator.control.setFaults([{ kind: 'actorCreate', operation: 'CreateEndpoint', names: [ep], input: { EndpointConfigName: `${ep}-theirs` } }]);
    try {
      const handle = await h.client.workflow.start(deployModel, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(ep), args: [deployInput(ep, model)] });
      const failure = await failureOf(handle.result());
      assert.equal(failure.type, 'DeploymentFailed');
      assert.match(failure.message, /ResourceConflict|already exists/);
      const theirs = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: ep }));
      assert.notEqual(theirs.EndpointStatus, 'Deleting', 'their endpoint is not being deleted');
      assert.equal(theirs.EndpointConfigName, `${ep}-theirs`);
      assert.equal(actorCreates() - before, 1, 'the other actor created it');
    } finally {
      h.emulator.control.setFaults([]);
    }
  });

  it('a restore that cannot finish stops the deletion of what the endpoint still uses, and ends in bounded time as RollbackIncomplete', async () => {
    const ep = uniqueName('inuse');
    const model = uniqueName('m');
    await h.client.workflow.execute(deployModel, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(ep), args: [deployInput(ep, model)] });
    // The update to v2 takes far longer than the deploy waits (3 s), and so does the restore (bound 6 s).
    h.emulator.control.setFaults([{ kind: 'slowTransitions', factor: 100, transitions: ['update'], endpoints: [ep] }]);
    try {
      const handle = await h.client.workflow.start(deployModel, {
        taskQueue: h.taskQueue,
        workflowId: endpointWorkflowId(ep),
        args: [{ ...deployInput(ep, model), inServiceTimeout: '3s' }],
      });
      const failure = await within(60_000, failureOf(handle.result()), () => handle.terminate('test: compensation did not end'));
      assert.equal(failure.type, 'RollbackIncomplete', failure.message);
      const { rollbackFailures } = failure.details?.[0] as { rollbackFailures: string[] };
      assert.ok(
        rollbackFailures.some((f) => /^restore endpoint /.test(f)),
        rollbackFailures.join('; '),
      );
      // The endpoint is still updating to v2's config: neither that config nor v2's model may go.
      const described = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: ep }));
      const pending = described.PendingDeploymentSummary?.EndpointConfigName;
      assert.ok(pending, 'the endpoint is still updating to the new config');
      const config = await h.aws.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: pending }));
      await h.aws.sagemaker.send(new DescribeModelCommand({ ModelName: config.ProductionVariants![0].ModelName! }));
      assert.ok(
        rollbackFailures.some((f) => f.includes(`endpoint config ${pending} not deleted: endpoint ${ep} still uses it`)),
        rollbackFailures.join('; '),
      );
    } finally {
      h.emulator.control.setFaults([]);
    }
  });

  it('a compensation step that keeps failing ends the deploy as RollbackIncomplete instead of retrying forever', async () => {
    const ep = uniqueName('bound');
    const model = uniqueName('m');
    h.emulator.control.setFaults([
      { kind: 'failTransition', transitions: ['create'], endpoints: [ep], failureReason: 'test: the container did not start' },
      { kind: 'serverError', operations: ['SageMaker.DeleteEndpointConfig'] },
    ]);
    try {
      const handle = await h.client.workflow.start(deployModel, {
        taskQueue: h.taskQueue,
        workflowId: endpointWorkflowId(ep),
        args: [{ ...deployInput(ep, model), inServiceTimeout: '3s' }],
      });
      const failure = await within(60_000, failureOf(handle.result()), () => handle.terminate('test: compensation did not end'));
      assert.equal(failure.type, 'RollbackIncomplete', failure.message);
      const { rollbackFailures, rolledBack } = failure.details?.[0] as { rollbackFailures: string[]; rolledBack: string[] };
      assert.equal(rollbackFailures.length, 1, rollbackFailures.join('; '));
      assert.match(rollbackFailures[0], /^delete endpoint config /);
      assert.ok(rolledBack.some((r) => r.startsWith(`delete endpoint ${ep}`)) && rolledBack.some((r) => r.startsWith('delete model ')), rolledBack.join('; '));
    } finally {
      h.emulator.control.setFaults([]);
    }
  });
});

describe("rollback only from what this run made: another actor's change is left alone (ConcurrentChange)", () => {
  it('update: another actor moves the endpoint to their config right after ours lands; the rollback leaves theirs', async () => {
    const ep = uniqueName('actor');
    const model = uniqueName('m');
    const deployed = await h.client.workflow.execute(deployModel, {
      taskQueue: h.taskQueue,
      workflowId: endpointWorkflowId(ep),
      args: [deployInput(ep, model)],
    });
    const live = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: ep }));
    const variantName = live.ProductionVariants![0].VariantName!;
    const theirs = `${ep}-theirs`;
    await h.aws.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: theirs,
        ProductionVariants: [{ VariantName: variantName, ModelName: deployed.sageMakerModelName, InstanceType: 'ml.m5.large', InitialInstanceCount: 3 }],
      }),
    );
    h.emulator.control.setFaults([{ kind: 'actorUpdate', endpoints: [ep], endpointConfigName: theirs }]);
    try {
      const handle = await h.client.workflow.start(updateSageMakerEndpoint, {
        taskQueue: h.taskQueue,
        workflowId: endpointWorkflowId(ep),
        args: [{ endpointName: ep, change: [{ variantName, instanceCount: 2 }], inServiceTimeout: '30s', poll: { min: '100ms', max: '500ms' } }],
      });
      const failure = await within(60_000, failureOf(handle.result()), () => handle.terminate('test: did not end'));
      assert.equal(failure.type, 'ConcurrentChange', failure.message);
      assert.match(failure.message, new RegExp(`endpoint ${ep} is on config ${theirs}, which this run did not create`));
      const after = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: ep }));
      assert.equal(after.EndpointConfigName, theirs, 'their change stands');
      assert.equal(after.EndpointStatus, 'InService', 'nobody is moving it back');
      // This run's own config, which nothing uses, is still undone.
      const { rolledBack } = failure.details?.[0] as { rolledBack: string[] };
      assert.ok(
        rolledBack.some((r) => r.startsWith('delete endpoint config ')),
        rolledBack.join('; '),
      );
    } finally {
      h.emulator.control.setFaults([]);
    }
  });
});

describe('rollback from the config this run moved the endpoint to, whoever created it', () => {
  it("update back to an earlier spec reuses an earlier run's config; cancelled after UpdateEndpoint, it still restores", async () => {
    const ep = uniqueName('flip');
    const model = uniqueName('m');
    await h.client.workflow.execute(deployModel, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(ep), args: [deployInput(ep, model)] });
    const live = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: ep }));
    const variantName = live.ProductionVariants![0].VariantName!;
    const update = (instanceCount: number) => ({ endpointName: ep, change: [{ variantName, instanceCount }], poll: { min: '100ms', max: '500ms' } });
    const run = (instanceCount: number) =>
      h.client.workflow.execute(updateSageMakerEndpoint, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(ep), args: [update(instanceCount)] });
    // Run 1 makes the 2-instance config; run 2 goes back to 1 instance (its own config).
    const toTwo = await run(2);
    const backToOne = await run(1);
    assert.equal(
      (await tagsOf((await h.aws.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: toTwo.endpointConfigName }))).EndpointConfigArn!))[
        OWNERSHIP_TAGS.endpoint
      ],
      ep,
    );
    // Run 3 asks for 2 instances again: the same spec, so run 1's config (config names hash the spec).
    h.emulator.control.setFaults([{ kind: 'slowTransitions', factor: 20, transitions: ['update'], endpoints: [ep] }]);
    try {
      const handle = await h.client.workflow.start(updateSageMakerEndpoint, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(ep), args: [update(2)] });
      await eventually(
        () => handle.query(updateStatusQuery),
        (s) => s.step === 'waiting-updated',
      );
      h.emulator.control.setFaults([]);
      const moving = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: ep }));
      assert.equal(moving.PendingDeploymentSummary?.EndpointConfigName, toTwo.endpointConfigName, "run 3 moves the endpoint to run 1's config");
      await handle.cancel();
      const failure = await within(60_000, failureOf(handle.result()), () => handle.terminate('test: did not end'));
      assert.equal(failure.type, 'Cancelled', failure.message);
      assert.match(failure.message, new RegExp(`restore endpoint ${ep} to ${backToOne.endpointConfigName}`));
    } finally {
      h.emulator.control.setFaults([]);
    }
    const after = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: ep }));
    assert.equal(after.EndpointStatus, 'InService');
    assert.equal(after.EndpointConfigName, backToOne.endpointConfigName, 'back on the config the run started from');
    // Run 1's config is not run 3's to delete.
    await h.aws.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: toTwo.endpointConfigName }));
  });
});

describe('canary: ownership tags and rollback only from its own configs', () => {
  it('tags the new model and the final config with the endpoint and the run', async () => {
    const { endpointName, model } = await endpointWithNewVersion(h, 'cown');
    try {
      const handle = await startCanary(h, canaryInput(endpointName, model));
      const result = await within(180_000, handle.result(), () => handle.terminate('test: did not end'));
      const runId = handle.firstExecutionRunId;
      const config = await h.aws.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: result.endpointConfigName }));
      const m = await h.aws.sagemaker.send(new DescribeModelCommand({ ModelName: config.ProductionVariants![0].ModelName! }));
      for (const arn of [config.EndpointConfigArn!, m.ModelArn!]) {
        const tags = await tagsOf(arn);
        assert.equal(tags[OWNERSHIP_TAGS.endpoint], endpointName, arn);
        assert.equal(tags[OWNERSHIP_TAGS.run], runId, arn);
      }
    } finally {
      h.emulator.control.stopTraffic(endpointName);
    }
  });

  it('another actor moves the endpoint off the ramp config: the rollback leaves their config and fails as ConcurrentChange', async () => {
    const { endpointName, model, v1 } = await endpointWithNewVersion(h, 'cactor');
    const theirs = `${endpointName}-theirs`;
    await h.aws.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: theirs,
        ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: v1.sageMakerModelName, InstanceType: 'ml.m5.large', InitialInstanceCount: 3 }],
      }),
    );
    // Their UpdateEndpoint lands the moment the canary's ramp config is in service.
    h.emulator.control.setFaults([{ kind: 'actorUpdate', endpoints: [endpointName], endpointConfigName: theirs }]);
    try {
      const handle = await startCanary(h, canaryInput(endpointName, model));
      const failure = await within(120_000, failureOf(handle.result()), () => handle.terminate('test: did not end'));
      assert.equal(failure.type, 'ConcurrentChange', failure.message);
      assert.match(failure.message, new RegExp(`endpoint ${endpointName} is on config ${theirs}, which this run did not create`));
      const after = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
      assert.equal(after.EndpointConfigName, theirs, 'their change stands');
      assert.equal(after.EndpointStatus, 'InService', 'nobody is moving it back');
      // What this run made and nothing uses is still undone.
      const { rolledBack } = failure.details?.[0] as { rolledBack: string[] };
      assert.ok(
        rolledBack.some((r) => r.startsWith('delete endpoint config ')),
        rolledBack.join('; '),
      );
      assert.ok(
        rolledBack.some((r) => r === `delete model ${model}-v2`),
        rolledBack.join('; '),
      );
    } finally {
      h.emulator.control.setFaults([]);
      h.emulator.control.stopTraffic(endpointName);
    }
  });
});
