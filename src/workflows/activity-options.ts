import type { ActivityOptions, RetryPolicy } from '@temporalio/common';
import type { ResolvedPollPolicy } from '../domain/polling';

/**
 * Activity options shared by the pipelines. Non-retryable failures (validation, not found, conflicts) are
 * marked by the activities' AWS error interceptor; everything else is retried with backoff.
 */
export const AWS_CALL: ActivityOptions = {
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10 },
};

/** Compensation and rollback steps: retried until they succeed (or hit a non-retryable failure). */
export const UNDO: ActivityOptions = {
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
};

/** A wait whose attempts are polls, bounded overall by `deadline`. */
export function pollingOptions(poll: ResolvedPollPolicy, deadlineMs: number): ActivityOptions {
  const retry: RetryPolicy = {
    initialInterval: poll.minMs,
    backoffCoefficient: poll.backoff,
    maximumInterval: poll.maxMs,
  };
  return { startToCloseTimeout: '1m', scheduleToCloseTimeout: deadlineMs, retry };
}
