import { Option } from 'commander';
import { deployInputSchema } from '../../domain/deploy/input';
import { deployStatusQuery } from '../../workflows/messages';
import { integer } from '../parse-values';
import { flag, pipelineCommand, type PipelineFlag } from '../pipeline-command';
import { describeDeployStatus } from '../status-lines';

const FLAGS: readonly PipelineFlag[] = [
  flag('endpointName', '--endpoint <name>', 'endpoint to create or update (endpointName)'),
  flag('model.name', '--model <name>', 'registered model name: the model package group (model.name)'),
  flag('model.image', '--image <uri>', 'inference container image (model.image)'),
  flag('model.modelDataUrl', '--model-data-url <url>', 's3:// URL of the model artifacts (model.modelDataUrl)'),
  { ...flag('model.description', '--description <text>', 'version description (model.description)'), optional: true },
  flag('executionRoleArn', '--role <arn>', 'execution role SageMaker assumes (executionRoleArn)'),
  flag('instanceType', '--instance-type <type>', 'e.g. ml.m5.large (instanceType)'),
  flag('instanceCount', '--instance-count <n>', "instances (instanceCount; default: the replaced variant's live count, else 1)", integer),
  flag('variantName', '--variant <name>', 'production variant name (variantName, default AllTraffic)'),
  { option: new Option('--stage <stage>', 'stage reached once serving (default Production)').choices(['Staging', 'Production']), field: 'stage' },
  flag('autoApprove', '--auto-approve', 'skip the human approval step (autoApprove)'),
  {
    option: new Option('--no-archive', 'keep previous holders of the stage instead of archiving them (archiveExisting=false)'),
    field: 'archiveExisting',
    // commander makes `archive` true unless --no-archive is given: only the flag itself sets the field.
    value: (v) => (v === false ? false : undefined),
  },
  flag('approvalTimeout', '--approval-timeout <duration>', 'how long to wait for approval, e.g. 4h (default 7d)'),
  flag('inServiceTimeout', '--timeout <duration>', 'deadline for InService, e.g. 30m (inServiceTimeout, default 60m)'),
];

export function deployCommand() {
  return pipelineCommand({
    name: 'deploy',
    summary: 'register a model version, stage it, and deploy it to an endpoint',
    description:
      'Registers a new version of a model in the SageMaker Model Registry, stages it, waits for approval (an ' +
      '`approve` signal, or --auto-approve), then creates the SageMaker model, endpoint config and endpoint, ' +
      'or moves an existing endpoint to the new config, and waits until the endpoint really serves it. On ' +
      'failure everything this run created is removed and the endpoint stays on its previous config.\n\n' +
      'Fields come from --file (YAML or JSON, same names as the workflow input) and/or flags; flags win.',
    examples: [
      'modelship deploy --endpoint churn-prod --model churn \\\n' +
        '    --image 1234.dkr.ecr.us-east-1.amazonaws.com/churn:7 \\\n' +
        '    --model-data-url s3://models/churn/7/model.tar.gz \\\n' +
        '    --role arn:aws:iam::123456789012:role/sm-exec \\\n' +
        '    --instance-type ml.m5.large --auto-approve',
      'modelship deploy -f deploy.yaml --json',
    ],
    flags: FLAGS,
    schema: deployInputSchema,
    statusQuery: deployStatusQuery,
    describe: describeDeployStatus,
    model: (input) => input.model.name,
    runSummary: (input) => `deploy ${input.model.name} to ${input.endpointName}`,
  });
}
