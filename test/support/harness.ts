/**
 * A real Temporal server (see temporal.ts), the local AWS emulator and a real modelship worker whose AWS
 * clients point at the emulator: the same production code, only the endpoint URL differs.
 */
import { randomUUID } from 'node:crypto';
import { format } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, type DataConverter } from '@temporalio/common';
import { NativeConnection, Runtime, DefaultLogger, type LogEntry, type Worker } from '@temporalio/worker';
import type { ModelRegistry } from '../../src/activities/registry';
import { createAwsClients, destroyAwsClients, type AwsClients } from '../../src/aws';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator';
import { createWorker } from '../../src/worker';
import { TEST_CREDENTIALS } from './fixtures';
import { createTestEnv, workflowBundle } from './temporal';

/**
 * Every log line of the Temporal runtime, workers, workflows and activities in this test process (DEBUG
 * and up), so tests can inspect what reached the logs, e.g. that no credential did. Runtime.install can
 * run only once per process, which is why the capture lives here.
 */
export const capturedLogs: LogEntry[] = [];

// Keep test output readable: only ERROR reaches the console; the worker logs warnings for every expected
// activity failure otherwise.
Runtime.install({
  logger: new DefaultLogger('DEBUG', (entry) => {
    capturedLogs.push(entry);
    if (entry.level === 'ERROR') {
      const date = new Date(Number(entry.timestampNanos / 1_000_000n));
      process.stderr.write(`${format(date)} [${entry.level}] ${entry.message}${entry.meta === undefined ? '' : ` ${format(entry.meta)}`}\n`);
    }
  }),
});

export { TEST_CREDENTIALS };

export interface Harness {
  env: TestWorkflowEnvironment;
  client: Client;
  emulator: Emulator;
  aws: AwsClients;
  taskQueue: string;
  worker: Worker;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Payload codecs for the worker and `client` (e.g. encryption). @default none, the SDK's converter */
  dataConverter?: DataConverter;
  /** The worker's model registry. @default SageMaker's, in the emulator */
  registry?: ModelRegistry;
}

export async function createHarness(emulatorOptions: EmulatorOptions = {}, options: HarnessOptions = {}): Promise<Harness> {
  const env = await createTestEnv();
  const emulator = await startEmulator({
    timings: { endpointCreateMs: 300, endpointUpdateMs: 300, endpointDeleteMs: 200, weightsUpdateMs: 200 },
    ...emulatorOptions,
  });
  const aws = createAwsClients({ region: 'us-east-1', endpoint: emulator.url, credentials: TEST_CREDENTIALS });
  const taskQueue = `test-${randomUUID()}`;
  const connection = await NativeConnection.connect({ address: env.address });
  const worker = await createWorker({
    connection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    clients: { ...aws, registry: options.registry },
    workflowBundle: await workflowBundle(),
    shutdownGraceTime: '1s',
    dataConverter: options.dataConverter,
  });
  const running = worker.run();
  return {
    env,
    // env.client has the default converter: with a codec, the client must encode like the worker.
    client: options.dataConverter
      ? new Client({ connection: env.connection, namespace: env.namespace ?? 'default', dataConverter: options.dataConverter })
      : env.client,
    emulator,
    aws,
    taskQueue,
    worker,
    async close() {
      worker.shutdown();
      await running;
      await connection.close();
      destroyAwsClients(aws);
      await emulator.close();
      await env.teardown();
    },
  };
}

/** A name no other test uses, valid as an AWS resource name. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Polls `read` until `done` holds (or fails after `timeoutMs`). */
export async function eventually<T>(read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The ApplicationFailure a workflow run ended with; fails the test if it succeeded or failed otherwise. */
export async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => assert.fail('expected the workflow to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, `expected WorkflowFailedError, got ${err}`);
  assert.ok(err.cause instanceof ApplicationFailure, `expected an ApplicationFailure cause, got ${err.cause}`);
  return err.cause;
}

/** `promise`, or a failed test (after `onTimeout`) when it does not settle within `ms`. */
export async function within<T>(ms: number, promise: Promise<T>, onTimeout: () => Promise<unknown>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void onTimeout().catch(() => undefined);
      reject(new Error(`did not end within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
