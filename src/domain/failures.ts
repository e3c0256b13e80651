import { ApplicationFailure } from '@temporalio/common';
import { describeIssues, type InputIssue } from './validation';

/**
 * How a failure leaves AWS and the registry, which is what the CLI's exit code reports:
 * - `invalid-input`: refused before anything was created.
 * - `refused`: the pipeline would not (or could not) start on what it found; nothing was changed.
 * - `rolled-back`: the pipeline failed and undid what it had done; AWS is as it was.
 * - `rollback-incomplete`: the pipeline failed and its undo did not finish; an operator must look.
 * - `infrastructure`: AWS or the platform failed, not the model or the input (rolled back where there
 *   was anything to roll back).
 */
export type FailureOutcome = 'invalid-input' | 'refused' | 'rolled-back' | 'rollback-incomplete' | 'infrastructure';

/**
 * Every failure type a modelship workflow, activity or plan can end with (the `type` of the
 * ApplicationFailure, the `type` of a plan refusal). CI and the CLI match on these names, so they are
 * part of the interface: add new ones here, never rename one.
 */
export const FAILURE_TYPES = {
  InvalidInput: { outcome: 'invalid-input', meaning: 'the input broke a rule; the details name each field and rule' },
  // A model.ref is checked by the running workflow (the registry answers), so the run did start.
  ModelRefUnresolved: { outcome: 'refused', meaning: 'model.ref names no version in the registry (an input error, never retried)' },
  ModelRefUnsupported: { outcome: 'refused', meaning: 'model.ref uses a form this registry does not support (an input error)' },

  EndpointExists: { outcome: 'refused', meaning: 'mode "create" met an existing endpoint' },
  EndpointNotFound: { outcome: 'refused', meaning: 'the endpoint does not exist' },
  EndpointNotReady: {
    outcome: 'refused',
    meaning: 'the endpoint is not in a state the pipeline can start from (also the benign "still changing" poll result)',
  },
  EndpointFailed: {
    outcome: 'refused',
    meaning: 'the endpoint is Failed, or UpdateRollbackFailed (it will not settle by itself: an operator must look); FailureReason is in the message',
  },
  EndpointOutOfService: {
    outcome: 'refused',
    meaning: 'the endpoint stayed OutOfService (not available to take incoming requests) longer than poll.outOfService',
  },
  EndpointConfigNotVisible: {
    outcome: 'infrastructure',
    meaning: 'CreateEndpoint kept answering that the endpoint config just created does not exist (SageMaker reads it eventually consistently; retried)',
  },
  VersionNotFound: { outcome: 'refused', meaning: 'the model has no such version' },
  VersionNotApproved: { outcome: 'refused', meaning: 'only an Approved version can be rolled out' },
  AlreadyServing: { outcome: 'refused', meaning: 'the endpoint already serves this version' },
  NothingToPromote: { outcome: 'refused', meaning: 'a scheduled promote found no rollout running' },
  ResourceConflict: {
    outcome: 'refused',
    meaning: 'a resource with the name modelship would create exists with another spec or belongs to someone else; it is left alone',
  },

  ApprovalTimedOut: { outcome: 'rolled-back', meaning: 'nobody approved the version in time; it is set Rejected' },
  ApprovalRejected: { outcome: 'rolled-back', meaning: 'an operator rejected the version' },
  DeploymentRolledBack: { outcome: 'rolled-back', meaning: 'SageMaker rolled the deployment back by itself' },
  DeploymentFailed: { outcome: 'rolled-back', meaning: 'a deploy step failed; what this run created was undone' },
  UpdateRolledBack: { outcome: 'rolled-back', meaning: 'SageMaker rolled the update back by itself' },
  UpdateFailed: { outcome: 'rolled-back', meaning: 'an update step failed; the endpoint is back on its config' },
  DeleteFailed: { outcome: 'rolled-back', meaning: 'a delete step failed; running the delete again continues' },
  CanaryFailed: { outcome: 'rolled-back', meaning: 'a canary step failed; traffic is back on the baseline' },
  GateFailed: { outcome: 'rolled-back', meaning: "the canary's metrics failed a gate; the version is set Rejected" },
  GateInconclusive: { outcome: 'rolled-back', meaning: 'the gate could not decide often enough; rolled back' },
  ProgressDeadlineExceeded: { outcome: 'rolled-back', meaning: 'a canary step made no progress within its deadline' },
  EndpointDrift: { outcome: 'rolled-back', meaning: 'the endpoint does not serve what the step set' },
  WeightNotApplied: { outcome: 'refused', meaning: 'a setWeight update was accepted but its weight could not be applied (its caller gets this)' },
  Aborted: { outcome: 'rolled-back', meaning: 'an operator aborted; the version stays Approved' },
  Cancelled: { outcome: 'rolled-back', meaning: 'the run was cancelled; its compensation ran first' },
  ConcurrentChange: {
    outcome: 'rolled-back',
    meaning: 'another actor changed the endpoint meanwhile; modelship left that change alone and names what it found',
  },
  PipelineFailed: { outcome: 'rolled-back', meaning: 'an error escaped the steps; the message says which step' },

  RollbackIncomplete: { outcome: 'rollback-incomplete', meaning: 'the undo did not finish; the details list what is left' },

  InfrastructureFailed: {
    outcome: 'infrastructure',
    meaning: 'an AWS or platform error ended the run; no verdict on the model (a canary version stays Approved)',
  },
} as const satisfies Record<string, { outcome: FailureOutcome; meaning: string }>;

