import {
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  ListTagsForResourceCommand,
  paginateDescribeScalableTargets,
  paginateDescribeScalingPolicies,
  paginateDescribeScheduledActions,
  PutScalingPolicyCommand,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
  TagResourceCommand,
  type ApplicationAutoScalingClient,
  type ScalableTarget,
  type ScalingPolicy,
  type ScheduledAction,
  type StepScalingPolicyConfiguration,
  type TargetTrackingScalingPolicyConfiguration,
} from '@aws-sdk/client-application-auto-scaling';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { variantResourceId, type MetricAlarmDefinition, type ScalingPolicySpec, type ScheduledActionSpec, type VariantScaling } from '../domain/endpoint';
import { describeAlarmDefinitions, putAlarmDefinition } from './cloudwatch';
import { isObjectNotFound } from './aws-errors';

// How Application Auto Scaling names a SageMaker variant's instance count
// (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html).
const NAMESPACE = 'sagemaker';
const DIMENSION = 'sagemaker:variant:DesiredInstanceCount';
// DescribeScalableTargets takes at most 50 resource ids per call.
const MAX_IDS_PER_CALL = 50;

/**
 * Application Auto Scaling activities for SageMaker variants. Each is safe to repeat: removing something
 * already gone succeeds, and registering a target, tagging it, putting a policy, a scheduled action or an
 * alarm is an upsert in AWS. A variant's scaling is read and put back whole: target, tags, scheduled
 * actions, policies and the CloudWatch alarms wired to its step policies (CloudWatch is reached through
 * the helpers of ./cloudwatch, because an alarm's link to a policy is part of the policy's restore).
 *
 * A variant's scaling is always read by its resource id (`endpoint/<name>/variant/<variant>`, at most 50
 * per DescribeScalableTargets call), never by listing every target of the account: the cost follows the
 * endpoint, not the account. `endpointVariants` names an endpoint's variants (DescribeEndpoint, through
 * ./sagemaker), or null when the endpoint is gone.
 */
