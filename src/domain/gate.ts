import type { GateConfig } from './canary/input';
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
export function evaluateGate(
  baseline: VariantMetrics,
  canary: VariantMetrics,
  gate: GateConfig,
  alarmsInAlarm: string[] = []
): GateEvaluation {
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
        `canary p99 latency ${canary.p99LatencyMs.toFixed(1)}ms is more than ${gate.maxLatencyRatio}x the baseline's ${baseline.p99LatencyMs.toFixed(1)}ms`
      );
    }
  }
  // Fail closed: a variant that served requests but has no p99 datapoints cannot be judged on latency
  // (the metric is late or missing), so the verdict can be no better than inconclusive.
  const missingLatency: string[] = [];
  if (canary.invocations > 0 && canary.p99LatencyMs === undefined) missingLatency.push(`no p99 ModelLatency datapoints for the canary over ${canary.invocations} invocations`);
  if (enoughCanary && enoughBaseline && baseline.p99LatencyMs === undefined) missingLatency.push(`no p99 ModelLatency datapoints for the baseline over ${baseline.invocations} invocations`);
  // Failures stand even on little traffic: a canary failing 50% of 20 requests is not healthy.
  if (failures.length && (enoughCanary || alarmsInAlarm.length || canary.errors5xx >= Math.min(10, gate.minInvocations))) {
    return { verdict: 'fail', reasons: failures };
  }
  if (!enoughCanary) {
    return { verdict: 'inconclusive', reasons: [`only ${canary.invocations} canary invocations in the window; ${gate.minInvocations} needed`, ...missingLatency, ...failures] };
  }
  if (missingLatency.length) return { verdict: 'inconclusive', reasons: [...missingLatency, ...failures] };
  return { verdict: 'pass', reasons: [`canary 5xx ${pct(canaryRate)}, p99 ${canary.p99LatencyMs?.toFixed(1) ?? '-'}ms over ${canary.invocations} invocations`] };
}

/** The gate's ingestion delay in ms: as configured, else two metric periods. */
export function ingestionDelayMs(gate: GateConfig): number {
  return gate.ingestionDelay !== undefined ? parseDuration(gate.ingestionDelay) : 2 * parseDuration(gate.metricPeriod);
}

/**
 * The window a gate judges: from the first moment of evidence at this weight (after the weight took
 * effect) to no later than `now` minus the ingestion delay. GetMetricData rounds StartTime down (to the
 * whole minute, or to 5/10/20/30-second divisions for such periods), which would pull in datapoints from
 * before the weight took effect, so the start is rounded UP to that boundary here.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
 * Returns undefined when no whole-boundary window is left yet.
 */
export function judgedWindow(evidenceStart: number, now: number, gate: GateConfig): { start: number; end: number } | undefined {
  const periodMs = parseDuration(gate.metricPeriod);
  const alignMs = periodMs >= 60_000 || ![1000, 5000, 10_000, 20_000, 30_000].includes(periodMs) ? 60_000 : periodMs;
  const start = Math.ceil(evidenceStart / alignMs) * alignMs;
  const end = now - ingestionDelayMs(gate);
  return end > start ? { start, end } : undefined;
}
