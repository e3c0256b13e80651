import { CancellationScope, log } from '@temporalio/workflow';
import { FAILURE } from '../domain/failures';

/** What an undo returns when it did not touch the resource because this run does not own it. */
export interface LeftAlone {
  leftAlone: string;
}

function isLeftAlone(r: unknown): r is LeftAlone {
  return typeof r === 'object' && r !== null && typeof (r as LeftAlone).leftAlone === 'string';
}

/** What compensation did: undos that ran, undos that failed, and changes by another actor it left alone. */
export interface Compensation {
  done: string[];
  failed: string[];
  /** Undos that found the endpoint changed by someone else (ConcurrentChange) and left it so. */
  concurrent: string[];
}

/**
 * Compensations registered BEFORE each step runs: an AWS create can succeed even when the activity
 * attempt that sent it timed out, so its undo must run regardless. Undos are idempotent ("…if present").
 */
export class Saga {
  private readonly undos: Array<{ what: string; run: () => Promise<unknown>; movesEndpoint: boolean }> = [];

  /**
   * `movesEndpoint`: the undo changes the endpoint itself (its config, weights or counts). Once an undo has
   * found another actor's change (ConcurrentChange), such undos are skipped: that change is left alone.
   */
  add(what: string, run: () => Promise<unknown>, o: { movesEndpoint?: boolean } = {}): void {
    this.undos.unshift({ what, run, movesEndpoint: o.movesEndpoint ?? false });
  }

  /** Like `add`, but undone after every other step, whenever it is added (e.g. a setting restored once all else is back). */
  addLast(what: string, run: () => Promise<unknown>, o: { movesEndpoint?: boolean } = {}): void {
    this.undos.push({ what, run, movesEndpoint: o.movesEndpoint ?? false });
  }

  /**
   * Runs the undos, newest first, inside a non-cancellable scope so that an abort (workflow cancel) still
   * cleans up. A failing undo is logged and reported, and the others still run (each delete checks for
   * itself that the endpoint no longer uses what it removes, so a failed restore stops those deletions).
   */
  async compensate(): Promise<Compensation> {
    const done: string[] = [];
    const failed: string[] = [];
    const concurrent: string[] = [];
    await CancellationScope.nonCancellable(async () => {
      for (const undo of this.undos) {
        if (undo.movesEndpoint && concurrent.length) {
          done.push(`${undo.what}: skipped, another actor changed the endpoint`);
          continue;
        }
        try {
          const result = await undo.run();
          // An undo that finds the resource is not this run's (ownership tags) leaves it and says so.
          done.push(isLeftAlone(result) ? `${undo.what}: left alone, ${result.leftAlone}` : undo.what);
        } catch (err) {
          log.error('compensation failed', { what: undo.what, error: (err as Error).message });
          if (rootType(err) === FAILURE.ConcurrentChange) concurrent.push(`${undo.what}: ${rootMessage(err)}`);
          else failed.push(`${undo.what}: ${rootMessage(err)}`);
        }
      }
    });
    return { done, failed, concurrent };
  }
}

/** The innermost message of a Temporal failure chain (ActivityFailure → ApplicationFailure → …). */
export function rootMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}

/** The innermost failure type in a Temporal failure chain (an ApplicationFailure's `type`), if any. */
export function rootType(err: unknown): string | undefined {
  let type: string | undefined;
  for (let e = err as { type?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.type === 'string') type = e.type;
  }
  return type;
}
