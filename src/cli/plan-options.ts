import type { Command } from 'commander';
import type { PlanKind } from '../plan/plans';
import { addAwsOptions, awsConfig, type AwsOptions } from './aws-options';
import { CliError, EXIT } from './exit-codes';

export interface PlanFlags extends AwsOptions {
  plan?: boolean;
  json?: boolean;
}

/** `--plan`, and the AWS options a plan reads with: added to deploy, canary, update and delete. */
export function addPlanOptions(cmd: Command): Command {
  return addAwsOptions(cmd.option('--plan', 'print what the pipeline would change in AWS and the registry; change nothing, start nothing'));
}

export function planRequested<T extends object>(flags: T): flags is T & PlanFlags {
  return (flags as PlanFlags).plan === true;
}

/**
 * Makes the plan of `kind` for `input` from what AWS holds now and prints it (the plan object with --json).
 * Returns the exit code: 0 when a plan was made, 2 when the input is invalid or the pipeline would refuse.
 */
export async function printPlan(kind: PlanKind, input: unknown, flags: PlanFlags): Promise<number> {
  // The AWS SDK and the planning code load only when a plan is asked for. With require(), not import():
  // bin/modelship registers only tsx's CommonJS hook, so import() of a .ts source fails.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { AwsConfigError, checkAwsConfig, createAwsClients, destroyAwsClients } = require('../aws') as typeof import('../aws');
  const { makePlan } = require('../plan/plans') as typeof import('../plan/plans');
  const { renderPlan, renderRefusal } = require('../plan/render') as typeof import('../plan/render');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const clients = createAwsClients(awsConfig(flags));
  try {
    // A plan reads AWS: without a region or credentials say which setting is missing and how to give it.
    await checkAwsConfig(clients).catch((err: unknown) => {
      throw err instanceof AwsConfigError ? new CliError(`cannot plan: ${err.message}`, EXIT.invalidInput) : err;
    });
    const result = await makePlan(kind, input, clients);
    if (!result.ok) {
      if (flags.json) console.log(JSON.stringify({ status: 'refused', ...result.refusal }, null, 2));
      else console.error(`modelship: ${renderRefusal(result.refusal)}`);
      return EXIT.invalidInput;
    }
    console.log(flags.json ? JSON.stringify(result.plan, null, 2) : renderPlan(result.plan));
    return EXIT.ok;
  } finally {
    destroyAwsClients(clients);
  }
}
