/** SageMaker Model Registry: model package groups and (versioned) model packages (https://docs.aws.amazon.com/sagemaker/latest/dg/model-registry.html). */
import { modelPackageArn, modelPackageGroupArn, nameFromArnOrName } from './arns';
import { AwsError, modelPackageGroupMissing, validationError } from './errors';
import { listPage, readListRequest } from './listing';
import type { Operation, RequestContext } from './service';
import { ModelApprovalStatus, type ModelLifeCycle, type ModelPackageGroupRecord, type ModelPackageRecord } from './state';
import { Fields, PATTERNS, pick, readTags, toEpochSeconds } from './validation';

const GROUP_NAME_RULE = { required: true, min: 1, max: 63, pattern: PATTERNS.entityName } as const;
const GROUP_ARN_OR_NAME_RULE = { min: 1, max: 170, pattern: PATTERNS.arnOrName } as const;
const APPROVAL_VALUES = Object.values(ModelApprovalStatus);

/** Members echoed back by DescribeModelPackage as they were sent. */
const PACKAGE_EXTRA_MEMBERS = [
  'MetadataProperties',
  'ModelMetrics',
  'Domain',
  'Task',
  'SamplePayloadUrl',
  'SkipModelValidation',
  'SourceUri',
  'ModelCard',
  'ModelPackageRegistrationType',
  'DriftCheckBaselines',
  'AdditionalInferenceSpecifications',
  'SourceAlgorithmSpecification',
  'ValidationSpecification',
  'CertifyForMarketplace',
  'SecurityConfig',
] as const;

function packageMissing(nameOrArn: string): AwsError {
  // AWS-CODE: the registry's not-found texts end in "does not exist." (exact text for packages UNCONFIRMED).
  return validationError(`ModelPackage ${nameOrArn} does not exist.`);
}

function getGroup(ctx: RequestContext, nameOrArn: string): ModelPackageGroupRecord {
  const name = nameFromArnOrName(nameOrArn);
  const group = ctx.state.modelPackageGroups.get(name);
  if (!group) throw modelPackageGroupMissing(modelPackageGroupArn(ctx, name));
  return group;
}

/** A versioned ARN, `group/version`, or an unversioned package name. */
function getPackage(ctx: RequestContext, nameOrArn: string): ModelPackageRecord {
  let arn = nameOrArn;
  if (!nameOrArn.startsWith('arn:')) {
    const versioned = /^(.+)\/(\d+)$/.exec(nameOrArn);
    arn = versioned ? modelPackageArn(ctx, versioned[1]!, Number(versioned[2])) : modelPackageArn(ctx, nameOrArn);
  }
  const pkg = ctx.state.modelPackages.get(arn);
  if (!pkg) throw packageMissing(nameOrArn);
  return pkg;
}

function readLifeCycle(fields: Fields | undefined): ModelLifeCycle | undefined {
  if (!fields) return undefined;
  const stage = fields.string('Stage', { required: true, min: 1, max: 63, pattern: PATTERNS.entityName });
  const status = fields.string('StageStatus', { required: true, min: 1, max: 63, pattern: PATTERNS.entityName });
  const description = fields.string('StageDescription', { max: 1024 });
  const out: ModelLifeCycle = { Stage: stage ?? '', StageStatus: status ?? '' };
  if (description !== undefined) out.StageDescription = description;
  return out;
}

function readMetadata(fields: Fields, member: string): Record<string, string> | undefined {
  const map = fields.stringMap(member, { min: 1, max: 50 });
  if (map) {
    for (const [key, value] of Object.entries(map)) {
      if (key.length < 1 || key.length > 128) fields.violation(member, key, 'Member must have length less than or equal to 128');
      if (value.length < 1 || value.length > 256) fields.violation(member, value, 'Member must have length less than or equal to 256');
    }
  }
  return map;
}

function readInferenceSpecification(fields: Fields | undefined): Record<string, unknown> | undefined {
  if (!fields) return undefined;
  for (const container of fields.structList('Containers', { required: true, min: 1, max: 15 }) ?? []) {
    container.string('Image', { max: 255, pattern: PATTERNS.image });
    container.string('ModelDataUrl', { max: 1024 });
    container.stringMap('Environment', { max: 100 });
  }
  fields.stringList('SupportedContentTypes');
  fields.stringList('SupportedResponseMIMETypes');
  fields.stringList('SupportedRealtimeInferenceInstanceTypes');
  fields.stringList('SupportedTransformInstanceTypes');
  return { ...fields.input };
}

