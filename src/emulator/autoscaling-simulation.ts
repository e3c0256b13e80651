/**
 * Optional, simplified target-tracking simulation (off by default): on each tick, every
 * `SageMakerVariantInvocationsPerInstance` target-tracking policy moves its variant's desired instance count
 * towards `ceil(current * invocationsPerInstanceLastMinute / TargetValue)`, within the target's
 * [MinCapacity, MaxCapacity], honouring cooldowns, DisableScaleIn and suspended states. AWS does this
 * through the AlarmHigh/AlarmLow alarms (3 and 15 minutes); here the last `windowMs` of metrics (default 60 s,
 * scaled to a per-minute rate) decide at once, so second-scale tests can use it.
 * A scaling step is a weights/capacity update, so the endpoint passes through Updating as with AWS.
 */
import { parseVariantResourceId, VARIANT_DIMENSION } from './autoscaling-links';
import { startTransition } from './endpoint-transitions';
import { InvocationMetric, SAGEMAKER_NAMESPACE, type MetricsStore } from './metrics';
import type { RequestContext } from './service';
import { EndpointStatus, scalableTargetKey } from './state';

export interface ScalingSimulationOptions {
  /** How often policies are evaluated, ms. Default 1000. */
  intervalMs?: number;
  /**
   * Invocations per instance are read over this window and scaled to a per-minute rate (TargetValue is per
   * minute, as SageMakerVariantInvocationsPerInstance is). Default 60000. A window shorter than the traffic
   * has run for under-reads nothing; one longer under-reads at the start.
   */
  windowMs?: number;
}

export interface ScalingStep {
  resourceId: string;
  policyName: string;
  from: number;
  to: number;
  time: number;
}

/** Remembers the last scaling time per target (for cooldowns) and the steps taken. */
export class ScalingSimulator {
  private readonly lastScaled = new Map<string, { at: number; direction: 'out' | 'in' }>();
  readonly steps: ScalingStep[] = [];
  private readonly windowMs: number;

  constructor(options: ScalingSimulationOptions = {}) {
    this.windowMs = Math.max(1000, options.windowMs ?? 60_000);
  }

  /** Evaluates every target-tracking policy once; returns the steps taken. */
  tick(ctx: RequestContext, metrics: MetricsStore): ScalingStep[] {
    const taken: ScalingStep[] = [];
    const now = ctx.now();
    for (const policy of ctx.state.scalingPolicies.values()) {
      const config = policy.targetTrackingScalingPolicyConfiguration as TrackingConfig | undefined;
      if (policy.policyType !== 'TargetTrackingScaling' || !config) continue;
      if (config.PredefinedMetricSpecification?.PredefinedMetricType !== 'SageMakerVariantInvocationsPerInstance') continue;
      if (policy.scalableDimension !== VARIANT_DIMENSION) continue;
      const targetKey = scalableTargetKey(policy.serviceNamespace, policy.resourceId, policy.scalableDimension);
      const target = ctx.state.scalableTargets.get(targetKey);
      const ids = parseVariantResourceId(policy.resourceId);
      if (!target || !ids) continue;
      const endpoint = ctx.state.endpoints.get(ids.endpointName);
      // AWS: autoscaling is blocked while the endpoint is not InService.
      if (!endpoint || endpoint.status !== EndpointStatus.InService) continue;
      const variant = endpoint.variants.find((v) => v.variantName === ids.variantName);
      if (!variant) continue;

      const sum = metrics.query({
        namespace: SAGEMAKER_NAMESPACE,
        metricName: InvocationMetric.InvocationsPerInstance,
        dimensions: [
          { Name: 'EndpointName', Value: ids.endpointName },
          { Name: 'VariantName', Value: ids.variantName },
        ],
        stat: 'Sum',
        periodSeconds: this.windowMs / 1000,
        startMs: now - this.windowMs,
        endMs: now + 1,
        nowMs: now,
      }).values[0];
      const perInstance = sum === undefined ? undefined : (sum * 60_000) / this.windowMs;
      // No datapoints: the alarms would be INSUFFICIENT_DATA, so nothing scales.
      if (perInstance === undefined || !(config.TargetValue > 0)) continue;

      const current = variant.currentInstanceCount;
      let desired = Math.ceil((current * perInstance) / config.TargetValue);
      desired = Math.min(target.maxCapacity, Math.max(target.minCapacity, desired));
      if (desired === current) continue;
      const direction = desired > current ? 'out' : 'in';
      if (direction === 'in' && (config.DisableScaleIn || target.suspendedState.DynamicScalingInSuspended)) continue;
      if (direction === 'out' && target.suspendedState.DynamicScalingOutSuspended) continue;
      const last = this.lastScaled.get(targetKey);
      const cooldownS = direction === 'out' ? config.ScaleOutCooldown : config.ScaleInCooldown;
      if (last && cooldownS !== undefined && now - last.at < cooldownS * 1000) continue;

      variant.desiredInstanceCount = desired;
      variant.variantStatus = [{ status: 'Updating', statusMessage: `Scaling to ${desired} instance(s).`, startTime: now }];
      endpoint.status = EndpointStatus.Updating;
      endpoint.lastModifiedTime = now;
      startTransition(ctx, endpoint, 'weights', ctx.timings.weightsUpdateMs);
      this.lastScaled.set(targetKey, { at: now, direction });
      const step = { resourceId: policy.resourceId, policyName: policy.policyName, from: current, to: desired, time: now };
      this.steps.push(step);
      taken.push(step);
    }
    return taken;
  }

  clear(): void {
    this.lastScaled.clear();
    this.steps.length = 0;
  }
}

interface TrackingConfig {
  TargetValue: number;
  PredefinedMetricSpecification?: { PredefinedMetricType?: string };
  ScaleOutCooldown?: number;
  ScaleInCooldown?: number;
  DisableScaleIn?: boolean;
}
