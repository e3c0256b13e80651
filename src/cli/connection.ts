import { Client, Connection } from '@temporalio/client';
import { Option, type Command } from 'commander';
import { DEFAULT_TASK_QUEUE } from '../worker';

/** Options every command that talks to Temporal accepts; each has an environment variable. */
export interface TemporalOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  apiKey?: string;
  tls?: boolean;
}

export function addTemporalOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--address <host:port>', 'Temporal frontend address').env('TEMPORAL_ADDRESS').default('localhost:7233'))
    .addOption(new Option('--namespace <name>', 'Temporal namespace').env('TEMPORAL_NAMESPACE').default('default'))
    .addOption(new Option('--task-queue <name>', 'task queue the modelship worker polls').env('MODELSHIP_TASK_QUEUE').default(DEFAULT_TASK_QUEUE))
    .addOption(new Option('--api-key <key>', 'Temporal Cloud API key (implies TLS)').env('TEMPORAL_API_KEY'))
    .addOption(new Option('--tls [bool]', 'connect with TLS (TEMPORAL_TLS=true|false)').env('TEMPORAL_TLS').argParser(parseBool));
}

export async function connectClient(opts: TemporalOptions): Promise<Client> {
  const connection = await Connection.connect({
    address: opts.address,
    tls: opts.tls || opts.apiKey ? true : undefined,
    apiKey: opts.apiKey,
    connectTimeout: '10s',
  });
  return new Client({ connection, namespace: opts.namespace });
}

/** `--tls` alone, or true/false/1/0/yes/no: commander would otherwise take any TEMPORAL_TLS value, even "false", as on. */
function parseBool(value: string | boolean | undefined): boolean {
  if (typeof value === 'boolean' || value === undefined) return value ?? true;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on', ''].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new Error(`TLS flag must be true or false; got ${JSON.stringify(value)}`);
}
