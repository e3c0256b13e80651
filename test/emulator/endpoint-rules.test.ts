/** SageMaker endpoint rules the pipelines must respect: UpdateEndpoint needs a new config. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateEndpointCommand, DescribeEndpointCommand, UpdateEndpointCommand } from '@aws-sdk/client-sagemaker';
import { createConfig, createModel, rejection, waitForStatus, withEmulator } from '../support/emulator';

test('UpdateEndpoint to the endpoint config already in use is a ValidationException and changes nothing', async () => {
  await withEmulator(async (env) => {
    await createModel(env.sm, 'm1', 'repo/iris:1');
    await createConfig(env.sm, 'c1', [{ VariantName: 'blue', ModelName: 'm1', InitialInstanceCount: 2 }]);
    await env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' }));
    await waitForStatus(env.sm, 'ep', 'InService');
    const err = await rejection(() => env.sm.send(new UpdateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' })));
    assert.equal(err.name, 'ValidationException');
    assert.match(err.message, /endpoint-config\/c1/);
    assert.match(err.message, /must create a new EndpointConfig/);
    const after = await env.sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' }));
    assert.equal(after.EndpointStatus, 'InService');
    assert.equal(after.EndpointConfigName, 'c1');
    assert.equal(after.PendingDeploymentSummary, undefined);

    // A new config (even an identical copy) is accepted.
    await createConfig(env.sm, 'c1-copy', [{ VariantName: 'blue', ModelName: 'm1', InitialInstanceCount: 2 }]);
    await env.sm.send(new UpdateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1-copy' }));
    assert.equal((await waitForStatus(env.sm, 'ep', 'InService')).EndpointConfigName, 'c1-copy');
  });
});

test('with endpointConfigVisibilityDelayMs, CreateEndpoint right after CreateEndpointConfig answers "Could not find endpoint configuration", then succeeds', async () => {
  await withEmulator(async (env) => {
    assert.equal(env.emu.control.settings().endpointConfigVisibilityDelayMs, 0);
    env.emu.control.setSettings({ endpointConfigVisibilityDelayMs: 300 });
    await createModel(env.sm, 'm1', 'repo/iris:1');
    await createConfig(env.sm, 'c1', [{ VariantName: 'blue', ModelName: 'm1' }]);
    const err = await rejection(() => env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' })));
    assert.equal(err.name, 'ValidationException');
    assert.equal(err.message, 'Could not find endpoint configuration "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/c1".');
    const gone = await rejection(() => env.sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' })));
    assert.equal(gone.name, 'ValidationException', 'nothing was created');
    await new Promise((resolve) => setTimeout(resolve, 350));
    await env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' }));
    await waitForStatus(env.sm, 'ep', 'InService');
  });
});
