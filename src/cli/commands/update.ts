import { updateInputSchema } from '../../domain/update/input';
import { updateStatusQuery } from '../../workflows/messages';
import { CliError, EXIT } from '../exit-codes';
import { setPath, type FlagField } from '../input-file';
import { integer, number } from '../parse-values';
import { flag, pipelineCommand, type PipelineFlag } from '../pipeline-command';
import { describeUpdateStatus } from '../status-lines';

const collect = (value: string, previous: unknown) => [...(Array.isArray(previous) ? previous : []), value];

/** Flags that change the variant named by --variant: [change[] field, flags key, flag as typed]. */
const VARIANT_FLAGS = [
  ['modelName', 'model', '--model'],
  ['instanceType', 'instanceType', '--instance-type'],
  ['instanceCount', 'instanceCount', '--instance-count'],
  ['weight', 'weight', '--weight'],
] as const;

/** Flags set straight into a field; the variant flags, --remove and --raise are placed by `shape`. */
const FLAGS: readonly PipelineFlag[] = [
  flag('endpointName', '--endpoint <name>', 'endpoint to update (endpointName)'),
  flag(undefined, '--variant <name>', 'variant the --model/--instance-type/--instance-count/--weight flags change'),
  flag(undefined, '--model <name>', 'SageMaker model the variant serves (change[].modelName)'),
  flag(undefined, '--instance-type <type>', 'e.g. ml.c5.xlarge (change[].instanceType)'),
  flag(undefined, '--instance-count <n>', 'instances (change[].instanceCount)', integer),
  flag(undefined, '--weight <w>', 'relative traffic weight (change[].weight)', number),
  flag(undefined, '--remove <variant>', 'remove a variant (repeatable)', collect),
  flag(undefined, '--raise <variant=count>', 'raise a variant to this many instances before the update (repeatable)', collect),
  {
    ...flag(
      'retainAllVariantProperties',
      '--no-retain',
      'take counts and weights from the new config instead of the live ones (retainAllVariantProperties=false)',
    ),
    value: (v) => (v === false ? false : undefined),
  },
  flag('inServiceTimeout', '--timeout <duration>', 'deadline for each wait for InService, e.g. 30m (inServiceTimeout, default 60m)'),
];

/** Puts the variant flags into the `change` entry of --variant, and --remove / --raise after the file's. */
function shape(input: Record<string, unknown>, flags: Record<string, unknown>): FlagField[] {
  const fields: FlagField[] = [];
  const given = VARIANT_FLAGS.filter(([, key]) => flags[key] !== undefined);
  if (given.length) {
    if (typeof flags.variant !== 'string') {
      throw new CliError(`invalid input: --variant: required with ${given.map(([, , f]) => f).join(', ')}`, EXIT.invalidInput);
    }
    const changes = Array.isArray(input.change) ? (input.change as Array<Record<string, unknown>>) : [];
    let at = changes.findIndex((c) => c.variantName === flags.variant);
    if (at < 0) at = changes.push({ variantName: flags.variant }) - 1;
    fields.push([`change.${at}.variantName`, 'variant', '--variant']);
    for (const [field, key, typed] of given) {
      setPath(changes[at], field, flags[key]);
      fields.push([`change.${at}.${field}`, key, typed]);
    }
    input.change = changes;
  }
  const removed = (flags.remove as string[] | undefined) ?? [];
  if (removed.length) {
    const before = Array.isArray(input.remove) ? input.remove : [];
    input.remove = [...before, ...removed];
    removed.forEach((_, i) => fields.push([`remove.${before.length + i}`, 'remove', '--remove']));
  }
  for (const raise of (flags.raise as string[] | undefined) ?? []) {
    const [variant, count, ...rest] = raise.split('=');
    if (!variant || count === undefined || rest.length || !/^\d+$/.test(count)) {
      throw new CliError(`invalid input: --raise: expected <variant>=<whole number of instances>; got ${JSON.stringify(raise)}`, EXIT.invalidInput);
    }
    setPath(input, `raiseCapacityDuringUpdate.${variant}`, Number(count));
    fields.push([`raiseCapacityDuringUpdate.${variant}`, 'raise', '--raise']);
  }
  return fields;
}

export function updateCommand() {
  return pipelineCommand({
    name: 'update',
    summary: "change an endpoint's variants (model, instance type, count, weight; add or remove variants)",
    description:
      'Moves an endpoint to a new endpoint config: a copy of the current one with the changes asked for.\n\n' +
      "When an autoscaled variant's instance type changes, or such a variant is removed, AWS refuses the " +
      'update while the variant is a scalable target: its scaling policies and target are removed first and ' +
      'registered again, exactly as they were, once the endpoint serves the new config. If the update fails ' +
      'or is rolled back, the endpoint stays on its config and its original scaling is put back.\n\n' +
      'Fields come from --file (YAML or JSON, same names as the workflow input: change, add, remove, ' +
      'raiseCapacityDuringUpdate, ...) and/or flags; flags win. Adding variants needs --file.',
    examples: [
      'modelship update --endpoint churn-prod --variant AllTraffic \\\n    --instance-type ml.c5.xlarge --raise AllTraffic=4',
      'modelship update --endpoint churn-prod --variant AllTraffic --model churn-v8',
      'modelship update -f update.yaml --json',
    ],
    flags: FLAGS,
    shape,
    schema: updateInputSchema,
    statusQuery: updateStatusQuery,
    describe: describeUpdateStatus,
  });
}
