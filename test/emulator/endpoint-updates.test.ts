/** UpdateEndpoint and UpdateEndpointWeightsAndCapacities through the real SDK client. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateEndpointCommand, DescribeEndpointCommand, UpdateEndpointCommand, UpdateEndpointWeightsAndCapacitiesCommand } from '@aws-sdk/client-sagemaker';
import { PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { createConfig, createModel, rejection, waitForStatus, withEmulator, type TestEnv } from '../support/emulator';
import { ARN_PREFIX } from '../support/fixtures';

/** An InService endpoint `ep` on config `c1` (variant `blue`, model m1, 2 instances). */
async function liveEndpoint(env: TestEnv): Promise<void> {
  await createModel(env.sm, 'm1', 'repo/iris:1');
  await createModel(env.sm, 'm2', 'repo/iris:2');
  await createConfig(env.sm, 'c1', [{ VariantName: 'blue', ModelName: 'm1', InitialInstanceCount: 2 }]);
  await env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' }));
  await waitForStatus(env.sm, 'ep', 'InService');
}

test('UpdateEndpoint keeps the old config on top while Updating and swaps fleets when done', async () => {
  await withEmulator({ timings: { endpointUpdateMs: 1500 } }, async (env) => {
    await liveEndpoint(env);
    await createConfig(env.sm, 'c2', [
      { VariantName: 'blue', ModelName: 'm1', InitialInstanceCount: 2, InitialVariantWeight: 95 },
      { VariantName: 'green', ModelName: 'm2', InitialVariantWeight: 5 },
    ]);
    await env.sm.send(new UpdateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c2' }));
    const updating = await env.sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' }));
    assert.equal(updating.EndpointStatus, 'Updating');
    assert.equal(updating.EndpointConfigName, 'c1');
    assert.deepEqual(
      updating.ProductionVariants?.map((v) => [v.VariantName, v.CurrentWeight, v.CurrentInstanceCount]),
      [['blue', 1, 2]],
    );
    assert.equal(updating.PendingDeploymentSummary?.EndpointConfigName, 'c2');
    assert.deepEqual(
      updating.PendingDeploymentSummary?.ProductionVariants?.map((v) => [
        v.VariantName,
        v.CurrentWeight,
        v.DesiredWeight,
        v.CurrentInstanceCount,
        v.DesiredInstanceCount,
      ]),
      [
        ['blue', 0, 95, 0, 2],
        ['green', 0, 5, 0, 1],
      ],
    );
    const again = await rejection(() => env.sm.send(new UpdateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c2' })));
    assert.equal(again.message, `Cannot update in-progress endpoint "${ARN_PREFIX}:endpoint/ep".`);

    const done = await waitForStatus(env.sm, 'ep', 'InService');
    assert.equal(done.EndpointConfigName, 'c2');
    assert.equal(done.PendingDeploymentSummary, undefined);
    assert.deepEqual(
      done.ProductionVariants?.map((v) => [v.VariantName, v.CurrentWeight, v.CurrentInstanceCount]),
      [
        ['blue', 95, 2],
        ['green', 5, 1],
      ],
    );
    assert.equal(done.ProductionVariants?.[1]?.DeployedImages?.[0]?.SpecifiedImage, 'repo/iris:2');
  });
});

test('an update to an unhealthy model rolls back to InService on the old config with a FailureReason', async () => {
  await withEmulator({ behaviours: { 'repo/iris:2': { healthy: false, failureReason: 'Failed to download model data for container.' } } }, async (env) => {
    await liveEndpoint(env);
    await createConfig(env.sm, 'c2', [{ VariantName: 'blue', ModelName: 'm2' }]);
    await env.sm.send(new UpdateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c2' }));
    const after = await waitForStatus(env.sm, 'ep', 'InService');
    assert.equal(after.EndpointConfigName, 'c1');
    assert.equal(after.FailureReason, 'Failed to download model data for container.');
    assert.equal(after.ProductionVariants?.[0]?.DeployedImages?.[0]?.SpecifiedImage, 'repo/iris:1');

    // A later good update clears FailureReason.
    await createConfig(env.sm, 'c3', [{ VariantName: 'blue', ModelName: 'm1' }]);
    await env.sm.send(new UpdateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c3' }));
    const fixed = await waitForStatus(env.sm, 'ep', 'InService');
    assert.equal(fixed.EndpointConfigName, 'c3');
    assert.equal(fixed.FailureReason, undefined);
  });
});

test("UpdateEndpoint resets same-named variants to the new config's initial values by default", async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env);
    await env.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'ep',
        DesiredWeightsAndCapacities: [{ VariantName: 'blue', DesiredInstanceCount: 5, DesiredWeight: 3 }],
      }),
    );
    await waitForStatus(env.sm, 'ep', 'InService');
    await createConfig(env.sm, 'c2', [{ VariantName: 'blue', ModelName: 'm2', InitialInstanceCount: 1 }]);
    await env.sm.send(new UpdateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c2' }));
    const done = await waitForStatus(env.sm, 'ep', 'InService');
    assert.deepEqual([done.ProductionVariants?.[0]?.CurrentInstanceCount, done.ProductionVariants?.[0]?.CurrentWeight], [1, 1]);
  });
});

