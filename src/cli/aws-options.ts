import { Option, type Command } from 'commander';
import type { AwsConfig } from '../aws';

export interface AwsOptions {
  region?: string;
  awsEndpoint?: string;
}

/** AWS options for commands that call AWS themselves (worker, plan). Credentials: the SDK's default chain. */
export function addAwsOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--region <region>', 'AWS region').env('AWS_REGION'))
    .addOption(new Option('--aws-endpoint <url>', 'send every AWS call to this URL instead of AWS (e.g. the local emulator)').env('MODELSHIP_AWS_ENDPOINT'));
}

export function awsConfig(opts: AwsOptions): AwsConfig {
  return { region: opts.region, endpoint: opts.awsEndpoint };
}
