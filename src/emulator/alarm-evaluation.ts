// Optional evaluation of metric alarms against the emulator's own metrics, so that an alarm on a
// canary variant's Invocation5XXErrors goes to ALARM by itself when the model misbehaves.
//
// Simplified from CloudWatch: the last EvaluationPeriods windows of Period seconds end at the
// evaluation time (real CloudWatch aligns them to the minute and looks back further for missing
// data). A window is breaching when its statistic compares true against the Threshold. ALARM when
// at least DatapointsToAlarm windows breach; otherwise OK when any window has data; otherwise
// INSUFFICIENT_DATA, or no change with TreatMissingData `ignore`. `breaching`/`notBreaching` count
// empty windows as such. Anomaly-band operators are not evaluated.

import { getMetricData } from './cloudwatch';
import { AwsError } from './errors';
import { metricsStoreOf, type MetricsStore, type MetricsStoreOptions } from './metrics';
import { AlarmStateValue, type AlarmRecord, type EmulatorState } from './state';

export interface AlarmEvaluationOptions {
  /** How often every alarm is evaluated, ms. Default 1000. */
  intervalMs?: number;
}

export const DEFAULT_ALARM_EVALUATION_INTERVAL_MS = 1000;

const COMPARE: Record<string, { test: (v: number, t: number) => boolean; words: string }> = {
  GreaterThanOrEqualToThreshold: { test: (v, t) => v >= t, words: 'greater than or equal to' },
  GreaterThanThreshold: { test: (v, t) => v > t, words: 'greater than' },
  LessThanThreshold: { test: (v, t) => v < t, words: 'less than' },
  LessThanOrEqualToThreshold: { test: (v, t) => v <= t, words: 'less than or equal to' },
};

/** Values of the alarm's metric (or its ReturnData metric-math query) per window, oldest first. */
function windowValues(alarm: AlarmRecord, store: MetricsStore, nowMs: number): (number | undefined)[] | undefined {
  const n = alarm.evaluationPeriods;
  let period = alarm.period;
  let queries: unknown[];
  let resultId: string;
  if (alarm.metrics && alarm.metrics.length > 0) {
    const metrics = alarm.metrics as { Id?: string; ReturnData?: boolean; MetricStat?: { Period?: number } }[];
    const returned = metrics.find((m) => m.ReturnData !== false && m.Id !== undefined) ?? metrics[0];
    period = metrics.find((m) => m.MetricStat?.Period !== undefined)?.MetricStat?.Period;
    if (!returned?.Id || period === undefined) return undefined;
    resultId = returned.Id;
    queries = metrics.map((m) => ({ ...m, ReturnData: m.Id === resultId }));
  } else {
    const stat = alarm.statistic ?? alarm.extendedStatistic;
    if (!alarm.namespace || !alarm.metricName || !stat || period === undefined) return undefined;
    resultId = 'm';
    queries = [
      {
        Id: resultId,
        MetricStat: {
          Metric: { Namespace: alarm.namespace, MetricName: alarm.metricName, Dimensions: alarm.dimensions },
          Period: period,
          Stat: stat,
          ...(alarm.unit !== undefined ? { Unit: alarm.unit } : {}),
        },
      },
    ];
  }
  const startMs = nowMs - n * period * 1000;
  const output = getMetricData(
    { MetricDataQueries: queries, StartTime: startMs / 1000, EndTime: nowMs / 1000, ScanBy: 'TimestampAscending' },
    store,
    nowMs,
  ) as { MetricDataResults: { Id: string; Timestamps: number[]; Values: number[] }[] };
  const result = output.MetricDataResults.find((r) => r.Id === resultId);
  const windows: (number | undefined)[] = Array.from({ length: n }, () => undefined);
  result?.Timestamps.forEach((t, i) => {
    const index = Math.round((t * 1000 - startMs) / (period! * 1000));
    if (index >= 0 && index < n) windows[index] = result.Values[i];
  });
  return windows;
}

