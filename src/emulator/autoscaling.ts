/**
 * Application Auto Scaling (`x-amz-target: AnyScaleFrontendService.<Op>`) for SageMaker variants
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling.html): scalable targets, target-tracking and step policies, and the CloudWatch alarms
 * target tracking creates.
 */
import { randomUUID } from 'node:crypto';
import { alarmArn, sagemakerAutoscalingRoleArn, scalableTargetArn, scalingPolicyArn, scheduledActionArn } from './arns';
import {
  SAGEMAKER_NAMESPACE,
  VARIANT_DIMENSION,
  alarmsActingOn,
  parseVariantResourceId,
  removeManagedAlarms,
  removePolicyFromAlarms,
  removeScalableTarget,
} from './autoscaling-links';
import { startTransition } from './endpoint-transitions';
import { AwsError, validationError } from './errors';
import { paginate } from './listing';
import type { JsonService, Operation, RequestContext } from './service';
import {
  EndpointStatus,
  scalableTargetKey,
  scalingPolicyKey,
  scheduledActionKey,
  type AlarmRecord,
  type ScheduledActionRecord,
  type ScalableTargetRecord,
  type ScalingPolicyRecord,
} from './state';
import { Fields, PATTERNS, toEpochSeconds } from './validation';

const SERVICE_NAMESPACES = [
  'ecs',
  'elasticmapreduce',
  'ec2',
  'appstream',
  'dynamodb',
  'rds',
  'sagemaker',
  'custom-resource',
  'comprehend',
  'lambda',
  'cassandra',
  'kafka',
  'elasticache',
  'neptune',
  'workspaces',
] as const;
const SAGEMAKER_DIMENSIONS = [VARIANT_DIMENSION, 'sagemaker:variant:DesiredProvisionedConcurrency'] as const;
const SAGEMAKER_PREDEFINED_METRICS = [
  'SageMakerVariantInvocationsPerInstance',
  'SageMakerVariantProvisionedConcurrencyUtilization',
  'SageMakerVariantConcurrentRequestsPerModelHighResolution',
] as const;
// AWS quota: 50 scaling policies per scalable target (not adjustable).
const MAX_POLICIES_PER_TARGET = 50;

const RESOURCE_ID_RULE = { required: true, min: 1, max: 1600, pattern: PATTERNS.xmlString } as const;

function readTargetId(fields: Fields): { namespace: string; resourceId: string; dimension: string } {
  const namespace = fields.string('ServiceNamespace', { required: true, oneOf: SERVICE_NAMESPACES });
  const resourceId = fields.string('ResourceId', RESOURCE_ID_RULE);
  const dimension = fields.string('ScalableDimension', { required: true });
  return { namespace: namespace ?? '', resourceId: resourceId ?? '', dimension: dimension ?? '' };
}

function noTarget(namespace: string, resourceId: string, dimension: string): AwsError {
  // AWS [REPORTED CLI output]: ObjectNotFoundException with this text.
  return new AwsError(
    'ObjectNotFoundException',
    `No scalable target registered for service namespace: ${namespace}, resource ID: ${resourceId}, scalable dimension: ${dimension}`,
  );
}

/** The emulator only models SageMaker variants; other namespaces are refused rather than half-emulated. */
function requireSageMakerTarget(namespace: string, resourceId: string, dimension: string) {
  if (namespace !== SAGEMAKER_NAMESPACE) {
    throw validationError(`Unsupported service namespace ${namespace}: this emulator models only the sagemaker namespace.`);
  }
  if (!(SAGEMAKER_DIMENSIONS as readonly string[]).includes(dimension)) {
    throw validationError(`Unsupported scalable dimension ${dimension} for service namespace ${namespace}.`);
  }
  const parsed = parseVariantResourceId(resourceId);
  if (!parsed) {
    throw validationError(`Unsupported resource ID ${resourceId}: expected endpoint/<endpoint-name>/variant/<variant-name>.`);
  }
  return parsed;
}

// ---------------------------------------------------------------- scalable targets

