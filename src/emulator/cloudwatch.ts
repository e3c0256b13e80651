// CloudWatch (AWS JSON 1.0, awsQueryCompatible; x-amz-target GraniteServiceVersion20100801.<Op>):
// the metric reads a canary gate needs (GetMetricData, GetMetricStatistics, ListMetrics), PutMetricData for custom
// metrics, and the alarm operations (cloudwatch-alarms.ts).
//
// Deliberate deviation: sub-minute periods (1, 5, 10, 20, 30 s) are served for every metric, not only
// high-resolution ones, so tests can bake for seconds; any other Period is refused as CloudWatch documents. StartTime
// is rounded down as CloudWatch documents (roundStartTime in metrics.ts; the `roundMetricStartTime`
// setting, on by default), sub-minute periods to whole multiples of the period.

import { alarmOperations } from './cloudwatch-alarms';
import { cloudWatchErrors } from './cloudwatch-errors';
import { MathError, evaluateExpression, parseExpression, referencedIds, type MathNode } from './metric-math';
import {
  isSupportedStatistic,
  metricsStoreOf,
  roundStartTime,
  type Dimension,
  type MetricSeriesResult,
  type MetricsStore,
  type MetricsStoreOptions,
  type Statistic,
} from './metrics';
import type { JsonService, OperationInput, RequestContext } from './service';

export const CLOUDWATCH_TARGET_PREFIX = 'GraniteServiceVersion20100801';

const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;
const MAX_QUERIES = 500;
const DEFAULT_MAX_DATAPOINTS = 100_800;

/** Reads a request timestamp: the SDK sends epoch seconds; numeric and ISO strings are tolerated. */
export function parseTimestampMs(value: unknown, name: string): number {
  if (value === undefined || value === null) throw cloudWatchErrors.missingParameter(`The parameter ${name} is required.`);
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  if (typeof value === 'string') {
    if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
    const parsed = Date.parse(value);
    if (!Number.isNaN(parsed)) return parsed;
  }
  throw cloudWatchErrors.invalidParameterValue(`The parameter ${name} is not a valid timestamp.`);
}

interface MetricStatInput {
  Metric?: { Namespace?: string; MetricName?: string; Dimensions?: Dimension[] };
  Period?: number;
  Stat?: string;
  Unit?: string;
}

interface QueryInput {
  Id?: string;
  MetricStat?: MetricStatInput;
  Expression?: string;
  Label?: string;
  ReturnData?: boolean;
}

type CompiledQuery =
  | { id: string; label: string; returnData: boolean; kind: 'stat'; stat: ValidStat }
  | { id: string; label: string; returnData: boolean; kind: 'expr'; node: MathNode };

/**
 * The periods CloudWatch serves: "1, 5, 10, 20, 30, 60, or any multiple of 60" (sub-minute ones only for
 * high-resolution metrics, which this emulator does not tell apart).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricStat.html
 */
export function isValidPeriod(seconds: number): boolean {
  return [1, 5, 10, 20, 30].includes(seconds) || seconds % 60 === 0;
}

// UNCONFIRMED text: the API reference states the rule, not the error's wording.
const invalidPeriodMessage = (parameter: string, period: number) =>
  `The parameter ${parameter} must be 1, 5, 10, 20, 30, 60 or a multiple of 60 seconds; received ${period}.`;

interface ValidStat {
  namespace: string;
  metricName: string;
  dimensions: Dimension[];
  periodSeconds: number;
  stat: Statistic;
  unit?: string;
}