export type FailureType = keyof typeof FAILURE_TYPES;

/** The failure type names, as constants: `FAILURE.GateFailed === 'GateFailed'`. */
export const FAILURE = Object.fromEntries(Object.keys(FAILURE_TYPES).map((k) => [k, k])) as { readonly [K in FailureType]: K };

export function isFailureType(type: string | undefined | null): type is FailureType {
  return !!type && Object.prototype.hasOwnProperty.call(FAILURE_TYPES, type);
}

/** A non-retryable failure of one of the catalogue's types. */
export function failure(type: FailureType, message: string, ...details: unknown[]): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type, ...details);
}

/** `invalid <kind> input: field: rule; …`, typed InvalidInput, with the issues as details. */
export function invalidInput(kind: string, issues: InputIssue[]): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`invalid ${kind} input: ${describeIssues(issues)}`, FAILURE.InvalidInput, ...issues);
}

/**
 * A plan refusal (`{ type, reason, issues? }`, see domain/change-plan.ts) as the failure the workflow ends
 * with: the same type and message `modelship plan` prints, the issues as details.
 */
export function refused(refusal: { type: FailureType; reason: string; issues?: InputIssue[] }): ApplicationFailure {
  return ApplicationFailure.nonRetryable(refusal.reason, refusal.type, ...(refusal.issues ?? []));
}

export interface RolledBack {
  /** What failed, e.g. `deploying version 3 to churn failed while updating-endpoint`. */
  what: string;
  reason: string;
  /** Descriptions of the undo steps that succeeded, and of those that did not. */
  rolledBack: string[];
  rollbackFailures: string[];
  /**
   * Undo steps that found the endpoint changed by another actor and left it so: the run ends as
   * ConcurrentChange (or RollbackIncomplete when other undo steps failed too).
   */
  concurrentChanges?: string[];
  /** The type when the rollback completed. */
  type: FailureType;
  /** Whether the message lists what was rolled back (the canary names only the reason). @default true */
  listRolledBack?: boolean;
  details?: Record<string, unknown>;
}

/**
 * "… failed: reason. Rolled back: …", typed `type`, or RollbackIncomplete with "ROLLBACK INCOMPLETE,
 * needs an operator: …" when an undo step failed. The details carry reason, rolledBack, rollbackFailures.
 */
export function rolledBack(r: RolledBack): ApplicationFailure {
  const incomplete = r.rollbackFailures.length > 0;
  const concurrent = r.concurrentChanges ?? [];
  return ApplicationFailure.nonRetryable(
    // AWS's messages often end with a period; the sentences joined below bring their own.
    `${r.what}: ${r.reason.replace(/\.+$/, '')}` +
      // With nothing undone and an undo step failed, "Rolled back: nothing to undo" would contradict the
      // ROLLBACK INCOMPLETE that follows: the message then names only what is left.
      (r.listRolledBack === false || (incomplete && r.rolledBack.length === 0) ? '' : `. Rolled back: ${r.rolledBack.join(', ') || 'nothing to undo'}`) +
      (concurrent.length ? `. ANOTHER ACTOR CHANGED THE ENDPOINT meanwhile; left alone: ${concurrent.join('; ')}` : '') +
      (incomplete ? `. ROLLBACK INCOMPLETE, needs an operator: ${r.rollbackFailures.join('; ')}` : ''),
    incomplete ? FAILURE.RollbackIncomplete : concurrent.length ? FAILURE.ConcurrentChange : r.type,
    {
      reason: r.reason,
      rolledBack: r.rolledBack,
      rollbackFailures: r.rollbackFailures,
      ...(concurrent.length ? { concurrentChanges: concurrent } : {}),
      ...r.details,
    },
  );
}