const registerScalableTarget: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const { namespace, resourceId, dimension } = readTargetId(fields);
  const min = fields.integer('MinCapacity');
  const max = fields.integer('MaxCapacity');
  const roleArn = fields.string('RoleARN', { min: 1, max: 1600 });
  const suspended = fields.struct('SuspendedState');
  const suspendedIn = suspended?.boolean('DynamicScalingInSuspended');
  const suspendedOut = suspended?.boolean('DynamicScalingOutSuspended');
  const suspendedScheduled = suspended?.boolean('ScheduledScalingSuspended');
  const tags = fields.stringMap('Tags', { min: 1, max: 200 });
  fields.check();
  const { endpointName, variantName } = requireSageMakerTarget(namespace, resourceId, dimension);
  // AWS validates that the endpoint and variant exist (exact text UNCONFIRMED).
  const endpoint = ctx.state.endpoints.get(endpointName);
  const variant = endpoint?.variants.find((v) => v.variantName === variantName);
  if (!endpoint || !variant) {
    throw validationError(`The resource ${resourceId} does not exist: no endpoint ${endpointName} with variant ${variantName}.`);
  }
  // AWS [REPORTED via aws-cdk]: burstable (T-family) instances do not support autoscaling.
  if (variant.instanceType?.startsWith('ml.t')) {
    throw validationError(`Variant ${variantName} uses burstable instance type ${variant.instanceType}, which does not support automatic scaling.`);
  }

  const key = scalableTargetKey(namespace, resourceId, dimension);
  const existing = ctx.state.scalableTargets.get(key);
  // AWS: RegisterScalableTarget is an upsert; a new target needs both capacities, an update keeps omitted ones.
  if (!existing && (min === undefined || max === undefined)) {
    throw validationError('MinCapacity and MaxCapacity are required when registering a new scalable target.');
  }
  const minCapacity = min ?? existing!.minCapacity;
  const maxCapacity = max ?? existing!.maxCapacity;
  if (minCapacity < 0 || maxCapacity < 0) throw validationError('Minimum and maximum capacity must be 0 or greater.');
  if (minCapacity > maxCapacity) throw validationError('Minimum capacity cannot be greater than the maximum capacity.');
  const target: ScalableTargetRecord = {
    serviceNamespace: namespace,
    resourceId,
    scalableDimension: dimension,
    minCapacity,
    maxCapacity,
    roleArn: existing?.roleArn ?? roleArn ?? sagemakerAutoscalingRoleArn(ctx),
    arn: existing?.arn ?? scalableTargetArn(ctx, randomUUID().replace(/-/g, '')),
    creationTime: existing?.creationTime ?? ctx.now(),
    suspendedState: {
      DynamicScalingInSuspended: suspendedIn ?? existing?.suspendedState.DynamicScalingInSuspended ?? false,
      DynamicScalingOutSuspended: suspendedOut ?? existing?.suspendedState.DynamicScalingOutSuspended ?? false,
      ScheduledScalingSuspended: suspendedScheduled ?? existing?.suspendedState.ScheduledScalingSuspended ?? false,
    },
    // Tags given when registering are added to the target's (TagResource semantics: same key, new value).
    ...(existing?.tags || tags ? { tags: { ...existing?.tags, ...tags } } : {}),
  };
  ctx.state.scalableTargets.set(key, target);

  // AWS: a capacity outside [min, max] is moved inside; the scaler does it with a weights/capacity
  // update, so the endpoint passes through Updating.
  const clamped = Math.min(maxCapacity, Math.max(minCapacity, variant.desiredInstanceCount));
  if (dimension === VARIANT_DIMENSION && clamped !== variant.desiredInstanceCount && endpoint.status === EndpointStatus.InService) {
    variant.desiredInstanceCount = clamped;
    variant.variantStatus = [{ status: 'Updating', statusMessage: 'Updating capacity to fit the scalable target.', startTime: ctx.now() }];
    endpoint.status = EndpointStatus.Updating;
    endpoint.lastModifiedTime = ctx.now();
    startTransition(ctx, endpoint, 'weights', ctx.timings.weightsUpdateMs);
  }
  return { ScalableTargetARN: target.arn };
};

function targetWire(t: ScalableTargetRecord): Record<string, unknown> {
  return {
    ServiceNamespace: t.serviceNamespace,
    ResourceId: t.resourceId,
    ScalableDimension: t.scalableDimension,
    MinCapacity: t.minCapacity,
    MaxCapacity: t.maxCapacity,
    RoleARN: t.roleArn,
    CreationTime: toEpochSeconds(t.creationTime),
    SuspendedState: t.suspendedState,
    ScalableTargetARN: t.arn,
  };
}