// ---------------------------------------------------------------- groups

const createModelPackageGroup: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const name = fields.string('ModelPackageGroupName', GROUP_NAME_RULE);
  const description = fields.string('ModelPackageGroupDescription', { max: 1024 });
  const tags = readTags(fields);
  fields.check();
  const arn = modelPackageGroupArn(ctx, name!);
  // AWS: the message begins "Model Package Group already exists" [REPORTED]; the rest is UNCONFIRMED.
  if (ctx.state.modelPackageGroups.has(name!)) throw validationError(`Model Package Group already exists: ${arn}`);
  const group: ModelPackageGroupRecord = { name: name!, arn, creationTime: ctx.now(), lastVersion: 0, tags };
  if (description !== undefined) group.description = description;
  ctx.state.modelPackageGroups.set(group.name, group);
  return { ModelPackageGroupArn: arn };
};

function groupWire(group: ModelPackageGroupRecord): Record<string, unknown> {
  return {
    ModelPackageGroupName: group.name,
    ModelPackageGroupArn: group.arn,
    ...(group.description !== undefined ? { ModelPackageGroupDescription: group.description } : {}),
    CreationTime: toEpochSeconds(group.creationTime),
    ModelPackageGroupStatus: 'Completed',
  };
}

const describeModelPackageGroup: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const name = fields.string('ModelPackageGroupName', { ...GROUP_ARN_OR_NAME_RULE, required: true });
  fields.check();
  return { ...groupWire(getGroup(ctx, name!)), CreatedBy: {} };
};

const listModelPackageGroups: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const request = readListRequest(fields, { sortBy: ['Name', 'CreationTime'], defaultOrder: 'Ascending', defaultMaxResults: 100 });
  fields.check();
  const { page, nextToken } = listPage(ctx.state.modelPackageGroups.values(), request);
  return { ModelPackageGroupSummaryList: page.map(groupWire), ...(nextToken ? { NextToken: nextToken } : {}) };
};

const deleteModelPackageGroup: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const name = fields.string('ModelPackageGroupName', { ...GROUP_ARN_OR_NAME_RULE, required: true });
  fields.check();
  const group = getGroup(ctx, name!);
  // AWS refuses to delete a group that still holds versions (exact text UNCONFIRMED).
  if ([...ctx.state.modelPackages.values()].some((p) => p.groupName === group.name)) {
    throw validationError(`Model Package Group ${group.arn} cannot be deleted because it contains model packages.`);
  }
  ctx.state.modelPackageGroups.delete(group.name);
  return {};
};

// ---------------------------------------------------------------- packages

const createModelPackage: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const packageName = fields.string('ModelPackageName', { min: 1, max: 63, pattern: PATTERNS.entityName });
  const groupNameOrArn = fields.string('ModelPackageGroupName', GROUP_ARN_OR_NAME_RULE);
  const clientToken = fields.string('ClientToken', { min: 1, max: 36, pattern: { text: '^[a-zA-Z0-9-]+$', regex: /^[a-zA-Z0-9-]+$/ } });
  const description = fields.string('ModelPackageDescription', { max: 1024 });
  const approval = fields.string('ModelApprovalStatus', { oneOf: APPROVAL_VALUES }) as ModelApprovalStatus | undefined;
  const lifeCycle = readLifeCycle(fields.struct('ModelLifeCycle'));
  const metadata = readMetadata(fields, 'CustomerMetadataProperties');
  const inference = readInferenceSpecification(fields.struct('InferenceSpecification'));
  fields.string('ModelPackageRegistrationType', { oneOf: ['Logged', 'Registered'] });
  const tags = fields.has('Tags') ? readTags(fields) : undefined;
  fields.check();

  // AWS: ClientToken makes CreateModelPackage idempotent: a repeated token returns the first call's ARN
  // and creates nothing (the SDK fills a random token when the caller gives none).
  if (clientToken !== undefined) {
    const existing = ctx.state.modelPackageClientTokens.get(clientToken);
    if (existing && ctx.state.modelPackages.has(existing)) return { ModelPackageArn: existing };
  }
  // Texts below are moto's rendering of AWS (UNCONFIRMED).
  if (packageName !== undefined && groupNameOrArn !== undefined) {
    throw validationError('Both ModelPackageName and ModelPackageGroupName are provided in the input. Cannot determine which one to use.');
  }
  if (packageName === undefined && groupNameOrArn === undefined) {
    throw validationError('Either ModelPackageName or ModelPackageGroupName must be provided in the input.');
  }

  const now = ctx.now();
  let record: ModelPackageRecord;
  if (groupNameOrArn !== undefined) {
    const group = getGroup(ctx, groupNameOrArn);
    // AWS: a versioned package inherits the group's tags and cannot carry its own (text UNCONFIRMED).
    if (tags && tags.length > 0) throw validationError('Tags cannot be specified for a versioned model package; tag the model package group instead.');
    const version = group.lastVersion + 1;
    group.lastVersion = version;
    record = {
      arn: modelPackageArn(ctx, group.name, version),
      name: group.name,
      groupName: group.name,
      version,
      creationTime: now,
      // UNCONFIRMED default for versioned packages; PendingManualApproval is the documented-likely one.
      approvalStatus: approval ?? ModelApprovalStatus.PendingManualApproval,
      extra: pick(fields.input, PACKAGE_EXTRA_MEMBERS),
    };
  } else {
    const arn = modelPackageArn(ctx, packageName!);
    if (ctx.state.modelPackages.has(arn)) throw validationError(`ModelPackage ${arn} already exists.`);
    record = { arn, name: packageName!, creationTime: now, extra: pick(fields.input, PACKAGE_EXTRA_MEMBERS) };
    if (approval !== undefined) record.approvalStatus = approval;
    if (tags) record.tags = tags;
  }
  if (description !== undefined) record.description = description;
  if (lifeCycle) record.modelLifeCycle = lifeCycle;
  if (metadata) record.customerMetadataProperties = { ...metadata };
  if (inference) record.inferenceSpecification = inference;
  if (clientToken !== undefined) {
    record.clientToken = clientToken;
    ctx.state.modelPackageClientTokens.set(clientToken, record.arn);
  }
  ctx.state.modelPackages.set(record.arn, record);
  return { ModelPackageArn: record.arn };
};

