import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NativeConnection } from '@temporalio/worker';
import { readinessProbe, type Readiness, type ReadinessState } from '../../src/worker';

describe('worker readiness probe (/readyz)', () => {
  it('says ready at the first probe after polling starts, even right after a "starting" answer, then shares one check among probes', async () => {
    let workerState = 'INITIALIZED';
    const now: ReadinessState = {};
    let checks = 0;
    const probe = readinessProbe(
      () => now,
      async (w) => {
        checks++;
        return { ready: w.getState() === 'RUNNING', state: w.getState(), temporal: 'ok', aws: 'ok' } satisfies Readiness;
      },
      60_000,
    );

    assert.deepEqual(await probe(), { ready: false, state: 'STARTING', temporal: 'not connected yet', aws: 'ok' });
    now.awsProblem = 'the AWS endpoint http://127.0.0.1:1 does not answer';
    assert.equal((await probe()).aws, now.awsProblem);
    now.awsProblem = undefined;
    now.connection = {} as NativeConnection;
    now.worker = { getState: () => workerState as ReturnType<NonNullable<ReadinessState['worker']>['getState']> };
    assert.deepEqual(await probe(), { ready: false, state: 'INITIALIZED', temporal: 'ok', aws: 'ok' });
    assert.equal(checks, 0, 'no Temporal or AWS call before the worker polls');

    // Polling: the next probe is answered by a full check, not by the "not ready" of a moment ago.
    workerState = 'RUNNING';
    assert.equal((await probe()).ready, true);
    assert.equal((await probe()).ready, true);
    assert.equal(checks, 1, 'probes within the cache time share one check');

    // Stopping: not ready at once, whatever the cache holds.
    workerState = 'STOPPING';
    assert.deepEqual(await probe(), { ready: false, state: 'STOPPING', temporal: 'ok', aws: 'ok' });
    assert.equal(checks, 1);
  });
});
