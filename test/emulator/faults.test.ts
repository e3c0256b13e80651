/** Fault injection: throttling, server errors, latency, slow and failing transitions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateEndpointCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  DescribeModelCommand,
  ListTagsCommand,
  ListEndpointsCommand,
  ListModelsCommand,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { EmulatorControlClient } from '../../src/emulator';
import type { FaultRule } from '../../src/emulator/faults';
import { createConfig, createModel, rejection, sleep, waitForStatus, withEmulator, type TestEnv } from '../support/emulator';
import { ROLE } from '../support/fixtures';

async function liveEndpoint(env: TestEnv): Promise<void> {
  await createModel(env.sm, 'm1', 'repo/iris:1');
  await createConfig(env.sm, 'c1', [{ VariantName: 'blue', ModelName: 'm1' }]);
  await env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' }));
  await waitForStatus(env.sm, 'ep', 'InService');
}

test('injected throttling is ThrottlingException / Rate exceeded with HTTP 400', async () => {
  await withEmulator({ faults: [{ kind: 'throttle', operations: ['ListModels'] }] }, async (env) => {
    const err = await rejection(() => env.sm.send(new ListModelsCommand({})));
    assert.equal(err.name, 'ThrottlingException');
    assert.equal(err.message, 'Rate exceeded');
    assert.equal(err.$metadata?.httpStatusCode, 400);
    assert.equal(env.emu.control.calls().faults['throttle'], 1);
    assert.deepEqual(env.emu.control.calls().errors['SageMaker.ListModels'], { ThrottlingException: 1 });
  });
});

test('the SDK retries a one-shot throttle as throttling and succeeds on the second attempt', async () => {
  await withEmulator({ faults: [{ kind: 'throttle', operations: ['SageMaker.ListModels'], times: 1 }] }, { maxAttempts: 3 }, async (env) => {
    const out = await env.sm.send(new ListModelsCommand({}));
    assert.equal(out.$metadata.attempts, 2);
    assert.equal(env.emu.control.calls().counts['SageMaker.ListModels'], 2);
  });
});

test('a requests-per-second budget throttles the calls above it, account-wide across operations', async () => {
  await withEmulator({ faults: [{ kind: 'throttle', operations: ['ListModels', 'ListEndpoints'], requestsPerSecond: 5, burst: 5 }] }, async (env) => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? env.sm.send(new ListModelsCommand({})) : env.sm.send(new ListEndpointsCommand({})))),
    );
    const throttled = results.filter((r) => r.status === 'rejected' && (r.reason as Error).name === 'ThrottlingException');
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 5);
    assert.equal(throttled.length, 5);
    // Other operations are not budgeted.
    await createModel(env.sm, 'm1');
    // The bucket refills at the budgeted rate.
    await sleep(450);
    await env.sm.send(new ListModelsCommand({}));
  });
});

test('a per-operation budget gives each operation its own bucket', async () => {
  const perOperation: FaultRule = { kind: 'throttle', requestsPerSecond: 1, burst: 1, scope: 'operation', operations: ['ListModels', 'ListEndpoints'] };
  await withEmulator({ faults: [perOperation] }, async (env) => {
    await env.sm.send(new ListModelsCommand({}));
    await env.sm.send(new ListEndpointsCommand({}));
    const err = await rejection(() => env.sm.send(new ListModelsCommand({})));
    assert.equal(err.name, 'ThrottlingException');
  });
});

test('an injected 500 is retried by the SDK as a transient error', async () => {
  await withEmulator({ faults: [{ kind: 'serverError', operations: ['ListModels'], times: 1 }] }, { maxAttempts: 2 }, async (env) => {
    const out = await env.sm.send(new ListModelsCommand({}));
    assert.equal(out.$metadata.attempts, 2);
    assert.equal(env.emu.control.calls().faults['serverError'], 1);
  });
});

test('an injected 503 surfaces as ServiceUnavailable, a server fault', async () => {
  await withEmulator({ faults: [{ kind: 'serverError', status: 503 }] }, async (env) => {
    const err = await rejection(() => env.sm.send(new ListModelsCommand({})));
    assert.equal(err.name, 'ServiceUnavailable');
    assert.equal(err.$fault, 'server');
    assert.equal(err.$metadata?.httpStatusCode, 503);
  });
});

test('injected latency delays the response', async () => {
  await withEmulator({ faults: [{ kind: 'latency', ms: 150, operations: ['ListModels'] }] }, async (env) => {
    const started = Date.now();
    await env.sm.send(new ListModelsCommand({}));
    assert.ok(Date.now() - started >= 150);
    assert.equal(env.emu.control.calls().faults['latency'], 1);
  });
});

test('slowTransitions multiplies the duration of endpoint transitions', async () => {
  // 500 ms × 4: still Creating well after the unslowed 500 ms, even on a loaded machine.
  await withEmulator({ timings: { endpointCreateMs: 500 }, faults: [{ kind: 'slowTransitions', factor: 4, transitions: ['create'] }] }, async (env) => {
    await createModel(env.sm, 'm1');
    await createConfig(env.sm, 'c1', [{ VariantName: 'blue', ModelName: 'm1' }]);
    const started = Date.now();
    await env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' }));
    await sleep(700);
    const creating = await env.sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' }));
    assert.equal(creating.EndpointStatus, 'Creating');
    await waitForStatus(env.sm, 'ep', 'InService');
    assert.ok(Date.now() - started >= 2000);
  });
});

test('failTransition makes a create end Failed with the given reason', async () => {
  await withEmulator({ faults: [{ kind: 'failTransition', transitions: ['create'], failureReason: 'Insufficient capacity.', times: 1 }] }, async (env) => {
    await createModel(env.sm, 'm1');
    await createConfig(env.sm, 'c1', [{ VariantName: 'blue', ModelName: 'm1' }]);
    await env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' }));
    const failed = await waitForStatus(env.sm, 'ep', 'Failed');
    assert.equal(failed.FailureReason, 'Insufficient capacity.');
    assert.equal(env.emu.control.calls().faults['failTransition'], 1);
  });
});

test('failTransition on an update rolls back to InService on the old config', async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env);
    env.emu.control.setFaults([{ kind: 'failTransition', transitions: ['update'], endpoints: ['ep'] }]);
    await createConfig(env.sm, 'c2', [{ VariantName: 'blue', ModelName: 'm1', InitialInstanceCount: 3 }]);
    await env.sm.send(new UpdateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c2' }));
    const after = await waitForStatus(env.sm, 'ep', 'InService');
    assert.equal(after.EndpointConfigName, 'c1');
    assert.match(after.FailureReason ?? '', /^Request to service failed/);
  });
});

test('failTransition with endStatus UpdateRollbackFailed leaves the update stuck with its FailureReason', async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env);
    env.emu.control.setFaults([
      { kind: 'failTransition', transitions: ['update'], endpoints: ['ep'], endStatus: 'UpdateRollbackFailed', failureReason: 'rollback failed: capacity' },
    ]);
    await createConfig(env.sm, 'c2', [{ VariantName: 'blue', ModelName: 'm1', InitialInstanceCount: 3 }]);
    await env.sm.send(new UpdateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c2' }));
    const after = await waitForStatus(env.sm, 'ep', 'UpdateRollbackFailed');
    assert.equal(after.FailureReason, 'rollback failed: capacity');
  });
});

test('failTransition on a weights update goes RollingBack, then InService with the old values', async () => {
  await withEmulator({ timings: { weightsUpdateMs: 150 } }, async (env) => {
    await liveEndpoint(env);
    env.emu.control.setFaults([{ kind: 'failTransition', transitions: ['weights'], times: 1 }]);
    await env.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({ EndpointName: 'ep', DesiredWeightsAndCapacities: [{ VariantName: 'blue', DesiredInstanceCount: 4 }] }),
    );
    const rolling = await waitForStatus(env.sm, 'ep', 'RollingBack');
    assert.ok(rolling.FailureReason);
    const after = await waitForStatus(env.sm, 'ep', 'InService');
    assert.deepEqual([after.ProductionVariants?.[0]?.CurrentInstanceCount, after.ProductionVariants?.[0]?.DesiredInstanceCount], [1, 1]);
  });
});

test('faults can be set over the control API and are counted in the call stats', async () => {
  await withEmulator(async (env) => {
    const client = new EmulatorControlClient(env.emu.url);
    await client.setFaults([{ kind: 'throttle', operations: ['ListModels'], times: 2 }]);
    assert.deepEqual(await client.faults(), [{ kind: 'throttle', operations: ['ListModels'], times: 2 }]);
    await rejection(() => env.sm.send(new ListModelsCommand({})));
    await rejection(() => env.sm.send(new ListModelsCommand({})));
    await env.sm.send(new ListModelsCommand({}));
    const stats = await client.calls();
    assert.equal(stats.faults['throttle'], 2);
    assert.equal(stats.counts['SageMaker.ListModels'], 3);
    await assert.rejects(() => client.setFaults([{ kind: 'nonsense' } as never]), /unknown fault rule/);
  });
});

test('actorUpdate: another actor updates the endpoint the moment the named transition ends InService, once', async () => {
  await withEmulator(async (env) => {
    await liveEndpoint(env);
    await createConfig(env.sm, 'c2', [{ VariantName: 'blue', ModelName: 'm1', InitialInstanceCount: 2 }]);
    await createConfig(env.sm, 'theirs', [{ VariantName: 'blue', ModelName: 'm1' }]);
    env.emu.control.setFaults([{ kind: 'actorUpdate', endpoints: ['ep'], endpointConfigName: 'theirs' }]);
    await env.sm.send(new UpdateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c2' }));
    // Our update lands, and at once someone else's UpdateEndpoint to their config is in flight.
    const racing = await waitForStatus(env.sm, 'ep', 'Updating');
    assert.equal(racing.PendingDeploymentSummary?.EndpointConfigName, 'c2');
    const raced = await waitForPending(env, 'theirs');
    assert.equal(raced.EndpointConfigName, 'c2', 'our config landed first');
    const settled = await waitForStatus(env.sm, 'ep', 'InService');
    assert.equal(settled.EndpointConfigName, 'theirs');
    assert.equal(env.emu.control.calls().faults['actorUpdate'], 1);
    // The rule fires once: the next update stays.
    await env.sm.send(new UpdateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c2' }));
    assert.equal((await waitForStatus(env.sm, 'ep', 'InService')).EndpointConfigName, 'c2');
    assert.throws(() => env.emu.control.setFaults([{ kind: 'actorUpdate', endpoints: [], endpointConfigName: 'x' }]), /actorUpdate rule needs endpoints/);
  });
});

async function waitForPending(env: TestEnv, configName: string) {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(20)) {
    const ep = await env.sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' }));
    if (ep.PendingDeploymentSummary?.EndpointConfigName === configName) return ep;
  }
  throw new Error(`no update to ${configName} started`);
}

test("actorCreate: another actor creates the very name just before the caller's create is served, once", async () => {
  await withEmulator(async (env) => {
    await createModel(env.sm, 'm1', 'repo/iris:1');
    await createConfig(env.sm, 'ours', [{ VariantName: 'blue', ModelName: 'm1' }]);
    await createConfig(env.sm, 'theirs', [{ VariantName: 'blue', ModelName: 'm1' }]);
    const theirTags = [{ Key: 'team', Value: 'other' }];
    env.emu.control.setFaults([
      { kind: 'actorCreate', operation: 'CreateEndpoint', names: ['ep'], input: { EndpointConfigName: 'theirs', Tags: theirTags } },
      { kind: 'actorCreate', operation: 'CreateModel', names: ['m2'], input: { ExecutionRoleArn: ROLE, PrimaryContainer: { Image: 'repo/theirs:1' } } },
    ]);
    // Not the named endpoint: served as asked.
    await env.sm.send(new CreateEndpointCommand({ EndpointName: 'other', EndpointConfigName: 'ours' }));
    const err = await rejection(() =>
      env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'ours', Tags: [{ Key: 'mine', Value: '1' }] })),
    );
    assert.equal(err.name, 'ValidationException');
    assert.match(err.message, /^Cannot create already existing endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint\/ep"\.$/);
    const ep = await env.sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' }));
    assert.equal(ep.EndpointConfigName, 'theirs', "the endpoint is the other actor's");
    assert.deepEqual((await env.sm.send(new ListTagsCommand({ ResourceArn: ep.EndpointArn }))).Tags, theirTags);
    const modelErr = await rejection(() => createModel(env.sm, 'm2', 'repo/mine:1'));
    assert.match(modelErr.message, /Cannot create already existing model/);
    assert.equal((await env.sm.send(new DescribeModelCommand({ ModelName: 'm2' }))).PrimaryContainer?.Image, 'repo/theirs:1');
    assert.equal(env.emu.control.calls().faults['actorCreate'], 2);
    // Each rule fires once: the next create of that name is the caller's own.
    await env.sm.send(new CreateModelCommand({ ModelName: 'm3', ExecutionRoleArn: ROLE, PrimaryContainer: { Image: 'repo/mine:1' } }));
    assert.throws(
      () => env.emu.control.setFaults([{ kind: 'actorCreate', operation: 'CreateEndpoint', names: [], input: {} }]),
      /actorCreate rule needs operation/,
    );
  });
});