function compileMetricStat(ms: MetricStatInput, member: string): ValidStat {
  const metric = ms.Metric;
  if (!metric?.Namespace) throw cloudWatchErrors.missingParameter(`The parameter ${member}.Metric.Namespace is required.`);
  if (!metric.MetricName) throw cloudWatchErrors.missingParameter(`The parameter ${member}.Metric.MetricName is required.`);
  const period = ms.Period;
  if (period === undefined) throw cloudWatchErrors.missingParameter(`The parameter ${member}.Period is required.`);
  if (!Number.isInteger(period) || period < 1) {
    throw cloudWatchErrors.invalidParameterValue(`The parameter ${member}.Period must be a whole number of seconds >= 1; received ${String(period)}.`);
  }
  if (!isValidPeriod(period)) throw cloudWatchErrors.invalidParameterValue(invalidPeriodMessage(`${member}.Period`, period));
  const stat = ms.Stat;
  if (!stat) throw cloudWatchErrors.missingParameter(`The parameter ${member}.Stat is required.`);
  if (!isSupportedStatistic(stat)) {
    throw cloudWatchErrors.invalidParameterValue(
      `The value ${stat} for parameter ${member}.Stat is not supported by the emulator; ` +
        'expected Sum, Average, SampleCount, Minimum, Maximum or a percentile such as p99 or p99.9.',
    );
  }
  const dimensions = metric.Dimensions ?? [];
  for (const d of dimensions) {
    if (!d?.Name || d.Value === undefined) {
      throw cloudWatchErrors.invalidParameterValue(`Every dimension of ${member}.Metric needs a Name and a Value.`);
    }
  }
  return {
    namespace: metric.Namespace,
    metricName: metric.MetricName,
    dimensions,
    periodSeconds: period,
    stat,
    ...(ms.Unit !== undefined ? { unit: ms.Unit } : {}),
  };
}

function compileQueries(queries: QueryInput[]): CompiledQuery[] {
  const seen = new Set<string>();
  const compiled = queries.map((q, i): CompiledQuery => {
    const member = `MetricDataQueries.member.${i + 1}`;
    const id = q?.Id;
    if (!id) throw cloudWatchErrors.missingParameter(`The parameter ${member}.Id is required.`);
    if (!QUERY_ID.test(id)) {
      // Text as real CloudWatch reports it.
      throw cloudWatchErrors.validation(`The value ${id} for parameter ${member}.Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$.`);
    }
    if (seen.has(id)) throw cloudWatchErrors.validation('The values for parameter Id in MetricDataQueries are not unique.');
    seen.add(id);
    const returnData = q.ReturnData !== false;
    if ((q.MetricStat === undefined) === (q.Expression === undefined)) {
      throw cloudWatchErrors.invalidParameterCombination(`Exactly one of ${member}.MetricStat and ${member}.Expression must be specified.`);
    }
    if (q.MetricStat !== undefined) {
      const stat = compileMetricStat(q.MetricStat, `${member}.MetricStat`);
      return { id, label: q.Label ?? stat.metricName, returnData, kind: 'stat', stat };
    }
    try {
      return { id, label: q.Label ?? id, returnData, kind: 'expr', node: parseExpression(q.Expression!) };
    } catch (err) {
      if (err instanceof MathError) {
        throw cloudWatchErrors.invalidParameterValue(`Invalid ${member}.Expression: ${err.message}`);
      }
      throw err;
    }
  });
  // Every reference must name another query, and expressions may not form a cycle.
  const byId = new Map(compiled.map((c) => [c.id, c]));
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (c: CompiledQuery) => {
    if (done.has(c.id)) return;
    if (visiting.has(c.id)) throw cloudWatchErrors.invalidParameterValue(`Circular reference through query ${c.id}.`);
    visiting.add(c.id);
    if (c.kind === 'expr') {
      for (const ref of referencedIds(c.node)) {
        const target = byId.get(ref);
        if (!target) throw cloudWatchErrors.invalidParameterValue(`Expression of ${c.id} refers to unknown query id ${ref}.`);
        visit(target);
      }
    }
    visiting.delete(c.id);
    done.add(c.id);
  };
  compiled.forEach(visit);
  return compiled;
}

interface Page {
  results: { Id: string; Label: string; Timestamps: number[]; Values: number[]; StatusCode: string; Messages: [] }[];
  nextToken?: string;
}

function encodeToken(skip: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ skip, fingerprint })).toString('base64');
}

function decodeToken(token: string, fingerprint: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { skip?: unknown; fingerprint?: unknown };
    if (typeof parsed.skip === 'number' && parsed.fingerprint === fingerprint) return parsed.skip;
  } catch {
    // fall through
  }
  throw cloudWatchErrors.invalidNextToken('The NextToken is not valid for this request.');
}

