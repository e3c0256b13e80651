import { Command } from 'commander';
import { endpointWorkflowId } from '../../domain/names';
import { updateInputSchema, type UpdateInput, type UpdateStatus } from '../../domain/update-plan';
import { validate } from '../../domain/validation';
import type { updateSageMakerEndpoint } from '../../workflows/update-endpoint';
import { updateStatusQuery, WORKFLOW_TYPES } from '../../workflows/messages';
import { addTemporalOptions, connectClient, type TemporalOptions } from '../connection';
import { addPlanOptions, planRequested, printPlan } from '../plan-options';
import { CliError, EXIT } from '../exit-codes';
import { readInputFile, setPath } from '../input-file';
import { refuseInvalid, runPipeline, type OutputOptions } from '../run-pipeline';
import { describeUpdateStatus } from '../status-lines';

interface UpdateFlags extends TemporalOptions, OutputOptions {
  file?: string;
  endpoint?: string;
  variant?: string;
  model?: string;
  instanceType?: string;
  instanceCount?: number;
  weight?: number;
  remove?: string[];
  raise?: string[];
  retain?: boolean;
  timeout?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function updateCommand(): Command {
  const cmd = new Command('update')
    .summary("change an endpoint's variants (model, instance type, count, weight; add or remove variants)")
    .description(
      'Moves an endpoint to a new endpoint config: a copy of the current one with the changes asked for.\n' +
        "When an autoscaled variant's instance type changes, or such a variant is removed, AWS refuses the\n" +
        'update while the variant is a scalable target: its scaling policies and target are removed first\n' +
        'and registered again, exactly as they were, once the endpoint serves the new config. If the update\n' +
        'fails or is rolled back, the endpoint stays on its config and its original scaling is put back.\n' +
        'Fields come from --file (YAML or JSON, same names as the workflow input: change, add, remove,\n' +
        'raiseCapacityDuringUpdate, ...) and/or flags; flags win. Adding variants needs --file.'
    )
    .option('-f, --file <path>', 'pipeline input as YAML or JSON')
    .option('--endpoint <name>', 'endpoint to update (endpointName)')
    .option('--variant <name>', 'variant the --model/--instance-type/--instance-count/--weight flags change')
    .option('--model <name>', 'SageMaker model the variant serves (change[].modelName)')
    .option('--instance-type <type>', 'e.g. ml.c5.xlarge (change[].instanceType)')
    .option('--instance-count <n>', 'instances (change[].instanceCount)', (v) => Number(v))
    .option('--weight <w>', 'relative traffic weight (change[].weight)', (v) => Number(v))
    .option('--remove <variant>', 'remove a variant (repeatable)', collect)
    .option('--raise <variant=count>', 'raise a variant to this many instances before the update (repeatable)', collect)
    .option('--no-retain', "take counts and weights from the new config instead of the live ones (retainAllVariantProperties=false)")
    .option('--timeout <duration>', 'deadline for each wait for InService, e.g. 30m (inServiceTimeout, default 60m)')
    .option('--json', 'print one JSON document with the result or failure instead of progress lines')
    .option('--no-wait', 'start the pipeline, print its workflow id and exit')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  modelship update --endpoint churn-prod --variant AllTraffic --instance-type ml.c5.xlarge --raise AllTraffic=4\n' +
        '  modelship update --endpoint churn-prod --variant AllTraffic --model churn-v8\n' +
        '  modelship update -f update.yaml --json\n'
    );
  return addPlanOptions(addTemporalOptions(cmd)).action(async (flags: UpdateFlags) => {
    process.exitCode = await update(flags);
  });
}

async function update(flags: UpdateFlags): Promise<number> {
  const input: Record<string, unknown> = flags.file ? readInputFile(flags.file) : {};
  setPath(input, 'endpointName', flags.endpoint);
  const variantFlags = { modelName: flags.model, instanceType: flags.instanceType, instanceCount: flags.instanceCount, weight: flags.weight };
  if (Object.values(variantFlags).some((v) => v !== undefined)) {
    if (!flags.variant) throw new CliError('invalid input: --variant: required with --model, --instance-type, --instance-count or --weight', EXIT.invalidInput);
    const changes = Array.isArray(input.change) ? (input.change as Array<Record<string, unknown>>) : [];
    let entry = changes.find((c) => c.variantName === flags.variant);
    if (!entry) changes.push((entry = { variantName: flags.variant }));
    for (const [key, value] of Object.entries(variantFlags)) setPath(entry, key, value);
    input.change = changes;
  }
  if (flags.remove) input.remove = [...(Array.isArray(input.remove) ? input.remove : []), ...flags.remove];
  for (const raise of flags.raise ?? []) {
    const [variant, count] = raise.split('=');
    if (!variant || count === undefined) throw new CliError(`invalid input: --raise: expected <variant>=<count>; got "${raise}"`, EXIT.invalidInput);
    setPath(input, `raiseCapacityDuringUpdate.${variant}`, Number(count));
  }
  if (flags.retain === false) setPath(input, 'retainAllVariantProperties', false);
  setPath(input, 'inServiceTimeout', flags.timeout);

  const checked = validate(updateInputSchema, input);
  if (!checked.ok) refuseInvalid(checked.issues);
  if (planRequested(flags)) return printPlan('update', input, flags);
  const client = await connectClient(flags);
  return runPipeline<typeof updateSageMakerEndpoint, UpdateStatus>(
    {
      client,
      workflowType: WORKFLOW_TYPES.update,
      workflowId: endpointWorkflowId(checked.value.endpointName),
      taskQueue: flags.taskQueue,
      where: flags,
      pipeline: 'update',
      args: [input as UpdateInput],
      statusQuery: updateStatusQuery,
      describe: describeUpdateStatus,
    },
    flags
  );
}
