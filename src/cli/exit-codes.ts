import { FAILURE_TYPES, isFailureType, type FailureOutcome } from '../domain/failures';

/** Exit codes of `modelship` commands (documented in the README). */
export const EXIT = {
  /** The pipeline succeeded. */
  ok: 0,
  /** The pipeline failed and was rolled back (or was rejected or aborted): AWS is as it was. */
  pipelineFailed: 1,
  /** The input was refused; nothing was started or created. */
  invalidInput: 2,
  /** Temporal or AWS could not be reached, or something else outside the pipeline went wrong. */
  infrastructure: 3,
  /** The pipeline failed AND its rollback did not complete: an operator must look. */
  rollbackIncomplete: 4,
  /** Another pipeline is already running on the endpoint; nothing was started. */
  endpointBusy: 5,
} as const;

/** The exit code of a pipeline that ended with a failure of `type` (see the catalogue in domain/failures). */
const EXIT_BY_OUTCOME: Record<FailureOutcome, number> = {
  'invalid-input': EXIT.invalidInput,
  refused: EXIT.pipelineFailed,
  'rolled-back': EXIT.pipelineFailed,
  'rollback-incomplete': EXIT.rollbackIncomplete,
  infrastructure: EXIT.infrastructure,
};

export function exitCodeForFailure(type: string | null | undefined): number {
  return isFailureType(type) ? EXIT_BY_OUTCOME[FAILURE_TYPES[type].outcome] : EXIT.pipelineFailed;
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.infrastructure,
  ) {
    super(message);
  }
}