test('RetainAllVariantProperties keeps live counts and weights unless excluded', async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env);
    await env.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'ep',
        DesiredWeightsAndCapacities: [{ VariantName: 'blue', DesiredInstanceCount: 5, DesiredWeight: 3 }],
      }),
    );
    await waitForStatus(env.sm, 'ep', 'InService');
    await createConfig(env.sm, 'c2', [{ VariantName: 'blue', ModelName: 'm2', InitialInstanceCount: 1 }]);
    await env.sm.send(new UpdateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c2', RetainAllVariantProperties: true }));
    const updating = await env.sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' }));
    assert.equal(updating.PendingDeploymentSummary?.ProductionVariants?.[0]?.DesiredInstanceCount, 5);
    let done = await waitForStatus(env.sm, 'ep', 'InService');
    assert.deepEqual([done.ProductionVariants?.[0]?.CurrentInstanceCount, done.ProductionVariants?.[0]?.CurrentWeight], [5, 3]);

    await createConfig(env.sm, 'c3', [{ VariantName: 'blue', ModelName: 'm1', InitialInstanceCount: 2 }]);
    await env.sm.send(
      new UpdateEndpointCommand({
        EndpointName: 'ep',
        EndpointConfigName: 'c3',
        RetainAllVariantProperties: true,
        ExcludeRetainedVariantProperties: [{ VariantPropertyType: 'DesiredInstanceCount' }],
      }),
    );
    done = await waitForStatus(env.sm, 'ep', 'InService');
    assert.equal(done.EndpointConfigName, 'c3');
    assert.deepEqual([done.ProductionVariants?.[0]?.CurrentInstanceCount, done.ProductionVariants?.[0]?.CurrentWeight], [2, 3]);
  });
});

test('UpdateEndpointWeightsAndCapacities sets Desired* at once and Current* when the update completes', async () => {
  await withEmulator({ timings: { weightsUpdateMs: 1500 } }, async (env) => {
    await createModel(env.sm, 'm1');
    await createConfig(env.sm, 'c1', [
      { VariantName: 'blue', ModelName: 'm1', InitialVariantWeight: 95 },
      { VariantName: 'green', ModelName: 'm1', InitialVariantWeight: 5 },
    ]);
    await env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' }));
    await waitForStatus(env.sm, 'ep', 'InService');
    const out = await env.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'ep',
        DesiredWeightsAndCapacities: [{ VariantName: 'green', DesiredWeight: 50, DesiredInstanceCount: 3 }],
      }),
    );
    assert.equal(out.EndpointArn, `${ARN_PREFIX}:endpoint/ep`);
    const updating = await env.sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' }));
    assert.equal(updating.EndpointStatus, 'Updating');
    assert.equal(updating.PendingDeploymentSummary, undefined);
    const green = updating.ProductionVariants?.find((v) => v.VariantName === 'green');
    assert.deepEqual([green?.CurrentWeight, green?.DesiredWeight, green?.CurrentInstanceCount, green?.DesiredInstanceCount], [5, 50, 1, 3]);
    assert.equal(green?.VariantStatus?.[0]?.Status, 'Updating');
    const blue = updating.ProductionVariants?.find((v) => v.VariantName === 'blue');
    assert.deepEqual([blue?.CurrentWeight, blue?.DesiredWeight], [95, 95]);
    const done = await waitForStatus(env.sm, 'ep', 'InService');
    const greenDone = done.ProductionVariants?.find((v) => v.VariantName === 'green');
    assert.deepEqual([greenDone?.CurrentWeight, greenDone?.CurrentInstanceCount], [50, 3]);
  });
});

test('UpdateEndpointWeightsAndCapacities rejects unknown and repeated variant names', async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env);
    const unknown = await rejection(() =>
      env.sm.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({ EndpointName: 'ep', DesiredWeightsAndCapacities: [{ VariantName: 'red', DesiredWeight: 1 }] }),
      ),
    );
    assert.equal(unknown.name, 'ValidationException');
    assert.equal(unknown.message, 'The variant name(s) "red" is/are not present within endpoint configuration "c1".');
    const repeated = await rejection(() =>
      env.sm.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: 'ep',
          DesiredWeightsAndCapacities: [
            { VariantName: 'blue', DesiredWeight: 1 },
            { VariantName: 'blue', DesiredWeight: 2 },
          ],
        }),
      ),
    );
    assert.equal(repeated.message, 'The variant name "blue" was non-unique within the request.');
    const missing = await rejection(() =>
      env.sm.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({ EndpointName: 'nope', DesiredWeightsAndCapacities: [{ VariantName: 'blue', DesiredWeight: 1 }] }),
      ),
    );
    assert.equal(missing.message, `Could not find endpoint "${ARN_PREFIX}:endpoint/nope".`);
  });
});

test('UpdateEndpoint with a missing config fails with "Could not find endpoint configuration"', async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env);
    const err = await rejection(() => env.sm.send(new UpdateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'ghost' })));
    assert.equal(err.message, `Could not find endpoint configuration "${ARN_PREFIX}:endpoint-config/ghost".`);
    const state = await env.sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' }));
    assert.equal(state.EndpointStatus, 'InService');
  });
});

test('an auto-rollback alarm in ALARM when the update ends rolls it back to the old config', async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env);
    await env.cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'ep-5xx',
        MetricName: 'Invocation5XXErrors',
        Namespace: 'AWS/SageMaker',
        Statistic: 'Average',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 0.05,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    await env.cw.send(new SetAlarmStateCommand({ AlarmName: 'ep-5xx', StateValue: 'ALARM', StateReason: 'test' }));
    await createConfig(env.sm, 'c2', [{ VariantName: 'blue', ModelName: 'm2' }]);
    await env.sm.send(
      new UpdateEndpointCommand({
        EndpointName: 'ep',
        EndpointConfigName: 'c2',
        DeploymentConfig: {
          BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 0 } },
          AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'ep-5xx' }] },
        },
      }),
    );
    const after = await waitForStatus(env.sm, 'ep', 'InService');
    assert.equal(after.EndpointConfigName, 'c1');
    assert.match(after.FailureReason ?? '', /ep-5xx/);
    assert.equal(after.LastDeploymentConfig?.AutoRollbackConfiguration?.Alarms?.[0]?.AlarmName, 'ep-5xx');
  });
});
