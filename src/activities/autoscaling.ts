import {
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
  type ApplicationAutoScalingClient,
  type ScalableTarget,
  type ScalingPolicy,
  type StepScalingPolicyConfiguration,
  type TargetTrackingScalingPolicyConfiguration,
} from '@aws-sdk/client-application-auto-scaling';
import type { ScalingPolicySpec, VariantScaling } from '../domain/endpoint';

// AWS (aws-semantics §4.1): how Application Auto Scaling names a SageMaker variant's instance count.
const NAMESPACE = 'sagemaker';
const DIMENSION = 'sagemaker:variant:DesiredInstanceCount';
// DescribeScalableTargets takes at most 50 resource ids per call.
const MAX_IDS_PER_CALL = 50;

export function variantResourceId(endpointName: string, variantName: string): string {
  return `endpoint/${endpointName}/variant/${variantName}`;
}

/** "Already gone": a deregister or delete whose target or policy does not exist (any more). */
function isObjectNotFound(err: unknown): boolean {
  return err instanceof Error && err.name === 'ObjectNotFoundException';
}

/**
 * Application Auto Scaling activities for SageMaker variants. Each is safe to repeat: removing something
 * already gone succeeds, and registering a target or putting a policy is an upsert in AWS.
 */
export function createAutoScalingActivities(autoscaling: ApplicationAutoScalingClient) {
  async function describePolicies(resourceId: string): Promise<ScalingPolicy[]> {
    const out: ScalingPolicy[] = [];
    let NextToken: string | undefined;
    do {
      const page = await autoscaling.send(
        new DescribeScalingPoliciesCommand({ ServiceNamespace: NAMESPACE, ResourceId: resourceId, ScalableDimension: DIMENSION, NextToken })
      );
      out.push(...(page.ScalingPolicies ?? []));
      NextToken = page.NextToken || undefined;
    } while (NextToken);
    return out;
  }

  return {
    /**
     * The scalable targets of these variants with their full policy definitions: what must be put back
     * after a deregistration. Variants without a target are left out.
     */
    async describeVariantScaling(endpointName: string, variantNames: string[]): Promise<VariantScaling[]> {
      const targets: ScalableTarget[] = [];
      const ids = variantNames.map((v) => variantResourceId(endpointName, v));
      for (let i = 0; i < ids.length; i += MAX_IDS_PER_CALL) {
        let NextToken: string | undefined;
        do {
          const page = await autoscaling.send(
            new DescribeScalableTargetsCommand({
              ServiceNamespace: NAMESPACE,
              ResourceIds: ids.slice(i, i + MAX_IDS_PER_CALL),
              ScalableDimension: DIMENSION,
              NextToken,
            })
          );
          targets.push(...(page.ScalableTargets ?? []));
          NextToken = page.NextToken || undefined;
        } while (NextToken);
      }
      const out: VariantScaling[] = [];
      for (const t of targets) {
        const variantName = variantNames[ids.indexOf(t.ResourceId!)];
        out.push(variantScaling(variantName, t, (await describePolicies(t.ResourceId!)).map(policySpec)));
      }
      return out.sort((a, b) => a.variantName.localeCompare(b.variantName));
    },

    /**
     * Every scalable target registered for a variant of this endpoint, whatever the variant (it may be gone
     * from the endpoint, or the endpoint itself may be gone), with its policies.
     */
    async describeEndpointScaling(endpointName: string): Promise<VariantScaling[]> {
      const prefix = variantResourceId(endpointName, '');
      const out: VariantScaling[] = [];
      let NextToken: string | undefined;
      do {
        const page = await autoscaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: NAMESPACE, ScalableDimension: DIMENSION, NextToken }));
        for (const t of page.ScalableTargets ?? []) {
          if (!t.ResourceId!.startsWith(prefix)) continue;
          out.push(variantScaling(t.ResourceId!.slice(prefix.length), t, (await describePolicies(t.ResourceId!)).map(policySpec)));
        }
        NextToken = page.NextToken || undefined;
      } while (NextToken);
      return out.sort((a, b) => a.variantName.localeCompare(b.variantName));
    },

    async deleteScalingPolicies(scaling: VariantScaling[]): Promise<void> {
      for (const s of scaling) {
        for (const p of s.policies) {
          try {
            await autoscaling.send(
              new DeleteScalingPolicyCommand({
                ServiceNamespace: NAMESPACE,
                ResourceId: s.resourceId,
                ScalableDimension: DIMENSION,
                PolicyName: p.policyName,
              })
            );
          } catch (err) {
            if (!isObjectNotFound(err)) throw err;
          }
        }
      }
    },

    /** Deregistering also deletes any policies and scheduled actions still attached (AWS §4.2). */
    async deregisterScalableTargets(scaling: VariantScaling[]): Promise<void> {
      for (const s of scaling) {
        try {
          await autoscaling.send(
            new DeregisterScalableTargetCommand({ ServiceNamespace: NAMESPACE, ResourceId: s.resourceId, ScalableDimension: DIMENSION })
          );
        } catch (err) {
          if (!isObjectNotFound(err)) throw err;
        }
      }
    },

    /** RegisterScalableTarget is an upsert: registering again with the same values changes nothing. */
    async registerScalableTargets(scaling: VariantScaling[]): Promise<void> {
      for (const s of scaling) {
        await autoscaling.send(
          new RegisterScalableTargetCommand({
            ServiceNamespace: NAMESPACE,
            ResourceId: s.resourceId,
            ScalableDimension: DIMENSION,
            MinCapacity: s.minCapacity,
            MaxCapacity: s.maxCapacity,
            // SageMaker uses Application Auto Scaling's service-linked role, which AWS picks itself; only
            // a role the user chose is passed back.
            RoleARN: s.roleArn && !s.roleArn.includes(':role/aws-service-role/') ? s.roleArn : undefined,
            SuspendedState: s.suspendedState,
          })
        );
      }
    },

    /** PutScalingPolicy creates or updates by name; target tracking re-creates its own CloudWatch alarms. */
    async putScalingPolicies(scaling: VariantScaling[]): Promise<void> {
      for (const s of scaling) {
        for (const p of s.policies) {
          await autoscaling.send(
            new PutScalingPolicyCommand({
              ServiceNamespace: NAMESPACE,
              ResourceId: s.resourceId,
              ScalableDimension: DIMENSION,
              PolicyName: p.policyName,
              PolicyType: p.policyType as ScalingPolicy['PolicyType'],
              TargetTrackingScalingPolicyConfiguration: p.targetTracking as TargetTrackingScalingPolicyConfiguration | undefined,
              StepScalingPolicyConfiguration: p.stepScaling as StepScalingPolicyConfiguration | undefined,
            })
          );
        }
      }
    },
  };
}

function variantScaling(variantName: string, t: ScalableTarget, policies: ScalingPolicySpec[]): VariantScaling {
  return {
    variantName,
    resourceId: t.ResourceId!,
    minCapacity: t.MinCapacity!,
    maxCapacity: t.MaxCapacity!,
    roleArn: t.RoleARN,
    suspendedState: t.SuspendedState as Record<string, boolean> | undefined,
    policies,
  };
}

function policySpec(p: ScalingPolicy): ScalingPolicySpec {
  return {
    policyName: p.PolicyName!,
    policyType: p.PolicyType!,
    ...(p.TargetTrackingScalingPolicyConfiguration
      ? { targetTracking: { ...p.TargetTrackingScalingPolicyConfiguration } }
      : {}),
    ...(p.StepScalingPolicyConfiguration ? { stepScaling: { ...p.StepScalingPolicyConfiguration } } : {}),
  };
}
