import { Command, Option } from 'commander';
import type { QueryDefinition } from '@temporalio/common';
import type { z } from 'zod';
import { endpointWorkflowId } from '../domain/names';
import { validate } from '../domain/validation';
import type { PlanKind } from '../plan/plans';
import { WORKFLOW_TYPES } from '../workflows/messages';
import { addTemporalOptions, connectClient, type TemporalOptions } from './connection';
import { inputFrom, refuseInvalidInput, type FlagField } from './input-file';
import { addPlanOptions, planRequested, printPlan } from './plan-options';
import { runPipeline, type OutputOptions } from './run-pipeline';

/** One flag of a pipeline command and the input field it fills. */
export interface PipelineFlag {
  option: Option;
  /** Dotted path of the input field (`model.name`); none when the command's `shape` places the value. */
  field?: string;
  /** The value to set from the parsed flag; undefined sets nothing. @default the flag's value */
  value?: (parsed: unknown) => unknown;
  /** Not needed when its parent object is missing (a bare command lists only the required flags). */
  optional?: boolean;
}

/** A flag filling `field`: `flag('instanceCount', '--instance-count <n>', 'instances', integer)`. */
export function flag(field: string | undefined, flags: string, description: string, parse?: (value: string, previous: unknown) => unknown): PipelineFlag {
  const option = new Option(flags, description);
  if (parse) option.argParser(parse);
  return { option, field };
}

/** Adds the flags' options to a command (in the order given). */
export function addFlags(cmd: Command, flags: readonly PipelineFlag[]): Command {
  for (const f of flags) cmd.addOption(f.option);
  return cmd;
}

/** [field, flags key, flag as typed] for each flag: how a validation issue is named after the flag. */
export function flagFields(flags: readonly PipelineFlag[]): FlagField[] {
  return flags.flatMap((f) =>
    f.field === undefined
      ? []
      : [[f.field, f.option.attributeName(), f.option.long ?? f.option.flags, ...(f.optional ? (['optional'] as const) : [])] as FlagField],
  );
}

/** The pipeline input from the -f file and the flags (flags win). */
export function pipelineInput(parsed: Record<string, unknown>, flags: readonly PipelineFlag[]): Record<string, unknown> {
  const values = { ...parsed };
  for (const f of flags) if (f.value) values[f.option.attributeName()] = f.value(parsed[f.option.attributeName()]);
  return inputFrom(values, flagFields(flags));
}

export interface PipelineCommand<Schema extends z.ZodType<{ endpointName: string }>, S> {
  name: PlanKind;
  summary: string;
  /** Paragraphs, separated by a blank line; commander wraps them to the terminal. */
  description: string;
  /** Example invocations, each at most 80 columns (continue long ones with `\`). */
  examples: string[];
  flags: readonly PipelineFlag[];
  /**
   * Input the flag table cannot express (update's per-variant changes): changes `input` in place and
   * returns the fields it filled, so that a bad value is reported by the flag that gave it.
   */
  shape?: (input: Record<string, unknown>, parsed: Record<string, unknown>) => FlagField[];
  /** The workflow's own input schema. */
  schema: Schema;
  statusQuery: QueryDefinition<S>;
  describe: (status: S) => string;
  /** The model the run deploys (search attribute ModelshipModel). */
  model?: (input: z.output<Schema>) => string | undefined;
  /** One line for the Temporal UI's run list. */
  runSummary?: (input: z.output<Schema>) => string;
}

/**
 * A pipeline command (deploy, canary, update, delete): its flags and -f file make the input, which is
 * checked locally with the workflow's own schema (bad input is named by the flag the user typed), then
 * either planned (--plan) or started and followed to the end.
 */
export function pipelineCommand<Schema extends z.ZodType<{ endpointName: string }>, S>(p: PipelineCommand<Schema, S>): Command {
  const cmd = new Command(p.name)
    .summary(p.summary)
    .description(p.description)
    .option('-f, --file <path>', `${p.name} input as YAML or JSON, with the workflow input's field names`);
  addFlags(cmd, p.flags)
    .option('--json', 'print one JSON document with the result or failure instead of progress lines')
    .option('--no-wait', 'start the pipeline, print its workflow id and exit')
    .addHelpText('after', `\nExample${p.examples.length > 1 ? 's' : ''}:\n${p.examples.map((e) => `  ${e}\n`).join('')}`);
  return addPlanOptions(addTemporalOptions(cmd)).action(async (parsed: TemporalOptions & OutputOptions & Record<string, unknown>) => {
    const input = pipelineInput(parsed, p.flags);
    const fields = [...flagFields(p.flags), ...(p.shape?.(input, parsed) ?? [])];
    const checked = validate(p.schema, input);
    if (!checked.ok) refuseInvalidInput(checked.issues, parsed, fields, input);
    if (planRequested(parsed)) return void (process.exitCode = await printPlan(p.name, input, parsed));
    process.exitCode = await runPipeline(
      {
        client: await connectClient(parsed),
        workflowType: WORKFLOW_TYPES[p.name],
        workflowId: endpointWorkflowId(checked.value.endpointName),
        taskQueue: parsed.taskQueue,
        where: parsed,
        pipeline: p.name,
        model: p.model?.(checked.value),
        args: [input],
        statusQuery: p.statusQuery,
        describe: p.describe,
        summary: p.runSummary?.(checked.value),
      },
      parsed,
    );
  });
}
