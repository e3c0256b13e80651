import * as wf from '@temporalio/workflow';
import type { ActivityOptions, RetryPolicy } from '@temporalio/common';
import type { ResolvedPollPolicy } from '../domain/polling';

/**
 * Activity options shared by the pipelines. Non-retryable failures (validation, not found, conflicts) are
 * marked by the activities' AWS error interceptor; everything else is retried with backoff.
 */
export const AWS_CALL: ActivityOptions = {
  // An attempt lost with its worker (crash, or a task dropped under load) is retried only when this
  // fires: short enough to recover fast, long enough for the SDK's own throttling retries and the
  // worker's rate limiter.
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10 },
};

/**
 * Compensation, rollback and cleanup steps: retried until they succeed (or hit a non-retryable failure).
 * A cleanup reads several resources (and, in histories from before the tag-based cleanups, scans the
 * account's endpoints), so an attempt may take longer than a single call.
 */
export const UNDO: ActivityOptions = {
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
};

/**
 * How long one compensation or cleanup step may keep trying: twice the pipeline's inServiceTimeout, as a
 * restore may first wait out an update in flight and then its own. A step that keeps failing past it ends
 * the pipeline as RollbackIncomplete naming what is left, instead of holding the endpoint's workflow id.
 */
export function compensationBoundMs(inServiceTimeoutMs: number): number {
  return 2 * inServiceTimeoutMs;
}

/**
 * The activities for compensation and cleanup: UNDO bounded overall by compensationBoundMs. Runs started
 * before the patch keep retrying without a bound, as their histories did. Call it once, early, at the
 * same point of the workflow every time (it records the patch marker). `patchId`: the patch that brought
 * the bound to this workflow (`bounded-compensation` for deploy, update and canary; the delete pipeline's
 * scaling restore came later, as `delete-bounded-scaling-restore`).
 */
export function undoActivities<A extends object>(
  timeoutMs: number,
  patchId = 'bounded-compensation'
): { undo: wf.ActivityInterfaceFor<A>; boundMs?: number } {
  if (!wf.patched(patchId)) return { undo: wf.proxyActivities<A>(UNDO) };
  const boundMs = compensationBoundMs(timeoutMs);
  return { undo: wf.proxyActivities<A>({ ...UNDO, scheduleToCloseTimeout: boundMs }), boundMs };
}

/** A wait whose attempts are polls, bounded overall by `deadline`. */
export function pollingOptions(poll: ResolvedPollPolicy, deadlineMs: number): ActivityOptions {
  const retry: RetryPolicy = {
    initialInterval: poll.minMs,
    backoffCoefficient: poll.backoff,
    maximumInterval: poll.maxMs,
  };
  // One poll is one DescribeEndpoint call.
  return { startToCloseTimeout: '30s', scheduleToCloseTimeout: deadlineMs, retry };
}
