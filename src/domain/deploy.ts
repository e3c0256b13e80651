import { z } from 'zod';
import { awsName, duration, environment, image, instanceCount, instanceType, metadata, modelDataUrl, roleArn } from './validation';

/** Registry stages, MLflow-style. SageMaker's registry keeps them in ModelLifeCycle.Stage. */
export const STAGES = { none: 'None', staging: 'Staging', production: 'Production', archived: 'Archived' } as const;
export type Stage = (typeof STAGES)[keyof typeof STAGES];

const pollPolicy = z.strictObject({
  min: duration.optional(),
  max: duration.optional(),
  backoff: z.number().min(1, { error: 'must be at least 1' }).max(10, { error: 'must be at most 10' }).optional(),
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
  /** @default 1 */
  instanceCount: instanceCount.default(1),
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
  poll: pollPolicy.default({}),
});

export type DeployInput = z.input<typeof deployInputSchema>;
export type DeployRequest = z.output<typeof deployInputSchema>;

export const DEPLOY_STEPS = [
  'validating',
  'registering',
  'staging',
  'awaiting-approval',
  'creating-model',
  'creating-endpoint-config',
  'creating-endpoint',
  'updating-endpoint',
  'waiting-in-service',
  'verifying',
  'promoting',
  'compensating',
  'succeeded',
  'failed',
] as const;
export type DeployStep = (typeof DEPLOY_STEPS)[number];

export interface CreatedResource {
  kind: 'model-package' | 'model' | 'endpoint-config' | 'endpoint';
  name: string;
}

export interface ApprovalDecision {
  /** Who decided (free text: user, CI job, ticket). */
  by?: string;
  reason?: string;
}

export interface DeployStatus {
  step: DeployStep;
  endpointName: string;
  modelName: string;
  version?: number;
  modelPackageArn?: string;
  /** What this run created, in order. Compensation removes these if the deployment fails. */
  created: CreatedResource[];
  previousEndpointConfigName?: string;
  approval?: { decision: 'approved' | 'rejected' | 'auto'; by?: string; reason?: string };
  error?: string;
}

export interface DeployResult {
  endpointName: string;
  endpointArn: string;
  endpointConfigName: string;
  previousEndpointConfigName?: string;
  sageMakerModelName: string;
  modelPackageArn: string;
  version: number;
  archived: string[];
}
