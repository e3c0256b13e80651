/** SageMaker models and endpoint configs: Create/Describe/Delete/List. */
import { endpointConfigArn, modelArn } from './arns';
import { alreadyExists, couldNotFind, validationError } from './errors';
import { listPage, readListRequest } from './listing';
import type { Operation, RequestContext } from './service';
import { findModelPackage, type ContainerRecord, type ProductionVariantRecord, type ServerlessConfig } from './state';
import { Fields, PATTERNS, pick, readTags, toEpochSeconds } from './validation';

const NAME_RULE = { required: true, max: 63, pattern: PATTERNS.entityName } as const;
const MODEL_NAME_RULE = { required: true, max: 63, pattern: PATTERNS.modelName } as const;

// ---------------------------------------------------------------- models

const MODEL_EXTRA_MEMBERS = ['InferenceExecutionConfig', 'VpcConfig', 'EnableNetworkIsolation'] as const;

function readContainer(fields: Fields): ContainerRecord {
  const container: ContainerRecord = { raw: { ...fields.input } };
  fields.string('ContainerHostname', { max: 63, pattern: PATTERNS.entityName });
  const image = fields.string('Image', { max: 255, pattern: PATTERNS.image });
  const modelDataUrl = fields.string('ModelDataUrl', { max: 1024, pattern: PATTERNS.modelDataUrl });
  const modelPackageName = fields.string('ModelPackageName', { min: 1, max: 176, pattern: PATTERNS.versionedArnOrName });
  const environment = fields.stringMap('Environment', { max: 100 });
  fields.string('Mode', { oneOf: ['SingleModel', 'MultiModel'] });
  if (image !== undefined) container.image = image;
  if (modelDataUrl !== undefined) container.modelDataUrl = modelDataUrl;
  if (environment !== undefined) container.environment = environment;
  if (modelPackageName !== undefined) container.modelPackageName = modelPackageName;
  return container;
}

const createModel: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const name = fields.string('ModelName', MODEL_NAME_RULE);
  const primary = fields.struct('PrimaryContainer');
  const containerList = fields.structList('Containers', { max: 15 });
  const primaryContainer = primary ? readContainer(primary) : undefined;
  const containers = containerList?.map(readContainer);
  const role = fields.string('ExecutionRoleArn', { min: 20, max: 2048, pattern: PATTERNS.roleArn });
  const tags = readTags(fields);
  fields.boolean('EnableNetworkIsolation');
  fields.check();
  const modelName = name!;
  const arn = modelArn(ctx, modelName);
  if (ctx.state.models.has(modelName)) throw alreadyExists('model', arn);
  // AWS: a model needs PrimaryContainer or Containers (exact text UNCONFIRMED).
  if (!primary && (!containerList || containerList.length === 0)) {
    throw validationError('Either PrimaryContainer or Containers must be specified.');
  }
  if (primary && containerList) {
    throw validationError('PrimaryContainer and Containers cannot both be specified.');
  }
  for (const container of [primaryContainer, ...(containers ?? [])]) {
    const packageName = container?.modelPackageName;
    if (packageName !== undefined && !findModelPackage(ctx.state, packageName)) {
      // UNCONFIRMED text; the "<thing> <arn> does not exist." form follows the registry's other errors.
      throw validationError(`ModelPackage ${packageName} does not exist.`);
    }
  }
  ctx.state.models.set(modelName, {
    name: modelName,
    arn,
    creationTime: ctx.now(),
    ...(role !== undefined ? { executionRoleArn: role } : {}),
    ...(primaryContainer ? { primaryContainer } : {}),
    ...(containers ? { containers } : {}),
    extra: pick(fields.input, MODEL_EXTRA_MEMBERS),
    tags,
  });
  return { ModelArn: arn };
};

function getModel(ctx: RequestContext, name: string) {
  const model = ctx.state.models.get(name);
  if (!model) throw couldNotFind('model', modelArn(ctx, name));
  return model;
}

