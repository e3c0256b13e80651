import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Harness } from './harness';

/**
 * A modelship worker in a child process (./worker-process.ts), against the harness's Temporal server and
 * emulator, so that a test can really kill it. Resolves once it polls.
 */
export async function startWorkerProcess(h: Harness, taskQueue: string, bundlePath: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'worker-process.ts')], {
    env: {
      ...process.env,
      MODELSHIP_TEST_TEMPORAL_ADDRESS: h.env.address,
      MODELSHIP_TEST_TASK_QUEUE: taskQueue,
      MODELSHIP_TEST_AWS_ENDPOINT: h.emulator.url,
      MODELSHIP_TEST_WORKFLOW_BUNDLE: bundlePath,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code} before it was ready`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker ready')) resolve();
    });
  });
  child.removeAllListeners('exit');
  return child;
}