const describeModelPackage: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const name = fields.string('ModelPackageName', { required: true, min: 1, max: 176, pattern: PATTERNS.versionedArnOrName });
  fields.check();
  const pkg = getPackage(ctx, name!);
  return {
    ModelPackageName: pkg.name,
    ...(pkg.groupName !== undefined ? { ModelPackageGroupName: pkg.groupName, ModelPackageVersion: pkg.version } : {}),
    ModelPackageArn: pkg.arn,
    ...(pkg.description !== undefined ? { ModelPackageDescription: pkg.description } : {}),
    CreationTime: toEpochSeconds(pkg.creationTime),
    ...(pkg.inferenceSpecification ? { InferenceSpecification: pkg.inferenceSpecification } : {}),
    ModelPackageStatus: 'Completed',
    ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
    ...(pkg.approvalStatus !== undefined ? { ModelApprovalStatus: pkg.approvalStatus } : {}),
    ...(pkg.approvalDescription !== undefined ? { ApprovalDescription: pkg.approvalDescription } : {}),
    CreatedBy: {},
    ...(pkg.lastModifiedTime !== undefined ? { LastModifiedTime: toEpochSeconds(pkg.lastModifiedTime), LastModifiedBy: {} } : {}),
    ...(pkg.customerMetadataProperties ? { CustomerMetadataProperties: pkg.customerMetadataProperties } : {}),
    ...(pkg.modelLifeCycle ? { ModelLifeCycle: pkg.modelLifeCycle } : {}),
    ...pkg.extra,
  };
};

