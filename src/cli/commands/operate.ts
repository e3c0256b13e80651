import { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';
import { endpointWorkflowId } from '../../domain/names';
import { approveSignal, deployStatusQuery, rejectSignal } from '../../workflows/deploy';
import { addTemporalOptions, connectClient, type TemporalOptions } from '../connection';
import { CliError, EXIT } from '../exit-codes';
import { describeDeployStatus } from './deploy';
import { follow } from '../run-pipeline';

interface DecisionFlags extends TemporalOptions {
  by?: string;
  reason?: string;
}

/** Commands that operate a running pipeline, addressed by its endpoint. */
export function operateCommands(): Command[] {
  const status = addTemporalOptions(
    new Command('status')
      .argument('<endpoint>', 'endpoint the pipeline runs on')
      .summary("show a pipeline's current step and what it created")
      .option('--json', 'print the raw status')
  ).action(async (endpoint: string, flags: TemporalOptions & { json?: boolean }) => {
    const client = await connectClient(flags);
    const handle = client.workflow.getHandle(endpointWorkflowId(endpoint));
    const [desc, s] = await Promise.all([describe(handle, endpoint), handle.query(deployStatusQuery)]);
    if (flags.json) console.log(JSON.stringify({ workflowId: desc.workflowId, type: desc.type, runStatus: desc.status.name, status: s }, null, 2));
    else console.log(`${desc.type} ${desc.status.name}: ${describeDeployStatus(s)}`);
  });

  const watch = addTemporalOptions(
    new Command('watch').argument('<endpoint>', 'endpoint the pipeline runs on').summary('follow a running pipeline until it ends').option('--json')
  ).action(async (endpoint: string, flags: TemporalOptions & { json?: boolean }) => {
    const client = await connectClient(flags);
    const handle = client.workflow.getHandle(endpointWorkflowId(endpoint));
    await describe(handle, endpoint);
    process.exitCode = await follow(handle, deployStatusQuery, describeDeployStatus, flags);
  });

  const decision = (name: 'approve' | 'reject', signal: typeof approveSignal) =>
    addTemporalOptions(
      new Command(name)
        .argument('<endpoint>', 'endpoint whose pipeline waits for approval')
        .summary(`${name} the version a pipeline waits on`)
        .option('--by <who>', 'who decides (recorded in the registry and the run)', process.env.USER)
        .option('--reason <text>', 'why (recorded in the registry and the run)')
    ).action(async (endpoint: string, flags: DecisionFlags) => {
      const client = await connectClient(flags);
      const handle = client.workflow.getHandle(endpointWorkflowId(endpoint));
      await describe(handle, endpoint);
      await handle.signal(signal, { by: flags.by, reason: flags.reason });
      console.log(`${name} sent to ${handle.workflowId}`);
    });

  return [status, watch, decision('approve', approveSignal), decision('reject', rejectSignal)];
}

async function describe(handle: { describe(): Promise<import('@temporalio/client').WorkflowExecutionDescription> }, endpoint: string) {
  try {
    return await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new CliError(`no modelship pipeline has run on endpoint ${endpoint}`, EXIT.invalidInput);
    throw err;
  }
}