const invalidNextToken = () => new AwsError('InvalidNextTokenException', 'Invalid NextToken.');

/**
 * AWS: "If you specify a scalable dimension, you must also specify a resource ID." (DescribeScalableTargets,
 * DescribeScalingPolicies, DescribeScheduledActions: the ScalableDimension member,
 * https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DescribeScalableTargets.html).
 * The harshest reading is a refusal, so a caller cannot read a whole namespace by dimension. The exact
 * text is UNCONFIRMED.
 */
function requireResourceIdWithDimension(dimension: string | undefined, resourceIdGiven: boolean, member: 'ResourceIds' | 'ResourceId'): void {
  if (dimension !== undefined && !resourceIdGiven) {
    throw validationError(`If you specify a scalable dimension, you must also specify a resource ID (${member}).`);
  }
}

const describeScalableTargets: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const namespace = fields.string('ServiceNamespace', { required: true, oneOf: SERVICE_NAMESPACES });
  const resourceIds = fields.stringList('ResourceIds', { max: 50, item: { min: 1, max: 1600 } });
  const dimension = fields.string('ScalableDimension');
  const maxResults = fields.integer('MaxResults') ?? 50;
  const nextToken = fields.string('NextToken', { max: 2048 });
  fields.check();
  // An empty list filters nothing (UNCONFIRMED; the harsher reading: the whole namespace comes back).
  const ids = resourceIds?.length ? new Set(resourceIds) : undefined;
  requireResourceIdWithDimension(dimension, !!ids, 'ResourceIds');
  // AWS: ResourceIds is an exact match on each id (no prefix), at most 50 per call; unknown ids simply
  // give an empty list.
  const targets = [...ctx.state.scalableTargets.values()].filter(
    (t) => t.serviceNamespace === namespace && (!ids || ids.has(t.resourceId)) && (dimension === undefined || t.scalableDimension === dimension),
  );
  targets.sort((a, b) => a.creationTime - b.creationTime);
  const page = paginate(targets, nextToken, Math.max(1, Math.min(maxResults, 50)), invalidNextToken);
  return { ScalableTargets: page.page.map(targetWire), ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
};

const deregisterScalableTarget: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const { namespace, resourceId, dimension } = readTargetId(fields);
  fields.check();
  const key = scalableTargetKey(namespace, resourceId, dimension);
  if (!ctx.state.scalableTargets.has(key)) throw noTarget(namespace, resourceId, dimension);
  // AWS: deregistering also deletes the target's scaling policies (and so their managed alarms).
  removeScalableTarget(ctx.state, key);
  return {};
};

// ---------------------------------------------------------------- scaling policies

/** AWS [REPORTED]: target tracking creates `TargetTracking-<resourceId>-AlarmHigh-<uuid>` and `...-AlarmLow-<uuid>`. */
function createTargetTrackingAlarms(
  ctx: RequestContext,
  policy: ScalingPolicyRecord,
  targetValue: number,
  disableScaleIn: boolean,
): { AlarmName: string; AlarmARN: string }[] {
  const variant = parseVariantResourceId(policy.resourceId)!;
  const now = ctx.now();
  const make = (kind: 'AlarmHigh' | 'AlarmLow'): AlarmRecord => {
    const name = `TargetTracking-${policy.resourceId}-${kind}-${randomUUID()}`;
    const high = kind === 'AlarmHigh';
    return {
      alarmName: name,
      alarmArn: alarmArn(ctx, name),
      alarmDescription: `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${policy.policyArn}.`,
      stateValue: 'INSUFFICIENT_DATA',
      stateReason: 'Unchecked: Initial alarm creation',
      stateUpdatedTimestamp: now,
      stateTransitionedTimestamp: now,
      alarmConfigurationUpdatedTimestamp: now,
      metricName: 'InvocationsPerInstance',
      namespace: 'AWS/SageMaker',
      statistic: 'Sum',
      dimensions: [
        { Name: 'EndpointName', Value: variant.endpointName },
        { Name: 'VariantName', Value: variant.variantName },
      ],
      period: 60,
      // Scale out after 3 minutes above target, scale in after 15 minutes below 90% of it.
      evaluationPeriods: high ? 3 : 15,
      datapointsToAlarm: high ? 3 : 15,
      threshold: high ? targetValue : targetValue * 0.9,
      comparisonOperator: high ? 'GreaterThanThreshold' : 'LessThanThreshold',
      actionsEnabled: true,
      alarmActions: [policy.policyArn],
      okActions: [],
      insufficientDataActions: [],
      managedByPolicyArn: policy.policyArn,
    };
  };
  const alarms = disableScaleIn ? [make('AlarmHigh')] : [make('AlarmHigh'), make('AlarmLow')];
  for (const alarm of alarms) ctx.state.alarms.set(alarm.alarmName, alarm);
  return alarms.map((a) => ({ AlarmName: a.alarmName, AlarmARN: a.alarmArn }));
}

