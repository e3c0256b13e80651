/** SageMaker endpoints: Create/Describe/Update/UpdateEndpointWeightsAndCapacities/Delete/List. */
import { createHash } from 'node:crypto';
import { endpointArn, modelArn } from './arns';
import { removeScalableTarget, targetsOfEndpoint, parseVariantResourceId } from './autoscaling-links';
import { startTransition } from './endpoint-transitions';
import { alreadyExists, couldNotFind, updateFailedEndpoint, updateInProgress, validationError } from './errors';
import { listPage, readListRequest } from './listing';
import { getEndpointConfig } from './sagemaker-models';
import type { Operation, RequestContext } from './service';
import {
  EndpointStatus,
  findEndpointIgnoringCase,
  imageOfModel,
  scalableTargetKey,
  type EndpointConfigRecord,
  type EndpointRecord,
  type EndpointVariantRecord,
} from './state';
import { Fields, PATTERNS, readTags, toEpochSeconds } from './validation';

const NAME_RULE = { required: true, max: 63, pattern: PATTERNS.entityName } as const;

export function getEndpoint(ctx: RequestContext, name: string): EndpointRecord {
  const endpoint = ctx.state.endpoints.get(name);
  if (!endpoint) throw couldNotFind('endpoint', endpointArn(ctx, name));
  return endpoint;
}

/** AWS: updates need InService; Failed endpoints only accept DeleteEndpoint (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html). */
function requireUpdatable(endpoint: EndpointRecord): void {
  if (endpoint.status === EndpointStatus.Failed) throw updateFailedEndpoint(endpoint.arn);
  if (endpoint.status !== EndpointStatus.InService) throw updateInProgress(endpoint.arn);
}

/** A new fleet for a config, all variants at zero current capacity, launching. */
function buildFleet(ctx: RequestContext, config: EndpointConfigRecord): EndpointVariantRecord[] {
  const now = ctx.now();
  return config.productionVariants.map((v) => {
    const model = ctx.state.models.get(v.modelName);
    // AWS: CreateEndpoint/UpdateEndpoint resolve the config's models at request time.
    if (!model) throw couldNotFind('model', modelArn(ctx, v.modelName));
    const count = v.initialInstanceCount ?? 0;
    const variant: EndpointVariantRecord = {
      variantName: v.variantName,
      modelName: v.modelName,
      currentWeight: 0,
      desiredWeight: v.initialVariantWeight,
      currentInstanceCount: 0,
      desiredInstanceCount: count,
      variantStatus: [{ status: 'Creating', statusMessage: `Launching ${count} instance(s).`, startTime: now }],
      deployedAt: now,
    };
    const image = imageOfModel(ctx.state, model);
    if (image !== undefined) variant.image = image;
    if (v.instanceType !== undefined) variant.instanceType = v.instanceType;
    if (v.serverlessConfig) variant.serverlessConfig = v.serverlessConfig;
    return variant;
  });
}

// ---------------------------------------------------------------- CreateEndpoint

const createEndpoint: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const name = fields.string('EndpointName', NAME_RULE);
  const configName = fields.string('EndpointConfigName', NAME_RULE);
  const deploymentConfig = fields.struct('DeploymentConfig');
  const tags = readTags(fields);
  fields.check();
  // AWS: endpoint names are unique case-insensitively (MyEp and myep collide); the case is kept.
  const existing = findEndpointIgnoringCase(ctx.state, name!);
  if (existing) throw alreadyExists('endpoint', endpointArn(ctx, name!));
  const config = getEndpointConfig(ctx, configName!);
  // AWS: "When you call CreateEndpoint, a load call is made to DynamoDB to verify that your endpoint
  // configuration exists ... If the dependent entities are not yet in DynamoDB, this causes a validation
  // error. ... So retry logic is recommended." The endpointConfigVisibilityDelayMs setting (default 0)
  // reproduces that window after CreateEndpointConfig.
  // https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html
  if (ctx.now() - config.creationTime < ctx.settings.endpointConfigVisibilityDelayMs) {
    throw couldNotFind('endpoint configuration', config.arn);
  }
  const fleet = buildFleet(ctx, config);
  const now = ctx.now();
  const endpoint: EndpointRecord = {
    name: name!,
    arn: endpointArn(ctx, name!),
    endpointConfigName: config.name,
    status: EndpointStatus.Creating,
    creationTime: now,
    lastModifiedTime: now,
    // AWS: while Creating, ProductionVariants is absent; the fleet shows in PendingDeploymentSummary.
    variants: [],
    pendingDeployment: { endpointConfigName: config.name, startTime: now, variants: fleet },
    tags,
  };
  if (config.dataCaptureConfig) endpoint.dataCaptureConfig = config.dataCaptureConfig;
  if (deploymentConfig) endpoint.lastDeploymentConfig = { ...deploymentConfig.input };
  ctx.state.endpoints.set(endpoint.name, endpoint);
  startTransition(ctx, endpoint, 'create', ctx.timings.endpointCreateMs);
  return { EndpointArn: endpoint.arn };
};