/** GetMetricData: evaluates the queries and pages the returned points by MaxDatapoints. */
export function getMetricData(input: OperationInput, store: MetricsStore, nowMs: number, read: MetricReadSettings = {}): unknown {
  const queries: unknown = input?.MetricDataQueries;
  if (!Array.isArray(queries) || queries.length === 0) {
    throw cloudWatchErrors.missingParameter('The parameter MetricDataQueries is required.');
  }
  if (queries.length > MAX_QUERIES) {
    throw cloudWatchErrors.invalidParameterValue(`At most ${MAX_QUERIES} MetricDataQueries are allowed; received ${queries.length}.`);
  }
  const startMs = parseTimestampMs(input.StartTime, 'StartTime');
  const endMs = parseTimestampMs(input.EndTime, 'EndTime');
  if (startMs >= endMs) {
    throw cloudWatchErrors.invalidParameterValue('The parameter StartTime must be less than the parameter EndTime.');
  }
  const scanBy = input.ScanBy ?? 'TimestampDescending';
  if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') {
    throw cloudWatchErrors.invalidParameterValue(
      `The value ${String(scanBy)} for parameter ScanBy is not valid; expected TimestampDescending or TimestampAscending.`,
    );
  }
  const maxDatapoints = input.MaxDatapoints ?? DEFAULT_MAX_DATAPOINTS;
  if (!Number.isInteger(maxDatapoints) || maxDatapoints < 1) {
    throw cloudWatchErrors.invalidParameterValue(`The parameter MaxDatapoints must be a positive integer; received ${String(maxDatapoints)}.`);
  }
  const compiled = compileQueries(queries as QueryInput[]);

  const cache = new Map<string, MetricSeriesResult>();
  const byId = new Map(compiled.map((c) => [c.id, c]));
  const seriesOf = (id: string): MetricSeriesResult => {
    const cached = cache.get(id);
    if (cached) return cached;
    const c = byId.get(id)!;
    let result: MetricSeriesResult;
    if (c.kind === 'stat') {
      const queryStart = read.roundStartTime ? roundStartTime(startMs, nowMs, c.stat.periodSeconds) : startMs;
      result = store.query({ ...c.stat, startMs: queryStart, endMs, nowMs, ...delayOf(read) });
    } else {
      const value = evaluateExpression(c.node, seriesOf);
      if (typeof value === 'number') {
        throw cloudWatchErrors.invalidParameterValue(`Expression of ${c.id} must refer to at least one query id.`);
      }
      result = value;
    }
    cache.set(id, result);
    return result;
  };

  const fingerprint = JSON.stringify([queries, input.StartTime, input.EndTime, scanBy]);
  const initialSkip = input.NextToken ? decodeToken(String(input.NextToken), fingerprint) : 0;
  let skip = initialSkip;
  let budget = maxDatapoints;
  let remaining = false;
  const page: Page = { results: [] };
  for (const c of compiled) {
    if (!c.returnData) continue;
    const s = seriesOf(c.id);
    const order = s.timestampsMs.map((_, i) => i);
    if (scanBy === 'TimestampDescending') order.reverse();
    const from = Math.min(skip, order.length);
    skip -= from;
    const take = order.slice(from, from + budget);
    budget -= take.length;
    const partial = from + take.length < order.length;
    remaining ||= partial;
    page.results.push({
      Id: c.id,
      Label: c.label,
      Timestamps: take.map((i) => s.timestampsMs[i]! / 1000),
      Values: take.map((i) => s.values[i]!),
      StatusCode: partial ? 'PartialData' : 'Complete',
      Messages: [],
    });
  }
  if (remaining) {
    page.nextToken = encodeToken(initialSkip + (maxDatapoints - budget), fingerprint);
  }
  return {
    MetricDataResults: page.results,
    Messages: [],
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
}

const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;
// GetMetricStatistics' documented cap on points per call.
const MAX_STATISTICS_DATAPOINTS = 1440;