function readTargetTracking(fields: Fields | undefined): { config: Record<string, unknown>; targetValue: number; disableScaleIn: boolean } | undefined {
  if (!fields) return undefined;
  const targetValue = fields.number('TargetValue', { required: true });
  const predefined = fields.struct('PredefinedMetricSpecification');
  const metricType = predefined?.string('PredefinedMetricType', { required: true });
  predefined?.string('ResourceLabel', { min: 1, max: 1023 });
  const customized = fields.struct('CustomizedMetricSpecification');
  fields.integer('ScaleOutCooldown', { min: 0, max: 31536000 });
  fields.integer('ScaleInCooldown', { min: 0, max: 31536000 });
  const disableScaleIn = fields.boolean('DisableScaleIn') ?? false;
  fields.check();
  if (!predefined && !customized) {
    throw validationError('Either PredefinedMetricSpecification or CustomizedMetricSpecification must be specified.');
  }
  if (predefined && customized) {
    throw validationError('PredefinedMetricSpecification and CustomizedMetricSpecification cannot both be specified.');
  }
  if (metricType !== undefined && !(SAGEMAKER_PREDEFINED_METRICS as readonly string[]).includes(metricType)) {
    throw validationError(`Unsupported predefined metric type ${metricType} for service namespace sagemaker.`);
  }
  return { config: { ...fields.input }, targetValue: targetValue!, disableScaleIn };
}

function readStepScaling(fields: Fields | undefined): Record<string, unknown> | undefined {
  if (!fields) return undefined;
  fields.string('AdjustmentType', { oneOf: ['ChangeInCapacity', 'PercentChangeInCapacity', 'ExactCapacity'] });
  for (const step of fields.structList('StepAdjustments', { max: 20 }) ?? []) {
    step.number('MetricIntervalLowerBound');
    step.number('MetricIntervalUpperBound');
    step.integer('ScalingAdjustment', { required: true });
  }
  fields.integer('MinAdjustmentMagnitude');
  fields.integer('Cooldown');
  fields.string('MetricAggregationType', { oneOf: ['Average', 'Minimum', 'Maximum'] });
  return { ...fields.input };
}

