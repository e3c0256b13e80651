import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  paginateListModelPackages,
  UpdateModelPackageCommand,
  type DescribeModelPackageCommandOutput,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { ApplicationFailure } from '@temporalio/common';
import { STAGES, type Stage } from '../domain/deploy/input';
import { formatModelRef, type ModelRef } from '../domain/model-ref';
import { isRegistryAlreadyExists, isRegistryNotFound } from './aws-errors';
import { FAILURE } from '../domain/failures';
import { type ApprovalStatus, type ModelRegistry, type ModelVersion, type RegisterVersionRequest } from './registry';

/**
 * SageMaker Model Registry: a model is a model package group, a version is a versioned model package.
 * Approval lives in ModelApprovalStatus, the MLflow-style stage in ModelLifeCycle.
 */
export class SageMakerModelRegistry implements ModelRegistry {
  constructor(private readonly client: SageMakerClient) {}

  async registerVersion(request: RegisterVersionRequest): Promise<ModelVersion> {
    await this.ensureGroup(request.model);
    const { ModelPackageArn } = await this.client.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: request.model,
        ModelPackageDescription: request.description,
        InferenceSpecification: {
          Containers: [{ Image: request.image, ModelDataUrl: request.modelDataUrl }],
          SupportedContentTypes: ['application/json'],
          SupportedResponseMIMETypes: ['application/json'],
        },
        ModelApprovalStatus: 'PendingManualApproval',
        ModelLifeCycle: { Stage: STAGES.none, StageStatus: 'Registered' },
        CustomerMetadataProperties: request.metadata && Object.keys(request.metadata).length ? request.metadata : undefined,
        // AWS: a repeated ClientToken returns the package already created instead of a new version.
        ClientToken: request.idempotencyToken,
      }),
    );
    return this.describe(ModelPackageArn!);
  }

  async getVersion(model: string, version: number): Promise<ModelVersion> {
    return this.describe(await this.arnOf(model, version));
  }

  async listVersions(model: string): Promise<ModelVersion[]> {
    const versions: ModelVersion[] = [];
    const pages = paginateListModelPackages({ client: this.client }, { ModelPackageGroupName: model, ModelPackageType: 'Versioned', MaxResults: 100 });
    for await (const page of pages) {
      for (const s of page.ModelPackageSummaryList ?? []) versions.push(await this.describe(s.ModelPackageArn!));
    }
    return versions;
  }

  async setApproval(model: string, version: number, status: ApprovalStatus, description?: string): Promise<void> {
    await this.client.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: await this.arnOf(model, version),
        ModelApprovalStatus: status,
        ApprovalDescription: description?.slice(0, 1024),
      }),
    );
  }

  async setStage(model: string, version: number, stage: Stage, status: string, description?: string): Promise<void> {
    await this.client.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: await this.arnOf(model, version),
        ModelLifeCycle: { Stage: stage, StageStatus: status, StageDescription: description?.slice(0, 1024) },
      }),
    );
  }

  async resolve(ref: ModelRef): Promise<ModelVersion> {
    switch (ref.kind) {
      case 'version':
        return this.getVersion(ref.model, ref.version);
      case 'model-package':
        // Described by its ARN, so a package in another region or account is not mistaken for a local one.
        return this.describe(ref.arn);
      case 'alias':
        throw ApplicationFailure.nonRetryable(
          `${formatModelRef(ref)}: SageMaker Model Registry has no aliases; use a version, a stage (models:/${ref.model}/Production) or a model package ARN`,
          FAILURE.ModelRefUnsupported,
        );
      case 'stage':
      case 'latest': {
        const versions = (await this.listVersions(ref.model)).filter((v) => ref.kind === 'latest' || v.stage === ref.stage);
        const newest = versions.reduce<ModelVersion | null>((best, v) => (!best || v.version > best.version ? v : best), null);
        if (!newest) throw ApplicationFailure.nonRetryable(`${formatModelRef(ref)}: no version of ${ref.model} matches`, FAILURE.ModelRefUnresolved);
        return newest;
      }
    }
  }

  private async ensureGroup(name: string): Promise<void> {
    try {
      await this.client.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: name }));
      return;
    } catch (err) {
      if (!isRegistryNotFound(err)) throw err;
    }
    try {
      await this.client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: name, ModelPackageGroupDescription: 'Created by modelship' }));
    } catch (err) {
      // Two runs registering the first versions of one model race here; the loser's group exists.
      if (!isRegistryAlreadyExists(err)) throw err;
    }
  }

  /** Versioned package ARNs are `…:model-package/<group>/<version>`; the group's ARN gives the prefix. */
  private async arnOf(model: string, version: number): Promise<string> {
    const group = await this.client.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: model }));
    return `${group.ModelPackageGroupArn!.replace(':model-package-group/', ':model-package/')}/${version}`;
  }

  private async describe(arn: string): Promise<ModelVersion> {
    const p: DescribeModelPackageCommandOutput = await this.client.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    const container = p.InferenceSpecification?.Containers?.[0];
    return {
      model: p.ModelPackageGroupName!,
      version: p.ModelPackageVersion!,
      ref: p.ModelPackageArn!,
      image: container?.Image ?? '',
      modelDataUrl: container?.ModelDataUrl ?? '',
      approval: (p.ModelApprovalStatus ?? 'PendingManualApproval') as ApprovalStatus,
      stage: (p.ModelLifeCycle?.Stage ?? STAGES.none) as Stage,
      stageStatus: p.ModelLifeCycle?.StageStatus,
    };
  }
}
