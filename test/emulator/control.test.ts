/** The control API: state dump, call log, reset, timings, behaviours, persistence and the CLI entry. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateEndpointCommand, DescribeEndpointCommand, DescribeModelCommand } from '@aws-sdk/client-sagemaker';
import { EmulatorControlClient, startEmulator } from '../../src/emulator';
import { parseEmulatorArgs } from '../../src/emulator/main';
import { createConfig, createModel, rejection, sageMakerClient, waitForStatus, withEmulator } from '../support/emulator';

test('the call log counts calls per operation and lists create calls by resource name', async () => {
  await withEmulator(async (env) => {
    await createModel(env.sm, 'm1');
    await rejection(() => createModel(env.sm, 'm1'));
    await createConfig(env.sm, 'c1', [{ VariantName: 'v', ModelName: 'm1' }]);
    const stats = await new EmulatorControlClient(env.emu.url).calls();
    assert.equal(stats.counts['SageMaker.CreateModel'], 2);
    assert.equal(stats.counts['SageMaker.CreateEndpointConfig'], 1);
    assert.deepEqual(
      stats.creates.map((c) => [c.operation, c.name, c.error]),
      [
        ['SageMaker.CreateModel', 'm1', undefined],
        ['SageMaker.CreateModel', 'm1', 'ValidationException'],
        ['SageMaker.CreateEndpointConfig', 'c1', undefined],
      ],
    );
    await new EmulatorControlClient(env.emu.url).clearCalls();
    assert.deepEqual(env.emu.control.calls().counts, {});
  });
});

test('GET /_emulator/state lists every resource and reset removes them all', async () => {
  await withEmulator(async (env) => {
    await createModel(env.sm, 'm1');
    await createConfig(env.sm, 'c1', [{ VariantName: 'v', ModelName: 'm1' }]);
    await env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' }));
    const client = new EmulatorControlClient(env.emu.url);
    const state = await client.state();
    assert.deepEqual(
      [state.models.map((m) => m.name), state.endpointConfigs.map((c) => c.name), state.endpoints.map((e) => [e.name, e.status])],
      [['m1'], ['c1'], [['ep', 'Creating']]],
    );
    await client.reset();
    const after = await client.state();
    assert.deepEqual([after.models.length, after.endpointConfigs.length, after.endpoints.length], [0, 0, 0]);
    // Reset also drops the pending transition: nothing comes back later.
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(env.emu.control.state().endpoints.length, 0);
  });
});

test('timings and behaviours can be changed at run time over the control API', async () => {
  await withEmulator(async (env) => {
    const client = new EmulatorControlClient(env.emu.url);
    const timings = await client.setTimings({ endpointCreateMs: 30 });
    assert.equal(timings.endpointCreateMs, 30);
    await client.setBehaviours({ 'repo/bad:1': { healthy: false, failureReason: 'boom' } });
    assert.deepEqual(await client.behaviours(), { 'repo/bad:1': { healthy: false, failureReason: 'boom' } });
    await createModel(env.sm, 'm1', 'repo/bad:1');
    await createConfig(env.sm, 'c1', [{ VariantName: 'v', ModelName: 'm1' }]);
    await env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' }));
    const failed = await waitForStatus(env.sm, 'ep', 'Failed');
    assert.equal(failed.FailureReason, 'boom');
    const settings = await client.setSettings({ callerCanDeregisterScalableTargets: false });
    assert.equal(settings.callerCanDeregisterScalableTargets, false);
  });
});

test('with persistPath the state survives a restart and in-flight transitions complete', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emulator-state-'));
  const file = path.join(dir, 'state.json');
  try {
    const first = await startEmulator({ persistPath: file, timings: { endpointCreateMs: 200 } });
    const sm = sageMakerClient(first.url);
    await createModel(sm, 'm1');
    await createConfig(sm, 'c1', [{ VariantName: 'v', ModelName: 'm1' }]);
    await sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' }));
    sm.destroy();
    await first.close();
    assert.ok(fs.existsSync(file));

    const second = await startEmulator({ persistPath: file });
    const sm2 = sageMakerClient(second.url);
    try {
      await sm2.send(new DescribeModelCommand({ ModelName: 'm1' }));
      const ep = await waitForStatus(sm2, 'ep', 'InService');
      assert.equal(ep.ProductionVariants?.[0]?.CurrentInstanceCount, 1);
    } finally {
      sm2.destroy();
      await second.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the control object in process and over HTTP see the same endpoint', async () => {
  await withEmulator(async (env) => {
    await createModel(env.sm, 'm1');
    await createConfig(env.sm, 'c1', [{ VariantName: 'v', ModelName: 'm1' }]);
    await env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' }));
    await waitForStatus(env.sm, 'ep', 'InService');
    const remote = await new EmulatorControlClient(env.emu.url).state();
    assert.deepEqual(remote.endpoints, env.emu.control.state().endpoints);
    assert.equal(env.emu.state.endpoints.get('ep')?.status, 'InService');
    const described = await env.sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' }));
    assert.equal(described.EndpointStatus, 'InService');
  });
});

test('the standalone entry parses port, timings and persistence flags', () => {
  const options = parseEmulatorArgs([
    '--port',
    '4566',
    '--create-ms',
    '500',
    '--state-file',
    'state.json',
    '--no-deregister-permission',
    '--autoscaling-simulation',
  ]);
  assert.equal(options.port, 4566);
  assert.equal(options.timings?.endpointCreateMs, 500);
  assert.equal(options.persistPath, 'state.json');
  assert.equal(options.callerCanDeregisterScalableTargets, false);
  assert.equal(options.autoscalingSimulation, true);
  assert.throws(() => parseEmulatorArgs(['--port', 'x']), /--port must be a non-negative integer/);
});
