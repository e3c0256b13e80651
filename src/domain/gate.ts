import type { GateConfig } from './canary/input';
import { SUB_MINUTE_PERIODS_S } from './cloudwatch-periods';
import { parseDuration } from './duration';
import type { VariantMetrics, Verdict } from './canary/status';

export interface GateEvaluation {
  verdict: Verdict;
  reasons: string[];
}

export function errorRate(m: VariantMetrics): number {
  return m.invocations > 0 ? m.errors5xx / m.invocations : 0;
}

/**
 * Judges a canary against the baseline variant over the same window. Absolute limits always apply;
 * comparisons with the baseline apply while the baseline still takes traffic (not at 100%). Too few
 * canary invocations make the verdict inconclusive unless a limit is already broken.
 */
export function evaluateGate(baseline: VariantMetrics, canary: VariantMetrics, gate: GateConfig, alarmsInAlarm: string[] = []): GateEvaluation {
  const failures: string[] = [];
  const pct = (r: number) => `${(r * 100).toFixed(2)}%`;
  const canaryRate = errorRate(canary);
  const enoughCanary = canary.invocations >= gate.minInvocations;
  const enoughBaseline = baseline.invocations >= gate.minInvocations;

  for (const alarm of alarmsInAlarm) failures.push(`alarm ${alarm} is in ALARM`);
  if (canary.invocations > 0 && canaryRate > gate.maxErrorRate) {
    failures.push(`canary 5xx rate ${pct(canaryRate)} is above the limit ${pct(gate.maxErrorRate)}`);
  }
  if (gate.maxP99LatencyMs !== undefined && canary.p99LatencyMs !== undefined && canary.p99LatencyMs > gate.maxP99LatencyMs) {
    failures.push(`canary p99 latency ${canary.p99LatencyMs.toFixed(1)}ms is above the limit ${gate.maxP99LatencyMs}ms`);
  }
  if (enoughCanary && enoughBaseline) {
    const baseRate = errorRate(baseline);
    if (canaryRate - baseRate > gate.maxErrorRateIncrease) {
      failures.push(`canary 5xx rate ${pct(canaryRate)} exceeds the baseline's ${pct(baseRate)} by more than ${pct(gate.maxErrorRateIncrease)}`);
    }
    if (canary.p99LatencyMs !== undefined && baseline.p99LatencyMs !== undefined && canary.p99LatencyMs > baseline.p99LatencyMs * gate.maxLatencyRatio) {
      failures.push(
        `canary p99 latency ${canary.p99LatencyMs.toFixed(1)}ms is more than ${gate.maxLatencyRatio}x the baseline's ${baseline.p99LatencyMs.toFixed(1)}ms`,
      );
    }
  }
  // Fail closed: a variant that served requests but has no p99 datapoints cannot be judged on latency
  // (the metric is late or missing), so the verdict can be no better than inconclusive.
  const missingLatency: string[] = [];
  if (canary.invocations > 0 && canary.p99LatencyMs === undefined)
    missingLatency.push(`no p99 ModelLatency datapoints for the canary over ${canary.invocations} invocations`);
  if (enoughCanary && enoughBaseline && baseline.p99LatencyMs === undefined)
    missingLatency.push(`no p99 ModelLatency datapoints for the baseline over ${baseline.invocations} invocations`);
  // Failures stand even on little traffic: a canary failing 50% of 20 requests is not healthy.
  if (failures.length && (enoughCanary || alarmsInAlarm.length || canary.errors5xx >= Math.min(10, gate.minInvocations))) {
    return { verdict: 'fail', reasons: failures };
  }
  if (!enoughCanary) {
    return {
      verdict: 'inconclusive',
      reasons: [`only ${canary.invocations} canary invocations in the window; ${gate.minInvocations} needed`, ...missingLatency, ...failures],
    };
  }
  if (missingLatency.length) return { verdict: 'inconclusive', reasons: [...missingLatency, ...failures] };
  return {
    verdict: 'pass',
    reasons: [`canary 5xx ${pct(canaryRate)}, p99 ${canary.p99LatencyMs?.toFixed(1) ?? '-'}ms over ${canary.invocations} invocations`],
  };
}

/** The gate's ingestion delay in ms: as configured, else two metric periods. */
export function ingestionDelayMs(gate: GateConfig): number {
  return gate.ingestionDelay !== undefined ? parseDuration(gate.ingestionDelay) : 2 * parseDuration(gate.metricPeriod);
}

/** Where GetMetricData puts StartTime for this period: the whole minute, or a 1/5/10/20/30-second division. */
function startAlignmentMs(periodMs: number): number {
  return periodMs >= 60_000 || !SUB_MINUTE_PERIODS_S.includes(periodMs / 1000) ? 60_000 : periodMs;
}

/** The judged window's start: the first StartTime boundary at or after the weight took effect. */
function windowStart(evidenceStart: number, gate: GateConfig): number {
  const alignMs = startAlignmentMs(parseDuration(gate.metricPeriod));
  return Math.ceil(evidenceStart / alignMs) * alignMs;
}

/**
 * The window a gate judges: from the first moment of evidence at this weight (after the weight took
 * effect) to no later than `now` minus the ingestion delay, in whole metric periods.
 * - Start: GetMetricData rounds StartTime down (less than 15 days ago: to the whole minute; with a Period
 *   of 5, 10, 20 or 30 s: to such a division of the minute), which would pull in datapoints from before
 *   the weight took effect, so the start is rounded UP to that boundary here.
 * - End: `now` minus the ingestion delay, rounded DOWN to a whole number of periods from the start. A
 *   datapoint is stamped with the start of its period and aggregates the whole period, so a window ending
 *   mid-period would read up to one period past that point: data not yet ingested, judged as missing or
 *   partial. EndTime is exclusive, and AWS advises StartTime and EndTime aligned with the Period.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
 * Returns undefined when not one whole period has been ingested yet (the verdict is then inconclusive).
 * `wholePeriods: false` is the window of runs recorded before patch 'gate-window-whole-periods' (the end
 * not rounded, any length above zero).
 */
export function judgedWindow(
  evidenceStart: number,
  now: number,
  gate: GateConfig,
  o: { wholePeriods?: boolean } = {},
): { start: number; end: number } | undefined {
  const periodMs = parseDuration(gate.metricPeriod);
  const start = windowStart(evidenceStart, gate);
  const ingested = now - ingestionDelayMs(gate);
  if (o.wholePeriods === false) return ingested > start ? { start, end: ingested } : undefined;
  const end = start + Math.floor((ingested - start) / periodMs) * periodMs;
  return end - start >= periodMs ? { start, end } : undefined;
}

/**
 * The earliest moment judgedWindow gives a window of one whole period: the first period after the
 * boundary that starts the window, plus the ingestion delay.
 */
export function firstWholeWindowAt(evidenceStart: number, gate: GateConfig): number {
  return windowStart(evidenceStart, gate) + parseDuration(gate.metricPeriod) + ingestionDelayMs(gate);
}
