import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type Client,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { ApplicationFailure, TypedSearchAttributes, type Workflow } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../domain/search-attributes';
import type { QueryDefinition } from '@temporalio/common';
import { formatDuration } from '../domain/duration';
import { FAILURE } from '../domain/failures';
import type { TemporalOptions } from './connection';
import { CliError, EXIT, exitCodeForFailure } from './exit-codes';
import { lastPoll, noWorkerMessage, workerPolling } from './pollers';
import { milestoneLines } from './status-lines';

/** Where a pipeline runs: named in the messages that say no worker is polling. */
export type Where = Pick<TemporalOptions, 'address' | 'namespace' | 'taskQueue'>;

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
  /** Which pipeline (ModelshipPipeline) and model (ModelshipModel), set as search attributes at start. */
  pipeline: 'deploy' | 'canary' | 'update' | 'delete';
  model?: string;
  /** Temporal address and namespace, for messages. */
  where: Pick<TemporalOptions, 'address' | 'namespace'>;
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
      // Set at start, not only when a worker first runs the workflow: `modelship list` shows it at once.
      typedSearchAttributes: new TypedSearchAttributes([
        { key: SEARCH_ATTRIBUTES.endpoint, value: endpointOf(p.workflowId) },
        { key: SEARCH_ATTRIBUTES.pipeline, value: p.pipeline },
        { key: SEARCH_ATTRIBUTES.step, value: 'validating' },
        ...(p.model ? [{ key: SEARCH_ATTRIBUTES.model, value: p.model }] : []),
      ]),
      // Who started it, for the audit trail (memo is encrypted by the payload codec when one is set).
      memo: { startedBy: process.env.USER ?? 'unknown', startedWith: 'modelship CLI' },
    } as unknown as WorkflowStartOptions<W>;
    handle = await p.client.workflow.start<W>(p.workflowType, options);
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      const running = await p.client.workflow
        .getHandle(p.workflowId)
        .describe()
        .catch(() => undefined);
      throw new CliError(
        `refused: a ${running?.type ?? 'modelship'} pipeline is already running on this endpoint ` +
          `(workflow ${p.workflowId}, run ${running?.runId ?? '?'}). Follow it with \`modelship status ${endpointOf(p.workflowId)}\`, or wait for it to end.`,
        EXIT.endpointBusy,
      );
    }
    throw err;
  }
  const where: Where = { ...p.where, taskQueue: p.taskQueue };
  const noWorker = (await workerPolling(p.client, p.taskQueue)) === false;
  if (noWorker) console.error(`modelship: ${noWorkerMessage(where)}`);
  if (out.wait === false) {
    console.log(out.json ? JSON.stringify({ workflowId: handle.workflowId, runId: handle.firstExecutionRunId }) : handle.workflowId);
    return EXIT.ok;
  }
  if (!out.json) console.log(`started ${p.workflowType} as workflow ${handle.workflowId} (run ${handle.firstExecutionRunId})`);
  return follow(handle, p.statusQuery, p.describe, out, where, noWorker);
}

/** How long the waiting loop waits for a status query's answer. */
const QUERY_DEADLINE_MS = 5000;
/** How long the query after the run closed may take: the result is known, so only a few seconds more. */
const FINAL_QUERY_DEADLINE_MS = 3000;
/** How long queries go unanswered, with no worker polling meanwhile, before the loop says no worker polls. */
const NO_ANSWER_MS = 5000;

/** The endpoint a pipeline's workflow id (`endpoint/<name>`) belongs to. */
function endpointOf(workflowId: string): string {
  return workflowId.replace(/^endpoint\//, '');
}

/**
 * What a wait is waiting on, which the status query cannot know: waits poll by activity retries, so the
 * last poll's answer (e.g. "endpoint churn is OutOfService … since …") is the pending activity's last failure.
 */
export async function pendingWait(handle: WorkflowHandle): Promise<string | undefined> {
  try {
    const { raw } = await handle.describe();
    const poll = raw.pendingActivities?.find((a) => a.lastFailure?.applicationFailureInfo?.type === FAILURE.EndpointNotReady);
    return poll?.lastFailure?.message ?? undefined;
  } catch {
    return undefined;
  }
}

/** Prints progress until the workflow closes, then its result; returns the exit code. */
export async function follow<S>(
  handle: WorkflowHandle,
  statusQuery: QueryDefinition<S>,
  describe: (status: S) => string,
  out: OutputOptions,
  where?: Where,
  /** True when the caller already said that no worker polls (at start). */
  warned = false,
): Promise<number> {
  const started = Date.now();
  let last = '';
  const printed = new Set<string>();
  let done = false;
  // Since when (local time) no status query was answered, and the queue's last poll then (server time).
  let unanswered: { since: number; lastPoll: number | null | undefined } | undefined;
  const progress = (async () => {
    while (!done) {
      try {
        const waiting = await pendingWait(handle);
        // A deadline: with no worker, the server answers a query only after about 30 s.
        const status = await handle.client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(statusQuery));
        unanswered = undefined;
        const line = describe(status) + (waiting ? ` — ${waiting}` : '');
        const stamp = `[${formatDuration(Date.now() - started).padStart(6)}]`;
        // A decision the status still records (an approval) is printed once, even when its step went by
        // between two queries: short AWS calls run as local activities, so a step can pass within one task.
        for (const m of milestoneLines(status)) {
          if (!printed.has(m) && m !== line && !done && !out.json) console.log(`${stamp} ${m}`);
          printed.add(m);
        }
        if (line !== last && !done && !out.json) console.log(`${stamp} ${line}`);
        printed.add(line);
        last = line;
      } catch {
        // A query is answered by a worker: the first workflow task may not have run yet, or no worker
        // polls the queue. No worker when none is listed, or when none polled again in 5 s of unanswered
        // queries (a stopped worker stays listed for minutes; a live one answers or polls again).
        if (where && !warned && !done) {
          const polled = await lastPoll(handle.client, where.taskQueue);
          if (unanswered?.lastPoll === undefined) unanswered = { since: Date.now(), lastPoll: polled };
          const gone = polled === null || (polled !== undefined && polled === unanswered.lastPoll && Date.now() - unanswered.since >= NO_ANSWER_MS);
          if (gone && !done) {
            console.error(`modelship: ${noWorkerMessage(where)}`);
            warned = true;
          }
        }
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  // A run whose steps all passed within one workflow task (local activities) answered no query while it
  // ran: one more query, of the closed run, prints the decisions it recorded that no line named yet.
  const missedMilestones = async () => {
    if (out.json) return;
    try {
      const status = await handle.client.withDeadline(Date.now() + FINAL_QUERY_DEADLINE_MS, () => handle.query(statusQuery));
      const stamp = `[${formatDuration(Date.now() - started).padStart(6)}]`;
      for (const m of milestoneLines(status)) if (!printed.has(m)) console.log(`${stamp} ${m}`);
    } catch {
      // No worker answered in time: the decisions are in the run's history and its result.
    }
  };
  try {
    const result = await handle.result();
    done = true;
    await progress;
    await missedMilestones();
    if (out.json) console.log(JSON.stringify({ status: 'succeeded', result }, null, 2));
    else console.log(`succeeded in ${formatDuration(Date.now() - started)}${out.printResult === false ? '' : `\n${JSON.stringify(result, null, 2)}`}`);
    return EXIT.ok;
  } catch (err) {
    done = true;
    await progress;
    await missedMilestones();
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