/** GetMetricStatistics: the older single-metric read; points oldest first. */
function getMetricStatistics(input: OperationInput, store: MetricsStore, nowMs: number, read: MetricReadSettings = {}): unknown {
  const namespace: unknown = input?.Namespace;
  const metricName: unknown = input?.MetricName;
  if (typeof namespace !== 'string' || namespace === '') throw cloudWatchErrors.missingParameter('The parameter Namespace is required.');
  if (typeof metricName !== 'string' || metricName === '') throw cloudWatchErrors.missingParameter('The parameter MetricName is required.');
  const startMs = parseTimestampMs(input.StartTime, 'StartTime');
  const endMs = parseTimestampMs(input.EndTime, 'EndTime');
  if (startMs >= endMs) {
    throw cloudWatchErrors.invalidParameterValue('The parameter StartTime must be less than the parameter EndTime.');
  }
  const period = input.Period;
  if (period === undefined) throw cloudWatchErrors.missingParameter('The parameter Period is required.');
  if (!Number.isInteger(period) || period < 1) {
    throw cloudWatchErrors.invalidParameterValue(`The parameter Period must be a whole number of seconds >= 1; received ${String(period)}.`);
  }
  if (!isValidPeriod(period)) throw cloudWatchErrors.invalidParameterValue(invalidPeriodMessage('Period', period));
  const statistics: string[] = Array.isArray(input.Statistics) ? input.Statistics : [];
  const extended: string[] = Array.isArray(input.ExtendedStatistics) ? input.ExtendedStatistics : [];
  // AWS: exactly one of Statistics and ExtendedStatistics.
  if ((statistics.length === 0) === (extended.length === 0)) {
    throw cloudWatchErrors.invalidParameterCombination('You must specify either Statistics or ExtendedStatistics, but not both.');
  }
  for (const s of statistics) {
    if (!(STATISTICS as readonly string[]).includes(s)) {
      throw cloudWatchErrors.invalidParameterValue(`The value ${s} for parameter Statistics is not valid; expected ${STATISTICS.join(', ')}.`);
    }
  }
  for (const s of extended) {
    if (!s.startsWith('p') || !isSupportedStatistic(s)) {
      throw cloudWatchErrors.invalidParameterValue(
        `The value ${s} for parameter ExtendedStatistics is not supported by the emulator; expected a percentile such as p99.`,
      );
    }
  }
  const requested = Math.ceil((endMs - startMs) / (period * 1000));
  if (requested > MAX_STATISTICS_DATAPOINTS) {
    // Text as real CloudWatch reports it.
    throw cloudWatchErrors.invalidParameterCombination(
      `You have requested up to ${requested} datapoints, which exceeds the limit of ${MAX_STATISTICS_DATAPOINTS}. ` +
        'You may reduce the datapoints requested by increasing Period, or decreasing the time range.',
    );
  }
  const identity = { namespace, metricName, dimensions: (input.Dimensions ?? []) as Dimension[] };
  const unit: string | undefined = input.Unit;
  const units = store.unitsOf(identity);
  const reportedUnit = unit ?? (units.length === 1 ? units[0]! : 'None');
  const points = new Map<number, Record<string, unknown>>();
  for (const stat of [...statistics, ...extended]) {
    const queryStart = read.roundStartTime ? roundStartTime(startMs, nowMs, period) : startMs;
    const r = store.query({
      ...identity,
      stat: stat as Statistic,
      periodSeconds: period,
      startMs: queryStart,
      endMs,
      nowMs,
      ...delayOf(read),
      ...(unit !== undefined ? { unit } : {}),
    });
    r.timestampsMs.forEach((t, i) => {
      let point = points.get(t);
      if (!point) {
        point = { Timestamp: t / 1000, Unit: reportedUnit };
        points.set(t, point);
      }
      if (stat.startsWith('p')) point['ExtendedStatistics'] = { ...(point['ExtendedStatistics'] as object | undefined), [stat]: r.values[i] };
      else point[stat] = r.values[i];
    });
  }
  return { Label: metricName, Datapoints: [...points.keys()].sort((a, b) => a - b).map((t) => points.get(t)) };
}

/** ListMetrics: metrics with retained samples (real CloudWatch keeps them listed for two weeks). */
function listMetrics(input: OperationInput, store: MetricsStore): unknown {
  const dims: unknown = input?.Dimensions;
  if (dims !== undefined && !Array.isArray(dims)) {
    throw cloudWatchErrors.invalidParameterValue('The parameter Dimensions must be a list.');
  }
  const metrics = store.list({
    namespace: input?.Namespace,
    metricName: input?.MetricName,
    dimensions: (dims as { Name: string; Value?: string }[] | undefined) ?? [],
  });
  return {
    Metrics: metrics.map((m) => ({ Namespace: m.namespace, MetricName: m.metricName, Dimensions: m.dimensions })),
  };
}