const updateModelPackage: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const arn = fields.string('ModelPackageArn', { required: true, min: 1, max: 2048, pattern: PATTERNS.modelPackageArn });
  const approval = fields.string('ModelApprovalStatus', { oneOf: APPROVAL_VALUES }) as ModelApprovalStatus | undefined;
  const approvalDescription = fields.string('ApprovalDescription', { max: 1024 });
  const metadata = readMetadata(fields, 'CustomerMetadataProperties');
  const toRemove = fields.stringList('CustomerMetadataPropertiesToRemove', { item: { min: 1, max: 128 } });
  const lifeCycle = readLifeCycle(fields.struct('ModelLifeCycle'));
  const inference = readInferenceSpecification(fields.struct('InferenceSpecification'));
  const additional = fields.list('AdditionalInferenceSpecificationsToAdd', { min: 1, max: 15 });
  fields.string('ClientToken', { min: 1, max: 36 });
  fields.check();
  const pkg = ctx.state.modelPackages.get(arn!);
  if (!pkg) throw packageMissing(arn!);
  if (approval !== undefined) pkg.approvalStatus = approval;
  if (approvalDescription !== undefined) pkg.approvalDescription = approvalDescription;
  if (metadata || toRemove) {
    // AWS: CustomerMetadataProperties are merged in; CustomerMetadataPropertiesToRemove deletes keys.
    const merged = { ...pkg.customerMetadataProperties, ...metadata };
    for (const key of toRemove ?? []) delete merged[key];
    if (Object.keys(merged).length > 0) pkg.customerMetadataProperties = merged;
    else delete pkg.customerMetadataProperties;
  }
  if (lifeCycle) pkg.modelLifeCycle = lifeCycle;
  if (inference) pkg.inferenceSpecification = inference;
  if (additional) {
    const existing = Array.isArray(pkg.extra['AdditionalInferenceSpecifications']) ? (pkg.extra['AdditionalInferenceSpecifications'] as unknown[]) : [];
    pkg.extra['AdditionalInferenceSpecifications'] = [...existing, ...additional];
  }
  for (const member of ['SourceUri', 'ModelCard', 'ModelPackageRegistrationType'] as const) {
    if (fields.has(member)) pkg.extra[member] = fields.raw(member);
  }
  pkg.lastModifiedTime = ctx.now();
  return { ModelPackageArn: pkg.arn };
};

const listModelPackages: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  // AWS: ListModelPackages sorts Ascending by default (unlike the endpoint lists).
  const request = readListRequest(fields, { sortBy: ['Name', 'CreationTime'], defaultOrder: 'Ascending', defaultMaxResults: 100 });
  const approval = fields.string('ModelApprovalStatus', { oneOf: APPROVAL_VALUES });
  const groupNameOrArn = fields.string('ModelPackageGroupName', GROUP_ARN_OR_NAME_RULE);
  const type = fields.string('ModelPackageType', { oneOf: ['Versioned', 'Unversioned', 'Both'] });
  fields.check();
  const groupName = groupNameOrArn !== undefined ? nameFromArnOrName(groupNameOrArn) : undefined;
  // A group name implies versioned packages (real CLI output); otherwise the doc's default is unversioned only.
  const effectiveType = type ?? (groupName !== undefined ? 'Versioned' : 'Unversioned');
  const candidates = [...ctx.state.modelPackages.values()].filter((p) => {
    const versioned = p.version !== undefined;
    if (effectiveType === 'Versioned' && !versioned) return false;
    if (effectiveType === 'Unversioned' && versioned) return false;
    if (groupName !== undefined && p.groupName !== groupName) return false;
    return approval === undefined || p.approvalStatus === approval;
  });
  const { page, nextToken } = listPage(candidates, request);
  return {
    ModelPackageSummaryList: page.map((p) => ({
      // Real output for versioned packages omits ModelPackageName.
      ...(p.version === undefined ? { ModelPackageName: p.name } : { ModelPackageGroupName: p.groupName, ModelPackageVersion: p.version }),
      ModelPackageArn: p.arn,
      ...(p.description !== undefined ? { ModelPackageDescription: p.description } : {}),
      CreationTime: toEpochSeconds(p.creationTime),
      ModelPackageStatus: 'Completed',
      ...(p.approvalStatus !== undefined ? { ModelApprovalStatus: p.approvalStatus } : {}),
      ...(p.modelLifeCycle ? { ModelLifeCycle: p.modelLifeCycle } : {}),
      ...(p.extra['ModelPackageRegistrationType'] !== undefined ? { ModelPackageRegistrationType: p.extra['ModelPackageRegistrationType'] } : {}),
    })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

const deleteModelPackage: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const name = fields.string('ModelPackageName', { required: true, min: 1, max: 176, pattern: PATTERNS.versionedArnOrName });
  fields.check();
  const pkg = getPackage(ctx, name!);
  ctx.state.modelPackages.delete(pkg.arn);
  if (pkg.clientToken !== undefined) ctx.state.modelPackageClientTokens.delete(pkg.clientToken);
  return {};
};

export const registryOperations: Record<string, Operation> = {
  CreateModelPackageGroup: createModelPackageGroup,
  DescribeModelPackageGroup: describeModelPackageGroup,
  ListModelPackageGroups: listModelPackageGroups,
  DeleteModelPackageGroup: deleteModelPackageGroup,
  CreateModelPackage: createModelPackage,
  DescribeModelPackage: describeModelPackage,
  UpdateModelPackage: updateModelPackage,
  ListModelPackages: listModelPackages,
  DeleteModelPackage: deleteModelPackage,
};