const putScalingPolicy: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const policyName = fields.string('PolicyName', { required: true, min: 1, max: 256, pattern: PATTERNS.policyName });
  const { namespace, resourceId, dimension } = readTargetId(fields);
  const policyType = fields.string('PolicyType', { oneOf: ['StepScaling', 'TargetTrackingScaling', 'PredictiveScaling'] });
  const stepFields = fields.struct('StepScalingPolicyConfiguration');
  const trackingFields = fields.struct('TargetTrackingScalingPolicyConfiguration');
  fields.check();
  if (!ctx.state.scalableTargets.has(scalableTargetKey(namespace, resourceId, dimension))) {
    throw noTarget(namespace, resourceId, dimension);
  }
  const key = scalingPolicyKey(namespace, resourceId, dimension, policyName!);
  const existing = ctx.state.scalingPolicies.get(key);
  // Application Auto Scaling's PolicyType defaults to StepScaling.
  const type = policyType ?? existing?.policyType ?? 'StepScaling';
  if (type === 'PredictiveScaling') throw validationError('PredictiveScaling is not supported for service namespace sagemaker.');
  const tracking = readTargetTracking(trackingFields);
  const step = readStepScaling(stepFields);
  fields.check();
  if (type === 'TargetTrackingScaling' && !tracking) {
    throw validationError('TargetTrackingScalingPolicyConfiguration is required for a policy of type TargetTrackingScaling.');
  }
  if (type === 'StepScaling' && !step) {
    throw validationError('StepScalingPolicyConfiguration is required for a policy of type StepScaling.');
  }
  if (!existing) {
    const count = [...ctx.state.scalingPolicies.values()].filter(
      (p) => p.serviceNamespace === namespace && p.resourceId === resourceId && p.scalableDimension === dimension,
    ).length;
    if (count >= MAX_POLICIES_PER_TARGET) {
      // Note: the SDK retries LimitExceededException as throttling (THROTTLING_ERROR_CODES in
      // https://github.com/smithy-lang/smithy-typescript/blob/main/packages/service-error-classification/src/constants.ts).
      throw new AwsError('LimitExceededException', `A scalable target can have at most ${MAX_POLICIES_PER_TARGET} scaling policies.`);
    }
  }
  const policyArn = existing?.policyArn ?? scalingPolicyArn(ctx, randomUUID(), namespace, resourceId, policyName!);
  if (existing) removeManagedAlarms(ctx.state, existing.policyArn);
  const policy: ScalingPolicyRecord = {
    policyArn,
    policyName: policyName!,
    serviceNamespace: namespace,
    resourceId,
    scalableDimension: dimension,
    policyType: type,
    alarms: [],
    creationTime: existing?.creationTime ?? ctx.now(),
  };
  if (type === 'TargetTrackingScaling') {
    policy.targetTrackingScalingPolicyConfiguration = tracking!.config;
    policy.alarms = createTargetTrackingAlarms(ctx, policy, tracking!.targetValue, tracking!.disableScaleIn);
  } else {
    policy.stepScalingPolicyConfiguration = step!;
  }
  ctx.state.scalingPolicies.set(key, policy);
  return { PolicyARN: policy.policyArn, ...(type === 'TargetTrackingScaling' ? { Alarms: policy.alarms } : {}) };
};

const describeScalingPolicies: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const namespace = fields.string('ServiceNamespace', { required: true, oneOf: SERVICE_NAMESPACES });
  const names = fields.stringList('PolicyNames', { max: 50, item: { min: 1, max: 1600 } });
  const resourceId = fields.string('ResourceId', { min: 1, max: 1600 });
  const dimension = fields.string('ScalableDimension');
  const maxResults = fields.integer('MaxResults') ?? 50;
  const nextToken = fields.string('NextToken', { max: 2048 });
  fields.check();
  requireResourceIdWithDimension(dimension, resourceId !== undefined, 'ResourceId');
  const policies = [...ctx.state.scalingPolicies.values()].filter(
    (p) =>
      p.serviceNamespace === namespace &&
      (!names || names.includes(p.policyName)) &&
      (resourceId === undefined || p.resourceId === resourceId) &&
      (dimension === undefined || p.scalableDimension === dimension),
  );
  policies.sort((a, b) => a.creationTime - b.creationTime);
  const page = paginate(policies, nextToken, Math.max(1, Math.min(maxResults, 50)), invalidNextToken);
  return {
    ScalingPolicies: page.page.map((p) => ({
      PolicyARN: p.policyArn,
      PolicyName: p.policyName,
      ServiceNamespace: p.serviceNamespace,
      ResourceId: p.resourceId,
      ScalableDimension: p.scalableDimension,
      PolicyType: p.policyType,
      ...(p.stepScalingPolicyConfiguration ? { StepScalingPolicyConfiguration: p.stepScalingPolicyConfiguration } : {}),
      ...(p.targetTrackingScalingPolicyConfiguration ? { TargetTrackingScalingPolicyConfiguration: p.targetTrackingScalingPolicyConfiguration } : {}),
      // Target tracking: the alarms it created; step scaling: the alarms whose actions name the policy.
      Alarms: p.policyType === 'TargetTrackingScaling' ? p.alarms : alarmsActingOn(ctx.state, p.policyArn),
      CreationTime: toEpochSeconds(p.creationTime),
    })),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
};

