/** Endpoint shapes shared by workflows and activities: plain data, as DescribeEndpoint reports it. */

export type EndpointStatus =
  'OutOfService' | 'Creating' | 'Updating' | 'SystemUpdating' | 'RollingBack' | 'InService' | 'Deleting' | 'Failed' | 'UpdateRollbackFailed';

export interface VariantSummary {
  variantName: string;
  currentWeight?: number;
  desiredWeight?: number;
  currentInstanceCount?: number;
  desiredInstanceCount?: number;
  images: string[];
}

export interface EndpointSummary {
  name: string;
  arn: string;
  status: EndpointStatus | string;
  configName?: string;
  /** Set only while an UpdateEndpoint to a new config is in flight. */
  pendingConfigName?: string;
  failureReason?: string;
  /** ISO time of the endpoint's last status or config change (DescribeEndpoint's LastModifiedTime). */
  lastModifiedTime?: string;
  variants: VariantSummary[];
}

/** One production variant of an endpoint config. */
export interface VariantSpec {
  variantName: string;
  modelName: string;
  instanceType: string;
  instanceCount: number;
  weight: number;
  /**
   * The variant's other ProductionVariant fields (VolumeSizeInGB, RoutingConfig, …) as DescribeEndpointConfig
   * returned them: a config built by copying an existing one must not silently drop them.
   */
  extra?: Record<string, unknown>;
}

/** An endpoint config as DescribeEndpointConfig reports it (Initial* values as the variants' spec). */
export interface EndpointConfigSummary {
  name: string;
  variants: VariantSpec[];
  /** Config-level fields other than the variants (DataCaptureConfig, KmsKeyId, AsyncInferenceConfig, …), verbatim. */
  extra?: Record<string, unknown>;
}

/** In-place change of one variant (UpdateEndpointWeightsAndCapacities). */
export interface VariantWeightAndCapacity {
  variantName: string;
  weight?: number;
  instanceCount?: number;
}

export interface ExpectedEndpoint {
  configName: string;
  /** Variants that must be serving, with the weight and instance count asked for (when given). */
  variants?: Array<{ variantName: string; weight?: number; instanceCount?: number }>;
}

/**
 * Verify, don't trust InService: SageMaker rolls a failed update back by itself and returns to InService
 * on the previous config, with FailureReason set. Returns every way `ep` differs from what was asked;
 * empty means the endpoint really serves it.
 */
export function endpointMismatches(ep: EndpointSummary, expected: ExpectedEndpoint): string[] {
  const problems: string[] = [];
  if (ep.status !== 'InService') problems.push(`status is ${ep.status}, expected InService`);
  if (ep.configName !== expected.configName) {
    problems.push(
      `serves config ${ep.configName ?? '(none)'}, expected ${expected.configName}` +
        (ep.failureReason ? ` (SageMaker rolled the update back: ${ep.failureReason})` : ''),
    );
  }
  for (const want of expected.variants ?? []) {
    const got = ep.variants.find((v) => v.variantName === want.variantName);
    if (!got) {
      problems.push(`variant ${want.variantName} is missing`);
      continue;
    }
    if (want.weight !== undefined && !sameNumber(got.currentWeight, want.weight)) {
      problems.push(`variant ${want.variantName} has weight ${got.currentWeight}, expected ${want.weight}`);
    }
    if (want.instanceCount !== undefined && got.currentInstanceCount !== want.instanceCount) {
      problems.push(`variant ${want.variantName} runs ${got.currentInstanceCount} instances, expected ${want.instanceCount}`);
    }
  }
  return problems;
}

function sameNumber(a: number | undefined, b: number): boolean {
  return a !== undefined && Math.abs(a - b) < 1e-6;
}

/**
 * Application Auto Scaling on one variant, as DescribeScalableTargets and DescribeScalingPolicies report
 * it: everything needed to register the target and re-create its policies after a deregistration.
 */
