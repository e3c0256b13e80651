/** Application Auto Scaling for SageMaker variants, and its coupling with UpdateEndpoint/DeleteEndpoint. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  DeleteScheduledActionCommand,
  DescribeScheduledActionsCommand,
  ListTagsForResourceCommand,
  ObjectNotFoundException,
  PutScalingPolicyCommand,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CreateEndpointCommand, DeleteEndpointCommand, DescribeEndpointCommand, UpdateEndpointCommand } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { createConfig, createModel, rejection, waitForGone, waitForStatus, withEmulator, type TestEnv } from '../support/emulator';

const NS = 'sagemaker' as const;
const DIM = 'sagemaker:variant:DesiredInstanceCount' as const;
const RID = 'endpoint/ep/variant/blue';

async function liveEndpoint(env: TestEnv, instanceCount = 2): Promise<void> {
  await createModel(env.sm, 'm1', 'repo/iris:1');
  await createModel(env.sm, 'm2', 'repo/iris:2');
  await createConfig(env.sm, 'c1', [{ VariantName: 'blue', ModelName: 'm1', InitialInstanceCount: instanceCount }]);
  await env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' }));
  await waitForStatus(env.sm, 'ep', 'InService');
}

async function register(env: TestEnv, min = 1, max = 4): Promise<string | undefined> {
  const out = await env.aas.send(
    new RegisterScalableTargetCommand({ ServiceNamespace: NS, ResourceId: RID, ScalableDimension: DIM, MinCapacity: min, MaxCapacity: max }),
  );
  return out.ScalableTargetARN;
}

async function trackInvocations(env: TestEnv, name = 'invocations'): Promise<void> {
  await env.aas.send(
    new PutScalingPolicyCommand({
      PolicyName: name,
      ServiceNamespace: NS,
      ResourceId: RID,
      ScalableDimension: DIM,
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 70,
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        ScaleInCooldown: 300,
        ScaleOutCooldown: 60,
      },
    }),
  );
}

test('RegisterScalableTarget registers a variant and DescribeScalableTargets returns it', async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env);
    const arn = await register(env);
    assert.match(arn ?? '', /^arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target\/[0-9a-f]+$/);
    const out = await env.aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: NS, ResourceIds: [RID] }));
    const target = out.ScalableTargets?.[0];
    assert.equal(target?.MinCapacity, 1);
    assert.equal(target?.MaxCapacity, 4);
    assert.equal(target?.ScalableDimension, DIM);
    assert.match(target?.RoleARN ?? '', /AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint$/);
    assert.ok(target?.CreationTime instanceof Date);
    assert.deepEqual(target?.SuspendedState, { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false });
    const unknown = await env.aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: NS, ResourceIds: ['endpoint/x/variant/y'] }));
    assert.deepEqual(unknown.ScalableTargets, []);
  });
});

test('DescribeScalableTargets filters by ResourceIds exactly (no prefix match, at most 50), and a ScalableDimension needs a resource id', async () => {
  await withEmulator(async (env) => {
    // Two endpoints whose names and variants are prefixes of one another: `ep` / `ep2`, `blue` / `blue2`.
    await createModel(env.sm, 'm1', 'repo/iris:1');
    await createConfig(env.sm, 'c1', [
      { VariantName: 'blue', ModelName: 'm1' },
      { VariantName: 'blue2', ModelName: 'm1' },
    ]);
    for (const ep of ['ep', 'ep2']) await env.sm.send(new CreateEndpointCommand({ EndpointName: ep, EndpointConfigName: 'c1' }));
    for (const ep of ['ep', 'ep2']) await waitForStatus(env.sm, ep, 'InService');
    const ids = ['endpoint/ep/variant/blue', 'endpoint/ep/variant/blue2', 'endpoint/ep2/variant/blue', 'endpoint/ep2/variant/blue2'];
    for (const id of ids)
      await env.aas.send(new RegisterScalableTargetCommand({ ServiceNamespace: NS, ResourceId: id, ScalableDimension: DIM, MinCapacity: 1, MaxCapacity: 2 }));
    const described = async (input: Omit<ConstructorParameters<typeof DescribeScalableTargetsCommand>[0], 'ServiceNamespace'>) =>
      ((await env.aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: NS, ...input }))).ScalableTargets ?? []).map((t) => t.ResourceId).sort();

    assert.deepEqual(await described({ ResourceIds: [RID] }), [RID]);
    assert.deepEqual(await described({ ResourceIds: [RID], ScalableDimension: DIM }), [RID]);
    assert.deepEqual(await described({ ResourceIds: ['endpoint/ep2/variant/blue2', RID, 'endpoint/gone/variant/blue'] }), [
      'endpoint/ep/variant/blue',
      'endpoint/ep2/variant/blue2',
    ]);
    assert.deepEqual(await described({ ResourceIds: ['endpoint/ep/variant/', 'endpoint/ep', 'endpoint/ep/variant/blu'] }), [], 'no prefix match');
    assert.deepEqual(await described({}), ids, 'without ResourceIds: the whole namespace');
    // Pages within the filter.
    const first = await env.aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: NS, ResourceIds: ids.slice(0, 3), MaxResults: 2 }));
    const second = await env.aas.send(
      new DescribeScalableTargetsCommand({ ServiceNamespace: NS, ResourceIds: ids.slice(0, 3), MaxResults: 2, NextToken: first.NextToken }),
    );
    assert.deepEqual([first.ScalableTargets?.length, second.ScalableTargets?.length, second.NextToken], [2, 1, undefined]);

    const tooMany = await rejection(() => described({ ResourceIds: Array.from({ length: 51 }, (_, i) => `endpoint/ep/variant/v${i}`) }));
    assert.equal(tooMany.name, 'ValidationException');
    assert.match(tooMany.message, /resourceIds.*length less than or equal to 50/i);
    assert.equal((await described({ ResourceIds: Array.from({ length: 50 }, (_, i) => (i === 49 ? RID : `endpoint/ep/variant/v${i}`)) })).length, 1);
    // "If you specify a scalable dimension, you must also specify a resource ID."
    for (const call of [
      () => described({ ScalableDimension: DIM }),
      () => env.aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: NS, ScalableDimension: DIM })),
      () => env.aas.send(new DescribeScheduledActionsCommand({ ServiceNamespace: NS, ScalableDimension: DIM })),
    ]) {
      const err = await rejection(call);
      assert.equal(err.name, 'ValidationException');
      assert.match(err.message, /must also specify a resource ID/);
    }
  });
});

test('registering again updates the target in place and keeps omitted capacities', async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env);
    const arn = await register(env, 1, 4);
    const again = await env.aas.send(new RegisterScalableTargetCommand({ ServiceNamespace: NS, ResourceId: RID, ScalableDimension: DIM, MaxCapacity: 8 }));
    assert.equal(again.ScalableTargetARN, arn);
    const out = await env.aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: NS }));
    assert.deepEqual(
      out.ScalableTargets?.map((t) => [t.MinCapacity, t.MaxCapacity]),
      [[1, 8]],
    );
  });
});

test('registering a target for a missing endpoint or variant is a ValidationException', async () => {
  await withEmulator(async (env) => {
    const err = await rejection(() => register(env));
    assert.equal(err.name, 'ValidationException');
    assert.match(err.message, /endpoint\/ep\/variant\/blue/);
  });
});

test('a minimum above the current capacity moves the variant up through Updating', async () => {
  // Long enough to observe Updating even on a loaded machine.
  await withEmulator({ timings: { weightsUpdateMs: 1500 } }, async (env) => {
    await liveEndpoint(env, 1);
    await register(env, 3, 6);
    const updating = await env.sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' }));
    assert.equal(updating.EndpointStatus, 'Updating');
    assert.equal(updating.ProductionVariants?.[0]?.DesiredInstanceCount, 3);
    const done = await waitForStatus(env.sm, 'ep', 'InService');
    assert.equal(done.ProductionVariants?.[0]?.CurrentInstanceCount, 3);
  });
});

test('a target-tracking policy creates AlarmHigh and AlarmLow alarms, and deleting it removes them', async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env);
    await register(env);
    const put = await env.aas.send(
      new PutScalingPolicyCommand({
        PolicyName: 'invocations',
        ServiceNamespace: NS,
        ResourceId: RID,
        ScalableDimension: DIM,
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 70,
          PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        },
      }),
    );
    assert.match(
      put.PolicyARN ?? '',
      /^arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:[0-9a-f-]+:resource\/sagemaker\/endpoint\/ep\/variant\/blue:policyName\/invocations$/,
    );
    const names = put.Alarms?.map((a) => a.AlarmName) ?? [];
    assert.equal(names.length, 2);
    assert.match(names[0]!, /^TargetTracking-endpoint\/ep\/variant\/blue-AlarmHigh-[0-9a-f-]{36}$/);
    assert.match(names[1]!, /^TargetTracking-endpoint\/ep\/variant\/blue-AlarmLow-[0-9a-f-]{36}$/);
    const alarms = env.emu.control.state().alarms;
    const high = alarms.find((a) => a.alarmName === names[0]);
    assert.equal(high?.metricName, 'InvocationsPerInstance');
    assert.equal(high?.threshold, 70);
    assert.deepEqual(high?.dimensions, [
      { Name: 'EndpointName', Value: 'ep' },
      { Name: 'VariantName', Value: 'blue' },
    ]);

    const described = await env.aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: NS, ResourceId: RID }));
    assert.equal(described.ScalingPolicies?.[0]?.PolicyType, 'TargetTrackingScaling');
    assert.equal(described.ScalingPolicies?.[0]?.TargetTrackingScalingPolicyConfiguration?.TargetValue, 70);
    assert.deepEqual(described.ScalingPolicies?.[0]?.Alarms, put.Alarms);

    await env.aas.send(new DeleteScalingPolicyCommand({ PolicyName: 'invocations', ServiceNamespace: NS, ResourceId: RID, ScalableDimension: DIM }));
    assert.equal(env.emu.control.state().alarms.length, 0);
    assert.equal(env.emu.control.state().scalingPolicies.length, 0);
  });
});

test('a step scaling policy is stored without alarms', async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env);
    await register(env);
    const put = await env.aas.send(
      new PutScalingPolicyCommand({
        PolicyName: 'step',
        ServiceNamespace: NS,
        ResourceId: RID,
        ScalableDimension: DIM,
        PolicyType: 'StepScaling',
        StepScalingPolicyConfiguration: {
          AdjustmentType: 'ChangeInCapacity',
          StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
          Cooldown: 60,
        },
      }),
    );
    assert.equal(put.Alarms, undefined);
    const described = await env.aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: NS, PolicyNames: ['step'] }));
    assert.equal(described.ScalingPolicies?.[0]?.StepScalingPolicyConfiguration?.AdjustmentType, 'ChangeInCapacity');
    assert.equal(env.emu.control.state().alarms.length, 0);
  });
});

async function stepPolicy(env: TestEnv, name = 'step'): Promise<string> {
  const put = await env.aas.send(
    new PutScalingPolicyCommand({
      PolicyName: name,
      ServiceNamespace: NS,
      ResourceId: RID,
      ScalableDimension: DIM,
      PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: {
        AdjustmentType: 'ChangeInCapacity',
        StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
        Cooldown: 60,
      },
    }),
  );
  return put.PolicyARN!;
}

async function wireAlarm(env: TestEnv, alarmName: string, actions: string[]): Promise<void> {
  await env.cw.send(
    new PutMetricAlarmCommand({
      AlarmName: alarmName,
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
      AlarmActions: actions,
    }),
  );
}

test('a step policy lists the alarms wired to it; deleting it removes its action from them and keeps the alarms', async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env);
    await register(env);
    const arn = await stepPolicy(env);
    await wireAlarm(env, 'latency-high', [arn, 'arn:aws:sns:us-east-1:123456789012:oncall']);
    const described = await env.aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: NS, PolicyNames: ['step'] }));
    assert.deepEqual(
      described.ScalingPolicies?.[0]?.Alarms?.map((a) => a.AlarmName),
      ['latency-high'],
    );

    await env.aas.send(new DeleteScalingPolicyCommand({ ServiceNamespace: NS, ResourceId: RID, ScalableDimension: DIM, PolicyName: 'step' }));
    const alarms = (await env.cw.send(new DescribeAlarmsCommand({ AlarmNames: ['latency-high'] }))).MetricAlarms ?? [];
    assert.equal(alarms.length, 1, 'the alarm stays');
    assert.deepEqual(alarms[0]!.AlarmActions, ['arn:aws:sns:us-east-1:123456789012:oncall'], 'only the policy action is gone');

    // Re-created, the policy has a new ARN: the alarm is not linked to it until it is put again.
    const again = await stepPolicy(env);
    assert.notEqual(again, arn);
    const relisted = await env.aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: NS, PolicyNames: ['step'] }));
    assert.deepEqual(relisted.ScalingPolicies?.[0]?.Alarms, []);
  });
});

test('scheduled actions: put, describe, update by name, delete; DeregisterScalableTarget deletes them', async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env);
    await register(env);
    const id = { ServiceNamespace: NS, ResourceId: RID, ScalableDimension: DIM } as const;
    await env.aas.send(
      new PutScheduledActionCommand({
        ...id,
        ScheduledActionName: 'business-hours',
        Schedule: 'cron(0 8 ? * MON-FRI *)',
        Timezone: 'Europe/Berlin',
        ScalableTargetAction: { MinCapacity: 2, MaxCapacity: 4 },
      }),
    );
    await env.aas.send(
      new PutScheduledActionCommand({ ...id, ScheduledActionName: 'night', Schedule: 'cron(0 20 * * ? *)', ScalableTargetAction: { MinCapacity: 1 } }),
    );
    await env.aas.send(new PutScheduledActionCommand({ ...id, ScheduledActionName: 'night', ScalableTargetAction: { MaxCapacity: 2 } }));
    const listed = (await env.aas.send(new DescribeScheduledActionsCommand({ ServiceNamespace: NS, ResourceId: RID }))).ScheduledActions ?? [];
    assert.deepEqual(
      listed.map((a) => [a.ScheduledActionName, a.Schedule, a.Timezone, a.ScalableTargetAction]),
      [
        ['business-hours', 'cron(0 8 ? * MON-FRI *)', 'Europe/Berlin', { MinCapacity: 2, MaxCapacity: 4 }],
        ['night', 'cron(0 20 * * ? *)', undefined, { MinCapacity: 1, MaxCapacity: 2 }],
      ],
    );
    assert.match(
      listed[0]!.ScheduledActionARN ?? '',
      /^arn:aws:autoscaling:us-east-1:123456789012:scheduledAction:[0-9a-f-]+:resource\/sagemaker\/endpoint\/ep\/variant\/blue:scheduledActionName\/business-hours$/,
    );

    await env.aas.send(new DeleteScheduledActionCommand({ ...id, ScheduledActionName: 'night' }));
    const missing = await rejection(() => env.aas.send(new DeleteScheduledActionCommand({ ...id, ScheduledActionName: 'night' })));
    assert.equal(missing.name, 'ObjectNotFoundException');
    const noTarget = await rejection(() =>
      env.aas.send(new PutScheduledActionCommand({ ...id, ResourceId: 'endpoint/ep/variant/green', ScheduledActionName: 'x', Schedule: 'rate(1 hour)' })),
    );
    assert.equal(noTarget.name, 'ObjectNotFoundException');

    await env.aas.send(new DeregisterScalableTargetCommand(id));
    assert.deepEqual((await env.aas.send(new DescribeScheduledActionsCommand({ ServiceNamespace: NS }))).ScheduledActions, []);
  });
});

test('scalable targets carry tags: given on registration, listed, added and removed by ARN', async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env);
    const out = await env.aas.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: NS,
        ResourceId: RID,
        ScalableDimension: DIM,
        MinCapacity: 1,
        MaxCapacity: 4,
        Tags: { team: 'ml' },
      }),
    );
    const arn = out.ScalableTargetARN!;
    await env.aas.send(new TagResourceCommand({ ResourceARN: arn, Tags: { cost: 'churn' } }));
    assert.deepEqual((await env.aas.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags, { team: 'ml', cost: 'churn' });
    await env.aas.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['team'] }));
    assert.deepEqual((await env.aas.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags, { cost: 'churn' });
    await env.aas.send(new DeregisterScalableTargetCommand({ ServiceNamespace: NS, ResourceId: RID, ScalableDimension: DIM }));
    const gone = await rejection(() => env.aas.send(new ListTagsForResourceCommand({ ResourceARN: arn })));
    assert.equal(gone.name, 'ResourceNotFoundException');
  });
});

test('a policy for an unregistered target fails with ObjectNotFoundException', async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env);
    const err = await rejection(() => trackInvocations(env));
    assert.ok(err instanceof ObjectNotFoundException);
    assert.equal(
      err.message,
      'No scalable target registered for service namespace: sagemaker, resource ID: endpoint/ep/variant/blue, scalable dimension: sagemaker:variant:DesiredInstanceCount',
    );
  });
});

test('DeregisterScalableTarget deletes the target with its policies and alarms; a second call is ObjectNotFound', async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env);
    await register(env);
    await trackInvocations(env);
    await env.aas.send(new DeregisterScalableTargetCommand({ ServiceNamespace: NS, ResourceId: RID, ScalableDimension: DIM }));
    const state = env.emu.control.state();
    assert.equal(state.scalableTargets.length, 0);
    assert.equal(state.scalingPolicies.length, 0);
    assert.equal(state.alarms.length, 0);
    const err = await rejection(() => env.aas.send(new DeregisterScalableTargetCommand({ ServiceNamespace: NS, ResourceId: RID, ScalableDimension: DIM })));
    assert.equal(err.name, 'ObjectNotFoundException');
    assert.match(err.message, /^No scalable target registered for service namespace: sagemaker, resource ID: endpoint\/ep\/variant\/blue/);
  });
});

test('UpdateEndpoint is refused when it changes the instance type of an autoscaled variant', async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env);
    await register(env);
    await createConfig(env.sm, 'c2', [{ VariantName: 'blue', ModelName: 'm1', InstanceType: 'ml.c5.xlarge' }]);
    const err = await rejection(() => env.sm.send(new UpdateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c2' })));
    assert.equal(err.name, 'ValidationException');
    assert.match(err.message, /instance type of variant blue/);
    const ep = await env.sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' }));
    assert.equal(ep.EndpointStatus, 'InService');
  });
});

test('UpdateEndpoint is refused when it removes an autoscaled variant', async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env);
    await register(env);
    await createConfig(env.sm, 'c2', [{ VariantName: 'green', ModelName: 'm2' }]);
    const err = await rejection(() => env.sm.send(new UpdateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c2' })));
    assert.equal(err.name, 'ValidationException');
    assert.match(err.message, /variant blue .* cannot be removed/);
  });
});

test('UpdateEndpoint that only changes the model of an autoscaled variant is allowed', async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env);
    await register(env);
    await createConfig(env.sm, 'c2', [{ VariantName: 'blue', ModelName: 'm2', InitialInstanceCount: 2 }]);
    await env.sm.send(new UpdateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c2', RetainAllVariantProperties: true }));
    const done = await waitForStatus(env.sm, 'ep', 'InService');
    assert.equal(done.EndpointConfigName, 'c2');
  });
});

test("DeleteEndpoint deregisters the endpoint's scalable targets and policies", async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env);
    await register(env);
    await trackInvocations(env);
    await env.sm.send(new DeleteEndpointCommand({ EndpointName: 'ep' }));
    await waitForGone(env.sm, 'ep');
    const state = env.emu.control.state();
    assert.deepEqual([state.scalableTargets.length, state.scalingPolicies.length, state.alarms.length], [0, 0, 0]);
  });
});

test('without DeregisterScalableTarget permission, DeleteEndpoint is refused until the targets are removed', async () => {
  await withEmulator({ callerCanDeregisterScalableTargets: false }, async (env) => {
    await liveEndpoint(env);
    await register(env);
    const err = await rejection(() => env.sm.send(new DeleteEndpointCommand({ EndpointName: 'ep' })));
    assert.equal(err.name, 'ValidationException');
    assert.equal(
      err.message,
      'An Application AutoScaling scalable target exists for a variant being deleted, and the IAM identity used to invoke DeleteEndpoint does not have application-autoscaling:DeregisterScalableTarget permission to deregister the scalable target.',
    );
    await env.aas.send(new DeregisterScalableTargetCommand({ ServiceNamespace: NS, ResourceId: RID, ScalableDimension: DIM }));
    await env.sm.send(new DeleteEndpointCommand({ EndpointName: 'ep' }));
    await waitForGone(env.sm, 'ep');
  });
});

test('autoscaling inputs are validated with AWS constraint texts', async () => {
  await withEmulator(async (env) => {
    const err = await rejection(() =>
      env.aas.send(new RegisterScalableTargetCommand({ ServiceNamespace: NS, ResourceId: undefined as unknown as string, ScalableDimension: DIM })),
    );
    assert.equal(err.name, 'ValidationException');
    assert.equal(err.message, "1 validation error detected: Value null at 'resourceId' failed to satisfy constraint: Member must not be null");
  });
});

async function invoke(env: TestEnv, times: number): Promise<void> {
  for (let i = 0; i < times; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, times - i) }, () =>
        env.runtime.send(new InvokeEndpointCommand({ EndpointName: 'ep', Body: '{}', ContentType: 'application/json' })),
      ),
    );
  }
}

test('with autoscalingSimulation, invocations per instance above target scale the variant out within max', async () => {
  await withEmulator({ autoscalingSimulation: { intervalMs: 30 } }, async (env) => {
    await liveEndpoint(env, 1);
    await register(env, 1, 3);
    await invoke(env, 250); // 250 in the last minute on 1 instance
    await trackInvocations(env); // target 70 per instance -> ceil(250/70) = 4, capped at max 3
    const deadline = Date.now() + 3000;
    let count = 0;
    while (Date.now() < deadline) {
      const ep = await env.sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' }));
      count = ep.ProductionVariants?.[0]?.CurrentInstanceCount ?? 0;
      if (ep.EndpointStatus === 'InService' && count === 3) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(count, 3);
    // The control API lists the step it took.
    const steps = env.emu.control.scalingSteps();
    assert.deepEqual(
      steps.map((s) => [s.resourceId, s.from, s.to]),
      [['endpoint/ep/variant/blue', 1, 3]],
    );
  });
});

test('without autoscalingSimulation, traffic never changes the instance count', async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env, 1);
    await register(env, 1, 3);
    await trackInvocations(env);
    await invoke(env, 200);
    await new Promise((r) => setTimeout(r, 100));
    const ep = await env.sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' }));
    assert.deepEqual([ep.EndpointStatus, ep.ProductionVariants?.[0]?.DesiredInstanceCount], ['InService', 1]);
    assert.deepEqual(env.emu.control.scalingSteps(), []);
  });
});
