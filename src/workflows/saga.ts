import { CancellationScope, log } from '@temporalio/workflow';

/**
 * Compensations registered BEFORE each step runs: an AWS create can succeed even when the activity
 * attempt that sent it timed out, so its undo must run regardless. Undos are idempotent ("…if present").
 */
export class Saga {
  private readonly undos: Array<{ what: string; run: () => Promise<unknown> }> = [];

  add(what: string, run: () => Promise<unknown>): void {
    this.undos.unshift({ what, run });
  }

  /**
   * Runs the undos, newest first, inside a non-cancellable scope so that an abort (workflow cancel) still
   * cleans up. A failing undo is logged and reported, and the others still run.
   */
  async compensate(): Promise<{ done: string[]; failed: string[] }> {
    const done: string[] = [];
    const failed: string[] = [];
    await CancellationScope.nonCancellable(async () => {
      for (const undo of this.undos) {
        try {
          await undo.run();
          done.push(undo.what);
        } catch (err) {
          log.error('compensation failed', { what: undo.what, error: (err as Error).message });
          failed.push(`${undo.what}: ${rootMessage(err)}`);
        }
      }
    });
    return { done, failed };
  }
}

/** The innermost message of a Temporal failure chain (ActivityFailure → ApplicationFailure → …). */
export function rootMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}