const describeModel: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const name = fields.string('ModelName', MODEL_NAME_RULE);
  fields.check();
  const model = getModel(ctx, name!);
  return {
    ModelName: model.name,
    ModelArn: model.arn,
    CreationTime: toEpochSeconds(model.creationTime),
    ...(model.primaryContainer ? { PrimaryContainer: model.primaryContainer.raw } : {}),
    ...(model.containers ? { Containers: model.containers.map((c) => c.raw) } : {}),
    ...(model.executionRoleArn ? { ExecutionRoleArn: model.executionRoleArn } : {}),
    EnableNetworkIsolation: false,
    ...model.extra,
  };
};

const deleteModel: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const name = fields.string('ModelName', MODEL_NAME_RULE);
  fields.check();
  getModel(ctx, name!);
  // AWS: deleting a model an endpoint config still references is not blocked; running endpoints keep serving.
  ctx.state.models.delete(name!);
  return {};
};

const listModels: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const request = readListRequest(fields, { sortBy: ['Name', 'CreationTime'], defaultOrder: 'Descending', defaultMaxResults: 100 });
  fields.check();
  const { page, nextToken } = listPage(ctx.state.models.values(), request);
  return {
    Models: page.map((m) => ({ ModelName: m.name, ModelArn: m.arn, CreationTime: toEpochSeconds(m.creationTime) })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

// ---------------------------------------------------------------- endpoint configs

const CONFIG_EXTRA_MEMBERS = [
  'KmsKeyId',
  'AsyncInferenceConfig',
  'ExplainerConfig',
  'ShadowProductionVariants',
  'ExecutionRoleArn',
  'VpcConfig',
  'EnableNetworkIsolation',
  'MetricsConfig',
] as const;

const INSTANCE_TYPE_PATTERN = /^ml\.[a-z0-9-]+\.[a-z0-9]+$/;

function readVariant(fields: Fields): ProductionVariantRecord {
  const variantName = fields.string('VariantName', NAME_RULE);
  const modelName = fields.string('ModelName', { max: 63, pattern: PATTERNS.modelName });
  const instanceType = fields.string('InstanceType');
  if (instanceType !== undefined && !INSTANCE_TYPE_PATTERN.test(instanceType)) {
    // AWS prints the whole InstanceType enum (~277 values) here; abbreviated.
    fields.violation('InstanceType', instanceType, 'Member must satisfy enum value set: [ml.t2.medium, ml.m5.large, ml.g5.xlarge, ...]');
  }
  const initialInstanceCount = fields.integer('InitialInstanceCount', { min: 1 });
  const weight = fields.number('InitialVariantWeight', { min: 0 });
  const serverless = fields.struct('ServerlessConfig');
  let serverlessConfig: ServerlessConfig | undefined;
  if (serverless) {
    const memory = serverless.integer('MemorySizeInMB', { required: true, min: 1024, max: 6144 });
    const maxConcurrency = serverless.integer('MaxConcurrency', { required: true, min: 1, max: 200 });
    const provisioned = serverless.integer('ProvisionedConcurrency', { min: 1, max: 200 });
    serverlessConfig = { MemorySizeInMB: memory ?? 0, MaxConcurrency: maxConcurrency ?? 0 };
    if (provisioned !== undefined) serverlessConfig.ProvisionedConcurrency = provisioned;
  }
  fields.integer('VolumeSizeInGB', { min: 1, max: 512 });
  fields.integer('ModelDataDownloadTimeoutInSeconds', { min: 60, max: 3600 });
  fields.integer('ContainerStartupHealthCheckTimeoutInSeconds', { min: 60, max: 3600 });
  readVariantSettings(fields);
  // AWS: InitialVariantWeight defaults to 1.0.
  const record: ProductionVariantRecord = {
    variantName: variantName ?? '',
    modelName: modelName ?? '',
    initialVariantWeight: weight ?? 1,
    raw: { ...fields.input, InitialVariantWeight: weight ?? 1 },
  };
  if (instanceType !== undefined) record.instanceType = instanceType;
  if (initialInstanceCount !== undefined) record.initialInstanceCount = initialInstanceCount;
  if (serverlessConfig) record.serverlessConfig = serverlessConfig;
  return record;
}

/**
 * The variant's other settings, checked as the service model constrains them and kept verbatim in `raw`, so
 * DescribeEndpointConfig returns each one as sent (as AWS does): a config copied from this one must be able
 * to carry them. AWS (model): ProductionVariant,
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html
 */
function readVariantSettings(fields: Fields): void {
  fields.boolean('EnableSSMAccess');
  fields.string('InferenceAmiVersion', { oneOf: INFERENCE_AMI_VERSIONS });
  fields.integer('VariantInstanceProvisionTimeoutInSeconds', { min: 300, max: 3600 });
  fields.struct('RoutingConfig')?.string('RoutingStrategy', { required: true, oneOf: ['LEAST_OUTSTANDING_REQUESTS', 'RANDOM', 'PREFIX_AWARE', 'KV_AWARE'] });
  const coreDump = fields.struct('CoreDumpConfig');
  coreDump?.string('DestinationS3Uri', { required: true, max: 512 });
  coreDump?.string('KmsKeyId', { max: 2048 });
  const managed = fields.struct('ManagedInstanceScaling');
  managed?.string('Status', { oneOf: ['ENABLED', 'DISABLED'] });
  managed?.integer('MinInstanceCount', { min: 0 });
  managed?.integer('MaxInstanceCount', { min: 1 });
  for (const pool of fields.structList('InstancePools', { min: 1, max: 5 }) ?? []) {
    pool.string('InstanceType', { required: true });
    pool.integer('Priority', { required: true, min: 1, max: 5 });
    pool.string('ModelNameOverride', { max: 63, pattern: PATTERNS.modelName });
  }
}

/** AWS (model): ProductionVariantInferenceAmiVersion's enum. */
const INFERENCE_AMI_VERSIONS = [
  'al2-ami-sagemaker-inference-gpu-2',
  'al2-ami-sagemaker-inference-gpu-2-1',
  'al2-ami-sagemaker-inference-gpu-3-1',
  'al2-ami-sagemaker-inference-neuron-2',
  'al2023-ami-sagemaker-inference-gpu-4-1',
] as const;

/** AWS (model): AsyncInferenceConfig needs its OutputConfig; ClientConfig allows 1-1000 invocations per instance. */
function readAsyncInferenceConfig(fields: Fields): void {
  const output = fields.struct('OutputConfig', { required: true });
  output?.string('KmsKeyId', { max: 2048 });
  output?.string('S3OutputPath', { max: 512 });
  output?.string('S3FailurePath', { max: 512 });
  fields.struct('ClientConfig')?.integer('MaxConcurrentInvocationsPerInstance', { min: 1, max: 1000 });
}

/** Checks that need the whole variant list; exact AWS texts for these are UNCONFIRMED. */
function checkVariantsMeaning(variants: ProductionVariantRecord[], ctx: RequestContext): void {
  const seen = new Set<string>();
  for (const v of variants) {
    if (seen.has(v.variantName)) throw validationError(`The variant name "${v.variantName}" is not unique within the endpoint configuration.`);
    seen.add(v.variantName);
    if (v.serverlessConfig) {
      if (v.instanceType !== undefined || v.initialInstanceCount !== undefined) {
        throw validationError(`Production variant "${v.variantName}" cannot specify both ServerlessConfig and InstanceType/InitialInstanceCount.`);
      }
      const { MemorySizeInMB, MaxConcurrency, ProvisionedConcurrency } = v.serverlessConfig;
      if (MemorySizeInMB % 1024 !== 0) throw validationError(`MemorySizeInMB must be one of 1024, 2048, 3072, 4096, 5120, 6144; got ${MemorySizeInMB}.`);
      if (ProvisionedConcurrency !== undefined && ProvisionedConcurrency > MaxConcurrency) {
        throw validationError('ProvisionedConcurrency must be less than or equal to MaxConcurrency.');
      }
    } else if (v.instanceType === undefined || v.initialInstanceCount === undefined) {
      throw validationError(`Production variant "${v.variantName}" must specify InstanceType and InitialInstanceCount, or ServerlessConfig.`);
    }
    if (!v.modelName) throw validationError(`Production variant "${v.variantName}" must specify ModelName.`);
  }
  const serverless = variants.filter((v) => v.serverlessConfig).length;
  if (serverless > 0 && serverless < variants.length) {
    throw validationError('An endpoint configuration cannot mix serverless and instance-based production variants.');
  }
  for (const v of variants) {
    if (!ctx.state.models.has(v.modelName)) throw couldNotFind('model', modelArn(ctx, v.modelName));
  }
}

function readDataCaptureConfig(fields: Fields): void {
  fields.boolean('EnableCapture');
  fields.integer('InitialSamplingPercentage', { required: true, min: 0, max: 100 });
  fields.string('DestinationS3Uri', { required: true, max: 512 });
  fields.string('KmsKeyId', { max: 2048 });
  for (const option of fields.structList('CaptureOptions', { required: true, min: 1, max: 32 }) ?? []) {
    option.string('CaptureMode', { required: true, oneOf: ['Input', 'Output', 'InputAndOutput'] });
  }
}

const createEndpointConfig: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const name = fields.string('EndpointConfigName', NAME_RULE);
  const variantFields = fields.structList('ProductionVariants', { required: true, min: 1, max: 10 });
  const variants = variantFields?.map(readVariant) ?? [];
  fields.structList('ShadowProductionVariants', { min: 1, max: 10 });
  const dataCapture = fields.struct('DataCaptureConfig');
  if (dataCapture) readDataCaptureConfig(dataCapture);
  fields.string('KmsKeyId', { max: 2048 });
  const asyncInference = fields.struct('AsyncInferenceConfig');
  if (asyncInference) readAsyncInferenceConfig(asyncInference);
  const tags = readTags(fields);
  fields.check();
  const arn = endpointConfigArn(ctx, name!);
  if (ctx.state.endpointConfigs.has(name!)) throw alreadyExists('endpoint configuration', arn);
  checkVariantsMeaning(variants, ctx);
  ctx.state.endpointConfigs.set(name!, {
    name: name!,
    arn,
    creationTime: ctx.now(),
    productionVariants: variants,
    ...(dataCapture ? { dataCaptureConfig: { ...dataCapture.input } } : {}),
    extra: pick(fields.input, CONFIG_EXTRA_MEMBERS),
    tags,
  });
  return { EndpointConfigArn: arn };
};

export function getEndpointConfig(ctx: RequestContext, name: string) {
  const config = ctx.state.endpointConfigs.get(name);
  if (!config) throw couldNotFind('endpoint configuration', endpointConfigArn(ctx, name));
  return config;
}

const describeEndpointConfig: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const name = fields.string('EndpointConfigName', NAME_RULE);
  fields.check();
  const config = getEndpointConfig(ctx, name!);
  return {
    EndpointConfigName: config.name,
    EndpointConfigArn: config.arn,
    ProductionVariants: config.productionVariants.map((v) => v.raw),
    ...(config.dataCaptureConfig ? { DataCaptureConfig: config.dataCaptureConfig } : {}),
    CreationTime: toEpochSeconds(config.creationTime),
    ...config.extra,
  };
};

const deleteEndpointConfig: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const name = fields.string('EndpointConfigName', NAME_RULE);
  fields.check();
  getEndpointConfig(ctx, name!);
  // AWS documents no rejection for a config a live endpoint uses (it only warns); allowed here too.
  ctx.state.endpointConfigs.delete(name!);
  return {};
};

const listEndpointConfigs: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const request = readListRequest(fields, { sortBy: ['Name', 'CreationTime'], defaultOrder: 'Descending', defaultMaxResults: 100 });
  fields.check();
  const { page, nextToken } = listPage(ctx.state.endpointConfigs.values(), request);
  return {
    EndpointConfigs: page.map((c) => ({
      EndpointConfigName: c.name,
      EndpointConfigArn: c.arn,
      CreationTime: toEpochSeconds(c.creationTime),
    })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

export const modelOperations: Record<string, Operation> = {
  CreateModel: createModel,
  DescribeModel: describeModel,
  DeleteModel: deleteModel,
  ListModels: listModels,
  CreateEndpointConfig: createEndpointConfig,
  DescribeEndpointConfig: describeEndpointConfig,
  DeleteEndpointConfig: deleteEndpointConfig,
  ListEndpointConfigs: listEndpointConfigs,
};