const deleteScalingPolicy: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const policyName = fields.string('PolicyName', { required: true, min: 1, max: 256, pattern: PATTERNS.policyName });
  const { namespace, resourceId, dimension } = readTargetId(fields);
  fields.check();
  const key = scalingPolicyKey(namespace, resourceId, dimension, policyName!);
  const policy = ctx.state.scalingPolicies.get(key);
  if (!policy) {
    // Text in AWS's style; UNCONFIRMED.
    throw new AwsError(
      'ObjectNotFoundException',
      `No scaling policy found for service namespace: ${namespace}, resource ID: ${resourceId}, scalable dimension: ${dimension}, policy name: ${policyName}`,
    );
  }
  // AWS: deleting a target-tracking policy deletes the alarms it created; a step policy's ARN leaves the
  // actions of the alarms wired to it (the alarms stay).
  removePolicyFromAlarms(ctx.state, policy.policyArn);
  ctx.state.scalingPolicies.delete(key);
  return {};
};

// ---------------------------------------------------------------- scheduled actions

const SCHEDULED_ACTION_NAME_RULE = { required: true, min: 1, max: 256, pattern: PATTERNS.policyName } as const;

/** PutScheduledAction: creates or updates by name; the target must be registered. */
const putScheduledAction: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const name = fields.string('ScheduledActionName', SCHEDULED_ACTION_NAME_RULE);
  const { namespace, resourceId, dimension } = readTargetId(fields);
  const schedule = fields.string('Schedule', { min: 1, max: 1600 });
  const timezone = fields.string('Timezone', { min: 1, max: 1600 });
  const startTime = fields.timestamp('StartTime');
  const endTime = fields.timestamp('EndTime');
  const action = fields.struct('ScalableTargetAction');
  const minCapacity = action?.integer('MinCapacity');
  const maxCapacity = action?.integer('MaxCapacity');
  fields.check();
  if (!ctx.state.scalableTargets.has(scalableTargetKey(namespace, resourceId, dimension))) throw noTarget(namespace, resourceId, dimension);
  const key = scheduledActionKey(namespace, resourceId, dimension, name!);
  const existing = ctx.state.scheduledActions.get(key);
  // AWS: Schedule is required when creating a scheduled action (an update may leave it out).
  if (!existing && schedule === undefined) throw validationError('Schedule is required when creating a scheduled action.');
  if (schedule !== undefined && !/^(at|rate|cron)\(.+\)$/.test(schedule)) {
    throw validationError(`Invalid schedule ${schedule}: expected at(...), rate(...) or cron(...).`);
  }
  const record: ScheduledActionRecord = {
    scheduledActionName: name!,
    scheduledActionArn: existing?.scheduledActionArn ?? scheduledActionArn(ctx, randomUUID(), namespace, resourceId, name!),
    serviceNamespace: namespace,
    resourceId,
    scalableDimension: dimension,
    schedule: schedule ?? existing!.schedule,
    ...((timezone ?? existing?.timezone) ? { timezone: timezone ?? existing?.timezone } : {}),
    // AWS: "If you don't specify start and end times, the old values are deleted."
    // https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScheduledAction.html
    ...(startTime !== undefined ? { startTime } : {}),
    ...(endTime !== undefined ? { endTime } : {}),
    ...(action || existing?.scalableTargetAction
      ? {
          scalableTargetAction: {
            ...existing?.scalableTargetAction,
            ...(minCapacity !== undefined ? { MinCapacity: minCapacity } : {}),
            ...(maxCapacity !== undefined ? { MaxCapacity: maxCapacity } : {}),
          },
        }
      : {}),
    creationTime: existing?.creationTime ?? ctx.now(),
  };
  ctx.state.scheduledActions.set(key, record);
  return {};
};

