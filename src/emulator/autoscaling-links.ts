/** What ties SageMaker endpoints to Application Auto Scaling targets (aws-semantics §4.4). */
import type { EmulatorState, ScalableTargetRecord } from './state';

export const SAGEMAKER_NAMESPACE = 'sagemaker';
export const VARIANT_DIMENSION = 'sagemaker:variant:DesiredInstanceCount';

export function variantResourceId(endpointName: string, variantName: string): string {
  return `endpoint/${endpointName}/variant/${variantName}`;
}

/** `endpoint/<ep>/variant/<v>` -> its parts, or undefined. */
export function parseVariantResourceId(resourceId: string): { endpointName: string; variantName: string } | undefined {
  const match = /^endpoint\/([^/]+)\/variant\/([^/]+)$/.exec(resourceId);
  return match ? { endpointName: match[1]!, variantName: match[2]! } : undefined;
}

/** Scalable targets registered for variants of this endpoint. */
export function targetsOfEndpoint(state: EmulatorState, endpointName: string): ScalableTargetRecord[] {
  return [...state.scalableTargets.values()].filter((t) => {
    if (t.serviceNamespace !== SAGEMAKER_NAMESPACE) return false;
    return parseVariantResourceId(t.resourceId)?.endpointName === endpointName;
  });
}

/** Deletes a target with its policies and the alarms those policies manage (DeregisterScalableTarget). */
export function removeScalableTarget(state: EmulatorState, key: string): void {
  const target = state.scalableTargets.get(key);
  if (!target) return;
  state.scalableTargets.delete(key);
  for (const [policyKey, policy] of state.scalingPolicies) {
    if (
      policy.serviceNamespace === target.serviceNamespace &&
      policy.resourceId === target.resourceId &&
      policy.scalableDimension === target.scalableDimension
    ) {
      removeManagedAlarms(state, policy.policyArn);
      state.scalingPolicies.delete(policyKey);
    }
  }
}

/** Removes the alarms Application Auto Scaling created for a target-tracking policy. */
export function removeManagedAlarms(state: EmulatorState, policyArn: string): void {
  for (const [name, alarm] of state.alarms) if (alarm.managedByPolicyArn === policyArn) state.alarms.delete(name);
}
