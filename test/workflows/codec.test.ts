import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, NativeConnection, type Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { startCodecServer, payloadToJSON, type JSONPayload, type RunningCodecServer } from '../../src/codec/codec-server';
import { dataConverterFromEnv, FAILURE_CONVERTER_PATH } from '../../src/codec/data-converter';
import { ENCRYPTED_ENCODING, EncryptionCodec, METADATA_ENCRYPTION_KEY_ID } from '../../src/codec/encryption-codec';
import type { DeployInput } from '../../src/domain/deploy/input';
import { endpointWorkflowId } from '../../src/domain/names';
import { describeEndpoint } from '../../src/inventory';
import { createWorker } from '../../src/worker';
import { approveSignal, deployModel, deployStatusQuery } from '../../src/workflows/deploy';
import { createHarness, eventually, uniqueName, type Harness } from '../support/harness';
import { temporalCliPath } from '../support/temporal';

// Async on purpose: the codec server answering the CLI runs in this process's event loop.
const execFileAsync = promisify(execFile);

type History = temporal.api.history.v1.IHistory;

const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('base64');
// The production path: the same environment variables an operator sets.
const k1Only = () => dataConverterFromEnv({ MODELSHIP_CODEC_KEYS: `k1=${K1}`, MODELSHIP_CODEC_KEY_ID: 'k1' })!;
const k2Current = () => dataConverterFromEnv({ MODELSHIP_CODEC_KEYS: `k1=${K1},k2=${K2}`, MODELSHIP_CODEC_KEY_ID: 'k2' })!;

let h: Harness;
let connection: NativeConnection;
let bundle: WorkflowBundleWithSourceMap;
before(async () => {
  h = await createHarness();
  connection = await NativeConnection.connect({ address: h.env.address });
  // Bundled with the failure converter, as createWorker does when it bundles: failure messages encrypted too.
  bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), failureConverterPath: FAILURE_CONVERTER_PATH, logger: quiet });
});
after(async () => {
  await connection?.close();
  await h?.close();
});

function deployInput(endpointName: string, model: string, tag: string, extra: Partial<DeployInput> = {}): DeployInput {
  return {
    endpointName,
    model: {
      name: model,
      image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${model}:${tag}`,
      modelDataUrl: `s3://confidential-models/${model}/${tag}/model.tar.gz`,
    },
    executionRoleArn: 'arn:aws:iam::123456789012:role/sagemaker-exec',
    instanceType: 'ml.m5.large',
    autoApprove: true,
    poll: { min: '100ms', max: '500ms' },
    ...extra,
  };
}