// ---------------------------------------------------------------- DescribeEndpoint

function deployedImages(variant: EndpointVariantRecord): unknown[] | undefined {
  if (variant.image === undefined) return undefined;
  const resolved = variant.image.includes('@sha256:')
    ? variant.image
    : `${variant.image.replace(/:[^:/]+$/, '')}@sha256:${createHash('sha256').update(variant.image).digest('hex')}`;
  return [{ SpecifiedImage: variant.image, ResolvedImage: resolved, ResolutionTime: toEpochSeconds(variant.deployedAt) }];
}

function variantStatusWire(variant: EndpointVariantRecord): unknown[] | undefined {
  if (variant.variantStatus.length === 0) return undefined;
  return variant.variantStatus.map((s) => ({
    Status: s.status,
    ...(s.statusMessage ? { StatusMessage: s.statusMessage } : {}),
    StartTime: toEpochSeconds(s.startTime),
  }));
}

function variantSummary(variant: EndpointVariantRecord, pending: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { VariantName: variant.variantName };
  const images = deployedImages(variant);
  if (images && !pending) out['DeployedImages'] = images;
  out['CurrentWeight'] = variant.currentWeight;
  out['DesiredWeight'] = variant.desiredWeight;
  if (variant.serverlessConfig) {
    out['CurrentServerlessConfig'] = pending ? undefined : variant.serverlessConfig;
    out['DesiredServerlessConfig'] = variant.serverlessConfig;
  } else {
    out['CurrentInstanceCount'] = variant.currentInstanceCount;
    out['DesiredInstanceCount'] = variant.desiredInstanceCount;
  }
  if (pending && variant.instanceType !== undefined) out['InstanceType'] = variant.instanceType;
  const status = variantStatusWire(variant);
  if (status) out['VariantStatus'] = status;
  return out;
}

function dataCaptureWire(config: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!config) return undefined;
  const enabled = config['EnableCapture'] !== false;
  return {
    EnableCapture: enabled,
    CaptureStatus: enabled ? 'Started' : 'Stopped',
    CurrentSamplingPercentage: config['InitialSamplingPercentage'],
    DestinationS3Uri: config['DestinationS3Uri'],
    // AWS (model): the summary's KmsKeyId is required; with no key configured, '' is the value that names
    // none and satisfies its constraints ([a-zA-Z0-9:/_-]*, 0..2048).
    KmsKeyId: config['KmsKeyId'] ?? '',
  };
}

export function describeEndpointWire(endpoint: EndpointRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    EndpointName: endpoint.name,
    EndpointArn: endpoint.arn,
    EndpointConfigName: endpoint.endpointConfigName,
    EndpointStatus: endpoint.status,
  };
  if (endpoint.failureReason !== undefined) out['FailureReason'] = endpoint.failureReason;
  out['CreationTime'] = toEpochSeconds(endpoint.creationTime);
  out['LastModifiedTime'] = toEpochSeconds(endpoint.lastModifiedTime);
  if (endpoint.variants.length > 0) out['ProductionVariants'] = endpoint.variants.map((v) => variantSummary(v, false));
  const capture = dataCaptureWire(endpoint.dataCaptureConfig);
  if (capture) out['DataCaptureConfig'] = capture;
  if (endpoint.lastDeploymentConfig) out['LastDeploymentConfig'] = endpoint.lastDeploymentConfig;
  if (endpoint.pendingDeployment) {
    out['PendingDeploymentSummary'] = {
      EndpointConfigName: endpoint.pendingDeployment.endpointConfigName,
      StartTime: toEpochSeconds(endpoint.pendingDeployment.startTime),
      ProductionVariants: endpoint.pendingDeployment.variants.map((v) => variantSummary(v, true)),
    };
  }
  return out;
}