export function createAutoScalingActivities(
  autoscaling: ApplicationAutoScalingClient,
  cloudwatch: CloudWatchClient,
  endpointVariants: (endpointName: string) => Promise<string[] | null>,
) {
  async function describePolicies(resourceId: string): Promise<ScalingPolicySpec[]> {
    const out: ScalingPolicy[] = [];
    const pages = paginateDescribeScalingPolicies(
      { client: autoscaling },
      { ServiceNamespace: NAMESPACE, ResourceId: resourceId, ScalableDimension: DIMENSION },
    );
    for await (const page of pages) out.push(...(page.ScalingPolicies ?? []));
    const specs: ScalingPolicySpec[] = [];
    for (const p of out) {
      // DescribeScalingPolicies lists a step policy's alarms (the ones naming it in their actions); a
      // target-tracking policy's are its own, which AWS re-creates with it: those are never put by hand.
      const alarmNames = p.PolicyType === 'StepScaling' ? (p.Alarms ?? []).map((a) => a.AlarmName!) : [];
      specs.push(policySpec(p, alarmNames.length ? await describeAlarmDefinitions(cloudwatch, alarmNames) : []));
    }
    return specs;
  }

  async function describeScheduledActions(resourceId: string): Promise<ScheduledActionSpec[]> {
    const out: ScheduledActionSpec[] = [];
    const pages = paginateDescribeScheduledActions(
      { client: autoscaling },
      { ServiceNamespace: NAMESPACE, ResourceId: resourceId, ScalableDimension: DIMENSION },
    );
    for await (const page of pages) out.push(...(page.ScheduledActions ?? []).map(scheduledActionSpec));
    return out;
  }

  /** Everything about one target that deregistering it loses. */
  async function snapshot(variantName: string, t: ScalableTarget): Promise<VariantScaling> {
    const tags = t.ScalableTargetARN ? ((await autoscaling.send(new ListTagsForResourceCommand({ ResourceARN: t.ScalableTargetARN }))).Tags ?? {}) : {};
    return variantScaling(variantName, t, await describePolicies(t.ResourceId!), tags, await describeScheduledActions(t.ResourceId!));
  }

  /**
   * The scalable targets of these variants with their full policy definitions: what must be put back
   * after a deregistration. Variants without a target are left out. ResourceIds is an exact filter of at
   * most 50 ids, and a ScalableDimension must come with resource ids; no variant, no call
   * (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DescribeScalableTargets.html).
   */
  async function describeVariantScaling(endpointName: string, variantNames: string[]): Promise<VariantScaling[]> {
    const targets: ScalableTarget[] = [];
    const ids = [...new Set(variantNames)].map((v) => variantResourceId(endpointName, v));
    for (let i = 0; i < ids.length; i += MAX_IDS_PER_CALL) {
      const pages = paginateDescribeScalableTargets(
        { client: autoscaling },
        { ServiceNamespace: NAMESPACE, ResourceIds: ids.slice(i, i + MAX_IDS_PER_CALL), ScalableDimension: DIMENSION },
      );
      for await (const page of pages) targets.push(...(page.ScalableTargets ?? []));
    }
    const prefix = variantResourceId(endpointName, '');
    const out: VariantScaling[] = [];
    for (const t of targets) out.push(await snapshot(t.ResourceId!.slice(prefix.length), t));
    return out.sort((a, b) => a.variantName.localeCompare(b.variantName));
  }

  return {
    describeVariantScaling,

    /**
     * Sets one scalable target's MinCapacity and nothing else: RegisterScalableTarget on an existing target
     * sends only the identifiers and MinCapacity, and "Any parameters that you don't specify are not changed
     * by this update request" (MaxCapacity, SuspendedState, RoleARN; tags, policies and scheduled actions
     * are not parameters it touches), https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html.
     * Left alone (and said so) when the target is gone (a register would create a new one), when its
     * MinCapacity is no longer `expected` (someone changed it meanwhile), or when `minCapacity` is above its
     * MaxCapacity. Safe to repeat: a target already at `minCapacity` is not called again.
     */
    async setScalableTargetMinCapacity(o: { resourceId: string; minCapacity: number; expected?: number }): Promise<{ leftAlone: string } | undefined> {
      const { ScalableTargets: found = [] } = await autoscaling.send(
        new DescribeScalableTargetsCommand({ ServiceNamespace: NAMESPACE, ResourceIds: [o.resourceId], ScalableDimension: DIMENSION }),
      );
      const t = found.find((x) => x.ResourceId === o.resourceId);
      if (!t) return { leftAlone: `${o.resourceId} is no longer a scalable target` };
      if (t.MinCapacity === o.minCapacity) return undefined;
      if (o.expected !== undefined && t.MinCapacity !== o.expected)
        return { leftAlone: `its MinCapacity is ${t.MinCapacity} now, not the ${o.expected} this run set` };
      if (o.minCapacity > (t.MaxCapacity ?? 0)) return { leftAlone: `MinCapacity ${o.minCapacity} would be above its MaxCapacity ${t.MaxCapacity}` };
      await autoscaling.send(
        new RegisterScalableTargetCommand({ ServiceNamespace: NAMESPACE, ResourceId: o.resourceId, ScalableDimension: DIMENSION, MinCapacity: o.minCapacity }),
      );
      return undefined;
    },

    /**
     * The scalable targets of the endpoint's variants (as DescribeEndpoint names them now) with their
     * policies; none when the endpoint is gone. AWS keeps no target past its variant: UpdateEndpoint
     * refuses to remove a registered variant and DeleteEndpoint deregisters the targets
     * (https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-scaling-update.html,
     * https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-delete-with-scaling.html).
     * Kept for runs recorded before patch 'delete-scaling-by-variants' (the delete now passes the variants
     * it has read to describeVariantScaling); it used to list every target of the account.
     */
    async describeEndpointScaling(endpointName: string): Promise<VariantScaling[]> {
      return describeVariantScaling(endpointName, (await endpointVariants(endpointName)) ?? []);
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
              }),
            );
          } catch (err) {
            if (!isObjectNotFound(err)) throw err;
          }
        }
      }
    },

    /**
     * Deregistering also deletes any policies and scheduled actions still attached: the snapshot taken
     * before (describe*Scaling) is what puts them back.
     * https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DeregisterScalableTarget.html
     */
    async deregisterScalableTargets(scaling: VariantScaling[]): Promise<void> {
      for (const s of scaling) {
        try {
          await autoscaling.send(new DeregisterScalableTargetCommand({ ServiceNamespace: NAMESPACE, ResourceId: s.resourceId, ScalableDimension: DIMENSION }));
        } catch (err) {
          if (!isObjectNotFound(err)) throw err;
        }
      }
    },

    /**
     * Registers the targets again as they were: capacities, suspended state, tags, then the scheduled
     * actions that deregistering deleted. RegisterScalableTarget is an upsert; TagResource tags an existing
     * target too (RegisterScalableTarget's Tags apply only to a new one); PutScheduledAction creates or
     * updates by name (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScheduledAction.html).
     */
    async registerScalableTargets(scaling: VariantScaling[]): Promise<void> {
      for (const s of scaling) {
        const { ScalableTargetARN } = await autoscaling.send(
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
          }),
        );
        if (s.tags && Object.keys(s.tags).length && ScalableTargetARN) {
          await autoscaling.send(new TagResourceCommand({ ResourceARN: ScalableTargetARN, Tags: s.tags }));
        }
        for (const a of s.scheduledActions ?? []) {
          await autoscaling.send(
            new PutScheduledActionCommand({
              ServiceNamespace: NAMESPACE,
              ResourceId: s.resourceId,
              ScalableDimension: DIMENSION,
              ScheduledActionName: a.scheduledActionName,
              Schedule: a.schedule,
              Timezone: a.timezone,
              StartTime: a.startTime ? new Date(a.startTime) : undefined,
              EndTime: a.endTime ? new Date(a.endTime) : undefined,
              ScalableTargetAction: a.scalableTargetAction,
            }),
          );
        }
      }
    },

    /**
     * PutScalingPolicy creates or updates by name; target tracking re-creates its own CloudWatch alarms.
     * A step policy put again has a new ARN, and DeleteScalingPolicy took the old one out of its alarms'
     * actions (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DeleteScalingPolicy.html):
     * each alarm is put back whole with the new ARN where the old one was.
     */
    async putScalingPolicies(scaling: VariantScaling[]): Promise<void> {
      for (const s of scaling) {
        for (const p of s.policies) {
          const { PolicyARN } = await autoscaling.send(
            new PutScalingPolicyCommand({
              ServiceNamespace: NAMESPACE,
              ResourceId: s.resourceId,
              ScalableDimension: DIMENSION,
              PolicyName: p.policyName,
              PolicyType: p.policyType as ScalingPolicy['PolicyType'],
              TargetTrackingScalingPolicyConfiguration: p.targetTracking as TargetTrackingScalingPolicyConfiguration | undefined,
              StepScalingPolicyConfiguration: p.stepScaling as StepScalingPolicyConfiguration | undefined,
            }),
          );
          for (const alarm of p.alarms ?? []) {
            if (PolicyARN) await putAlarmDefinition(cloudwatch, relinked(alarm, p.policyArn, PolicyARN));
          }
        }
      }
    },
  };
}

