import type { GateConfig } from './canary/input';
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
  // Failures stand even on little traffic: a canary failing 50% of 20 requests is not healthy.
  if (failures.length && (enoughCanary || alarmsInAlarm.length || canary.errors5xx >= Math.min(10, gate.minInvocations))) {
    return { verdict: 'fail', reasons: failures };
  }
  if (!enoughCanary) {
    return { verdict: 'inconclusive', reasons: [`only ${canary.invocations} canary invocations in the window; ${gate.minInvocations} needed`, ...failures] };
  }
  return { verdict: 'pass', reasons: [`canary 5xx ${pct(canaryRate)}, p99 ${canary.p99LatencyMs?.toFixed(1) ?? '-'}ms over ${canary.invocations} invocations`] };
}
