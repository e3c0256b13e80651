import { z } from 'zod';
import { pollPolicySchema } from '../schemas';
import { awsName, duration, environment, image, instanceCount, instanceType, metadata, modelDataUrl, roleArn } from '../validation';

/** Registry stages, MLflow-style. SageMaker's registry keeps them in ModelLifeCycle.Stage. */
export const STAGES = { none: 'None', staging: 'Staging', production: 'Production', archived: 'Archived' } as const;
export type Stage = (typeof STAGES)[keyof typeof STAGES];

const s3Uri = z
  .string({ error: 'required: an s3:// URI' })
  .max(512, { error: 'must be at most 512 characters' })
  .regex(/^s3:\/\/[a-z0-9.-]{3,63}(\/\S*)?$/, { error: (iss) => `must be an s3://bucket/prefix URI; got ${JSON.stringify(iss.input)}` });

const snsTopicArn = z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/, {
  error: (iss) => `must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>); got ${JSON.stringify(iss.input)}`,
});

/** Network placement of the model's containers (CreateModel VpcConfig). */
const vpcConfigSchema = z.strictObject({
  securityGroupIds: z
    .array(
      z
        .string()
        .regex(/^sg-[0-9a-f]{8,17}$/, { error: (iss) => `each must be a security group id such as sg-0123456789abcdef0; got ${JSON.stringify(iss.input)}` }),
    )
    .min(1, { error: 'must list 1-5 security group ids' })
    .max(5, { error: 'must list 1-5 security group ids' }),
  subnets: z
    .array(
      z
        .string()
        .regex(/^subnet-[0-9a-f]{8,17}$/, { error: (iss) => `each must be a subnet id such as subnet-0123456789abcdef0; got ${JSON.stringify(iss.input)}` }),
    )
    .min(1, { error: 'must list 1-16 subnet ids' })
    .max(16, { error: 'must list 1-16 subnet ids' }),
});

/** Request/response capture to S3 (CreateEndpointConfig DataCaptureConfig). */
const dataCaptureSchema = z.strictObject({
  destinationS3Uri: s3Uri,
  /** @default 100 */
  samplingPercentage: z
    .number()
    .int({ error: 'must be a whole percentage' })
    .min(0, { error: 'must be 0-100' })
    .max(100, { error: 'must be 0-100' })
    .optional(),
  /** @default ['Input', 'Output'] */
  captureModes: z
    .array(z.enum(['Input', 'Output'], { error: 'each must be "Input" or "Output"' }))
    .min(1, { error: 'must list "Input", "Output" or both' })
    .max(2, { error: 'must list "Input", "Output" or both' })
    .optional(),
  /** @default true */
  enabled: z.boolean({ error: 'must be true or false' }).optional(),
  kmsKeyId: z.string().min(1).max(2048, { error: 'must be at most 2048 characters' }).optional(),
});

/** Asynchronous inference (CreateEndpointConfig AsyncInferenceConfig). */
const asyncInferenceSchema = z.strictObject({
  outputS3Uri: s3Uri,
  failureS3Uri: s3Uri.optional(),
  successTopicArn: snsTopicArn.optional(),
  errorTopicArn: snsTopicArn.optional(),
  maxConcurrentInvocationsPerInstance: z.number().int().min(1, { error: 'must be 1-1000' }).max(1000, { error: 'must be 1-1000' }).optional(),
});

/** AWS tags: at most 50, keys 1-128 characters not starting with "aws:", values at most 256. */
const tagsSchema = z
  .record(z.string(), z.string({ error: 'tag values must be strings' }).max(256, { error: 'tag values must be at most 256 characters' }))
  .superRefine((tags, ctx) => {
    // Checked here rather than in a key schema, whose issues zod reports only as "Invalid key in record".
    if (Object.keys(tags).length > 50) ctx.addIssue({ code: 'custom', message: 'at most 50 tags' });
    for (const key of Object.keys(tags)) {
      if (key.length < 1 || key.length > 128) ctx.addIssue({ code: 'custom', path: [key], message: 'tag keys must be 1-128 characters' });
      else if (key.toLowerCase().startsWith('aws:'))
        ctx.addIssue({ code: 'custom', path: [key], message: 'tag keys must not start with "aws:" (reserved by AWS)' });
    }
  });

