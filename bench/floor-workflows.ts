/**
 * Bare floors for the engine-overhead benchmark (bench/overhead.ts): what a workflow costs on this server and
 * this machine with no work in it. Bundled and registered only by the benchmark's floor worker, never by
 * the production worker (src/workflows does not export these).
 */
import * as wf from '@temporalio/workflow';
import type * as activities from './floor-activities';

const regular = wf.proxyActivities<typeof activities>({ startToCloseTimeout: '30s' });
const local = wf.proxyLocalActivities<typeof activities>({ startToCloseTimeout: '30s' });

/** An empty workflow: start, one workflow task, complete. */
export async function floorEmpty(): Promise<void> {}

/** `steps` sequential no-op regular activities (a workflow task and an activity task through the server each). */
export async function floorRegular(steps: number): Promise<void> {
  for (let i = 0; i < steps; i++) await regular.noop();
}

/** `steps` sequential no-op local activities (run by the worker that runs the workflow, recorded as markers). */
export async function floorLocal(steps: number): Promise<void> {
  for (let i = 0; i < steps; i++) await local.noop();
}
