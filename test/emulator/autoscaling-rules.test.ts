/**
 * Application Auto Scaling rules a restore must respect: scheduled actions (and their deletion with the
 * target), tags on scalable targets, and step-policy alarm actions (kept alarm, removed action).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeleteScalingPolicyCommand,
  DeleteScheduledActionCommand,
  DeregisterScalableTargetCommand,
  DescribeScalingPoliciesCommand,
  DescribeScheduledActionsCommand,
  ListTagsForResourceCommand,
  PutScalingPolicyCommand,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CreateEndpointCommand, DeleteEndpointCommand } from '@aws-sdk/client-sagemaker';
import { createConfig, createModel, rejection, waitForGone, waitForStatus, withEmulator, type TestEnv } from '../support/emulator';

const NS = 'sagemaker' as const;
const DIM = 'sagemaker:variant:DesiredInstanceCount' as const;
const RID = 'endpoint/ep/variant/blue';
const TARGET = { ServiceNamespace: NS, ResourceId: RID, ScalableDimension: DIM } as const;

async function liveTarget(env: TestEnv, tags?: Record<string, string>): Promise<string> {
  await createModel(env.sm, 'm1', 'repo/iris:1');
  await createConfig(env.sm, 'c1', [{ VariantName: 'blue', ModelName: 'm1', InitialInstanceCount: 2 }]);
  await env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' }));
  await waitForStatus(env.sm, 'ep', 'InService');
  const out = await env.aas.send(new RegisterScalableTargetCommand({ ...TARGET, MinCapacity: 1, MaxCapacity: 4, ...(tags ? { Tags: tags } : {}) }));
  return out.ScalableTargetARN!;
}

const describeActions = async (env: TestEnv) =>
  (await env.aas.send(new DescribeScheduledActionsCommand({ ServiceNamespace: NS, ResourceId: RID }))).ScheduledActions ?? [];

test('PutScheduledAction creates and updates a scheduled action; DescribeScheduledActions and DeleteScheduledAction', async () => {
  await withEmulator(async (env) => {
    await liveTarget(env);
    const start = new Date('2030-01-01T00:00:00Z');
    const end = new Date('2030-06-01T00:00:00Z');
    await env.aas.send(
      new PutScheduledActionCommand({
        ...TARGET,
        ScheduledActionName: 'business-hours',
        Schedule: 'cron(0 8 ? * MON-FRI *)',
        Timezone: 'Europe/Paris',
        StartTime: start,
        EndTime: end,
        ScalableTargetAction: { MinCapacity: 2, MaxCapacity: 6 },
      }),
    );
    const [action] = await describeActions(env);
    assert.equal(action?.ScheduledActionName, 'business-hours');
    assert.match(
      action?.ScheduledActionARN ?? '',
      /^arn:aws:autoscaling:us-east-1:123456789012:scheduledAction:[0-9a-f-]+:resource\/sagemaker\/endpoint\/ep\/variant\/blue:scheduledActionName\/business-hours$/,
    );
    assert.equal(action?.Schedule, 'cron(0 8 ? * MON-FRI *)');
    assert.equal(action?.Timezone, 'Europe/Paris');
    assert.deepEqual([action?.StartTime?.toISOString(), action?.EndTime?.toISOString()], [start.toISOString(), end.toISOString()]);
    assert.deepEqual(action?.ScalableTargetAction, { MinCapacity: 2, MaxCapacity: 6 });
    assert.ok(action?.CreationTime instanceof Date);

    // AWS: an update changes what is given; start and end times not given are deleted.
    await env.aas.send(
      new PutScheduledActionCommand({ ...TARGET, ScheduledActionName: 'business-hours', ScalableTargetAction: { MinCapacity: 3, MaxCapacity: 6 } }),
    );
    const [updated] = await describeActions(env);
    assert.equal(updated?.ScheduledActionARN, action?.ScheduledActionARN);
    assert.equal(updated?.Schedule, 'cron(0 8 ? * MON-FRI *)');
    assert.equal(updated?.StartTime, undefined);
    assert.equal(updated?.EndTime, undefined);
    assert.deepEqual(updated?.ScalableTargetAction, { MinCapacity: 3, MaxCapacity: 6 });

    const byName = await env.aas.send(new DescribeScheduledActionsCommand({ ServiceNamespace: NS, ScheduledActionNames: ['other'] }));
    assert.deepEqual(byName.ScheduledActions, []);

    await env.aas.send(new DeleteScheduledActionCommand({ ...TARGET, ScheduledActionName: 'business-hours' }));
    assert.deepEqual(await describeActions(env), []);
    const again = await rejection(() => env.aas.send(new DeleteScheduledActionCommand({ ...TARGET, ScheduledActionName: 'business-hours' })));
    assert.equal(again.name, 'ObjectNotFoundException');
  });
});

test('PutScheduledAction needs a registered target and a valid schedule', async () => {
  await withEmulator(async (env) => {
    await liveTarget(env);
    const noTarget = await rejection(() =>
      env.aas.send(new PutScheduledActionCommand({ ...TARGET, ResourceId: 'endpoint/ep/variant/green', ScheduledActionName: 'a', Schedule: 'rate(1 hour)' })),
    );
    assert.equal(noTarget.name, 'ObjectNotFoundException');
    const noSchedule = await rejection(() => env.aas.send(new PutScheduledActionCommand({ ...TARGET, ScheduledActionName: 'a' })));
    assert.equal(noSchedule.name, 'ValidationException');
    const badSchedule = await rejection(() => env.aas.send(new PutScheduledActionCommand({ ...TARGET, ScheduledActionName: 'a', Schedule: 'every hour' })));
    assert.equal(badSchedule.name, 'ValidationException');
    const badName = await rejection(() => env.aas.send(new PutScheduledActionCommand({ ...TARGET, ScheduledActionName: 'a/b', Schedule: 'rate(1 hour)' })));
    assert.equal(badName.name, 'ValidationException');
    assert.match(badName.message, /scheduledActionName/);
    assert.deepEqual(await describeActions(env), []);
  });
});

test("DeregisterScalableTarget deletes the target's scheduled actions and policies", async () => {
  await withEmulator(async (env) => {
    await liveTarget(env);
    await env.aas.send(
      new PutScheduledActionCommand({ ...TARGET, ScheduledActionName: 'nightly', Schedule: 'cron(0 22 * * ? *)', ScalableTargetAction: { MinCapacity: 1 } }),
    );
    await env.aas.send(
      new PutScalingPolicyCommand({
        ...TARGET,
        PolicyName: 'step',
        PolicyType: 'StepScaling',
        StepScalingPolicyConfiguration: { AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }] },
      }),
    );
    await env.aas.send(new DeregisterScalableTargetCommand(TARGET));
    assert.deepEqual(await describeActions(env), []);
    const policies = await env.aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: NS, ResourceId: RID }));
    assert.deepEqual(policies.ScalingPolicies, []);
    assert.deepEqual(env.emu.control.state().scheduledActions, []);
  });
});

test('DeleteEndpoint removes the scheduled actions with the scalable targets it deregisters', async () => {
  await withEmulator(async (env) => {
    await liveTarget(env);
    await env.aas.send(
      new PutScheduledActionCommand({ ...TARGET, ScheduledActionName: 'once', Schedule: 'at(2030-01-01T00:00:00)', ScalableTargetAction: { MaxCapacity: 8 } }),
    );
    await env.sm.send(new DeleteEndpointCommand({ EndpointName: 'ep' }));
    await waitForGone(env.sm, 'ep');
    assert.deepEqual(await describeActions(env), []);
  });
});

test('tags on scalable targets: RegisterScalableTarget Tags, TagResource, UntagResource, ListTagsForResource', async () => {
  await withEmulator(async (env) => {
    const arn = await liveTarget(env, { team: 'ml', 'modelship:endpoint': 'ep' });
    const listed = async () => (await env.aas.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags;
    assert.deepEqual(await listed(), { team: 'ml', 'modelship:endpoint': 'ep' });
    await env.aas.send(new TagResourceCommand({ ResourceARN: arn, Tags: { team: 'platform', cost: '42' } }));
    assert.deepEqual(await listed(), { team: 'platform', 'modelship:endpoint': 'ep', cost: '42' });
    await env.aas.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['cost', 'absent'] }));
    assert.deepEqual(await listed(), { team: 'platform', 'modelship:endpoint': 'ep' });
    // Registering again keeps the tags (an update of the same target).
    await env.aas.send(new RegisterScalableTargetCommand({ ...TARGET, MaxCapacity: 5 }));
    assert.deepEqual(await listed(), { team: 'platform', 'modelship:endpoint': 'ep' });

    const unknown = 'arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/0123abcd';
    const missing = await rejection(() => env.aas.send(new ListTagsForResourceCommand({ ResourceARN: unknown })));
    assert.equal(missing.name, 'ResourceNotFoundException');
    assert.equal((missing as unknown as { ResourceName?: string }).ResourceName, unknown);
    const badArn = await rejection(() => env.aas.send(new TagResourceCommand({ ResourceARN: 'arn:aws:sagemaker:x', Tags: { a: 'b' } })));
    assert.equal(badArn.name, 'ValidationException');

    // A deregistered and re-registered target is a new target: no tags.
    await env.aas.send(new DeregisterScalableTargetCommand(TARGET));
    const fresh = await env.aas.send(new RegisterScalableTargetCommand({ ...TARGET, MinCapacity: 1, MaxCapacity: 4 }));
    assert.deepEqual((await env.aas.send(new ListTagsForResourceCommand({ ResourceARN: fresh.ScalableTargetARN! }))).Tags, {});
  });
});

test('a step policy wired to an alarm: DescribeScalingPolicies reports the alarm; DeleteScalingPolicy removes the action, keeps the alarm', async () => {
  await withEmulator(async (env) => {
    await liveTarget(env);
    const policy = await env.aas.send(
      new PutScalingPolicyCommand({
        ...TARGET,
        PolicyName: 'step-out',
        PolicyType: 'StepScaling',
        StepScalingPolicyConfiguration: { AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }] },
      }),
    );
    const policyArn = policy.PolicyARN!;
    const otherAction = 'arn:aws:sns:us-east-1:123456789012:oncall';
    await env.cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'ep-high-latency',
        Namespace: 'AWS/SageMaker',
        MetricName: 'ModelLatency',
        Dimensions: [
          { Name: 'EndpointName', Value: 'ep' },
          { Name: 'VariantName', Value: 'blue' },
        ],
        Statistic: 'Average',
        Period: 60,
        EvaluationPeriods: 2,
        Threshold: 500_000,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [policyArn, otherAction],
      }),
    );
    const described = await env.aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: NS, ResourceId: RID }));
    assert.deepEqual(
      described.ScalingPolicies?.[0]?.Alarms?.map((a) => a.AlarmName),
      ['ep-high-latency'],
    );
    const byAction = await env.cw.send(new DescribeAlarmsCommand({ ActionPrefix: policyArn }));
    assert.deepEqual(
      byAction.MetricAlarms?.map((a) => a.AlarmName),
      ['ep-high-latency'],
    );

    await env.aas.send(new DeleteScalingPolicyCommand({ ...TARGET, PolicyName: 'step-out' }));
    const after = await env.cw.send(new DescribeAlarmsCommand({ AlarmNames: ['ep-high-latency'] }));
    assert.equal(after.MetricAlarms?.length, 1, 'the alarm itself is kept');
    assert.deepEqual(after.MetricAlarms?.[0]?.AlarmActions, [otherAction]);
  });
});

test('a target-tracking policy owns its alarms: created with it, deleted with it', async () => {
  await withEmulator(async (env) => {
    await liveTarget(env);
    const out = await env.aas.send(
      new PutScalingPolicyCommand({
        ...TARGET,
        PolicyName: 'tt',
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 70,
          PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        },
      }),
    );
    const names = (out.Alarms ?? []).map((a) => a.AlarmName!);
    assert.equal(names.length, 2);
    const described = await env.aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: NS, ResourceId: RID }));
    assert.deepEqual(
      described.ScalingPolicies?.[0]?.Alarms?.map((a) => a.AlarmName),
      names,
    );
    assert.equal((await env.cw.send(new DescribeAlarmsCommand({ AlarmNames: names }))).MetricAlarms?.length, 2);
    await env.aas.send(new DeleteScalingPolicyCommand({ ...TARGET, PolicyName: 'tt' }));
    assert.deepEqual((await env.cw.send(new DescribeAlarmsCommand({ AlarmNames: names }))).MetricAlarms, []);
  });
});
