/** Endpoint shapes shared by workflows and activities: plain data, as DescribeEndpoint reports it. */

export type EndpointStatus =
  | 'OutOfService'
  | 'Creating'
  | 'Updating'
  | 'SystemUpdating'
  | 'RollingBack'
  | 'InService'
  | 'Deleting'
  | 'Failed'
  | 'UpdateRollbackFailed';

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
        (ep.failureReason ? ` (SageMaker rolled the update back: ${ep.failureReason})` : '')
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
}

export interface ScalingPolicySpec {
  policyName: string;
  policyType: string;
  /** TargetTrackingScalingPolicyConfiguration, verbatim. */
  targetTracking?: Record<string, unknown>;
  /** StepScalingPolicyConfiguration, verbatim. */
  stepScaling?: Record<string, unknown>;
}
