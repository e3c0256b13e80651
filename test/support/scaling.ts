/**
 * A variant's whole autoscaling as an operator sets it up (target with tags, a scheduled action, a step
 * policy wired to a CloudWatch alarm), and read back whole: what an exact restore must give back.
 */
import {
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  ListTagsForResourceCommand,
  paginateDescribeScalableTargets,
  paginateDescribeScalingPolicies,
  paginateDescribeScheduledActions,
  PutScalingPolicyCommand,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
  TagResourceCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { paginateDescribeAlarms, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import type { AwsClients } from '../../src/aws';

const NS = 'sagemaker' as const;
const DIM = 'sagemaker:variant:DesiredInstanceCount' as const;
/** An action that is not a scaling policy: it must survive untouched. */
export const ONCALL_TOPIC = 'arn:aws:sns:us-east-1:123456789012:oncall';

/**
 * Autoscales a variant as the emulator's target-tracking simulation follows it: a target (min, max) and a
 * policy holding `targetPerMinute` invocations per instance, scaling in without cooldown, so a variant whose
 * traffic falls is shrunk within seconds (unless something holds its MinCapacity up).
 */
export async function trackInvocations(aws: AwsClients, ep: string, o: { min: number; max: number; targetPerMinute: number; variant?: string }): Promise<void> {
  const id = { ServiceNamespace: NS, ResourceId: `endpoint/${ep}/variant/${o.variant ?? 'AllTraffic'}`, ScalableDimension: DIM };
  await aws.autoscaling.send(new RegisterScalableTargetCommand({ ...id, MinCapacity: o.min, MaxCapacity: o.max }));
  await aws.autoscaling.send(
    new PutScalingPolicyCommand({
      ...id,
      PolicyName: 'invocations',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: o.targetPerMinute,
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        ScaleInCooldown: 0,
        ScaleOutCooldown: 0,
      },
    }),
  );
}

export function stepAlarmName(ep: string, variant: string): string {
  return `${ep}-${variant}-latency-high`;
}

/**
 * Adds to a registered variant (which has a step policy `stepPolicy`): tags on its target, a scheduled
 * action, and an alarm whose actions are the step policy and an SNS topic.
 */
export async function decorateScaling(aws: AwsClients, ep: string, variant: string, stepPolicy = 'step-out'): Promise<void> {
  const id = { ServiceNamespace: NS, ResourceId: `endpoint/${ep}/variant/${variant}`, ScalableDimension: DIM };
  const target = (await aws.autoscaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: NS, ResourceIds: [id.ResourceId] }))).ScalableTargets![0]!;
  await aws.autoscaling.send(new TagResourceCommand({ ResourceARN: target.ScalableTargetARN, Tags: { team: 'churn', 'cost-center': 'ml-42' } }));
  await aws.autoscaling.send(
    new PutScheduledActionCommand({
      ...id,
      ScheduledActionName: 'business-hours',
      Schedule: 'cron(0 8 ? * MON-FRI *)',
      Timezone: 'Europe/Berlin',
      StartTime: new Date('2030-01-01T00:00:00Z'),
      ScalableTargetAction: { MinCapacity: 2, MaxCapacity: 6 },
    }),
  );
  const policy = (await aws.autoscaling.send(new DescribeScalingPoliciesCommand({ ...id, PolicyNames: [stepPolicy] }))).ScalingPolicies![0]!;
  await aws.cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: stepAlarmName(ep, variant),
      AlarmDescription: 'p99 latency above 500 ms: add an instance',
      Namespace: 'AWS/SageMaker',
      MetricName: 'ModelLatency',
      Dimensions: [
        { Name: 'EndpointName', Value: ep },
        { Name: 'VariantName', Value: variant },
      ],
      ExtendedStatistic: 'p99',
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: 500_000,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [policy.PolicyARN!, ONCALL_TOPIC],
      OKActions: [ONCALL_TOPIC],
    }),
  );
}

/**
 * The endpoint's scaling as AWS reports it: targets with their tags and scheduled actions, policies,
 * and the operator's alarms (named `<ep>-…`) with their actions (a policy's ARN shown as `policy:<name>` when
 * it is the ARN the policy has now; an ARN of a deleted policy would show as itself). ARNs, creation
 * times and the names of the alarms target tracking manages are left out: AWS regenerates those when a
 * target is registered again.
 */
