/**
 * A real worker's log lines, through the project's JSON logger (src/logging.ts) as `modelship worker`
 * installs it. Not the harness: it installs its own Runtime logger, and a process has only one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createAwsClients, destroyAwsClients, type AwsClients } from '../../src/aws';
import { endpointWorkflowId } from '../../src/domain/names';
import { startEmulator, type Emulator } from '../../src/emulator';
import { createLogger, temporalLogger } from '../../src/logging';
import { createWorker } from '../../src/worker';
import { deployModel } from '../../src/workflows/deploy';
import { deployInput } from '../support/deploy';
import { createTestEnv, workflowBundle } from '../support/temporal';

const lines: Array<Record<string, unknown>> = [];
Runtime.install({
  logger: temporalLogger(
    createLogger(
      'debug',
      new Writable({
        write(chunk, _enc, done) {
          for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
          done();
        },
      }),
    ),
    'DEBUG',
  ),
});

let env: TestWorkflowEnvironment;
let emulator: Emulator;
let aws: AwsClients;
let connection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `logs-${randomUUID()}`;

before(async () => {
  env = await createTestEnv();
  emulator = await startEmulator({ timings: { endpointCreateMs: 300, endpointUpdateMs: 300, endpointDeleteMs: 200, weightsUpdateMs: 200 } });
  aws = createAwsClients({
    region: 'us-east-1',
    endpoint: emulator.url,
    credentials: { accessKeyId: 'AKIDMODELSHIPLOGS', secretAccessKey: 'modelship-logs-secret' },
  });
  connection = await NativeConnection.connect({ address: env.address });
  worker = await createWorker({ connection, taskQueue, clients: aws, workflowBundle: await workflowBundle(), shutdownGraceTime: '1s' });
  running = worker.run();
});

after(async () => {
  worker?.shutdown();
  await running;
  await connection?.close();
  if (aws) destroyAwsClients(aws);
  await emulator?.close();
  await env?.teardown();
});

describe('worker logs (JSON, as `modelship worker` writes them)', () => {
  it('every activity line names its workflow, run, activity type and attempt; a failure carries its error', async () => {
    const endpoint = `logs-${randomUUID().slice(0, 8)}`;
    // More 500s than the SDK's own attempts: the activity's first attempt fails, its retry succeeds.
    emulator.control.setFaults([{ kind: 'serverError', operations: ['CreateEndpointConfig'], message: 'injected: CreateEndpointConfig is down', times: 3 }]);
    const handle = await env.client.workflow.start(deployModel, {
      workflowId: endpointWorkflowId(endpoint),
      taskQueue,
      args: [deployInput(endpoint, `m-${endpoint}`)],
    });
    await handle.result();

    const mine = lines.filter((l) => l.workflowId === handle.workflowId);
    // The SDK's lines about each activity task: started, completed, failed.
    const activity = lines.filter((l) => /^Activity /.test(String(l.msg)));
    assert.ok(activity.length > 0, `activity lines were logged: ${JSON.stringify(lines.slice(-5))}`);
    for (const l of activity) {
      assert.equal(typeof l.workflowId, 'string', JSON.stringify(l));
      assert.equal(typeof l.workflowRunId, 'string', JSON.stringify(l));
      assert.equal(typeof l.activityType, 'string', JSON.stringify(l));
      assert.equal(typeof l.attempt, 'number', JSON.stringify(l));
    }
    assert.ok(mine.some((l) => l.msg === 'Activity completed' && l.workflowRunId === handle.firstExecutionRunId));

    const failed = mine.find((l) => l.msg === 'Activity failed');
    assert.ok(failed, 'the failed attempt was logged');
    assert.equal(failed.level, 40, 'a warning');
    assert.deepEqual([failed.activityType, failed.attempt, failed.workflowRunId], ['createEndpointConfig', 1, handle.firstExecutionRunId]);
    // Was `"error":{}`: the SDK passes the failure under `error`, which pino serializes only when told to.
    const error = failed.error as { message?: string; type?: string; failureType?: string; stack?: string };
    assert.match(error.message ?? '', /^InternalFailure: injected: CreateEndpointConfig is down/, JSON.stringify(failed));
    assert.deepEqual([error.type, error.failureType], ['ApplicationFailure', 'InternalFailure'], JSON.stringify(failed));
    assert.ok(error.stack, `the error's stack: ${JSON.stringify(failed)}`);
  });
});
