import { Command } from 'commander';
import { deleteInputSchema, type DeleteInput, type DeleteStatus } from '../../domain/delete-plan';
import { endpointWorkflowId } from '../../domain/names';
import { validate } from '../../domain/validation';
import type { deleteSageMakerEndpoint } from '../../workflows/delete-endpoint';
import { deleteStatusQuery, WORKFLOW_TYPES } from '../../workflows/messages';
import { addTemporalOptions, connectClient, type TemporalOptions } from '../connection';
import { addPlanOptions, planRequested, printPlan } from '../plan-options';
import { readInputFile, setPath } from '../input-file';
import { refuseInvalid, runPipeline, type OutputOptions } from '../run-pipeline';
import { describeDeleteStatus } from '../status-lines';

interface DeleteFlags extends TemporalOptions, OutputOptions {
  file?: string;
  endpoint?: string;
  keepConfigsAndModels?: boolean;
  timeout?: string;
}

export function deleteCommand(): Command {
  const cmd = new Command('delete')
    .summary('delete an endpoint with its autoscaling, configs and models')
    .description(
      "Deletes an endpoint: its scaling policies and scalable targets first, then the endpoint, then its\n" +
        'endpoint configs (the one it serves and the ones modelship named for it) and their models, unless\n' +
        'another endpoint or config still uses them. An endpoint already gone is not an error: running the\n' +
        'delete again finishes what is left. Fields come from --file (YAML or JSON) and/or flags; flags win.'
    )
    .option('-f, --file <path>', 'pipeline input as YAML or JSON')
    .option('--endpoint <name>', 'endpoint to delete (endpointName)')
    .option('--keep-configs-and-models', 'delete only the endpoint and its autoscaling (deleteConfigsAndModels=false)')
    .option('--timeout <duration>', 'deadline for the endpoint to be gone, e.g. 30m (deleteTimeout, default 60m)')
    .option('--json', 'print one JSON document with the result or failure instead of progress lines')
    .option('--no-wait', 'start the pipeline, print its workflow id and exit')
    .addHelpText('after', '\nExamples:\n  modelship delete --endpoint churn-staging\n  modelship delete --endpoint churn-prod --keep-configs-and-models --json\n');
  return addPlanOptions(addTemporalOptions(cmd)).action(async (flags: DeleteFlags) => {
    process.exitCode = await deleteEndpoint(flags);
  });
}

async function deleteEndpoint(flags: DeleteFlags): Promise<number> {
  const input: Record<string, unknown> = flags.file ? readInputFile(flags.file) : {};
  setPath(input, 'endpointName', flags.endpoint);
  if (flags.keepConfigsAndModels) setPath(input, 'deleteConfigsAndModels', false);
  setPath(input, 'deleteTimeout', flags.timeout);

  const checked = validate(deleteInputSchema, input);
  if (!checked.ok) refuseInvalid(checked.issues);
  if (planRequested(flags)) return printPlan('delete', input, flags);
  const client = await connectClient(flags);
  return runPipeline<typeof deleteSageMakerEndpoint, DeleteStatus>(
    {
      client,
      workflowType: WORKFLOW_TYPES.delete,
      workflowId: endpointWorkflowId(checked.value.endpointName),
      taskQueue: flags.taskQueue,
      where: flags,
      pipeline: 'delete',
      args: [input as DeleteInput],
      statusQuery: deleteStatusQuery,
      describe: describeDeleteStatus,
    },
    flags
  );
}
