import { Command } from 'commander';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { endpointWorkflowId } from '../../domain/names';
import { SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import {
  WORKFLOW_TYPES,
  abortSignal,
  anyStatusQuery,
  approveSignal,
  pauseSignal,
  promoteSignal,
  rejectSignal,
  resumeSignal,
  setWeightUpdate,
} from '../../workflows/messages';
import { addTemporalOptions, connectClient, type TemporalOptions } from '../connection';
import { CliError, EXIT } from '../exit-codes';
import { integer } from '../parse-values';
import { lastPoll, noWorkerMessage } from '../pollers';
import { follow, runPipeline, type OutputOptions } from '../run-pipeline';
import { describeRetrying, describeStatus, retryingActivities } from '../status-lines';

interface ActorFlags extends TemporalOptions {
  by?: string;
  reason?: string;
}

/**
 * Commands that operate the pipeline running on an endpoint (workflow `endpoint/<name>`), whatever its
 * kind. Each is also a plain Temporal signal, update or query, usable from the Temporal CLI and UI.
 */
/** How long `status` waits for the worker to answer its query before checking whether a worker polls. */
const STATUS_QUERY_DEADLINE_MS = 10_000;

export function operateCommands(): Command[] {
  const endpointArg = (cmd: Command) => cmd.argument('<endpoint>', 'endpoint the pipeline runs on');
  const actor = (cmd: Command) =>
    cmd.option('--by <who>', 'who acts (recorded in the run and the registry)', process.env.USER).option('--reason <text>', 'why (recorded in the run)');

  const status = addTemporalOptions(
    endpointArg(new Command('status')).summary("show a pipeline's step, weights, gate numbers and actions").option('--json', 'print the raw status'),
  ).action(async (endpoint: string, flags: TemporalOptions & { json?: boolean }) => {
    const { client, handle, desc } = await open(flags, endpoint);
    let s: unknown;
    const polledBefore = await lastPoll(client, desc.taskQueue);
    try {
      // A deadline: with no worker, the server answers a query only after about 30 s.
      s = await client.withDeadline(Date.now() + STATUS_QUERY_DEADLINE_MS, () => handle.query(anyStatusQuery));
    } catch (err) {
      // Queries are answered by a worker: say so plainly when none polls the pipeline's queue, or when
      // none polled again while the query went unanswered (a stopped worker stays listed for minutes).
      const polledAfter = await lastPoll(client, desc.taskQueue);
      if (polledAfter === null || (polledAfter !== undefined && polledAfter === polledBefore)) {
        throw new CliError(
          `${desc.type} ${desc.status.name}: status unknown: ${noWorkerMessage({ ...flags, taskQueue: desc.taskQueue })}`,
          EXIT.infrastructure,
        );
      }
      throw err;
    }
    // An activity that keeps failing (an undo during compensation, a throttled call) shows here with
    // its last error, long before the pipeline's own status can say it gave up.
    const retrying = retryingActivities(desc.raw.pendingActivities);
    if (flags.json)
      console.log(
        JSON.stringify({ workflowId: desc.workflowId, runId: desc.runId, type: desc.type, runStatus: desc.status.name, status: s, retrying }, null, 2),
      );
    else console.log([`${desc.type} ${desc.status.name}: ${describeStatus(desc.type, s)}`, ...retrying.map((r) => `  ${describeRetrying(r)}`)].join('\n'));
  });

  const watch = addTemporalOptions(
    endpointArg(new Command('watch'))
      .summary('follow a running pipeline until it ends; exit code as the pipeline ends')
      .option('--json', 'print one JSON document with the result or failure instead of progress lines'),
  ).action(async (endpoint: string, flags: TemporalOptions & OutputOptions) => {
    const { handle, desc } = await open(flags, endpoint);
    process.exitCode = await follow(handle, anyStatusQuery, (s) => describeStatus(desc.type, s), flags, { ...flags, taskQueue: desc.taskQueue });
  });

  const signalCommand = (name: string, summary: string, send: (h: WorkflowHandle, f: ActorFlags & Record<string, unknown>) => Promise<void>) =>
    addTemporalOptions(actor(endpointArg(new Command(name)).summary(summary))).action(async (endpoint: string, flags: ActorFlags & Record<string, unknown>) => {
      const { handle } = await open(flags, endpoint, true);
      await send(handle, flags);
      console.log(`${name} sent to ${handle.workflowId}`);
    });

  const actorOf = (f: ActorFlags) => ({ by: f.by, reason: f.reason });
  const commands = [
    status,
    watch,
    signalCommand('approve', "approve what the pipeline waits on (a deploy's version, a canary's next step)", (h, f) => h.signal(approveSignal, actorOf(f))),
    signalCommand('reject', 'reject the version a deploy waits on', (h, f) => h.signal(rejectSignal, actorOf(f))),
    signalCommand('pause', 'pause a canary (stops the bake clock; --duration resumes by itself)', (h, f) =>
      h.signal(pauseSignal, { ...actorOf(f), duration: f.duration as string | undefined }),
    ).option('--duration <duration>', 'resume by itself after this long, e.g. 30m'),
    signalCommand('resume', 'resume a paused canary', (h, f) => h.signal(resumeSignal, actorOf(f))),
    signalCommand('abort', 'abort a canary: all traffic back to the baseline, canary removed', (h, f) => h.signal(abortSignal, actorOf(f))),
    signalCommand('promote', 'skip the rest of the current step (--full: straight to 100%)', (h, f) =>
      h.signal(promoteSignal, { ...actorOf(f), full: !!f.full }),
    ).option('--full', 'go straight to 100%, skipping the remaining steps and gates'),
    addTemporalOptions(
      actor(endpointArg(new Command('set-weight')).argument('<percent>', 'canary traffic share, 0-99', Number).summary("set a canary's traffic share now")),
    ).action(async (endpoint: string, weight: number, flags: ActorFlags) => {
      const { handle } = await open(flags, endpoint, true);
      try {
        const s = await handle.executeUpdate(setWeightUpdate, { args: [{ weight, ...actorOf(flags) }] });
        console.log(`canary now at ${s.canaryWeight}%`);
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError)
          throw new CliError(`set-weight refused: ${(err.cause as Error | undefined)?.message ?? err.message}`, EXIT.invalidInput);
        throw err;
      }
    }),
    retryCommand(),
    listCommand(),
  ];
  return commands;
}

