/**
 * The canary variant's own autoscaling while it serves, derived from the baseline's (issue: a canary that
 * takes half the traffic must be able to grow with it, as the baseline could). Pure: the workflow and
 * `plan canary` both build it here.
 *
 * - Target: MinCapacity is the count the canary's weight needs (canaryInstancesAt), raised at each shift,
 *   so target tracking can grow the canary with its traffic but never shrink it below what its weight
 *   needs; MaxCapacity is the baseline's (the canary at 100 % carries what the baseline carried).
 * - Policies: the baseline's target-tracking policies on SageMakerVariantInvocationsPerInstance, verbatim.
 *   That metric is per variant, so the same policy tracks the canary's own load. Step policies (their
 *   alarms name the baseline's dimensions) and customized metrics are not copied: they would watch the
 *   baseline. Scheduled actions are not copied either: they set the baseline's capacity at given times.
 * - It is removed before the endpoint leaves the ramp config (promote, rollback): UpdateEndpoint refuses to
 *   remove a variant that is a registered scalable target. The final variant keeps the baseline's name, so
 *   it keeps the baseline's own target and policies.
 *   https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-scaling-update.html ("removing a production variant configured for auto scaling")
 *   https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html
 */
import { perVariantPolicies, variantResourceId, type VariantScaling } from '../endpoint';
import { OWNERSHIP_TAGS, type Owner } from '../ownership';

/** The canary's scaling for a baseline `baseline` scales like this, or null when the baseline has none to copy. */
export function canaryScalingFrom(
  baseline: VariantScaling | undefined,
  o: { endpointName: string; canaryVariant: string; minCapacity: number; owner?: Owner },
): VariantScaling | null {
  if (!baseline) return null;
  const policies = perVariantPolicies(baseline.policies);
  if (!policies.length) return null;
  const minCapacity = Math.max(1, o.minCapacity);
  return {
    variantName: o.canaryVariant,
    resourceId: variantResourceId(o.endpointName, o.canaryVariant),
    minCapacity,
    maxCapacity: Math.max(baseline.maxCapacity, minCapacity),
    // Suspended scale-in/out on the baseline means an operator froze scaling: the canary follows suit.
    ...(baseline.suspendedState ? { suspendedState: baseline.suspendedState } : {}),
    policies,
    ...(o.owner ? { tags: { [OWNERSHIP_TAGS.endpoint]: o.owner.endpoint, [OWNERSHIP_TAGS.run]: o.owner.run } } : {}),
  };
}

/** The canary's scaling with its MinCapacity raised to what the next weight needs (never lowered). */
export function withMinCapacity(scaling: VariantScaling, needed: number): VariantScaling {
  const minCapacity = Math.max(scaling.minCapacity, needed);
  return { ...scaling, minCapacity, maxCapacity: Math.max(scaling.maxCapacity, minCapacity) };
}