const describeScheduledActions: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const namespace = fields.string('ServiceNamespace', { required: true, oneOf: SERVICE_NAMESPACES });
  const names = fields.stringList('ScheduledActionNames', { max: 50, item: { min: 1, max: 1600 } });
  const resourceId = fields.string('ResourceId', { min: 1, max: 1600 });
  const dimension = fields.string('ScalableDimension');
  const maxResults = fields.integer('MaxResults') ?? 50;
  const nextToken = fields.string('NextToken', { max: 2048 });
  fields.check();
  requireResourceIdWithDimension(dimension, resourceId !== undefined, 'ResourceId');
  const actions = [...ctx.state.scheduledActions.values()].filter(
    (a) =>
      a.serviceNamespace === namespace &&
      (!names || names.includes(a.scheduledActionName)) &&
      (resourceId === undefined || a.resourceId === resourceId) &&
      (dimension === undefined || a.scalableDimension === dimension),
  );
  actions.sort((a, b) => a.creationTime - b.creationTime);
  const page = paginate(actions, nextToken, Math.max(1, Math.min(maxResults, 50)), invalidNextToken);
  return {
    ScheduledActions: page.page.map((a) => ({
      ScheduledActionName: a.scheduledActionName,
      ScheduledActionARN: a.scheduledActionArn,
      ServiceNamespace: a.serviceNamespace,
      Schedule: a.schedule,
      ...(a.timezone ? { Timezone: a.timezone } : {}),
      ResourceId: a.resourceId,
      ScalableDimension: a.scalableDimension,
      ...(a.startTime !== undefined ? { StartTime: toEpochSeconds(a.startTime) } : {}),
      ...(a.endTime !== undefined ? { EndTime: toEpochSeconds(a.endTime) } : {}),
      ...(a.scalableTargetAction ? { ScalableTargetAction: a.scalableTargetAction } : {}),
      CreationTime: toEpochSeconds(a.creationTime),
    })),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
};

const deleteScheduledAction: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const name = fields.string('ScheduledActionName', SCHEDULED_ACTION_NAME_RULE);
  const { namespace, resourceId, dimension } = readTargetId(fields);
  fields.check();
  const key = scheduledActionKey(namespace, resourceId, dimension, name!);
  if (!ctx.state.scheduledActions.delete(key)) {
    // Text in AWS's style; UNCONFIRMED.
    throw new AwsError(
      'ObjectNotFoundException',
      `No scheduled action found for service namespace: ${namespace}, resource ID: ${resourceId}, scalable dimension: ${dimension}, scheduled action name: ${name}`,
    );
  }
  return {};
};

// ---------------------------------------------------------------- tags (scalable targets only)

function targetByArn(ctx: RequestContext, arn: string): ScalableTargetRecord {
  const target = [...ctx.state.scalableTargets.values()].find((t) => t.arn === arn);
  // AWS: ResourceNotFoundException for an ARN that names no taggable resource (text UNCONFIRMED).
  // The model's ResourceNotFoundException carries the ARN in ResourceName.
  if (!target) throw new AwsError('ResourceNotFoundException', `No scalable target found for ARN ${arn}.`, 400, {}, undefined, { ResourceName: arn });
  return target;
}

const RESOURCE_ARN_RULE = { required: true, min: 1, max: 1011 } as const;

const listTagsForResource: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const arn = fields.string('ResourceARN', RESOURCE_ARN_RULE);
  fields.check();
  return { Tags: { ...targetByArn(ctx, arn!).tags } };
};

const tagResource: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const arn = fields.string('ResourceARN', RESOURCE_ARN_RULE);
  const tags = fields.stringMap('Tags', { min: 1, max: 200 });
  fields.check();
  if (!tags) throw validationError('Tags is required.');
  const target = targetByArn(ctx, arn!);
  target.tags = { ...target.tags, ...tags };
  return {};
};

const untagResource: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const arn = fields.string('ResourceARN', RESOURCE_ARN_RULE);
  const keys = fields.stringList('TagKeys', { required: true, min: 1, max: 200, item: { min: 1, max: 128 } });
  fields.check();
  const target = targetByArn(ctx, arn!);
  target.tags = Object.fromEntries(Object.entries(target.tags ?? {}).filter(([k]) => !keys!.includes(k)));
  return {};
};

export const autoscalingService: JsonService = {
  targetPrefix: 'AnyScaleFrontendService',
  contentType: 'application/x-amz-json-1.1',
  model: 'application-autoscaling',
  operations: {
    RegisterScalableTarget: registerScalableTarget,
    DescribeScalableTargets: describeScalableTargets,
    DeregisterScalableTarget: deregisterScalableTarget,
    PutScalingPolicy: putScalingPolicy,
    DescribeScalingPolicies: describeScalingPolicies,
    DeleteScalingPolicy: deleteScalingPolicy,
    PutScheduledAction: putScheduledAction,
    DescribeScheduledActions: describeScheduledActions,
    DeleteScheduledAction: deleteScheduledAction,
    ListTagsForResource: listTagsForResource,
    TagResource: tagResource,
    UntagResource: untagResource,
  },
};