function setState(alarm: AlarmRecord, state: AlarmStateValue, reason: string, data: unknown, nowMs: number): boolean {
  if (alarm.stateValue === state) return false;
  alarm.stateValue = state;
  alarm.stateReason = reason;
  alarm.stateReasonData = JSON.stringify(data);
  alarm.stateUpdatedTimestamp = nowMs;
  alarm.stateTransitionedTimestamp = nowMs;
  return true;
}

/** Evaluates one alarm; returns true when its state changed. */
export function evaluateAlarm(alarm: AlarmRecord, store: MetricsStore, nowMs: number): boolean {
  const compare = COMPARE[alarm.comparisonOperator];
  if (!compare || alarm.threshold === undefined) return false;
  let windows: (number | undefined)[] | undefined;
  try {
    windows = windowValues(alarm, store, nowMs);
  } catch (error) {
    // An alarm whose stored definition no longer evaluates (e.g. bad metric math) keeps its state.
    if (error instanceof AwsError) return false;
    throw error;
  }
  if (!windows) return false;
  const threshold = alarm.threshold;
  const treat = alarm.treatMissingData ?? 'missing';
  const breaching = windows.filter((v) => (v === undefined ? treat === 'breaching' : compare.test(v, threshold))).length;
  const present = windows.filter((v) => v !== undefined);
  const needed = alarm.datapointsToAlarm ?? alarm.evaluationPeriods;
  const data = {
    version: '1.0',
    queryDate: new Date(nowMs).toISOString(),
    statistic: alarm.statistic ?? alarm.extendedStatistic,
    period: alarm.period,
    recentDatapoints: present,
    threshold,
  };
  const points = `[${present.join(', ')}]`;
  if (breaching >= needed) {
    return setState(
      alarm,
      AlarmStateValue.ALARM,
      `Threshold Crossed: ${breaching} out of the last ${windows.length} datapoints ${points} ${breaching === 1 ? 'was' : 'were'} ${compare.words} the threshold (${threshold}) (minimum ${needed} datapoint${needed === 1 ? '' : 's'} for OK -> ALARM transition).`,
      data,
      nowMs,
    );
  }
  if (present.length > 0 || treat === 'notBreaching' || treat === 'breaching') {
    return setState(
      alarm,
      AlarmStateValue.OK,
      `Threshold Crossed: ${breaching} out of the last ${windows.length} datapoints ${points} ${breaching === 1 ? 'was' : 'were'} ${compare.words} the threshold (${threshold}) (minimum ${needed} datapoint${needed === 1 ? '' : 's'} for OK -> ALARM transition).`,
      data,
      nowMs,
    );
  }
  if (treat === 'ignore') return false;
  return setState(
    alarm,
    AlarmStateValue.INSUFFICIENT_DATA,
    `Insufficient Data: ${windows.length} datapoint${windows.length === 1 ? ' was' : 's were'} unknown.`,
    data,
    nowMs,
  );
}

/** Evaluates every metric alarm; returns the names whose state changed. */
export function evaluateAlarms(state: EmulatorState, store: MetricsStore, nowMs: number): string[] {
  const changed: string[] = [];
  for (const alarm of state.alarms.values()) if (evaluateAlarm(alarm, store, nowMs)) changed.push(alarm.alarmName);
  return changed;
}

/** Runs `evaluateAlarms` on a timer until stopped. */
export class AlarmEvaluator {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly state: EmulatorState,
    private readonly now: () => number,
    private readonly options: AlarmEvaluationOptions & { metrics?: MetricsStoreOptions } = {},
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.evaluateNow(), this.options.intervalMs ?? DEFAULT_ALARM_EVALUATION_INTERVAL_MS);
    this.timer.unref();
  }

  evaluateNow(): string[] {
    return evaluateAlarms(this.state, metricsStoreOf(this.state, this.options.metrics), this.now());
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
