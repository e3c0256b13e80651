/**
 * No AWS credential reaches Temporal history, failure messages or logs. Pipelines run with recognisable
 * fake credentials, both the ones the harness hands to its AWS clients and others in the AWS_* environment
 * variables that a worker on the default provider chain picks up. Then every event of every run, every
 * failure and every captured log line is searched for them. AWS failures are provoked on purpose
 * (throttling, 5xx, an unhealthy model), since error paths are where request details tend to leak.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { NativeConnection } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { createAwsClients, destroyAwsClients, type AwsClients } from '../../src/aws';
import type { DeployInput } from '../../src/domain/deploy/input';
import { endpointWorkflowId } from '../../src/domain/names';
import { createWorker } from '../../src/worker';
import { deployModel, deployStatusQuery } from '../../src/workflows/deploy';
import { capturedLogs, createHarness, TEST_CREDENTIALS, uniqueName, type Harness } from '../support/harness';
import { workflowBundle } from '../support/temporal';
import { deployInput } from '../support/deploy';

const ENV_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIAENVCANARY7Q2XJ4KD',
  AWS_SECRET_ACCESS_KEY: 'envCanarySecret/9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e',
  AWS_SESSION_TOKEN: 'envCanarySessionToken//FwoGZXIvYXdzEXAMPLEdoNotLeakMe==',
} as const;

const CREDENTIAL_STRINGS = [
  TEST_CREDENTIALS.accessKeyId,
  TEST_CREDENTIALS.secretAccessKey,
  ...Object.values(ENV_CREDENTIALS),
  // Partial leaks count too: the secret's middle, as a log line truncating it might show.
  ENV_CREDENTIALS.AWS_SECRET_ACCESS_KEY.slice(10, 30),
];

const savedEnv: Record<string, string | undefined> = {};
let h: Harness;
let envConnection: NativeConnection;
let envAws: AwsClients;
let envTaskQueue: string;
let stopEnvWorker: () => Promise<void>;
before(async () => {
  for (const [k, v] of Object.entries(ENV_CREDENTIALS)) {
    savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
  h = await createHarness();
  // A second worker whose AWS clients take credentials from the environment (the default provider
  // chain), as a production worker with AWS_* variables or a role does.
  envAws = createAwsClients({ region: 'us-east-1', endpoint: h.emulator.url });
  envConnection = await NativeConnection.connect({ address: h.env.address });
  envTaskQueue = uniqueName('secrets-env');
  const worker = await createWorker({
    connection: envConnection,
    namespace: h.env.namespace ?? 'default',
    taskQueue: envTaskQueue,
    clients: envAws,
    workflowBundle: await workflowBundle(),
    shutdownGraceTime: '1s',
  });
  const running = worker.run();
  stopEnvWorker = async () => {
    worker.shutdown();
    await running;
  };
});
after(async () => {
  await stopEnvWorker?.();
  await envConnection?.close();
  if (envAws) destroyAwsClients(envAws);
  await h?.close();
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

/** Everything a run leaves behind that an operator can read: its history, its outcome and its status. */
async function runAndCollect(taskQueue: string, input: DeployInput): Promise<{ ok: boolean; texts: string[] }> {
  const handle = await h.client.workflow.start(deployModel, { taskQueue, workflowId: endpointWorkflowId(input.endpointName), args: [input] });
  const texts: string[] = [];
  let ok = true;
  try {
    texts.push(inspect(await handle.result(), { depth: null }));
  } catch (err) {
    ok = false;
    texts.push(errorText(err));
  }
  texts.push(inspect(await handle.query(deployStatusQuery), { depth: null }));
  const history = await handle.fetchHistory();
  assert.ok((history.events?.length ?? 0) > 10);
  for (const event of history.events ?? []) texts.push(eventText(event));
  return { ok, texts };
}

/** An event as text with every payload's bytes decoded (payloads are JSON in UTF-8 without a codec). */
function eventText(event: temporal.api.history.v1.IHistoryEvent): string {
  const parts: string[] = [];
  const walk = (node: unknown) => {
    if (node instanceof Uint8Array) parts.push(Buffer.from(node).toString('utf8'));
    else if (typeof node === 'string') parts.push(node);
    else if (node && typeof node === 'object') for (const v of Object.values(node)) walk(v);
  };
  walk(event);
  return parts.join('\n');
}

/** A failure with its whole cause chain, messages, stacks, details and any other own property. */
function errorText(err: unknown, depth = 0): string {
  if (!(err instanceof Error) || depth > 10) return inspect(err, { depth: null });
  const own = Object.fromEntries(Object.getOwnPropertyNames(err).map((k) => [k, (err as unknown as Record<string, unknown>)[k]]));
  return [inspect(own, { depth: null }), errorText(err.cause, depth + 1)].join('\n');
}

function leaksIn(texts: string[]): string[] {
  return CREDENTIAL_STRINGS.flatMap((secret) => texts.filter((t) => t.includes(secret)).map((t) => `${secret} in: ${t.slice(0, 300)}`));
}

describe('no credential leaves the worker', () => {
  it('uses the environment credentials for real (the scan below would otherwise prove nothing)', async () => {
    const creds = await envAws.sagemaker.config.credentials();
    assert.equal(creds.accessKeyId, ENV_CREDENTIALS.AWS_ACCESS_KEY_ID);
    assert.equal(creds.sessionToken, ENV_CREDENTIALS.AWS_SESSION_TOKEN);
  });

  it('keeps credentials out of history, failures, query results and logs, on success and failure paths', async () => {
    const texts: string[] = [];
    const outcomes: boolean[] = [];
    for (const taskQueue of [h.taskQueue, envTaskQueue]) {
      // Success, through AWS throttling and 5xx answers that outlast the SDK's own 3 attempts, so activity
      // attempts fail and are retried by Temporal (error paths log the most).
      h.emulator.control.setFaults([
        { kind: 'throttle', operations: ['SageMaker.CreateModel'], times: 4 },
        { kind: 'serverError', operations: ['SageMaker.CreateEndpointConfig'], times: 4 },
      ]);
      const good = await runAndCollect(taskQueue, deployInput(uniqueName('sec'), uniqueName('m'), '1'));
      h.emulator.control.setFaults([]);
      // Failure: a model that fails its health check, rolled back.
      const bad = deployInput(uniqueName('secfail'), uniqueName('m'), 'broken');
      h.emulator.control.setBehaviours({ [bad.model.image]: { healthy: false, failureReason: 'container failed ping health check' } });
      const failed = await runAndCollect(taskQueue, bad);
      outcomes.push(good.ok, failed.ok);
      texts.push(...good.texts, ...failed.texts);
    }
    assert.deepEqual(outcomes, [true, false, true, false]);
    assert.ok(h.emulator.control.calls().faults.throttle >= 2, 'the throttling faults fired');

    const logs = capturedLogs.map((e) => `[${e.level}] ${e.message} ${inspect(e.meta, { depth: null })}`);
    // The scan sees what it should: activity failures were logged, with their AWS error codes.
    assert.ok(
      logs.some((l) => /ThrottlingException/.test(l)),
      'expected the throttled attempts in the logs',
    );
    assert.ok(
      texts.some((t) => /container failed ping health check/.test(t)),
      'expected the failure reason in history',
    );

    assert.deepEqual(leaksIn(texts), [], 'credentials in history, failures or query results');
    assert.deepEqual(leaksIn(logs), [], 'credentials in logs');
  });
});
