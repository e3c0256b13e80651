/**
 * What ties SageMaker endpoints to Application Auto Scaling targets (https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-scaling-update.html,
 * https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-delete-with-scaling.html).
 */
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

/**
 * Deletes a target with its policies (their managed alarms, and their actions on other alarms) and its
 * scheduled actions: "Deregistering a scalable target deletes the scaling policies and the scheduled
 * actions that are associated with it."
 * https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DeregisterScalableTarget.html
 */
export function removeScalableTarget(state: EmulatorState, key: string): void {
  const target = state.scalableTargets.get(key);
  if (!target) return;
  state.scalableTargets.delete(key);
  const sameTarget = (r: { serviceNamespace: string; resourceId: string; scalableDimension: string }) =>
    r.serviceNamespace === target.serviceNamespace && r.resourceId === target.resourceId && r.scalableDimension === target.scalableDimension;
  for (const [policyKey, policy] of state.scalingPolicies) {
    if (sameTarget(policy)) {
      removePolicyFromAlarms(state, policy.policyArn);
      state.scalingPolicies.delete(policyKey);
    }
  }
  for (const [actionKey, action] of state.scheduledActions) if (sameTarget(action)) state.scheduledActions.delete(actionKey);
}

/**
 * What deleting a policy does to CloudWatch: the alarms target tracking created go, and the policy's ARN
 * leaves the actions of every other alarm (a step policy's), which stays: "Deleting a step scaling policy
 * deletes the underlying alarm action, but does not delete the CloudWatch alarm associated with the
 * scaling policy, even if it no longer has an associated action."
 * https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DeleteScalingPolicy.html
 */
export function removePolicyFromAlarms(state: EmulatorState, policyArn: string): void {
  removeManagedAlarms(state, policyArn);
  for (const alarm of state.alarms.values()) {
    alarm.alarmActions = alarm.alarmActions.filter((a) => a !== policyArn);
    alarm.okActions = alarm.okActions.filter((a) => a !== policyArn);
    alarm.insufficientDataActions = alarm.insufficientDataActions.filter((a) => a !== policyArn);
  }
}

/** The alarms whose actions name this policy (a step policy's alarms, as DescribeScalingPolicies lists them). */
export function alarmsActingOn(state: EmulatorState, policyArn: string): { AlarmName: string; AlarmARN: string }[] {
  return [...state.alarms.values()]
    .filter((a) => a.managedByPolicyArn === undefined && [...a.alarmActions, ...a.okActions, ...a.insufficientDataActions].includes(policyArn))
    .map((a) => ({ AlarmName: a.alarmName, AlarmARN: a.alarmArn }));
}

/** Removes the alarms Application Auto Scaling created for a target-tracking policy. */
export function removeManagedAlarms(state: EmulatorState, policyArn: string): void {
  for (const [name, alarm] of state.alarms) if (alarm.managedByPolicyArn === policyArn) state.alarms.delete(name);
}
