import { isCancellation, patched } from '@temporalio/workflow';

/**
 * Whether a pipeline that failed with `err` ends as `Cancelled` (after its compensation) rather than as
 * failed: the run was cancelled (`temporal workflow cancel`, a client's cancel). Runs that started before
 * this rule reported a cancel as their pipeline's failure type; the patch keeps their replay as it was.
 */
export function reportsCancelled(err: unknown): boolean {
  return isCancellation(err) && patched('cancelled-reports-cancelled');
}