/** Starts the endpoint's last pipeline again, with the same input, from its first step. */
function retryCommand(): Command {
  return addTemporalOptions(
    new Command('retry')
      .argument('<endpoint>', 'endpoint whose last pipeline to run again')
      .summary('run the last (failed or aborted) pipeline on an endpoint again from its first step')
      .option('--json', 'print one JSON document with the result or failure instead of progress lines')
      .option('--no-wait', 'start the pipeline, print its workflow id and exit'),
  ).action(async (endpoint: string, flags: TemporalOptions & OutputOptions) => {
    const { client, handle, desc } = await open(flags, endpoint);
    if (desc.status.name === 'RUNNING') throw new CliError(`the ${desc.type} pipeline on ${endpoint} is still running; abort it first`, EXIT.endpointBusy);
    if (desc.status.name === 'COMPLETED') throw new CliError(`the last ${desc.type} pipeline on ${endpoint} succeeded; nothing to retry`, EXIT.invalidInput);
    const history = await handle.fetchHistory();
    const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    // Decoded with the client's data converter: with payload encryption on, the stored input is ciphertext.
    const args = await decodeArrayFromPayloads(client.options.loadedDataConverter, payloads);
    const pipeline = (['deploy', 'canary', 'update', 'delete'] as const).find((k) => WORKFLOW_TYPES[k] === desc.type);
    if (!pipeline) throw new CliError(`cannot retry a ${desc.type} on ${endpoint}: not a modelship pipeline`, EXIT.invalidInput);
    // Started like any pipeline (search attributes, memo, the no-worker check), on the last run's task queue.
    process.exitCode = await runPipeline(
      {
        client,
        workflowType: desc.type,
        workflowId: handle.workflowId,
        taskQueue: desc.taskQueue,
        where: flags,
        pipeline,
        model: desc.typedSearchAttributes.get(SEARCH_ATTRIBUTES.model),
        args,
        statusQuery: anyStatusQuery,
        describe: (s) => describeStatus(desc.type, s),
        summary: await desc.staticSummary(),
      },
      flags,
    );
  });
}

function listCommand(): Command {
  return addTemporalOptions(
    new Command('list')
      .summary('list modelship pipelines (newest first)')
      .option('--endpoint <name>', 'only this endpoint')
      .option('--running', 'only running pipelines')
      .option('--limit <n>', 'at most this many', integer, 20)
      .option('--json', 'print a JSON array instead of a table'),
  ).action(async (flags: TemporalOptions & { endpoint?: string; running?: boolean; limit: number; json?: boolean }) => {
    const client = await connectClient(flags);
    const terms = [`${SEARCH_ATTRIBUTES.pipeline.name} IS NOT NULL`];
    if (flags.endpoint) terms.push(`${SEARCH_ATTRIBUTES.endpoint.name} = ${JSON.stringify(flags.endpoint)}`);
    if (flags.running) terms.push(`ExecutionStatus = "Running"`);
    const rows: Array<Record<string, string>> = [];
    for await (const w of client.workflow.list({ query: terms.join(' AND ') })) {
      const sa = w.typedSearchAttributes;
      rows.push({
        workflowId: w.workflowId,
        type: w.type,
        status: w.status.name,
        model: sa.get(SEARCH_ATTRIBUTES.model) ?? '',
        version: sa.get(SEARCH_ATTRIBUTES.version) ?? '',
        step: sa.get(SEARCH_ATTRIBUTES.step) ?? '',
        started: w.startTime.toISOString(),
      });
      if (rows.length >= flags.limit) break;
    }
    if (flags.json) return void console.log(JSON.stringify(rows, null, 2));
    const n = rows.length;
    if (n)
      console.log(
        table(
          ['WORKFLOW', 'TYPE', 'STATUS', 'MODEL', 'VERSION', 'STEP', 'STARTED'],
          rows.map((r) => Object.values(r)),
        ),
      );
    if (!n) console.error('no modelship pipelines found');
  });
}

async function open(
  flags: TemporalOptions,
  endpoint: string,
  mustRun = false,
): Promise<{ client: Client; handle: WorkflowHandle; desc: Awaited<ReturnType<WorkflowHandle['describe']>> }> {
  const client = await connectClient(flags);
  const handle = client.workflow.getHandle(endpointWorkflowId(endpoint));
  try {
    const desc = await handle.describe();
    if (mustRun && desc.status.name !== 'RUNNING')
      throw new CliError(`no pipeline is running on ${endpoint} (the last ${desc.type} is ${desc.status.name})`, EXIT.invalidInput);
    return { client, handle, desc };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new CliError(`no modelship pipeline has run on endpoint ${endpoint}`, EXIT.invalidInput);
    throw err;
  }
}

/** Columns padded to their widest cell, two spaces apart. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}
