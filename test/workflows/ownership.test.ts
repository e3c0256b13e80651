import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand, DescribeEndpointCommand, DescribeEndpointConfigCommand, DescribeModelCommand, ListTagsCommand } from '@aws-sdk/client-sagemaker';
import { deployModel, deployStatusQuery } from '../../src/workflows/deploy';
import type { DeployInput } from '../../src/domain/deploy';
import { endpointWorkflowId, modelName } from '../../src/domain/names';
import { OWNERSHIP_TAGS } from '../../src/domain/ownership';
import { createHarness, eventually, failureOf, uniqueName, type Harness } from '../support/harness';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => h?.close());

function deployInput(endpointName: string, model: string): DeployInput {
  return {
    endpointName,
    model: { name: model, image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${model}:1`, modelDataUrl: `s3://models/${model}/1/model.tar.gz` },
    executionRoleArn: 'arn:aws:iam::123456789012:role/sagemaker-exec',
    instanceType: 'ml.m5.large',
    autoApprove: true,
    poll: { min: '100ms', max: '500ms' },
  };
}

const tagsOf = async (arn: string) => Object.fromEntries(((await h.aws.sagemaker.send(new ListTagsCommand({ ResourceArn: arn }))).Tags ?? []).map((t) => [t.Key, t.Value]));

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
      })
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
    h.emulator.control.setFaults([{ kind: 'latency', ms: 3000, operations: ['SageMaker.CreateEndpointConfig'], times: 1 }]);
    try {
      const handle = await h.client.workflow.start(deployModel, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(ep), args: [deployInput(ep, model)] });
      await eventually(() => handle.query(deployStatusQuery), (s) => s.step === 'creating-endpoint-config');
      // Someone else creates the endpoint, on their own config and model, in the meantime.
      const theirModel = `${ep}-theirs`;
      await h.aws.sagemaker.send(
        new CreateModelCommand({ ModelName: theirModel, ExecutionRoleArn: 'arn:aws:iam::123456789012:role/sagemaker-exec', PrimaryContainer: { Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/other:1', ModelDataUrl: 's3://other/model.tar.gz' } })
      );
      await h.aws.sagemaker.send(
        new CreateEndpointConfigCommand({ EndpointConfigName: `${ep}-theirs`, ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: theirModel, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }] })
      );
      await h.aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: ep, EndpointConfigName: `${ep}-theirs` }));
      const failure = await failureOf(handle.result());
      assert.equal(failure.type, 'DeploymentFailed');
      assert.match(failure.message, /ResourceConflict|already exists/);
      const theirs = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: ep }));
      assert.notEqual(theirs.EndpointStatus, 'Deleting', 'their endpoint is not being deleted');
      assert.equal(theirs.EndpointConfigName, `${ep}-theirs`);
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
      assert.ok(rollbackFailures.some((f) => /^restore endpoint /.test(f)), rollbackFailures.join('; '));
      // The endpoint is still updating to v2's config: neither that config nor v2's model may go.
      const described = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: ep }));
      const pending = described.PendingDeploymentSummary?.EndpointConfigName;
      assert.ok(pending, 'the endpoint is still updating to the new config');
      const config = await h.aws.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: pending }));
      await h.aws.sagemaker.send(new DescribeModelCommand({ ModelName: config.ProductionVariants![0].ModelName! }));
      assert.ok(rollbackFailures.some((f) => f.includes(`endpoint config ${pending} not deleted: endpoint ${ep} still uses it`)), rollbackFailures.join('; '));
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

/** `promise`, or a failed test (after `onTimeout`) when it does not settle within `ms`. */
async function within<T>(ms: number, promise: Promise<T>, onTimeout: () => Promise<unknown>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void onTimeout().catch(() => undefined);
      reject(new Error(`did not end within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
