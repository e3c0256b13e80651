import type { Stage } from '../domain/deploy/input';
import type { ModelRef } from '../domain/model-ref';

export type ApprovalStatus = 'PendingManualApproval' | 'Approved' | 'Rejected';

/** A registered model version, as modelship sees it whatever registry holds it. */
export interface ModelVersion {
  model: string;
  version: number;
  /** Registry-specific id: a model package ARN for SageMaker. */
  ref: string;
  image: string;
  modelDataUrl: string;
  approval: ApprovalStatus;
  stage: Stage;
  stageStatus?: string;
  /** Aliases naming this version (MLflow); SageMaker's registry has none. */
  aliases?: string[];
}

/**
 * Who changed the registry, and why. Registries that can hold it beside the version (MLflow: version
 * tags) record it, so the registry itself says which run moved what.
 */
export interface RegistryChange {
  workflowId?: string;
  actor?: string;
  reason?: string;
  /**
   * The caller will archive the other holders of the stage: a registry that archives natively
   * (MLflow's `archive_existing_versions`) may do it in the same call.
   */
  archiveExisting?: boolean;
}

export interface RegisterVersionRequest {
  model: string;
  image: string;
  modelDataUrl: string;
  description?: string;
  metadata?: Record<string, string>;
  /** Same token, same version: a retried registration never creates a second one. */
  idempotencyToken: string;
}

/**
 * What every pipeline needs from a model registry. SageMaker's (model package groups) is the first
 * implementation; an MLflow adapter is the second.
 */
export interface ModelRegistry {
  registerVersion(request: RegisterVersionRequest): Promise<ModelVersion>;
  getVersion(model: string, version: number): Promise<ModelVersion>;
  listVersions(model: string): Promise<ModelVersion[]>;
  setApproval(model: string, version: number, status: ApprovalStatus, description?: string): Promise<void>;
  setStage(model: string, version: number, stage: Stage, status: string, description?: string, change?: RegistryChange): Promise<void>;
  /**
   * The one version a reference names now. Moving references (stage, alias, latest) are resolved here
   * once per run; a reference this registry cannot hold (an alias in SageMaker's, a model package ARN in
   * MLflow's) fails with a non-retryable error that says so.
   */
  resolve(ref: ModelRef): Promise<ModelVersion>;
}
