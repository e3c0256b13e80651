import { STAGES, type Stage } from '../domain/deploy';
import type { ApprovalStatus, ModelRegistry, ModelVersion, RegisterVersionRequest } from './registry';

export interface StageTransition {
  model: string;
  version: number;
  stage: Stage;
  /** Free-form detail kept beside the stage (e.g. Deployed, DeploymentFailed). */
  status: string;
  description?: string;
  /** Move the other versions holding `stage` to Archived. */
  archiveExisting?: boolean;
}

/** Registry activities, the same whichever registry implementation is plugged in. */
export function createRegistryActivities(registry: ModelRegistry) {
  return {
    async registerModelVersion(request: RegisterVersionRequest): Promise<ModelVersion> {
      return registry.registerVersion(request);
    },

    async getModelVersion(model: string, version: number): Promise<ModelVersion> {
      return registry.getVersion(model, version);
    },

    /** The newest Approved version of a model, or null: what a scheduled rollout deploys. */
    async latestApprovedVersion(model: string): Promise<ModelVersion | null> {
      const approved = (await registry.listVersions(model)).filter((v) => v.approval === 'Approved');
      return approved.reduce<ModelVersion | null>((best, v) => (!best || v.version > best.version ? v : best), null);
    },

    async setModelApproval(model: string, version: number, status: ApprovalStatus, description?: string): Promise<void> {
      await registry.setApproval(model, version, status, description);
    },

    /**
     * Moves a version to a stage, then archives the previous holders: in that order, so the registry
     * never shows no version in a stage that something is serving. Returns the archived versions.
     */
    async transitionModelStage(t: StageTransition): Promise<number[]> {
      await registry.setStage(t.model, t.version, t.stage, t.status, t.description);
      if (!t.archiveExisting || t.stage === STAGES.none || t.stage === STAGES.archived) return [];
      const holders = (await registry.listVersions(t.model)).filter((v) => v.stage === t.stage && v.version !== t.version);
      for (const v of holders) {
        await registry.setStage(t.model, v.version, STAGES.archived, 'Superseded', `Superseded by version ${t.version}`);
      }
      return holders.map((v) => v.version);
    },
  };
}