const describeEndpoint: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const name = fields.string('EndpointName', NAME_RULE);
  fields.check();
  return describeEndpointWire(getEndpoint(ctx, name!));
};

// ---------------------------------------------------------------- UpdateEndpoint

const RETAINABLE = ['DesiredInstanceCount', 'DesiredWeight', 'DataCaptureConfig'] as const;

function autoRollbackAlarmNames(deploymentConfig: Record<string, unknown> | undefined): string[] {
  const rollback = deploymentConfig?.['AutoRollbackConfiguration'] as { Alarms?: { AlarmName?: unknown }[] } | undefined;
  return (rollback?.Alarms ?? []).map((a) => a.AlarmName).filter((n): n is string => typeof n === 'string');
}

/**
 * AWS: UpdateEndpoint is refused when it would change the instance type of a variant registered as a
 * scalable target, or remove such a variant; a model-only change is allowed
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-scaling-update.html).
 * The exact error text is UNCONFIRMED (ValidationException is the documented-likely code).
 */
function checkAutoscalingAllowsUpdate(ctx: RequestContext, endpoint: EndpointRecord, config: EndpointConfigRecord): void {
  for (const target of targetsOfEndpoint(ctx.state, endpoint.name)) {
    const variantName = parseVariantResourceId(target.resourceId)?.variantName;
    const current = endpoint.variants.find((v) => v.variantName === variantName);
    const next = config.productionVariants.find((v) => v.variantName === variantName);
    if (!next) {
      throw validationError(
        `The variant ${variantName} of endpoint ${endpoint.name} is registered as an Application Auto Scaling scalable target and cannot be removed by UpdateEndpoint. Deregister the scalable target first.`,
      );
    }
    if (current && current.instanceType !== next.instanceType) {
      throw validationError(
        `The instance type of variant ${variantName} of endpoint ${endpoint.name} cannot be changed from ${current.instanceType} to ${next.instanceType} while the variant is registered as an Application Auto Scaling scalable target. Deregister the scalable target first.`,
      );
    }
  }
}

