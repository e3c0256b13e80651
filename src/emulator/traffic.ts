// In-process traffic generator: invokes endpoints at a steady rate so that canary gates and the
// demo read real per-variant metrics. It calls the same `invokeEndpoint` as the HTTP runtime
// (without waiting out the model latency: nobody reads its answers), so the metrics are identical.
// An endpoint that does not serve yet (missing, Creating) is simply skipped until it does.

import { AwsError } from './errors';
import type { InvocationInput } from './runtime';

export interface TrafficSpec {
  endpointName: string;
  /** Requests per second, > 0. */
  rps: number;
  /** Send every request to this variant (X-Amzn-SageMaker-Target-Variant). Default: weighted routing. */
  targetVariant?: string;
  /** Request body; objects are sent as JSON. Default `{"instances":[[1,2,3,4]]}`. */
  payload?: string | Record<string, unknown> | unknown[];
}

export interface TrafficStatus extends TrafficSpec {
  /** Epoch ms when this generator started. */
  startedAt: number;
  /** Requests sent so far. */
  sent: number;
  /** Answered with 200. */
  ok: number;
  /** Answered with ModelError (the model's 4xx/5xx). */
  modelErrors: number;
  /** Refused before reaching a model (endpoint missing or not serving yet, unknown variant). */
  rejected: number;
}

export type Invoke = (input: InvocationInput) => Promise<unknown>;

export const DEFAULT_TRAFFIC_PAYLOAD = { instances: [[1, 2, 3, 4]] };
/** Timer period. Requests due in a tick are sent together; the rate is exact over time. */
const TICK_MS = 50;
/** After a stalled event loop, send at most one second of backlog at once. */
const MAX_BACKLOG_SECONDS = 1;

interface Running {
  status: TrafficStatus;
  body: Buffer;
  timer: NodeJS.Timeout;
  /** Monotonic start, for pacing (independent of the emulator's possibly fake clock). */
  startedMono: number;
  /** Requests counted as due so far (sent, or skipped as backlog). */
  due: number;
}

/** Validates a spec at the boundary; throws an Error naming what was wrong. */
export function validateTrafficSpec(value: unknown): TrafficSpec {
  const spec = value as Partial<TrafficSpec> | undefined;
  if (!spec || typeof spec !== 'object') throw new Error('expected {endpointName, rps[, targetVariant, payload]}');
  if (typeof spec.endpointName !== 'string' || spec.endpointName === '') {
    throw new Error(`traffic endpointName must be a non-empty string; received ${JSON.stringify(spec.endpointName)}`);
  }
  if (typeof spec.rps !== 'number' || !(spec.rps > 0) || !Number.isFinite(spec.rps)) {
    throw new Error(`traffic rps must be a number > 0; received ${JSON.stringify(spec.rps)}`);
  }
  if (spec.targetVariant !== undefined && typeof spec.targetVariant !== 'string') {
    throw new Error('traffic targetVariant must be a string');
  }
  return {
    endpointName: spec.endpointName,
    rps: spec.rps,
    ...(spec.targetVariant !== undefined ? { targetVariant: spec.targetVariant } : {}),
    ...(spec.payload !== undefined ? { payload: spec.payload } : {}),
  };
}

export class TrafficGenerator {
  private readonly running = new Map<string, Running>();

  /**
   * @param invoke the invocation function (the emulator passes `invokeEndpoint` bound to its state).
   * @param now    clock for `startedAt`, epoch ms. Default `Date.now`.
   */
  constructor(
    private readonly invoke: Invoke,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts (or replaces) the generator of `spec.endpointName`. */
  start(spec: TrafficSpec): TrafficStatus {
    const valid = validateTrafficSpec(spec);
    this.stop(valid.endpointName);
    const payload = valid.payload ?? DEFAULT_TRAFFIC_PAYLOAD;
    const body = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
    const entry: Running = {
      status: { ...valid, startedAt: this.now(), sent: 0, ok: 0, modelErrors: 0, rejected: 0 },
      body,
      startedMono: performance.now(),
      due: 0,
      timer: setInterval(() => this.tick(entry), TICK_MS),
    };
    // The emulator's server keeps the process alive; traffic alone must not.
    entry.timer.unref();
    this.running.set(valid.endpointName, entry);
    return { ...entry.status };
  }

  /** Stops the generator of one endpoint; returns whether one was running. */
  stop(endpointName: string): boolean {
    const entry = this.running.get(endpointName);
    if (!entry) return false;
    clearInterval(entry.timer);
    this.running.delete(endpointName);
    return true;
  }

  stopAll(): void {
    for (const name of [...this.running.keys()]) this.stop(name);
  }

  /** Running generators with their counters. */
  status(): TrafficStatus[] {
    return [...this.running.values()].map((e) => ({ ...e.status }));
  }

  private tick(entry: Running): void {
    const { status } = entry;
    const shouldHaveSent = Math.floor(((performance.now() - entry.startedMono) / 1000) * status.rps);
    let count = shouldHaveSent - entry.due;
    entry.due = shouldHaveSent;
    count = Math.min(count, Math.ceil(status.rps * MAX_BACKLOG_SECONDS));
    for (let i = 0; i < count; i++) {
      status.sent++;
      const input: InvocationInput = {
        endpointName: status.endpointName,
        body: entry.body,
        ...(status.targetVariant !== undefined ? { targetVariant: status.targetVariant } : {}),
      };
      this.invoke(input).then(
        () => {
          status.ok++;
        },
        (error: unknown) => {
          if (error instanceof AwsError && error.code === 'ModelError') status.modelErrors++;
          else status.rejected++;
        },
      );
    }
  }
}