/** PutMetricData: Value, or Values with optional Counts, per datum. Statistic sets are rejected. */
function putMetricData(input: OperationInput, store: MetricsStore, nowMs: number): unknown {
  const namespace: unknown = input?.Namespace;
  if (typeof namespace !== 'string' || namespace === '') throw cloudWatchErrors.missingParameter('The parameter Namespace is required.');
  if (namespace.startsWith('AWS/')) {
    throw cloudWatchErrors.invalidParameterValue(`The value ${namespace} for parameter Namespace is invalid: the AWS/ prefix is reserved.`);
  }
  const data: unknown = input.MetricData;
  if (!Array.isArray(data) || data.length === 0) throw cloudWatchErrors.missingParameter('The parameter MetricData is required.');
  data.forEach((d: OperationInput, i: number) => {
    const member = `MetricData.member.${i + 1}`;
    if (!d?.MetricName) throw cloudWatchErrors.missingParameter(`The parameter ${member}.MetricName is required.`);
    if (d.StatisticValues !== undefined) {
      throw cloudWatchErrors.invalidParameterValue(`${member}.StatisticValues is not supported by the emulator; send raw Values.`);
    }
    const identity = { namespace, metricName: String(d.MetricName), dimensions: (d.Dimensions ?? []) as Dimension[] };
    const t = d.Timestamp !== undefined ? parseTimestampMs(d.Timestamp, `${member}.Timestamp`) : nowMs;
    const unit = d.Unit ?? 'None';
    if (d.Value !== undefined) store.put(identity, Number(d.Value), t, unit);
    const values: unknown[] = Array.isArray(d.Values) ? d.Values : [];
    const counts: unknown[] = Array.isArray(d.Counts) ? d.Counts : [];
    values.forEach((v, j) => {
      const n = counts[j] === undefined ? 1 : Number(counts[j]);
      for (let k = 0; k < n; k++) store.put(identity, Number(v), t, unit);
    });
  });
  return {};
}

export interface CloudWatchServiceOptions {
  /** Retention, per-series cap and ingestion delay of the metric store. Defaults: see MetricsStoreOptions. */
  metrics?: MetricsStoreOptions;
}

/** The emulator settings that shape metric reads (rounding of StartTime, ingestion delay). */
export interface MetricReadSettings {
  roundStartTime?: boolean;
  ingestionDelayMs?: number;
}

function readSettings(ctx: RequestContext): MetricReadSettings {
  // ctx.settings is absent only when the service runs outside startEmulator (unit tests of the service).
  const settings = ctx.settings as RequestContext['settings'] | undefined;
  return settings ? { roundStartTime: settings.roundMetricStartTime, ingestionDelayMs: settings.metricsIngestionDelayMs } : {};
}

function delayOf(read: MetricReadSettings): { ingestionDelayMs?: number } {
  return read.ingestionDelayMs !== undefined ? { ingestionDelayMs: read.ingestionDelayMs } : {};
}

export function createCloudWatchService(options: CloudWatchServiceOptions = {}): JsonService {
  const store = (ctx: RequestContext) => metricsStoreOf(ctx.state, options.metrics);
  return {
    targetPrefix: CLOUDWATCH_TARGET_PREFIX,
    contentType: 'application/x-amz-json-1.0',
    queryCompatible: true,
    model: 'cloudwatch',
    operations: {
      GetMetricData: (input, ctx) => getMetricData(input, store(ctx), ctx.now(), readSettings(ctx)),
      GetMetricStatistics: (input, ctx) => getMetricStatistics(input, store(ctx), ctx.now(), readSettings(ctx)),
      ListMetrics: (input, ctx) => listMetrics(input, store(ctx)),
      PutMetricData: (input, ctx) => putMetricData(input, store(ctx), ctx.now()),
      ...alarmOperations,
    },
  };
}