const updateEndpoint: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const name = fields.string('EndpointName', NAME_RULE);
  const configName = fields.string('EndpointConfigName', NAME_RULE);
  const retainAll = fields.boolean('RetainAllVariantProperties') ?? false;
  const excluded = new Set<string>();
  for (const item of fields.structList('ExcludeRetainedVariantProperties', { max: 3 }) ?? []) {
    excluded.add(item.string('VariantPropertyType', { required: true, oneOf: RETAINABLE }) ?? '');
  }
  const deploymentConfig = fields.struct('DeploymentConfig');
  const retainDeploymentConfig = fields.boolean('RetainDeploymentConfig') ?? false;
  fields.check();
  const endpoint = getEndpoint(ctx, name!);
  requireUpdatable(endpoint);
  const config = getEndpointConfig(ctx, configName!);
  // AWS: "To update an endpoint, you must create a new EndpointConfig."
  // https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html
  // An update to the config already in use is a ValidationException (exact text UNCONFIRMED).
  if (config.name === endpoint.endpointConfigName) {
    throw validationError(
      `Cannot update endpoint "${endpoint.arn}" to endpoint configuration "${config.arn}": the endpoint already uses it. To update an endpoint, you must create a new EndpointConfig.`,
    );
  }
  if (deploymentConfig?.has('BlueGreenUpdatePolicy') || deploymentConfig?.has('RollingUpdatePolicy')) {
    // AWS: blue/green and rolling updates need the same variant names in the new config (text UNCONFIRMED).
    const oldNames = endpoint.variants
      .map((v) => v.variantName)
      .sort()
      .join(',');
    const newNames = config.productionVariants
      .map((v) => v.variantName)
      .sort()
      .join(',');
    if (oldNames !== newNames) {
      throw validationError('DeploymentConfig can only be used when the new endpoint configuration has the same variant names as the current one.');
    }
  }
  checkAutoscalingAllowsUpdate(ctx, endpoint, config);
  const fleet = buildFleet(ctx, config);
  // AWS: RetainAllVariantProperties keeps the live DesiredInstanceCount/DesiredWeight (and data capture) of
  // same-named variants; ExcludeRetainedVariantProperties names the ones taken from the new config instead.
  if (retainAll) {
    for (const variant of fleet) {
      const live = endpoint.variants.find((v) => v.variantName === variant.variantName);
      if (!live) continue;
      if (!excluded.has('DesiredInstanceCount') && !variant.serverlessConfig) {
        variant.desiredInstanceCount = live.desiredInstanceCount;
        variant.variantStatus = [{ status: 'Creating', statusMessage: `Launching ${live.desiredInstanceCount} instance(s).`, startTime: ctx.now() }];
      }
      if (!excluded.has('DesiredWeight')) variant.desiredWeight = live.desiredWeight;
    }
  }
  const keepCapture = retainAll && !excluded.has('DataCaptureConfig');
  endpoint.pendingDeployment = {
    endpointConfigName: config.name,
    startTime: ctx.now(),
    variants: fleet,
    dataCaptureConfig: keepCapture ? (endpoint.dataCaptureConfig ?? null) : (config.dataCaptureConfig ?? null),
  };
  if (deploymentConfig) endpoint.lastDeploymentConfig = { ...deploymentConfig.input };
  else if (!retainDeploymentConfig) delete endpoint.lastDeploymentConfig;
  const rollbackAlarms = autoRollbackAlarmNames(endpoint.lastDeploymentConfig);
  if (rollbackAlarms.length > 0) endpoint.pendingDeployment.autoRollbackAlarms = rollbackAlarms;
  // AWS: the old fleet keeps serving; the top-level EndpointConfigName stays the old one until the swap.
  endpoint.status = EndpointStatus.Updating;
  endpoint.lastModifiedTime = ctx.now();
  startTransition(ctx, endpoint, 'update', ctx.timings.endpointUpdateMs);
  return { EndpointArn: endpoint.arn };
};

// ---------------------------------------------------------------- UpdateEndpointWeightsAndCapacities

const updateEndpointWeightsAndCapacities: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const name = fields.string('EndpointName', NAME_RULE);
  const items = fields.structList('DesiredWeightsAndCapacities', { required: true, min: 1 }) ?? [];
  const requested = items.map((item) => {
    const variantName = item.string('VariantName', NAME_RULE) ?? '';
    const weight = item.number('DesiredWeight', { min: 0 });
    const count = item.integer('DesiredInstanceCount', { min: 0 });
    const serverless = item.struct('ServerlessUpdateConfig');
    serverless?.integer('MaxConcurrency', { min: 1, max: 200 });
    serverless?.integer('ProvisionedConcurrency', { min: 1, max: 200 });
    return { variantName, weight, count, hasServerless: serverless !== undefined };
  });
  fields.check();
  const endpoint = getEndpoint(ctx, name!);
  requireUpdatable(endpoint);
  // Texts below follow moto's rendering of AWS's messages (UNCONFIRMED against AWS).
  const seen = new Set<string>();
  for (const r of requested) {
    if (seen.has(r.variantName)) throw validationError(`The variant name "${r.variantName}" was non-unique within the request.`);
    seen.add(r.variantName);
  }
  const unknown = requested.filter((r) => !endpoint.variants.some((v) => v.variantName === r.variantName));
  if (unknown.length > 0) {
    throw validationError(
      `The variant name(s) "${unknown.map((u) => u.variantName).join(', ')}" is/are not present within endpoint configuration "${endpoint.endpointConfigName}".`,
    );
  }
  for (const r of requested) {
    if (r.weight === undefined && r.count === undefined && !r.hasServerless) {
      throw validationError(`Either DesiredWeight or DesiredInstanceCount must be specified for variant "${r.variantName}".`);
    }
  }
  // AWS: Desired* change at once, the endpoint goes Updating, Current* follow when the update completes.
  const now = ctx.now();
  for (const r of requested) {
    const variant = endpoint.variants.find((v) => v.variantName === r.variantName)!;
    if (r.weight !== undefined) variant.desiredWeight = r.weight;
    if (r.count !== undefined) variant.desiredInstanceCount = r.count;
    variant.variantStatus = [{ status: 'Updating', statusMessage: 'Updating weights and capacities.', startTime: now }];
  }
  endpoint.status = EndpointStatus.Updating;
  endpoint.lastModifiedTime = now;
  startTransition(ctx, endpoint, 'weights', ctx.timings.weightsUpdateMs);
  return { EndpointArn: endpoint.arn };
};