export async function scalingOf(aws: AwsClients, ep: string) {
  const prefix = `endpoint/${ep}/variant/`;
  // Every page: the describes answer 50 at a time, and a campaign's account holds more.
  const all = async <T>(pages: AsyncIterable<T>) => {
    const out: T[] = [];
    for await (const page of pages) out.push(page);
    return out;
  };
  const client = { client: aws.autoscaling };
  const targets = (await all(paginateDescribeScalableTargets(client, { ServiceNamespace: NS })))
    .flatMap((p) => p.ScalableTargets ?? [])
    .filter((t) => t.ResourceId!.startsWith(prefix));
  const policies = (await all(paginateDescribeScalingPolicies(client, { ServiceNamespace: NS })))
    .flatMap((p) => p.ScalingPolicies ?? [])
    .filter((p) => p.ResourceId!.startsWith(prefix));
  const scheduled = (await all(paginateDescribeScheduledActions(client, { ServiceNamespace: NS })))
    .flatMap((p) => p.ScheduledActions ?? [])
    .filter((a) => a.ResourceId!.startsWith(prefix));
  const names = new Map(policies.map((p) => [p.PolicyARN!, `policy:${p.PolicyName}`]));
  // The operator's alarms are named after the endpoint (target tracking's are TargetTracking-…).
  const alarms = (await all(paginateDescribeAlarms({ client: aws.cloudwatch }, { AlarmNamePrefix: `${ep}-` }))).flatMap((p) => p.MetricAlarms ?? []);
  const named = (actions: string[] | undefined) => (actions ?? []).map((a) => names.get(a) ?? a);
  return {
    targets: await Promise.all(
      targets
        .sort((a, b) => a.ResourceId!.localeCompare(b.ResourceId!))
        .map(async ({ ScalableTargetARN, CreationTime, ...t }) => ({
          ...t,
          tags: (await aws.autoscaling.send(new ListTagsForResourceCommand({ ResourceARN: ScalableTargetARN }))).Tags,
        })),
    ),
    policies: policies
      .map(({ PolicyARN, CreationTime, Alarms, ...p }) => ({
        ...p,
        alarms: (Alarms ?? []).map((a) => /-(Alarm(High|Low))-/.exec(a.AlarmName!)?.[1] ?? a.AlarmName).sort(),
      }))
      .sort((a, b) => `${a.ResourceId}/${a.PolicyName}`.localeCompare(`${b.ResourceId}/${b.PolicyName}`)),
    scheduledActions: scheduled
      .map(({ ScheduledActionARN, CreationTime, ...a }) => a)
      .sort((a, b) => `${a.ResourceId}/${a.ScheduledActionName}`.localeCompare(`${b.ResourceId}/${b.ScheduledActionName}`)),
    stepAlarms: alarms
      .map((a) => ({
        name: a.AlarmName,
        description: a.AlarmDescription,
        metric: [
          a.Namespace,
          a.MetricName,
          a.ExtendedStatistic,
          a.Period,
          a.EvaluationPeriods,
          a.DatapointsToAlarm,
          a.Threshold,
          a.ComparisonOperator,
          a.TreatMissingData,
        ],
        dimensions: a.Dimensions,
        alarmActions: named(a.AlarmActions),
        okActions: named(a.OKActions),
      }))
      .sort((a, b) => a.name!.localeCompare(b.name!)),
  };
}

export type VariantScaling = Awaited<ReturnType<typeof scalingOf>>;

/**
 * What {@link scalingOf} must read once the endpoint is deleted: no targets, policies or scheduled
 * actions (DeregisterScalableTarget deletes a target's policies and scheduled actions), and the
 * operator's alarms still there, unchanged but for the deleted policies' ARNs, which AWS takes out of
 * their actions ("Deleting a step scaling policy deletes the underlying alarm action, but does not delete
 * the CloudWatch alarm": https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DeleteScalingPolicy.html).
 */
export function scalingAfterDelete(before: VariantScaling): VariantScaling {
  const kept = (actions: string[]) => actions.filter((a) => !a.startsWith('policy:'));
  return {
    targets: [],
    policies: [],
    scheduledActions: [],
    stepAlarms: before.stepAlarms.map((a) => ({ ...a, alarmActions: kept(a.alarmActions), okActions: kept(a.okActions) })),
  };
}
