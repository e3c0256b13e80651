/** Endpoints set up the way an infrastructure team would, straight through the AWS SDK. */
import { PutScalingPolicyCommand, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import { CreateEndpointCommand, CreateEndpointConfigCommand } from '@aws-sdk/client-sagemaker';
import type { AwsClients } from '../../src/aws';
import { modelUseTags } from '../../src/domain/cleanup';
import { withOwnershipTags } from '../../src/domain/ownership';
import { describeEndpoint } from '../../src/inventory';
import { eventually } from './harness';

export interface EndpointFixture {
  /** Register AllTraffic as a scalable target (1..4) with a target-tracking policy. @default true */
  autoscaled?: boolean;
  /** Also attach a step scaling policy `step-out`. @default false */
  stepPolicy?: boolean;
  /**
   * Tag the config and endpoint as modelship tags what it creates (`modelship:endpoint` = `ep`, and the
   * config's model-use tag), as if a modelship run had made them. @default false (hand-made, untagged)
   */
  owned?: boolean;
}

/** The tags a modelship run puts on a config it creates for `ep` naming `models`. */
export function ownedConfigTags(ep: string, models: string[]) {
  return [...(withOwnershipTags([], { endpoint: ep, run: 'fixture-run' }) ?? []), ...modelUseTags(models)];
}

/** The tags a modelship run puts on a model or endpoint it creates for `ep`. */
export function ownedTags(ep: string) {
  return withOwnershipTags([], { endpoint: ep, run: 'fixture-run' }) ?? [];
}

/** An InService endpoint on config `<ep>-v1`, variant AllTraffic serving `model` on 2 × ml.m5.large. */
export async function endpointServing(aws: AwsClients, ep: string, model: string, o: EndpointFixture = {}): Promise<void> {
  await aws.sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${ep}-v1`,
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: model, InstanceType: 'ml.m5.large', InitialInstanceCount: 2 }],
      ...(o.owned ? { Tags: ownedConfigTags(ep, [model]) } : {}),
    }),
  );
  await aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: ep, EndpointConfigName: `${ep}-v1`, ...(o.owned ? { Tags: ownedTags(ep) } : {}) }));
  await eventually(
    () => describeEndpoint(aws.sagemaker, ep),
    (d) => d.EndpointStatus === 'InService',
  );
  if (o.autoscaled === false) return;
  await autoscaleVariant(aws, ep, 'AllTraffic', { stepPolicy: o.stepPolicy });
}

/**
 * Registers a variant as a scalable target (min 1, max 4 unless given) with a target-tracking policy on
 * invocations per instance (`invocations-per-instance`) and, with `stepPolicy`, a step policy `step-out`.
 */
export async function autoscaleVariant(
  aws: AwsClients,
  ep: string,
  variant: string,
  o: { stepPolicy?: boolean; min?: number; max?: number } = {},
): Promise<void> {
  const id = {
    ServiceNamespace: 'sagemaker',
    ResourceId: `endpoint/${ep}/variant/${variant}`,
    ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
  } as const;
  await aws.autoscaling.send(new RegisterScalableTargetCommand({ ...id, MinCapacity: o.min ?? 1, MaxCapacity: o.max ?? 4 }));
  await aws.autoscaling.send(
    new PutScalingPolicyCommand({
      ...id,
      PolicyName: 'invocations-per-instance',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 70,
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
      },
    }),
  );
  if (!o.stepPolicy) return;
  await aws.autoscaling.send(
    new PutScalingPolicyCommand({
      ...id,
      PolicyName: 'step-out',
      PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: { AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }] },
    }),
  );
}
