import { deleteInputSchema } from '../../domain/delete/input';
import { deleteStatusQuery } from '../../workflows/messages';
import { flag, pipelineCommand, type PipelineFlag } from '../pipeline-command';
import { describeDeleteStatus } from '../status-lines';

const FLAGS: readonly PipelineFlag[] = [
  flag('endpointName', '--endpoint <name>', 'endpoint to delete (endpointName)'),
  {
    ...flag('deleteConfigsAndModels', '--keep-configs-and-models', 'delete only the endpoint and its autoscaling (deleteConfigsAndModels=false)'),
    value: (v) => (v ? false : undefined),
  },
  flag('deleteTimeout', '--timeout <duration>', 'deadline for the endpoint to be gone, e.g. 30m (deleteTimeout, default 60m)'),
];

export function deleteCommand() {
  return pipelineCommand({
    name: 'delete',
    summary: 'delete an endpoint with its autoscaling, configs and models',
    description:
      'Deletes an endpoint: its scaling policies and scalable targets first, then the endpoint, then its ' +
      'endpoint configs (the one it serves and the ones modelship named for it) and their models, unless ' +
      'another endpoint or config still uses them. An endpoint already gone is not an error: running the ' +
      'delete again finishes what is left.\n\n' +
      'Fields come from --file (YAML or JSON) and/or flags; flags win.',
    examples: ['modelship delete --endpoint churn-staging', 'modelship delete --endpoint churn-prod --keep-configs-and-models --json'],
    flags: FLAGS,
    schema: deleteInputSchema,
    statusQuery: deleteStatusQuery,
    describe: describeDeleteStatus,
  });
}