/** A worker and a client that both use `dataConverter`, on their own task queue. */
async function encryptedStack(dataConverter: DataConverter, taskQueue = uniqueName('codec')) {
  const worker = await createWorker({
    connection,
    namespace: h.env.namespace ?? 'default',
    taskQueue,
    clients: h.aws,
    workflowBundle: bundle,
    shutdownGraceTime: '1s',
    dataConverter,
  });
  const running = worker.run();
  const client = new Client({ connection: h.env.connection, namespace: h.env.namespace ?? 'default', dataConverter });
  return {
    worker: worker as Worker,
    client,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}

/**
 * The SDK's patch markers (`wf.patched`): their details are written by the SDK core itself, as plain JSON
 * holding only the patch id, and never pass through the payload codec.
 */
const PATCH_MARKER_DETAILS = /markerRecordedEventAttributes\.details\.patch-data/;

/**
 * A local activity's marker: its `data` is written by the SDK core itself (sequence, attempt, activity id
 * and type, times), never user data, and does not pass through the codec; its `result` does.
 */
const LOCAL_ACTIVITY_MARKER_DATA = /markerRecordedEventAttributes\.details\.data\b/;
const LOCAL_ACTIVITY_MARKER_FIELDS = ['seq', 'attempt', 'activity_id', 'activity_type', 'complete_time', 'backoff', 'original_schedule_time'];

/** Every local activity marker's core-written data, parsed. */
function localActivityMarkerDataOf(history: History): { path: string; value: unknown }[] {
  const out: { path: string; value: unknown }[] = [];
  (history.events ?? []).forEach((e, i) => {
    const m = e.markerRecordedEventAttributes;
    if (m?.markerName !== 'core_local_activity') return;
    for (const p of m.details?.['data']?.payloads ?? []) out.push({ path: `events[${i}]`, value: JSON.parse(text(p.data)) });
  });
  return out;
}

/** Every patch marker's payload: these must hold nothing but the patch id and its deprecation flag. */
function patchMarkerPayloadsOf(history: History): { path: string; value: unknown }[] {
  const out: { path: string; value: unknown }[] = [];
  (history.events ?? []).forEach((e, i) => {
    for (const p of e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads ?? []) {
      out.push({ path: `events[${i}]`, value: JSON.parse(text(p.data)) });
    }
  });
  return out;
}

/**
 * Every payload anywhere in a history, with where it sits, except search attributes (which Temporal never
 * encodes) and patch markers (checked by patchMarkerPayloadsOf).
 */
function payloadsOf(history: History): { path: string; payload: Payload }[] {
  const out: { path: string; payload: Payload }[] = [];
  const walk = (node: unknown, path: string) => {
    if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return;
    if (/searchAttributes|indexedFields/.test(path) || PATCH_MARKER_DETAILS.test(path)) return;
    if (
      LOCAL_ACTIVITY_MARKER_DATA.test(path) &&
      history.events?.[Number(/^events\[(\d+)\]/.exec(path)?.[1])]?.markerRecordedEventAttributes?.markerName === 'core_local_activity'
    )
      return;
    const maybe = node as { metadata?: Record<string, unknown>; data?: unknown };
    if (
      maybe.metadata &&
      typeof maybe.metadata === 'object' &&
      Object.values(maybe.metadata).every((v) => v instanceof Uint8Array) &&
      METADATA_ENCODING_KEY in maybe.metadata
    ) {
      out.push({ path, payload: node as Payload });
      return;
    }
    for (const [k, v] of Object.entries(node)) walk(v, `${path}.${k}`);
  };
  (history.events ?? []).forEach((e, i) => walk(e, `events[${i}]`));
  return out;
}

const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('utf8');
const keyIdOf = (p: Payload) => text(p.metadata?.[METADATA_ENCRYPTION_KEY_ID]);

/** The raw history as stored by the server, read by a client WITHOUT the codec. */
async function rawHistory(workflowId: string, runId?: string): Promise<History> {
  return h.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
}

describe('payload encryption', () => {
  it('stores only ciphertext in history while the deploy succeeds', async () => {
    const stack = await encryptedStack(k1Only());
    try {
      const ep = uniqueName('enc');
      const model = uniqueName('secretmodel');
      const input = deployInput(ep, model, '1');
      const handle = await stack.client.workflow.start(deployModel, { taskQueue: stack.taskQueue, workflowId: endpointWorkflowId(ep), args: [input] });
      const result = await handle.result();
      assert.equal(result.version, 1);
      assert.equal((await describeEndpoint(h.aws.sagemaker, ep)).EndpointStatus, 'InService');
      assert.equal((await handle.query(deployStatusQuery)).step, 'succeeded', 'queries decode through the codec');

      const history = await rawHistory(handle.workflowId, handle.firstExecutionRunId);
      const payloads = payloadsOf(history);
      assert.ok(payloads.length >= 10, `expected the run's inputs and results in history; found ${payloads.length} payloads`);
      for (const { path, payload } of payloads) {
        assert.equal(text(payload.metadata?.[METADATA_ENCODING_KEY]), ENCRYPTED_ENCODING, `${path} is not encrypted`);
        assert.equal(keyIdOf(payload), 'k1', `${path} key id`);
        for (const secret of [input.model.image, input.model.modelDataUrl, model, ep]) {
          assert.ok(!text(payload.data).includes(secret), `${path} holds "${secret}" in clear`);
        }
      }
      const localMarkers = localActivityMarkerDataOf(history);
      assert.ok(localMarkers.length > 0, 'short AWS calls ran as local activities');
      for (const { path, value } of localMarkers) {
        const extra = Object.keys(value as object).filter((k) => !LOCAL_ACTIVITY_MARKER_FIELDS.includes(k));
        assert.deepEqual(extra, [], `${path}: a local activity marker's data holds only the SDK core's bookkeeping`);
      }
      for (const { path, value } of patchMarkerPayloadsOf(history)) {
        assert.ok(value !== null && typeof value === 'object', `${path}: a patch marker holds an object`);
        const extra = Object.keys(value).filter((k) => !['id', 'deprecated'].includes(k));
        assert.deepEqual(extra, [], `${path}: a patch marker holds only the patch id`);
      }
      // Beyond payloads: nothing in the stored history (failures, attributes) carries the image or the S3
      // URI. The endpoint and model names do appear, by design, in the workflow id and search attributes.
      const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
      for (const secret of [input.model.image, input.model.modelDataUrl, 'confidential-models']) {
        assert.ok(!bytes.includes(secret), `raw history holds "${secret}"`);
      }
      // And the ciphertext is the real input: the codec turns it back into exactly what was sent.
      const started = history.events?.[0].workflowExecutionStartedEventAttributes;
      const [decoded] = await codecOf(k1Only()).decode(started?.input?.payloads as Payload[]);
      assert.deepEqual(JSON.parse(text(decoded.data)), input);
    } finally {
      await stack.stop();
    }
  });

  it('encrypts failure messages: the history hides why a deploy failed, the codec client still reports it', async () => {
    const stack = await encryptedStack(k1Only());
    try {
      const ep = uniqueName('encfail');
      const input = deployInput(ep, uniqueName('m'), 'broken');
      const reason = 'container at confidential-registry failed ping health check';
      h.emulator.control.setBehaviours({ [input.model.image]: { healthy: false, failureReason: reason } });
      const handle = await stack.client.workflow.start(deployModel, { taskQueue: stack.taskQueue, workflowId: endpointWorkflowId(ep), args: [input] });

      const err = await handle.result().then(
        () => assert.fail('expected the deploy to fail'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
      assert.equal(err.cause.type, 'DeploymentFailed');
      assert.match(err.cause.message, /confidential-registry failed ping health check/);

      const history = await rawHistory(handle.workflowId, handle.firstExecutionRunId);
      const failed = history.events?.find((e) => e.workflowExecutionFailedEventAttributes)?.workflowExecutionFailedEventAttributes;
      assert.equal(failed?.failure?.message, 'Encoded failure', 'the message itself lives in the encrypted payload');
      const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
      for (const secret of ['confidential-registry', input.model.image, input.model.modelDataUrl]) {
        assert.ok(!bytes.includes(secret), `raw history holds "${secret}"`);
      }
    } finally {
      await stack.stop();
    }
  });

  it('keeps running and decoding a pipeline across a key rotation (k1 → k2)', async () => {
    const ep = uniqueName('rotate');
    const model = uniqueName('m');
    const taskQueue = uniqueName('rotate');
    const before = await encryptedStack(k1Only(), taskQueue);
    const handle = await before.client.workflow.start(deployModel, {
      taskQueue,
      workflowId: endpointWorkflowId(ep),
      args: [deployInput(ep, model, '1', { autoApprove: false })],
    });
    await eventually(
      () => handle.query(deployStatusQuery),
      (s) => s.step === 'awaiting-approval',
    );
    await before.stop();

    // Rotate: a new worker and client with k2 current and k1 still known. The new worker has no cached
    // state, so it must replay the k1-encrypted history to continue the run.
    const afterRotation = await encryptedStack(k2Current(), taskQueue);
    try {
      const rotated = afterRotation.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
      await rotated.signal(approveSignal, { by: 'alice', reason: 'after rotation' });
      const result = await rotated.result();
      assert.equal(result.version, 1);
      assert.equal((await rotated.query(deployStatusQuery)).approval?.by, 'alice');

      const payloads = payloadsOf(await rawHistory(handle.workflowId, handle.firstExecutionRunId));
      const ids = payloads.map(({ payload }) => keyIdOf(payload));
      assert.equal(ids[0], 'k1', 'the input was encrypted before the rotation');
      assert.ok(ids.includes('k2'), 'payloads written after the rotation use k2');
      assert.deepEqual([...new Set(ids)].sort(), ['k1', 'k2']);
      // The rotated converter reads both generations; a codec that dropped k1 too early cannot.
      await codecOf(k2Current()).decode(payloads.map((p) => p.payload));
      const k2Only = new EncryptionCodec({ currentKeyId: 'k2', keys: new Map([['k2', Buffer.from(K2, 'base64')]]) });
      await assert.rejects(k2Only.decode([payloads[0].payload]), /encrypted with key "k1", which this process does not have/);
    } finally {
      await afterRotation.stop();
    }
  });
});

describe('codec server', () => {
  let server: RunningCodecServer;
  const token = 'codec-test-token';
  before(async () => {
    server = await startCodecServer({ codec: codecOf(k2Current()), authToken: token });
  });
  after(async () => server?.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${token}` }) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
      body: JSON.stringify(body),
    });

  it('decodes payloads from a real history for the UI and CLI, and encodes them back', async () => {
    const stack = await encryptedStack(k1Only());
    try {
      const ep = uniqueName('ui');
      const input = deployInput(ep, uniqueName('m'), '1');
      const handle = await stack.client.workflow.start(deployModel, { taskQueue: stack.taskQueue, workflowId: endpointWorkflowId(ep), args: [input] });
      await handle.result();
      const history = await rawHistory(handle.workflowId, handle.firstExecutionRunId);
      const encrypted = (history.events?.[0].workflowExecutionStartedEventAttributes?.input?.payloads ?? []) as Payload[];

      const res = await post('/decode', { payloads: encrypted.map(payloadToJSON) });
      assert.equal(res.status, 200);
      const { payloads } = (await res.json()) as { payloads: JSONPayload[] };
      assert.equal(Buffer.from(payloads[0].metadata?.encoding ?? '', 'base64').toString(), 'json/plain');
      assert.deepEqual(JSON.parse(Buffer.from(payloads[0].data ?? '', 'base64').toString()), input);

      const plain = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('{"a":1}').toString('base64') };
      const enc = (await (await post('/encode', { payloads: [plain] })).json()) as { payloads: JSONPayload[] };
      assert.equal(Buffer.from(enc.payloads[0].metadata?.encoding ?? '', 'base64').toString(), ENCRYPTED_ENCODING);
      assert.equal(Buffer.from(enc.payloads[0].metadata?.[METADATA_ENCRYPTION_KEY_ID] ?? '', 'base64').toString(), 'k2');
      const back = (await (await post('/decode', enc)).json()) as { payloads: JSONPayload[] };
      assert.deepEqual(back.payloads, [plain]);
    } finally {
      await stack.stop();
    }
  });

  it('lets the Temporal CLI show decrypted payloads (TEMPORAL_CODEC_ENDPOINT, TEMPORAL_CODEC_AUTH)', async () => {
    const client = new Client({ connection: h.env.connection, namespace: h.env.namespace ?? 'default', dataConverter: k1Only() });
    const workflowId = `endpoint/${uniqueName('cli')}`;
    // Nobody polls this queue: the started event's input is all the CLI needs to show.
    const handle = await client.workflow.start('deployModel', {
      taskQueue: uniqueName('idle'),
      workflowId,
      args: [{ modelDataUrl: 's3://confidential-models/x' }],
    });
    try {
      const show = async (env: NodeJS.ProcessEnv) =>
        (
          await execFileAsync(
            temporalCliPath(),
            ['workflow', 'show', '--address', h.env.address, '--namespace', h.env.namespace ?? 'default', '-w', workflowId, '--output', 'json'],
            { env: { ...process.env, ...env } },
          )
        ).stdout;
      const inputData = (out: string) => {
        const started = (JSON.parse(out) as { events: { workflowExecutionStartedEventAttributes?: { input: { payloads: JSONPayload[] } } }[] }).events[0];
        return Buffer.from(started.workflowExecutionStartedEventAttributes?.input.payloads[0].data ?? '', 'base64').toString();
      };
      assert.ok(!inputData(await show({})).includes('confidential'), 'without the codec server the CLI sees ciphertext');
      const decoded = inputData(await show({ TEMPORAL_CODEC_ENDPOINT: server.url, TEMPORAL_CODEC_AUTH: `Bearer ${token}` }));
      assert.deepEqual(JSON.parse(decoded), { modelDataUrl: 's3://confidential-models/x' });
    } finally {
      await handle.terminate('test done');
    }
  });

  it('refuses to decrypt without the bearer token', async () => {
    const [encrypted] = await codecOf(k2Current()).encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"s3://confidential"') }]);
    const body = { payloads: [payloadToJSON(encrypted)] };
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong-token' }, { authorization: token }];
    for (const headers of attempts) {
      const res = await post('/decode', body, headers);
      assert.equal(res.status, 401, `headers ${JSON.stringify(headers)}`);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="modelship-codec"');
      assert.ok(!(await res.text()).includes('confidential'));
    }
    assert.equal((await post('/decode', body)).status, 200);
  });

  it("answers the UI origin's CORS preflight, and no other origin", async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/decode`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' },
      });
    const ok = await preflight('http://localhost:8233');
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'http://localhost:8233');
    assert.match(ok.headers.get('access-control-allow-methods') ?? '', /POST/);
    for (const h of ['content-type', 'x-namespace', 'authorization']) {
      assert.ok(ok.headers.get('access-control-allow-headers')?.split(/,\s*/).includes(h), `allows header ${h}`);
    }
    const other = await preflight('https://evil.example');
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  it('answers malformed requests with 400 and the rule, unknown paths with 404', async () => {
    const bad = await post('/decode', { nope: [] });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { message: string }).message, /"payloads" array/);
    assert.equal((await post('/other', { payloads: [] })).status, 404);
  });
});

function codecOf(converter: DataConverter): PayloadCodec {
  const codec = converter.payloadCodecs?.[0];
  assert.ok(codec);
  return codec;
}

const noop = () => undefined;
const quiet = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
