import type { Stage } from '../domain/deploy';

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
  setStage(model: string, version: number, stage: Stage, status: string, description?: string): Promise<void>;
}
