import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { STAGES, type Stage } from '../domain/deploy/input';
import { formatModelRef, isMovingRef, parseModelRef } from '../domain/model-ref';
import { FAILURE } from '../domain/failures';
import { type ApprovalStatus, type ModelRegistry, type ModelVersion, type RegisterVersionRequest } from './registry';

export interface StageTransition {
  model: string;
  version: number;
  stage: Stage;
  /** Free-form detail kept beside the stage (e.g. Deployed, DeploymentFailed). */
  status: string;
  description?: string;
  /** Move the other versions holding `stage` to Archived. */
  archiveExisting?: boolean;
  /** Who asked for the change (recorded by registries that keep it). @default 'modelship' */
  actor?: string;
}

/** A model reference resolved to one concrete version: what a run records so it can be reproduced. */
export interface ResolvedModelRef {
  /** The reference as written. */
  ref: string;
  /** Whether the reference can name another version later (stage, alias, latest). */
  moving: boolean;
  /** The fixed reference to the version it resolved to (`models:/name/3` or a model package ARN). */
  pinned: string;
  version: ModelVersion;
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

    /** Resolves a model reference (`models:/churn@champion`, a model package ARN, …) to one version, now. */
    async resolveModelRef(ref: string): Promise<ResolvedModelRef> {
      const parsed = parseModelRef(ref);
      if (!parsed.ok) throw ApplicationFailure.nonRetryable(`model reference ${JSON.stringify(ref)}: ${parsed.error}`, FAILURE.ModelRefUnresolved);
      const version = await registry.resolve(parsed.ref);
      return {
        ref,
        moving: isMovingRef(parsed.ref),
        pinned: parsed.ref.kind === 'model-package' ? parsed.ref.arn : formatModelRef({ kind: 'version', model: version.model, version: version.version }),
        version,
      };
    },

    async setModelApproval(model: string, version: number, status: ApprovalStatus, description?: string): Promise<void> {
      await registry.setApproval(model, version, status, description);
    },

    /**
     * Moves a version to a stage, then archives the previous holders: in that order, so the registry
     * never shows no version in a stage that something is serving. Returns the archived versions.
     */
    async transitionModelStage(t: StageTransition): Promise<number[]> {
      const archives = !!t.archiveExisting && t.stage !== STAGES.none && t.stage !== STAGES.archived;
      const change = { workflowId: Context.current().info.workflowExecution?.workflowId, actor: t.actor ?? 'modelship', reason: t.description ?? t.status };
      // Holders are read first: a registry that archives natively in setStage leaves none to find after it.
      const holders = archives ? (await registry.listVersions(t.model)).filter((v) => v.stage === t.stage && v.version !== t.version) : [];
      await registry.setStage(t.model, t.version, t.stage, t.status, t.description, { ...change, archiveExisting: archives });
      if (!archives) return [];
      for (const v of holders) {
        if ((await registry.getVersion(t.model, v.version)).stage !== t.stage) continue; // archived natively
        await registry.setStage(t.model, v.version, STAGES.archived, 'Superseded', `Superseded by version ${t.version}`, change);
      }
      return holders.map((v) => v.version);
    },
  };
}