export interface VariantScaling {
  variantName: string;
  /** `endpoint/<endpoint>/variant/<variant>` */
  resourceId: string;
  minCapacity: number;
  maxCapacity: number;
  /** The role AWS reported; a service-linked role is not passed back (AWS picks it itself). */
  roleArn?: string;
  /** SuspendedState as AWS reported it. */
  suspendedState?: Record<string, boolean>;
  policies: ScalingPolicySpec[];
  /**
   * The target's tags (ListTagsForResource), put back with TagResource: a target registered again starts
   * without them.
   */
  tags?: Record<string, string>;
  /**
   * The target's scheduled actions (DescribeScheduledActions), put back with PutScheduledAction:
   * DeregisterScalableTarget deletes them with the target.
   * https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DeregisterScalableTarget.html
   */
  scheduledActions?: ScheduledActionSpec[];
}

export interface ScalingPolicySpec {
  policyName: string;
  policyType: string;
  /** The ARN when the snapshot was taken: the step policy's alarms name it in their actions. */
  policyArn?: string;
  /** TargetTrackingScalingPolicyConfiguration, verbatim. */
  targetTracking?: Record<string, unknown>;
  /** StepScalingPolicyConfiguration, verbatim. */
  stepScaling?: Record<string, unknown>;
  /**
   * Step scaling only: the CloudWatch alarms wired to the policy, in full. DeleteScalingPolicy removes the
   * policy's action from them, and the policy put again has a new ARN, so they are put again naming it.
   * (Target tracking's own alarms are created and deleted by AWS with the policy: never touched.)
   * https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DeleteScalingPolicy.html
   */
  alarms?: MetricAlarmDefinition[];
}

/** A scheduled action as PutScheduledAction takes it (times as ISO strings: activity results are JSON). */
export interface ScheduledActionSpec {
  scheduledActionName: string;
  schedule: string;
  timezone?: string;
  startTime?: string;
  endTime?: string;
  scalableTargetAction?: { MinCapacity?: number; MaxCapacity?: number };
}

/** A CloudWatch metric alarm's definition: the members of PutMetricAlarm that DescribeAlarms reports. */
export interface MetricAlarmDefinition {
  AlarmName: string;
  AlarmDescription?: string;
  ActionsEnabled?: boolean;
  OKActions?: string[];
  AlarmActions?: string[];
  InsufficientDataActions?: string[];
  MetricName?: string;
  Namespace?: string;
  Statistic?: string;
  ExtendedStatistic?: string;
  Dimensions?: Array<{ Name?: string; Value?: string }>;
  Period?: number;
  Unit?: string;
  EvaluationPeriods?: number;
  DatapointsToAlarm?: number;
  Threshold?: number;
  ComparisonOperator?: string;
  TreatMissingData?: string;
  EvaluateLowSampleCountPercentile?: string;
  /** Metric-math alarms: the MetricDataQuery list, verbatim. */
  Metrics?: Array<Record<string, unknown>>;
  ThresholdMetricId?: string;
}

/** Application Auto Scaling's resource id of a SageMaker variant. */
export function variantResourceId(endpointName: string, variantName: string): string {
  return `endpoint/${endpointName}/variant/${variantName}`;
}

/**
 * The policies that can serve another variant of the same endpoint as they are: target tracking on
 * `SageMakerVariantInvocationsPerInstance`, a per-variant metric, so the copy tracks its own variant's
 * load. Step policies (their alarms name a variant's dimensions) and customized metrics cannot. Returned
 * without the ARN and alarms, which belong to the original policy.
 */
export function perVariantPolicies(policies: ScalingPolicySpec[]): ScalingPolicySpec[] {
  return policies
    .filter(
      (p) =>
        p.policyType === 'TargetTrackingScaling' &&
        (p.targetTracking?.PredefinedMetricSpecification as { PredefinedMetricType?: unknown } | undefined)?.PredefinedMetricType ===
          'SageMakerVariantInvocationsPerInstance',
    )
    .map((p) => ({ policyName: p.policyName, policyType: p.policyType, targetTracking: p.targetTracking }));
}
