/**
 * Recovery from a dead worker: a worker killed with SIGKILL in the middle of an AWS call leaves the attempt
 * to a timeout before another worker retries it. The pipeline must move on within seconds, not after a
 * start-to-close timeout sized for the slowest call (docs/activity-execution.md).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { endpointWorkflowId } from '../../src/domain/names';
import { deployModel } from '../../src/workflows/deploy';
import { deployInput } from '../support/deploy';
import { createHarness, eventually, uniqueName, type Harness } from '../support/harness';
import { workflowBundle } from '../support/temporal';
import { startWorkerProcess } from '../support/worker-child';

let h: Harness;
let dir: string;
let bundlePath: string;
before(async () => {
  h = await createHarness();
  dir = mkdtempSync(path.join(tmpdir(), 'modelship-crash-'));
  bundlePath = path.join(dir, 'workflows.js');
  writeFileSync(bundlePath, (await workflowBundle()).code);
});
after(async () => {
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The most a pipeline may stand still after its worker died mid-call (the target is a median of 15 s). */
const RECOVERY_LIMIT_MS = 30_000;

describe('a deploy whose worker is killed mid-call', () => {
  // One case per kind of step: a short single call, and a long step (it lists the model's versions).
  for (const [kind, operation] of [
    ['a short call (CreateEndpointConfig)', 'CreateEndpointConfig'],
    ['a long step (transitionModelStage listing versions)', 'ListModelPackages'],
  ] as const) {
    it(`moves on within ${RECOVERY_LIMIT_MS / 1000} s on a new worker when it dies in ${kind}`, async () => {
      const endpoint = uniqueName('crash');
      const taskQueue = uniqueName('crash-queue');
      const injected = () => h.emulator.control.calls().faults.latency ?? 0;
      const before = injected();
      // The call hangs far longer than the test allows: only a retry on the new worker can answer.
      h.emulator.control.setFaults([{ kind: 'latency', operations: [operation], ms: 45_000, times: 1 }]);
      let worker = await startWorkerProcess(h, taskQueue, bundlePath);
      try {
        const handle = await h.client.workflow.start(deployModel, {
          workflowId: endpointWorkflowId(endpoint),
          taskQueue,
          args: [deployInput(endpoint, `m-${endpoint}`)],
        });
        await eventually(injected, (n) => n > before, 30_000);
        worker.kill('SIGKILL');
        const killedAt = Date.now();
        await new Promise((r) => worker.once('exit', r));
        worker = await startWorkerProcess(h, taskQueue, bundlePath);

        const result = await Promise.race([
          handle.result(),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error(`the deploy did not finish within ${RECOVERY_LIMIT_MS} ms of the kill`)), RECOVERY_LIMIT_MS),
          ),
        ]);
        const recoveredInMs = Date.now() - killedAt;
        assert.equal(result.endpointName, endpoint);
        assert.ok(recoveredInMs < RECOVERY_LIMIT_MS, `finished ${recoveredInMs} ms after the kill`);
      } finally {
        h.emulator.control.setFaults([]);
        worker.kill('SIGKILL');
      }
    });
  }
});

describe('a deploy whose worker is killed while it waits for the endpoint it created', () => {
  it('finishes as the create it was: the task that created the endpoint was recorded before the wait', async () => {
    const endpoint = uniqueName('crash-wait');
    const taskQueue = uniqueName('crash-queue');
    // Creating lasts about 9 s: the kill lands in the wait for InService.
    h.emulator.control.setFaults([{ kind: 'slowTransitions', factor: 30, transitions: ['create'], endpoints: [endpoint] }]);
    let worker = await startWorkerProcess(h, taskQueue, bundlePath);
    try {
      const handle = await h.client.workflow.start(deployModel, {
        workflowId: endpointWorkflowId(endpoint),
        taskQueue,
        // `create`: an endpoint found by a repeated check would be refused as one that already existed.
        args: [deployInput(endpoint, `m-${endpoint}`, '1', { mode: 'create' })],
      });
      await eventually(
        () => h.emulator.control.state().endpoints.find((e) => e.name === endpoint),
        (ep) => ep !== undefined,
        30_000,
      );
      // Killed once the wait is scheduled (the task with the create is recorded), or 1 s into the wait if
      // it never is: a wait run as a local activity would hold that task open, and the next worker would
      // run the create's checks again (it failed so when the wait polled locally for its first 3 s).
      const seen = Date.now();
      await eventually(
        async () => {
          const events = (await handle.fetchHistory()).events ?? [];
          return events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'awaitEndpointInService') || Date.now() - seen > 1000;
        },
        (ready) => ready,
        30_000,
      );
      worker.kill('SIGKILL');
      await new Promise((r) => worker.once('exit', r));
      worker = await startWorkerProcess(h, taskQueue, bundlePath);
      const result = await handle.result().catch((err: Error) => {
        throw new Error(`the deploy failed: ${(err.cause as Error | undefined)?.message ?? err.message}`);
      });
      assert.equal(result.endpointName, endpoint);
      const ep = h.emulator.control.state().endpoints.find((e) => e.name === endpoint);
      assert.deepEqual([ep?.status, ep?.endpointConfigName], ['InService', result.endpointConfigName]);
    } finally {
      h.emulator.control.setFaults([]);
      worker.kill('SIGKILL');
    }
  });
});
