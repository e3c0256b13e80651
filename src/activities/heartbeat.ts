import type { Context } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';

/**
 * Liveness heartbeats for the activities that can run longer than a few seconds (account scans, cleanups,
 * multi-call scaling and registry steps: the ones scheduled with a `heartbeatTimeout`, see
 * src/workflows/activity-options.ts). While such an attempt runs, its worker heartbeats every third of the
 * timeout, so the server notices a dead worker (SIGKILL, lost host) within `heartbeatTimeout` and retries the
 * attempt on another worker, instead of waiting out a start-to-close timeout sized for the slowest scan. An
 * attempt the worker never started (a task lost between the server and the worker) sends no heartbeat and is
 * retried as soon. The first beat comes after a third of the timeout, so a short attempt sends none.
 * Activities without a heartbeat timeout, and local activities (which cannot heartbeat), are left alone.
 */
export class LivenessHeartbeatInterceptor implements ActivityInboundCallsInterceptor {
  constructor(private readonly ctx: Context) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const { heartbeatTimeoutMs, isLocal } = this.ctx.info;
    if (isLocal || !heartbeatTimeoutMs) return next(input);
    const timer = setInterval(() => this.ctx.heartbeat(), Math.max(1000, heartbeatTimeoutMs / 3));
    try {
      return await next(input);
    } finally {
      clearInterval(timer);
    }
  }
}
