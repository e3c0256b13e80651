import { Command } from 'commander';
import { canaryCommand } from './canary';
import { deleteCommand } from './delete';
import { deployCommand } from './deploy';
import { updateCommand } from './update';

/** The pipeline command itself (same flags, same -f file), with --plan always on. */
function asPlan(cmd: Command): Command {
  cmd.setOptionValueWithSource('plan', true, 'default');
  return cmd.summary(`show what \`modelship ${cmd.name()}\` would change, without changing anything`);
}

export function planCommand(): Command {
  return new Command('plan')
    .summary('show exactly what a pipeline would change in SageMaker, autoscaling and the registry, changing nothing')
    .description(
      'Reads the endpoint, its configs, scaling targets and policies and the model registry (AWS region and ' +
        'credentials from the standard chain, --aws-endpoint to read elsewhere) and prints what the pipeline ' +
        'would create, update and delete, with the exact names it would use.\n\n' +
        'Same flags and -f file as the pipeline command; `modelship <pipeline> --plan` does the same. Nothing ' +
        'is started or changed. Exit 0 when a plan was made; 2 when the input is invalid or the pipeline would ' +
        'refuse (with the reason).',
    )
    .addCommand(asPlan(deployCommand()))
    .addCommand(asPlan(canaryCommand()))
    .addCommand(asPlan(updateCommand()))
    .addCommand(asPlan(deleteCommand()))
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  modelship plan deploy -f deploy.yaml\n' +
        '  modelship plan canary --endpoint churn-prod --model churn --version 8 \\\n' +
        '    --role arn:aws:iam::123456789012:role/sm-exec --json\n' +
        '  modelship update --endpoint churn-prod --variant AllTraffic \\\n' +
        '    --instance-type ml.c5.xlarge --plan\n',
    );
}