/** Input of the register → stage → deploy pipeline. */
export const deployInputSchema = z.strictObject({
  /** The SageMaker endpoint to create, or to move to the new version if it exists. */
  endpointName: awsName,
  model: z.strictObject({
    /** Registered model name: the SageMaker model package group. */
    name: awsName,
    image,
    modelDataUrl,
    description: z.string().max(1024, { error: 'must be at most 1024 characters' }).optional(),
    /** Free-form metadata recorded on the version (CustomerMetadataProperties). */
    metadata: metadata.optional(),
    /** Container environment variables. */
    environment: environment.optional(),
  }),
  /** Role SageMaker assumes to pull the image and artifacts. */
  executionRoleArn: roleArn,
  instanceType,
  /**
   * @default the live desired count of the same-named variant when `replace` updates an existing
   * endpoint (an autoscaled fleet must not drop to 1 instance), otherwise 1. See deployInstanceCount.
   */
  instanceCount: instanceCount.optional(),
  /** @default 'AllTraffic' (SageMaker's own default variant name) */
  variantName: awsName.default('AllTraffic'),
  /** Stage the version reaches once the endpoint serves it. @default 'Production' */
  stage: z.enum(['Staging', 'Production'], { error: 'must be "Staging" or "Production"' }).default('Production'),
  /** Archive the versions that held `stage` before. @default true */
  archiveExisting: z.boolean({ error: 'must be true or false' }).default(true),
  /** Skip the human approval (an `approve` signal). @default false */
  autoApprove: z.boolean({ error: 'must be true or false' }).default(false),
  /** How long to wait for approval before giving up. @default '7d' */
  approvalTimeout: duration.default('7d'),
  /** Deadline for the endpoint to reach InService after create or update. @default '60m' */
  inServiceTimeout: duration.default('60m'),
  /** How the InService wait polls DescribeEndpoint. */
  poll: pollPolicySchema.default({}),
  /**
   * What to do with an existing endpoint (MLflow's deploy modes): `create` refuses one; `replace` moves it
   * to one variant serving the new version; `add` keeps its variants and adds one for the new version
   * with weight `addWeight`, for traffic to be shifted later. @default 'replace'
   */
  mode: z.enum(['create', 'replace', 'add'], { error: 'must be "create", "replace" or "add"' }).optional(),
  /** In `add` mode, the new variant's initial weight (MLflow uses 0: no traffic until shifted). @default 0 */
  addWeight: z.number().min(0, { error: 'must be 0 or more' }).max(1000, { error: 'must be at most 1000' }).optional(),
  /** Keep the superseded endpoint config and models (true) or delete them once unused (false). @default true */
  archive: z.boolean({ error: 'must be true or false' }).optional(),
  vpcConfig: vpcConfigSchema.optional(),
  /** Data capture for the new config. Unset: the endpoint's current capture settings are kept. */
  dataCapture: dataCaptureSchema.optional(),
  /** Tags on the SageMaker model, endpoint config and (new) endpoint. */
  tags: tagsSchema.optional(),
  asyncInference: asyncInferenceSchema.optional(),
  /**
   * Role to assume for a cross-account deploy. Validated, but not supported yet: the worker's activities
   * use the worker's own credentials, so a deploy naming a role is refused rather than sent to the wrong account.
   */
  assumeRoleArn: roleArn
    .superRefine((_arn, ctx) => {
      ctx.addIssue({
        code: 'custom',
        message: 'cross-account deploys (assuming a role) are not supported yet; run a worker whose credentials are in the target account',
      });
    })
    .optional(),
});

/** SageMaker's shapes for the deploy input's hosting options: what createModel/createEndpointConfig send. */
export function sageMakerHostingOptions(req: DeployRequest, previousConfigExtra: Record<string, unknown> = {}) {
  const tags = req.tags ? Object.entries(req.tags).map(([Key, Value]) => ({ Key, Value })) : undefined;
  const capture = req.dataCapture
    ? {
        EnableCapture: req.dataCapture.enabled ?? true,
        InitialSamplingPercentage: req.dataCapture.samplingPercentage ?? 100,
        DestinationS3Uri: req.dataCapture.destinationS3Uri,
        ...(req.dataCapture.kmsKeyId ? { KmsKeyId: req.dataCapture.kmsKeyId } : {}),
        CaptureOptions: (req.dataCapture.captureModes ?? ['Input', 'Output']).map((CaptureMode) => ({ CaptureMode })),
      }
    : // MLflow's deploy drops capture settings on every update; an endpoint keeps them here unless told otherwise.
      previousConfigExtra.DataCaptureConfig;
  const a = req.asyncInference;
  const asyncConfig = a
    ? {
        OutputConfig: {
          S3OutputPath: a.outputS3Uri,
          ...(a.failureS3Uri ? { S3FailurePath: a.failureS3Uri } : {}),
          ...(a.successTopicArn || a.errorTopicArn ? { NotificationConfig: { SuccessTopic: a.successTopicArn, ErrorTopic: a.errorTopicArn } } : {}),
        },
        ...(a.maxConcurrentInvocationsPerInstance ? { ClientConfig: { MaxConcurrentInvocationsPerInstance: a.maxConcurrentInvocationsPerInstance } } : {}),
      }
    : undefined;
  return {
    vpcConfig: req.vpcConfig ? { SecurityGroupIds: req.vpcConfig.securityGroupIds, Subnets: req.vpcConfig.subnets } : undefined,
    tags,
    /** Config-level fields of CreateEndpointConfig. */
    configExtra: {
      ...(capture ? { DataCaptureConfig: capture } : {}),
      ...(asyncConfig ? { AsyncInferenceConfig: asyncConfig } : {}),
      ...(tags ? { Tags: tags } : {}),
    } as Record<string, unknown>,
  };
}

export type DeployInput = z.input<typeof deployInputSchema>;
export type DeployRequest = z.output<typeof deployInputSchema>;
