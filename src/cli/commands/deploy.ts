import { Command, Option } from 'commander';
import { deployInputSchema, type DeployStatus } from '../../domain/deploy';
import { endpointWorkflowId } from '../../domain/names';
import { validate } from '../../domain/validation';
import type { deployModel } from '../../workflows/deploy';
import { deployStatusQuery, WORKFLOW_TYPES } from '../../workflows/messages';
import { integer } from '../parse-values';
import { addTemporalOptions, connectClient, type TemporalOptions } from '../connection';
import { addPlanOptions, planRequested, printPlan } from '../plan-options';
import { inputFrom, refuseInvalidInput, setPath, type FlagField } from '../input-file';
import { runPipeline, type OutputOptions } from '../run-pipeline';
import { describeDeployStatus } from '../status-lines';

interface DeployFlags extends TemporalOptions, OutputOptions {
  file?: string;
  endpoint?: string;
  model?: string;
  image?: string;
  modelDataUrl?: string;
  description?: string;
  role?: string;
  instanceType?: string;
  instanceCount?: number;
  variant?: string;
  stage?: string;
  autoApprove?: boolean;
  archive?: boolean;
  approvalTimeout?: string;
  timeout?: string;
}

export function deployCommand(): Command {
  const cmd = new Command('deploy')
    .summary('register a model version, stage it, and deploy it to an endpoint')
    .description(
      'Registers a new version of a model in the SageMaker Model Registry, stages it, waits for approval\n' +
        '(an `approve` signal, or --auto-approve), then creates the SageMaker model, endpoint config and\n' +
        'endpoint, or moves an existing endpoint to the new config, and waits until the endpoint really\n' +
        'serves it. On failure everything this run created is removed and the endpoint stays on its previous\n' +
        'config. Fields come from --file (YAML or JSON, same names as the workflow input) and/or flags;\n' +
        'flags win.'
    )
    .option('-f, --file <path>', 'pipeline input as YAML or JSON')
    .option('--endpoint <name>', 'endpoint to create or update (endpointName)')
    .option('--model <name>', 'registered model name: the model package group (model.name)')
    .option('--image <uri>', 'inference container image (model.image)')
    .option('--model-data-url <url>', 's3:// URL of the model artifacts (model.modelDataUrl)')
    .option('--description <text>', 'version description (model.description)')
    .option('--role <arn>', 'execution role SageMaker assumes (executionRoleArn)')
    .option('--instance-type <type>', 'e.g. ml.m5.large (instanceType)')
    .option('--instance-count <n>', 'instances (instanceCount, default 1)', integer)
    .option('--variant <name>', 'production variant name (variantName, default AllTraffic)')
    .addOption(new Option('--stage <stage>', 'stage reached once serving (default Production)').choices(['Staging', 'Production']))
    .option('--auto-approve', 'skip the human approval step (autoApprove)')
    .option('--no-archive', 'keep previous holders of the stage instead of archiving them (archiveExisting=false)')
    .option('--approval-timeout <duration>', 'how long to wait for approval, e.g. 4h (default 7d)')
    .option('--timeout <duration>', 'deadline for InService, e.g. 30m (inServiceTimeout, default 60m)')
    .option('--json', 'print one JSON document with the result or failure instead of progress lines')
    .option('--no-wait', 'start the pipeline, print its workflow id and exit')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  modelship deploy --endpoint churn-prod --model churn --image 1234.dkr.ecr.us-east-1.amazonaws.com/churn:7 \\\n' +
        '    --model-data-url s3://models/churn/7/model.tar.gz --role arn:aws:iam::123456789012:role/sm-exec \\\n' +
        '    --instance-type ml.m5.large --auto-approve\n' +
        '  modelship deploy -f deploy.yaml --json\n'
    );
  return addPlanOptions(addTemporalOptions(cmd)).action(async (flags: DeployFlags) => {
    process.exitCode = await deploy(flags);
  });
}

const FIELDS: readonly FlagField[] = [
  ['endpointName', 'endpoint', '--endpoint'],
  ['model.name', 'model', '--model'],
  ['model.image', 'image', '--image'],
  ['model.modelDataUrl', 'modelDataUrl', '--model-data-url'],
  ['model.description', 'description', '--description', 'optional'],
  ['executionRoleArn', 'role', '--role'],
  ['instanceType', 'instanceType', '--instance-type'],
  ['instanceCount', 'instanceCount', '--instance-count'],
  ['variantName', 'variant', '--variant'],
  ['stage', 'stage', '--stage'],
  ['autoApprove', 'autoApprove', '--auto-approve'],
  ['approvalTimeout', 'approvalTimeout', '--approval-timeout'],
  ['inServiceTimeout', 'timeout', '--timeout'],
];

async function deploy(flags: DeployFlags): Promise<number> {
  const input = inputFrom(flags as unknown as Record<string, unknown>, FIELDS);
  if (flags.archive === false) setPath(input, 'archiveExisting', false);

  const checked = validate(deployInputSchema, input);
  if (!checked.ok) refuseInvalidInput(checked.issues, flags as unknown as Record<string, unknown>, FIELDS);
  if (planRequested(flags)) return printPlan('deploy', input, flags);
  const client = await connectClient(flags);
  return runPipeline<typeof deployModel, DeployStatus>(
    {
      client,
      workflowType: WORKFLOW_TYPES.deploy,
      workflowId: endpointWorkflowId(checked.value.endpointName),
      taskQueue: flags.taskQueue,
      where: flags,
      pipeline: 'deploy',
      model: checked.value.model.name,
      args: [input as Parameters<typeof deployModel>[0]],
      statusQuery: deployStatusQuery,
      describe: describeDeployStatus,
      summary: `deploy ${checked.value.model.name} to ${checked.value.endpointName}`,
    },
    flags
  );
}
