// In-memory CloudWatch metric store for the emulator.
//
// Raw samples are kept (not pre-aggregated) so that every statistic, percentiles included, is
// exact for any period the caller asks for. Memory stays bounded by a retention window and a
// per-series cap; both drop the oldest samples first.

import type { EmulatorState } from './state';

/** A CloudWatch dimension, spelled as on the wire. */
export interface Dimension {
  Name: string;
  Value: string;
}

/** Identity of a metric: CloudWatch matches all dimensions exactly, order does not matter. */
export interface MetricIdentity {
  namespace: string;
  metricName: string;
  dimensions: readonly Dimension[];
}

/** The statistics the emulator computes. Percentiles are written `p50`, `p99`, `p99.9`. */
export type Statistic = 'Sum' | 'Average' | 'SampleCount' | 'Minimum' | 'Maximum' | `p${string}`;

export const SAGEMAKER_NAMESPACE = 'AWS/SageMaker';

/** The per-variant invocation metrics SageMaker publishes (namespace AWS/SageMaker). */
export const InvocationMetric = {
  Invocations: 'Invocations',
  Invocation4XXErrors: 'Invocation4XXErrors',
  Invocation5XXErrors: 'Invocation5XXErrors',
  InvocationsPerInstance: 'InvocationsPerInstance',
  ModelLatency: 'ModelLatency',
  OverheadLatency: 'OverheadLatency',
} as const;
export type InvocationMetric = (typeof InvocationMetric)[keyof typeof InvocationMetric];

/** One served (or failed) InvokeEndpoint request, as the runtime reports it. */
export interface InvocationRecord {
  endpointName: string;
  variantName: string;
  /** Epoch milliseconds at which the request was served. */
  timestampMs: number;
  /** Instances of the variant at that moment; InvocationsPerInstance publishes 1/instanceCount. */
  instanceCount: number;
  /** Status the model returned: 2xx, 4xx or 5xx. */
  modelStatus: number;
  /** Time inside the container, in microseconds. */
  modelLatencyUs: number;
  /** SageMaker's own overhead, in microseconds. */
  overheadLatencyUs: number;
}

export interface MetricsStoreOptions {
  /** Samples older than this are dropped. Default 3 hours (10,800,000 ms). */
  retentionMs?: number;
  /** At most this many samples per series; the oldest go first. Default 200,000. */
  maxSamplesPerSeries?: number;
  /**
   * Samples become visible to queries this long after their timestamp, imitating CloudWatch's
   * publication delay. Default 0 (visible at once).
   */
  ingestionDelayMs?: number;
}

export interface MetricQuery extends MetricIdentity {
  stat: Statistic;
  /** Bucket width in seconds (any value >= 1; see docs/emulator.md for this deviation). */
  periodSeconds: number;
  /** Inclusive, epoch ms. Buckets are aligned to it. */
  startMs: number;
  /** Exclusive, epoch ms. */
  endMs: number;
  /** When given, only samples stored with this unit count. */
  unit?: string;
  /** Overrides the store's ingestion delay for this query (the emulator's `metricsIngestionDelayMs` setting). */
  ingestionDelayMs?: number;
  /** Query time, used to apply the ingestion delay. */
  nowMs: number;
}

/** Aggregated points, oldest first. Buckets without samples are absent (no zero fill). */
export interface MetricSeriesResult {
  timestampsMs: number[];
  values: number[];
}

export const DEFAULT_RETENTION_MS = 3 * 60 * 60 * 1000;
export const DEFAULT_MAX_SAMPLES_PER_SERIES = 200_000;

/** Parses `pNN`, `pNN.NN` (up to 10 decimals) into a percentile in [0, 100], else undefined. */
export function parsePercentile(stat: string): number | undefined {
  const m = /^p(\d{1,3}(?:\.\d{1,10})?)$/.exec(stat);
  if (!m) return undefined;
  const p = Number(m[1]);
  return p >= 0 && p <= 100 ? p : undefined;
}

export function isSupportedStatistic(stat: string): stat is Statistic {
  return stat === 'Sum' || stat === 'Average' || stat === 'SampleCount' || stat === 'Minimum' || stat === 'Maximum' || parsePercentile(stat) !== undefined;
}

/**
 * Computes one statistic over a non-empty list of values. Percentiles use the nearest-rank
 * definition on raw samples: p95 is the smallest value with at least 95% of samples <= it.
 */
