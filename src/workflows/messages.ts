import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ActorInput, PauseInput, PromoteInput, SetWeightInput } from '../domain/canary/input';
import type { CanaryStatus } from '../domain/canary/status';
import type { DeleteStatus } from '../domain/delete/status';
import type { ApprovalDecision, DeployStatus } from '../domain/deploy/status';
import type { UpdateStatus } from '../domain/update/status';

/**
 * Everything a client needs to talk to modelship's workflows: the task queue, the workflow type names and
 * every signal, query and update. Workflows define their handlers with these definitions and the CLI sends
 * with them, so the two cannot disagree on a name. This module imports only type declarations besides the
 * define* helpers (which build plain `{ type, name }` objects): loading it never loads the worker, the
 * activities or an AWS client. See https://docs.temporal.io/develop/typescript/message-passing
 */

/** The task queue modelship's workers poll unless told otherwise. */
export const DEFAULT_TASK_QUEUE = 'modelship';

/** Workflow type names: the exported function names in src/workflows (checked by a unit test). */
export const WORKFLOW_TYPES = {
  deploy: 'deployModel',
  canary: 'canaryRollout',
  update: 'updateSageMakerEndpoint',
  delete: 'deleteSageMakerEndpoint',
  scheduledRollout: 'scheduledRollout',
  scheduledPromote: 'scheduledPromote',
} as const;
export type WorkflowTypeName = (typeof WORKFLOW_TYPES)[keyof typeof WORKFLOW_TYPES];

// Every pipeline answers `status`, each with its own status shape.
const STATUS = 'status';
export const deployStatusQuery = defineQuery<DeployStatus>(STATUS);
export const canaryStatusQuery = defineQuery<CanaryStatus>(STATUS);
export const updateStatusQuery = defineQuery<UpdateStatus>(STATUS);
export const deleteStatusQuery = defineQuery<DeleteStatus>(STATUS);
/** The status of whichever pipeline runs on an endpoint (read its type from the workflow's description). */
export const anyStatusQuery = defineQuery<unknown>(STATUS);

// Deploy: the approval step.
export const approveSignal = defineSignal<[ApprovalDecision]>('approve');
export const rejectSignal = defineSignal<[ApprovalDecision]>('reject');

// Canary: operator controls. `approve` has the same name as the deploy's so `modelship approve` works on both.
export const pauseSignal = defineSignal<[PauseInput?]>('pause');
export const resumeSignal = defineSignal<[ActorInput?]>('resume');
export const abortSignal = defineSignal<[ActorInput?]>('abort');
export const promoteSignal = defineSignal<[PromoteInput?]>('promote');
export const approveStepSignal = defineSignal<[ActorInput?]>('approve');
export const setWeightUpdate = defineUpdate<CanaryStatus, [SetWeightInput]>('setWeight');
