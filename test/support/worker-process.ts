/**
 * A modelship worker as a process of its own, for tests that kill a worker mid-workflow (SIGKILL: no
 * graceful shutdown) and start another. Configured by environment variables set by the test:
 * MODELSHIP_TEST_TEMPORAL_ADDRESS, MODELSHIP_TEST_TASK_QUEUE, MODELSHIP_TEST_AWS_ENDPOINT (the emulator)
 * and MODELSHIP_TEST_WORKFLOW_BUNDLE (pre-built workflow code, so a restart takes a moment, not a bundling).
 * Prints "worker ready" once it polls.
 */
import { NativeConnection } from '@temporalio/worker';
import { createAwsClients } from '../../src/aws';
import { createWorker } from '../../src/worker';
import { TEST_CREDENTIALS } from './harness';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const connection = await NativeConnection.connect({ address: required('MODELSHIP_TEST_TEMPORAL_ADDRESS') });
  const worker = await createWorker({
    connection,
    taskQueue: required('MODELSHIP_TEST_TASK_QUEUE'),
    clients: createAwsClients({ region: 'us-east-1', endpoint: required('MODELSHIP_TEST_AWS_ENDPOINT'), credentials: TEST_CREDENTIALS }),
    workflowBundle: process.env.MODELSHIP_TEST_WORKFLOW_BUNDLE ? { codePath: process.env.MODELSHIP_TEST_WORKFLOW_BUNDLE } : undefined,
    // A killed worker's sticky queue must hand its workflows to the next worker quickly.
    workerOptions: { stickyQueueScheduleToStartTimeout: '1s' },
  });
  const running = worker.run();
  console.log('worker ready');
  await running;
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