export function computeStatistic(stat: Statistic, values: readonly number[]): number {
  switch (stat) {
    case 'SampleCount':
      return values.length;
    case 'Sum':
      return sum(values);
    case 'Average':
      return sum(values) / values.length;
    case 'Minimum':
      return values.reduce((a, b) => (b < a ? b : a), Infinity);
    case 'Maximum':
      return values.reduce((a, b) => (b > a ? b : a), -Infinity);
    default: {
      const p = parsePercentile(stat);
      if (p === undefined) throw new Error(`unsupported statistic ${stat}`);
      const sorted = [...values].sort((a, b) => a - b);
      const rank = Math.ceil((p / 100) * sorted.length);
      return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
    }
  }
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** Samples of one (metric, dimensions, unit), ordered by time. */
class Series {
  // Plain number arrays stay unboxed doubles in V8; `head` marks the logical start so dropping
  // old samples is O(1) until a compaction.
  private times: number[] = [];
  private values: number[] = [];
  private head = 0;

  constructor(
    readonly identity: MetricIdentity,
    readonly unit: string,
  ) {}

  get size(): number {
    return this.times.length - this.head;
  }

  get newestMs(): number | undefined {
    return this.size > 0 ? this.times[this.times.length - 1] : undefined;
  }

  add(timestampMs: number, value: number): void {
    const last = this.times.length > this.head ? this.times[this.times.length - 1]! : -Infinity;
    if (timestampMs >= last) {
      this.times.push(timestampMs);
      this.values.push(value);
      return;
    }
    // Out-of-order samples (PutMetricData with an older Timestamp) keep the order by insertion.
    const i = this.lowerBound(timestampMs, true);
    this.times.splice(i, 0, timestampMs);
    this.values.splice(i, 0, value);
  }

  prune(oldestKeptMs: number, maxSamples: number): void {
    let head = this.lowerBound(oldestKeptMs);
    head = Math.max(head, this.times.length - maxSamples);
    this.head = head;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.values = this.values.slice(this.head);
      this.head = 0;
    }
  }

  /** Calls `visit` for every sample with startMs <= t < endMs, in time order. */
  scan(startMs: number, endMs: number, visit: (t: number, v: number) => void): void {
    for (let i = this.lowerBound(startMs); i < this.times.length; i++) {
      const t = this.times[i]!;
      if (t >= endMs) break;
      visit(t, this.values[i]!);
    }
  }

  /** First index (>= head) whose time is >= t (or > t when `after`). */
  private lowerBound(t: number, after = false): number {
    let lo = this.head;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const x = this.times[mid]!;
      if (x < t || (after && x === t)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function identityKey(id: MetricIdentity): string {
  const dims = [...id.dimensions].map((d) => [d.Name, d.Value] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return JSON.stringify([id.namespace, id.metricName, dims]);
}

export class MetricsStore {
  private readonly retentionMs: number;
  private readonly maxSamples: number;
  private readonly ingestionDelayMs: number;
  // identity key -> unit -> series
  private readonly series = new Map<string, Map<string, Series>>();

  constructor(options: MetricsStoreOptions = {}) {
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.maxSamples = options.maxSamplesPerSeries ?? DEFAULT_MAX_SAMPLES_PER_SERIES;
    this.ingestionDelayMs = options.ingestionDelayMs ?? 0;
  }

  /** Stores one raw sample. `unit` defaults to `None`, as in CloudWatch. */
  put(identity: MetricIdentity, value: number, timestampMs: number, unit = 'None'): void {
    const key = identityKey(identity);
    let byUnit = this.series.get(key);
    if (!byUnit) {
      byUnit = new Map();
      this.series.set(key, byUnit);
    }
    let s = byUnit.get(unit);
    if (!s) {
      const copy: MetricIdentity = {
        namespace: identity.namespace,
        metricName: identity.metricName,
        dimensions: identity.dimensions.map((d) => ({ Name: d.Name, Value: d.Value })),
      };
      s = new Series(copy, unit);
      byUnit.set(unit, s);
    }
    s.add(timestampMs, value);
    s.prune((s.newestMs ?? timestampMs) - this.retentionMs, this.maxSamples);
  }

  /**
   * Publishes what SageMaker publishes for one InvokeEndpoint request: one sample of each
   * invocation metric, dimensions EndpointName + VariantName.
   */
  recordInvocation(r: InvocationRecord): void {
    const dimensions: Dimension[] = [
      { Name: 'EndpointName', Value: r.endpointName },
      { Name: 'VariantName', Value: r.variantName },
    ];
    const put = (metricName: InvocationMetric, value: number, unit = 'None') =>
      this.put({ namespace: SAGEMAKER_NAMESPACE, metricName, dimensions }, value, r.timestampMs, unit);
    const status = r.modelStatus;
    put(InvocationMetric.Invocations, 1);
    put(InvocationMetric.Invocation4XXErrors, status >= 400 && status < 500 ? 1 : 0);
    put(InvocationMetric.Invocation5XXErrors, status >= 500 ? 1 : 0);
    put(InvocationMetric.InvocationsPerInstance, 1 / Math.max(1, r.instanceCount));
    put(InvocationMetric.ModelLatency, r.modelLatencyUs, 'Microseconds');
    put(InvocationMetric.OverheadLatency, r.overheadLatencyUs, 'Microseconds');
  }

  /**
   * Aggregates one metric into buckets of `periodSeconds` starting at `startMs`. Buckets with no
   * samples produce no point (CloudWatch never zero-fills). A `unit` that matches no stored
   * sample returns nothing, as CloudWatch does.
   */
  query(q: MetricQuery): MetricSeriesResult {
    const byUnit = this.series.get(identityKey(q));
    if (!byUnit) return { timestampsMs: [], values: [] };
    const periodMs = q.periodSeconds * 1000;
    const visibleEndMs = Math.min(q.endMs, q.nowMs - (q.ingestionDelayMs ?? this.ingestionDelayMs) + 1);
    const buckets = new Map<number, number[]>();
    for (const s of byUnit.values()) {
      if (q.unit !== undefined && s.unit !== q.unit) continue;
      s.scan(q.startMs, visibleEndMs, (t, v) => {
        const index = Math.floor((t - q.startMs) / periodMs);
        let bucket = buckets.get(index);
        if (!bucket) {
          bucket = [];
          buckets.set(index, bucket);
        }
        bucket.push(v);
      });
    }
    const indexes = [...buckets.keys()].sort((a, b) => a - b);
    return {
      timestampsMs: indexes.map((i) => q.startMs + i * periodMs),
      values: indexes.map((i) => computeStatistic(q.stat, buckets.get(i)!)),
    };
  }

  /** Units the metric's retained samples were stored with. */
  unitsOf(identity: MetricIdentity): string[] {
    const byUnit = this.series.get(identityKey(identity));
    return byUnit ? [...byUnit.values()].filter((s) => s.size > 0).map((s) => s.unit) : [];
  }

  /**
   * Metrics with at least one retained sample, optionally filtered. A dimension filter without
   * a value matches any value of that dimension name (ListMetrics semantics).
   */
  list(filter: { namespace?: string; metricName?: string; dimensions?: readonly { Name: string; Value?: string }[] }): MetricIdentity[] {
    const out: MetricIdentity[] = [];
    for (const byUnit of this.series.values()) {
      const first = [...byUnit.values()].find((s) => s.size > 0);
      if (!first) continue;
      const id = first.identity;
      if (filter.namespace !== undefined && id.namespace !== filter.namespace) continue;
      if (filter.metricName !== undefined && id.metricName !== filter.metricName) continue;
      const dimsMatch = (filter.dimensions ?? []).every((f) => id.dimensions.some((d) => d.Name === f.Name && (f.Value === undefined || d.Value === f.Value)));
      if (dimsMatch) out.push(id);
    }
    return out;
  }

  /** Drops every sample (tests and the control API use this between scenarios). */
  clear(): void {
    this.series.clear();
  }
}

const STORE_KEY = 'cloudwatch.metrics';

/**
 * The metric store of an emulator state, created on first use. It lives in `state.extensions`,
 * so a state reset also forgets every metric. The runtime (writer) and CloudWatch (reader) get
 * the same store; `options` only matter for the call that creates it.
 */
export function metricsStoreOf(state: EmulatorState, options?: MetricsStoreOptions): MetricsStore {
  let store = state.extensions.get(STORE_KEY);
  if (!(store instanceof MetricsStore)) {
    store = new MetricsStore(options);
    state.extensions.set(STORE_KEY, store);
  }
  return store as MetricsStore;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * StartTime as CloudWatch rounds it: "Start time less than 15 days ago - Round down to the nearest whole
 * minute ... between 15 and 63 days ago - Round down to the nearest 5-minute clock interval ... greater than
 * 63 days ago - Round down to the nearest 1-hour clock interval. If you set Period to 5, 10, 20, or 30, the
 * start time of your request is rounded down to the nearest time that corresponds to even 5-, 10-, 20-, or
 * 30-second divisions of a minute."
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
 */
export function roundStartTime(startMs: number, nowMs: number, periodSeconds: number): number {
  const floorTo = (unitMs: number) => Math.floor(startMs / unitMs) * unitMs;
  if (periodSeconds < 60) {
    // AWS documents 5, 10, 20 and 30. Every other sub-minute Period is accepted only by the emulator
    // (SageMaker's metrics are standard resolution, for which AWS wants multiples of 60:
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricStat.html), and rounds
    // the same way: down to a whole multiple of the Period within the minute. So a gate with second-scale
    // periods must align its window to them, as a real one aligns to the minute.
    const minute = floorTo(MINUTE_MS);
    return minute + Math.floor((startMs - minute) / (periodSeconds * 1000)) * periodSeconds * 1000;
  }
  const age = nowMs - startMs;
  if (age < 15 * DAY_MS) return floorTo(MINUTE_MS);
  if (age <= 63 * DAY_MS) return floorTo(5 * MINUTE_MS);
  return floorTo(60 * MINUTE_MS);
}
