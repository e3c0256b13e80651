import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateModelPackageCommand } from '@aws-sdk/client-sagemaker';
import type { CanaryInput } from '../../src/domain/canary/input';
import { endpointWorkflowId } from '../../src/domain/names';
import { describeEndpoint } from '../../src/inventory';
import { createPromoteSchedule, createRolloutSchedule } from '../../src/schedules';
import { abortSignal, canaryRollout, canaryStatusQuery } from '../../src/workflows/canary';
import { deployModel } from '../../src/workflows/deploy';
import { createHarness, eventually, uniqueName, type Harness } from '../support/harness';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => h?.close());

const ROLE = 'arn:aws:iam::123456789012:role/sagemaker-exec';

async function servingV1WithApprovedV2(prefix: string) {
  const endpointName = uniqueName(prefix);
  const model = uniqueName('m');
  const img = (t: string) => `123456789012.dkr.ecr.us-east-1.amazonaws.com/${model}:${t}`;
  await h.client.workflow.execute(deployModel, {
    taskQueue: h.taskQueue,
    workflowId: endpointWorkflowId(endpointName),
    args: [
      {
        endpointName,
        model: { name: model, image: img('v1'), modelDataUrl: 's3://m/v1.tar.gz' },
        executionRoleArn: ROLE,
        instanceType: 'ml.m5.large',
        autoApprove: true,
        poll: { min: '100ms', max: '300ms' },
      },
    ],
  });
  await h.aws.sagemaker.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: model,
      InferenceSpecification: {
        Containers: [{ Image: img('v2'), ModelDataUrl: 's3://m/v2.tar.gz' }],
        SupportedContentTypes: ['application/json'],
        SupportedResponseMIMETypes: ['application/json'],
      },
      ModelApprovalStatus: 'Approved',
    }),
  );
  h.emulator.control.startTraffic({ endpointName, rps: 200 });
  const canary: Omit<CanaryInput, 'model'> & { model: { name: string } } = {
    endpointName,
    model: { name: model },
    executionRoleArn: ROLE,
    steps: [50, 100],
    bake: '1s',
    gate: { minInvocations: 5, metricPeriod: '1s' },
    poll: { min: '100ms', max: '300ms' },
  };
  return { endpointName, model, canary };
}

describe('schedules', () => {
  it('a rollout schedule rolls the newest approved version out, then finds the endpoint up to date', async () => {
    const { endpointName, model, canary } = await servingV1WithApprovedV2('sched');
    const schedule = await createRolloutSchedule(h.client, { taskQueue: h.taskQueue, cron: ['0 3 1 1 *'], rollout: { canary } });
    try {
      await schedule.trigger();
      // The canary runs as the endpoint's own workflow, started by the scheduled run.
      const rollout = h.client.workflow.getHandle(endpointWorkflowId(endpointName));
      await eventually(
        () =>
          rollout
            .describe()
            .then((d) => d.type)
            .catch(() => 'none'),
        (t) => t === 'canaryRollout',
      );
      await rollout.result();
      const ep = await describeEndpoint(h.aws.sagemaker, endpointName);
      assert.ok(ep.ProductionVariants?.[0].DeployedImages?.[0].SpecifiedImage?.endsWith(`${model}:v2`));

      const runs = async () => (await schedule.describe()).info.recentActions.length;
      await eventually(runs, (n) => n === 1);
      await schedule.trigger();
      await eventually(runs, (n) => n === 2);
      const second = (await schedule.describe()).info.recentActions[1].action.workflow;
      const outcome = await h.client.workflow.getHandle(second.workflowId, second.firstExecutionRunId).result();
      assert.deepEqual(outcome, { outcome: 'up-to-date', version: 2 });
    } finally {
      h.emulator.control.stopTraffic(endpointName);
      await schedule.delete();
    }
  });

  it('a promote schedule advances a running canary at the scheduled time', async () => {
    const { endpointName, model, canary } = await servingV1WithApprovedV2('promote-at');
    const rollout = await h.client.workflow.start(canaryRollout, {
      taskQueue: h.taskQueue,
      workflowId: endpointWorkflowId(endpointName),
      args: [{ ...canary, model: { name: model, version: 2 }, steps: [10, 50, 100], bake: '10m' }],
    });
    await eventually(
      () => rollout.query(canaryStatusQuery),
      (s) => s.phase === 'baking' && s.canaryWeight === 10,
    );
    const at = new Date(Math.ceil((Date.now() + 2000) / 1000) * 1000);
    const schedule = await createPromoteSchedule(h.client, { taskQueue: h.taskQueue, at, promote: { endpointName, reason: 'change window opens' } });
    try {
      const moved = await eventually(
        () => rollout.query(canaryStatusQuery),
        (s) => s.canaryWeight === 50,
        30_000,
      );
      assert.ok(Date.now() >= at.getTime(), 'not before the scheduled time');
      const promote = moved.actions.find((a) => a.action === 'promote');
      assert.match(promote?.by ?? '', /^schedule scheduled-promote\//);
      assert.equal(promote?.reason, 'change window opens');
    } finally {
      await rollout.signal(abortSignal, { by: 'test' });
      await rollout.result().catch(() => undefined);
      h.emulator.control.stopTraffic(endpointName);
      await schedule.delete().catch(() => undefined);
    }
  });
});
