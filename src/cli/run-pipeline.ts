import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type Client,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { ApplicationFailure, type Workflow } from '@temporalio/common';
import type { QueryDefinition } from '@temporalio/common';
import { formatDuration } from '../domain/duration';
import { describeIssues, type InputIssue } from '../domain/validation';
import { CliError, EXIT, exitCodeForFailure } from './exit-codes';

export interface OutputOptions {
  /** Print one JSON document (the result or the failure) instead of progress lines. */
  json?: boolean;
  /** Start the workflow, print its id and return without waiting. */
  wait?: boolean;
  /** Print the result document after success. @default true */
  printResult?: boolean;
}

export interface StartPipeline<W extends Workflow, S> {
  client: Client;
  /** The workflow type name (WORKFLOW_TYPES); W is the workflow function's type, imported as a type only. */
  workflowType: string;
  workflowId: string;
  taskQueue: string;
  args: Parameters<W>;
  statusQuery: QueryDefinition<S>;
  /** One line describing a status, printed whenever it changes. */
  describe: (status: S) => string;
  /** What the run does, in one line: shown in the Temporal UI's run list and header. */
  summary?: string;
}

/**
 * Starts a pipeline workflow and, unless told not to wait, follows it to the end: progress lines while it
 * runs, then the result. Returns the process exit code (see exit-codes.ts).
 */
export async function runPipeline<W extends Workflow, S>(p: StartPipeline<W, S>, out: OutputOptions): Promise<number> {
  let handle: WorkflowHandleWithFirstExecutionRunId<W>;
  try {
    const options = {
      workflowId: p.workflowId,
      taskQueue: p.taskQueue,
      args: p.args,
      staticSummary: p.summary,
      // Who started it, for the audit trail (memo is encrypted by the payload codec when one is set).
      memo: { startedBy: process.env.USER ?? 'unknown', startedWith: 'modelship CLI' },
    } as unknown as WorkflowStartOptions<W>;
    handle = await p.client.workflow.start<W>(p.workflowType, options);
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      const running = await p.client.workflow.getHandle(p.workflowId).describe().catch(() => undefined);
      throw new CliError(
        `refused: a ${running?.type ?? 'modelship'} pipeline is already running on this endpoint ` +
          `(workflow ${p.workflowId}, run ${running?.runId ?? '?'}). Follow it with \`modelship status\`, or wait for it to end.`,
        EXIT.endpointBusy
      );
    }
    throw err;
  }
  if (out.wait === false) {
    console.log(out.json ? JSON.stringify({ workflowId: handle.workflowId, runId: handle.firstExecutionRunId }) : handle.workflowId);
    return EXIT.ok;
  }
  if (!out.json) console.log(`started ${p.workflowType} as workflow ${handle.workflowId} (run ${handle.firstExecutionRunId})`);
  return follow(handle, p.statusQuery, p.describe, out);
}

/** Prints progress until the workflow closes, then its result; returns the exit code. */
export async function follow<S>(
  handle: WorkflowHandle,
  statusQuery: QueryDefinition<S>,
  describe: (status: S) => string,
  out: OutputOptions
): Promise<number> {
  const started = Date.now();
  let last = '';
  let done = false;
  const progress = (async () => {
    while (!done) {
      try {
        const line = describe(await handle.query(statusQuery));
        if (line !== last && !done && !out.json) console.log(`[${formatDuration(Date.now() - started).padStart(6)}] ${line}`);
        last = line;
      } catch {
        // The first workflow task may not have run yet; the next poll will tell.
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  try {
    const result = await handle.result();
    done = true;
    await progress;
    if (out.json) console.log(JSON.stringify({ status: 'succeeded', result }, null, 2));
    else console.log(`succeeded in ${formatDuration(Date.now() - started)}${out.printResult === false ? '' : `\n${JSON.stringify(result, null, 2)}`}`);
    return EXIT.ok;
  } catch (err) {
    done = true;
    await progress;
    return reportFailure(err, out);
  }
}

function reportFailure(err: unknown, out: OutputOptions): number {
  if (!(err instanceof WorkflowFailedError)) throw err;
  const cause = err.cause;
  const type = cause instanceof ApplicationFailure ? cause.type : cause?.name;
  const code = exitCodeForFailure(type);
  if (out.json) {
    const details = cause instanceof ApplicationFailure ? cause.details : undefined;
    console.log(JSON.stringify({ status: 'failed', type, message: cause?.message ?? err.message, details }, null, 2));
  } else {
    console.error(`FAILED (${type}): ${cause?.message ?? err.message}`);
  }
  return code;
}

/** Refuses bad input locally, before anything is started, with the same schema the workflow applies. */
export function refuseInvalid(issues: InputIssue[]): never {
  throw new CliError(`invalid input: ${describeIssues(issues)}`, EXIT.invalidInput);
}