function variantScaling(
  variantName: string,
  t: ScalableTarget,
  policies: ScalingPolicySpec[],
  tags: Record<string, string>,
  scheduledActions: ScheduledActionSpec[],
): VariantScaling {
  return {
    variantName,
    resourceId: t.ResourceId!,
    minCapacity: t.MinCapacity!,
    maxCapacity: t.MaxCapacity!,
    roleArn: t.RoleARN,
    suspendedState: t.SuspendedState as Record<string, boolean> | undefined,
    policies,
    ...(Object.keys(tags).length ? { tags } : {}),
    ...(scheduledActions.length ? { scheduledActions } : {}),
  };
}

/** The alarm with the re-created policy's ARN in place of the old one, in whichever action lists named it. */
export function relinked(alarm: MetricAlarmDefinition, oldArn: string | undefined, newArn: string): MetricAlarmDefinition {
  const swap = (actions: string[] | undefined) => actions?.map((a) => (a === oldArn ? newArn : a));
  const out: MetricAlarmDefinition = {
    ...alarm,
    AlarmActions: swap(alarm.AlarmActions),
    OKActions: swap(alarm.OKActions),
    InsufficientDataActions: swap(alarm.InsufficientDataActions),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as MetricAlarmDefinition;
}

function scheduledActionSpec(a: ScheduledAction): ScheduledActionSpec {
  return {
    scheduledActionName: a.ScheduledActionName!,
    schedule: a.Schedule!,
    ...(a.Timezone ? { timezone: a.Timezone } : {}),
    ...(a.StartTime ? { startTime: a.StartTime.toISOString() } : {}),
    ...(a.EndTime ? { endTime: a.EndTime.toISOString() } : {}),
    ...(a.ScalableTargetAction ? { scalableTargetAction: { ...a.ScalableTargetAction } } : {}),
  };
}

function policySpec(p: ScalingPolicy, alarms: MetricAlarmDefinition[]): ScalingPolicySpec {
  return {
    policyName: p.PolicyName!,
    policyType: p.PolicyType!,
    ...(p.PolicyARN ? { policyArn: p.PolicyARN } : {}),
    ...(alarms.length ? { alarms } : {}),
    ...(p.TargetTrackingScalingPolicyConfiguration ? { targetTracking: { ...p.TargetTrackingScalingPolicyConfiguration } } : {}),
    ...(p.StepScalingPolicyConfiguration ? { stepScaling: { ...p.StepScalingPolicyConfiguration } } : {}),
  };
}
