import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { createLogger, temporalLogger } from '../../src/logging';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger('info', stream) };
}

describe('worker logs', () => {
  it('serialize the failure under `error` with its type, stack and cause chain (was "error":{})', async () => {
    const { lines, logger } = capture();
    const root = ApplicationFailure.nonRetryable('Region is missing', 'InfrastructureFailed');
    const failure = new ActivityFailure('activity failed', 'registerModelVersion', '1', RetryState.NON_RETRYABLE_FAILURE, undefined, root);
    temporalLogger(logger).error('Activity failed', {
      error: failure,
      workflowId: 'endpoint/churn',
      workflowRunId: 'run-1',
      activityType: 'registerModelVersion',
      attempt: 3,
    });
    await new Promise((r) => setImmediate(r));
    const line = lines[0] as {
      error: { message: string; stack: string; cause?: { message: string; failureType: string } };
      workflowId: string;
      workflowRunId: string;
      activityType: string;
      attempt: number;
    };
    assert.equal(line.error.message.startsWith('activity failed'), true, JSON.stringify(line));
    assert.match(line.error.stack, /ActivityFailure/);
    assert.equal(line.error.cause?.message, 'Region is missing');
    assert.equal(line.error.cause?.failureType, 'InfrastructureFailed');
    assert.deepEqual([line.workflowId, line.workflowRunId, line.activityType, line.attempt], ['endpoint/churn', 'run-1', 'registerModelVersion', 3]);
  });
});
