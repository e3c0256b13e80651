/** Malformed requests get AWS-style errors and never take the server down. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListModelsCommand } from '@aws-sdk/client-sagemaker';
import { withEmulator } from '../support/emulator';

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-amz-json-1.1', ...headers },
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { __type?: string; message?: string } };
}

test('a body that is not JSON is a SerializationException', async () => {
  await withEmulator(async (env) => {
    const out = await post(env.emu.url, '{"ModelName": ', { 'x-amz-target': 'SageMaker.DescribeModel' });
    assert.equal(out.status, 400);
    assert.equal(out.body.__type, 'SerializationException');
    assert.equal(out.headers.get('x-amzn-errortype'), 'SerializationException');
    assert.ok(out.headers.get('x-amzn-requestid'));
  });
});

test('a JSON body that is not an object is a SerializationException', async () => {
  await withEmulator(async (env) => {
    const out = await post(env.emu.url, '[1,2]', { 'x-amz-target': 'SageMaker.ListModels' });
    assert.equal(out.body.__type, 'SerializationException');
  });
});

test('a member of the wrong type is a SerializationException', async () => {
  await withEmulator(async (env) => {
    const out = await post(env.emu.url, '{"EndpointName": 5}', { 'x-amz-target': 'SageMaker.DescribeEndpoint' });
    assert.equal(out.status, 400);
    assert.equal(out.body.__type, 'SerializationException');
    const nested = await post(env.emu.url, '{"EndpointConfigName":"c","ProductionVariants":[{"VariantName":"v","InitialInstanceCount":"two"}]}', {
      'x-amz-target': 'SageMaker.CreateEndpointConfig',
    });
    assert.equal(nested.body.__type, 'SerializationException');
  });
});

test('a missing x-amz-target or an unknown operation is an UnknownOperationException', async () => {
  await withEmulator(async (env) => {
    const missing = await post(env.emu.url, '{}');
    assert.equal(missing.status, 400);
    assert.equal(missing.body.__type, 'UnknownOperationException');
    const unknown = await post(env.emu.url, '{}', { 'x-amz-target': 'SageMaker.LaunchRocket' });
    assert.equal(unknown.body.__type, 'UnknownOperationException');
    const otherService = await post(env.emu.url, '{}', { 'x-amz-target': 'DynamoDB_20120810.ListTables' });
    assert.equal(otherService.body.__type, 'UnknownOperationException');
    const prototypeKey = await post(env.emu.url, '{}', { 'x-amz-target': 'SageMaker.constructor' });
    assert.equal(prototypeKey.body.__type, 'UnknownOperationException');
  });
});

test('a body over the size limit is refused with 413 and the server keeps serving', async () => {
  await withEmulator({ maxBodyBytes: 64 * 1024 }, async (env) => {
    const big = JSON.stringify({ ModelName: 'm', PrimaryContainer: { Environment: { X: 'y'.repeat(200 * 1024) } } });
    const out = await post(env.emu.url, big, { 'x-amz-target': 'SageMaker.CreateModel' });
    assert.equal(out.status, 413);
    assert.equal(out.body.__type, 'RequestEntityTooLargeException');
    const ok = await env.sm.send(new ListModelsCommand({}));
    assert.deepEqual(ok.Models, []);
  });
});

test('an empty body is read as an empty input', async () => {
  await withEmulator(async (env) => {
    const out = await post(env.emu.url, '', { 'x-amz-target': 'SageMaker.DescribeEndpoint' });
    assert.equal(out.body.__type, 'ValidationException');
    assert.equal(out.body.message, "1 validation error detected: Value null at 'endpointName' failed to satisfy constraint: Member must not be null");
  });
});

test('an unknown control route is a 404 and a bad control body a 400', async () => {
  await withEmulator(async (env) => {
    const missing = await fetch(`${env.emu.url}/_emulator/nothing`);
    assert.equal(missing.status, 404);
    const bad = await fetch(`${env.emu.url}/_emulator/faults`, { method: 'PUT', body: 'not json' });
    assert.equal(bad.status, 400);
    const wrongShape = await fetch(`${env.emu.url}/_emulator/timings`, { method: 'PUT', body: '{"endpointCreateMs": -5}' });
    assert.equal(wrongShape.status, 400);
  });
});

test('an invocation path with broken percent-encoding gets an AWS error, not a crash', async () => {
  await withEmulator(async (env) => {
    const response = await fetch(`${env.emu.url}/endpoints/%E0%A4%A/invocations`, { method: 'POST', body: '{}' });
    assert.ok(response.status >= 400 && response.status < 500);
    assert.ok(response.headers.get('x-amzn-errortype'));
    const ok = await env.sm.send(new ListModelsCommand({}));
    assert.deepEqual(ok.Models, []);
  });
});