// ---------------------------------------------------------------- DeleteEndpoint

/** AWS's text when DeleteEndpoint would have to deregister targets the caller may not deregister [REPORTED]. */
export const DELETE_WITH_TARGETS_MESSAGE =
  'An Application AutoScaling scalable target exists for a variant being deleted, and the IAM identity used to invoke DeleteEndpoint does not have application-autoscaling:DeregisterScalableTarget permission to deregister the scalable target.';

const deleteEndpoint: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const name = fields.string('EndpointName', NAME_RULE);
  fields.check();
  const endpoint = getEndpoint(ctx, name!);
  // AWS: InService and Failed endpoints can be deleted; anything in progress cannot. OutOfService is not
  // in progress (nothing is executing, DescribeEndpoint's EndpointStatus), so it can be deleted too.
  if (endpoint.status !== EndpointStatus.InService && endpoint.status !== EndpointStatus.Failed && endpoint.status !== EndpointStatus.OutOfService) {
    throw updateInProgress(endpoint.arn);
  }
  // AWS: DeleteEndpoint deregisters the variants' scalable targets (and so their policies) silently, when
  // the caller may call DeregisterScalableTarget; otherwise it is refused.
  const targets = targetsOfEndpoint(ctx.state, endpoint.name);
  if (targets.length > 0 && !ctx.settings.callerCanDeregisterScalableTargets) {
    throw validationError(DELETE_WITH_TARGETS_MESSAGE);
  }
  for (const t of targets) removeScalableTarget(ctx.state, scalableTargetKey(t.serviceNamespace, t.resourceId, t.scalableDimension));
  endpoint.status = EndpointStatus.Deleting;
  endpoint.lastModifiedTime = ctx.now();
  delete endpoint.pendingDeployment;
  startTransition(ctx, endpoint, 'delete', ctx.timings.endpointDeleteMs);
  return {};
};

// ---------------------------------------------------------------- ListEndpoints

const STATUS_VALUES = Object.values(EndpointStatus);

const listEndpoints: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  // AWS: ListEndpoints defaults to 10 results, newest first.
  const request = readListRequest(fields, { sortBy: ['Name', 'CreationTime', 'Status'], defaultOrder: 'Descending', defaultMaxResults: 10 });
  const modifiedBefore = fields.timestamp('LastModifiedTimeBefore');
  const modifiedAfter = fields.timestamp('LastModifiedTimeAfter');
  const status = fields.string('StatusEquals', { oneOf: STATUS_VALUES });
  fields.check();
  const candidates = [...ctx.state.endpoints.values()].filter(
    (e) =>
      (status === undefined || e.status === status) &&
      (modifiedBefore === undefined || e.lastModifiedTime < modifiedBefore) &&
      (modifiedAfter === undefined || e.lastModifiedTime > modifiedAfter),
  );
  const { page, nextToken } = listPage(candidates, request, (e, by) => (by === 'Name' ? e.name : by === 'Status' ? e.status : e.creationTime));
  return {
    Endpoints: page.map((e) => ({
      EndpointName: e.name,
      EndpointArn: e.arn,
      CreationTime: toEpochSeconds(e.creationTime),
      LastModifiedTime: toEpochSeconds(e.lastModifiedTime),
      EndpointStatus: e.status,
    })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

export const endpointOperations: Record<string, Operation> = {
  CreateEndpoint: createEndpoint,
  DescribeEndpoint: describeEndpoint,
  UpdateEndpoint: updateEndpoint,
  UpdateEndpointWeightsAndCapacities: updateEndpointWeightsAndCapacities,
  DeleteEndpoint: deleteEndpoint,
  ListEndpoints: listEndpoints,
};
