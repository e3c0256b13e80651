/**
 * A real Temporal server (see temporal.ts), the local AWS emulator and a real modelship worker whose AWS
 * clients point at the emulator: the same production code, only the endpoint URL differs.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import { createAwsClients, destroyAwsClients, type AwsClients } from '../../src/aws';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator';
import { createWorker } from '../../src/worker';
import { createTestEnv, workflowBundle } from './temporal';

// Keep test output readable: the worker logs warnings for every expected activity failure otherwise.
Runtime.install({ logger: new DefaultLogger('ERROR') });

export const TEST_CREDENTIALS = { accessKeyId: 'AKIDMODELSHIPTEST', secretAccessKey: 'modelship-test-secret' };

export interface Harness {
  env: TestWorkflowEnvironment;
  client: Client;
  emulator: Emulator;
  aws: AwsClients;
  taskQueue: string;
  worker: Worker;
  close(): Promise<void>;
}

export async function createHarness(emulatorOptions: EmulatorOptions = {}): Promise<Harness> {
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
    clients: aws,
    workflowBundle: await workflowBundle(),
    shutdownGraceTime: '1s',
  });
  const running = worker.run();
  return {
    env,
    client: env.client,
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
