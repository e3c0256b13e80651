/** What the deploy pipeline reports while it runs (status query) and when it ends (result). */

export const DEPLOY_STEPS = [
  'validating',
  'registering',
  'staging',
  'awaiting-approval',
  'creating-model',
  'creating-endpoint-config',
  'creating-endpoint',
  'removing-scaling',
  'updating-endpoint',
  'waiting-in-service',
  'verifying',
  'restoring-scaling',
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
  /** Superseded endpoint configs and models deleted because `archive` was false. */
  removed?: string[];
  /**
   * Set when the deploy changed an autoscaled variant's instance type or name: the variants whose scaling
   * was put back after the update (under the new name for a renamed variant), and what was not.
   */
  autoscaling?: { restored: string[]; notRestored: Array<{ variantName: string; reason: string }> };
}
