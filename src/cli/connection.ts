import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { Option, type Command } from 'commander';
import { dataConverterFromEnv } from '../codec/data-converter';
import { DEFAULT_TASK_QUEUE } from '../workflows/messages';
import { CliError, EXIT } from './exit-codes';

/** Options every command that talks to Temporal accepts; each has an environment variable. */
export interface TemporalOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  apiKey?: string;
  tls?: boolean;
  /** mTLS client certificate (PEM file); needs tlsKey. */
  tlsCert?: string;
  /** mTLS client private key (PEM file); needs tlsCert. */
  tlsKey?: string;
  /** CA that signed the server's certificate (PEM file), when the OS does not trust it. */
  tlsCa?: string;
}

export function addTemporalOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--address <host:port>', 'Temporal frontend address').env('TEMPORAL_ADDRESS').default('localhost:7233'))
    .addOption(new Option('--namespace <name>', 'Temporal namespace').env('TEMPORAL_NAMESPACE').default('default'))
    .addOption(new Option('--task-queue <name>', 'task queue the modelship worker polls').env('MODELSHIP_TASK_QUEUE').default(DEFAULT_TASK_QUEUE))
    .addOption(new Option('--api-key <key>', 'Temporal Cloud API key (implies TLS)').env('TEMPORAL_API_KEY'))
    .addOption(new Option('--tls [bool]', 'connect with TLS (TEMPORAL_TLS=true|false)').env('TEMPORAL_TLS').argParser(parseBool))
    .addOption(new Option('--tls-cert <path>', 'mTLS client certificate, PEM (implies TLS)').env('TEMPORAL_TLS_CERT'))
    .addOption(new Option('--tls-key <path>', 'mTLS client private key, PEM').env('TEMPORAL_TLS_KEY'))
    .addOption(new Option('--tls-ca <path>', 'CA certificate of the Temporal server, PEM (implies TLS)').env('TEMPORAL_TLS_CA'));
}

/**
 * The `tls` connection option for both the client Connection and the worker's NativeConnection: mTLS
 * when a client certificate is given, TLS with an API key or --tls, plain otherwise (local dev server).
 */
export function temporalTls(opts: TemporalOptions): TLSConfig | boolean | undefined {
  if (!!opts.tlsCert !== !!opts.tlsKey) throw new Error('mTLS needs both --tls-cert (TEMPORAL_TLS_CERT) and --tls-key (TEMPORAL_TLS_KEY)');
  if (opts.tlsCert || opts.tlsKey || opts.tlsCa) {
    return {
      ...(opts.tlsCert && opts.tlsKey ? { clientCertPair: { crt: readPem(opts.tlsCert, '--tls-cert'), key: readPem(opts.tlsKey, '--tls-key') } } : {}),
      ...(opts.tlsCa ? { serverRootCACertificate: readPem(opts.tlsCa, '--tls-ca') } : {}),
    };
  }
  return opts.tls || opts.apiKey ? true : undefined;
}

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`${flag}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

export async function connectClient(opts: TemporalOptions): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: opts.address, tls: temporalTls(opts), apiKey: opts.apiKey, connectTimeout: '10s' });
  } catch (err) {
    throw new CliError(
      `cannot reach Temporal at ${opts.address} (namespace ${opts.namespace}): ${(err as Error).message}. ` +
        'Give the frontend address with --address or TEMPORAL_ADDRESS (and the namespace with --namespace or TEMPORAL_NAMESPACE).',
      EXIT.infrastructure,
    );
  }
  // Payload encryption when codec keys are configured; must match the workers' (see docs/security.md).
  return new Client({ connection, namespace: opts.namespace, dataConverter: dataConverterFromEnv() });
}

/** `--tls` alone, or true/false/1/0/yes/no: commander would otherwise take any TEMPORAL_TLS value, even "false", as on. */
function parseBool(value: string | boolean | undefined): boolean {
  if (typeof value === 'boolean' || value === undefined) return value ?? true;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on', ''].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new Error(`TLS flag must be true or false; got ${JSON.stringify(value)}`);
}
