/**
 * Runs the emulator as a standalone process: `tsx src/emulator/main.ts --port 4566`.
 * Prints the URL, then serves until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startEmulator, type Emulator, type EmulatorOptions } from './server';

export const USAGE = `usage: emulator [--port 4566] [--host 127.0.0.1] [--region us-east-1] [--account-id 123456789012]
                [--state-file path.json] [--create-ms N] [--update-ms N] [--delete-ms N] [--weights-ms N]
                [--no-deregister-permission] [--traffic <endpoint>=<rps>]... [--metrics-delay-ms N]
                [--autoscaling-simulation] [--instance-capacity <instance type>=<rps per instance>]...`;

/** Parses CLI arguments into emulator options (throws with a usage text on bad input). */
export function parseEmulatorArgs(args: string[]): EmulatorOptions {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '4566' },
      host: { type: 'string' },
      region: { type: 'string' },
      'account-id': { type: 'string' },
      'state-file': { type: 'string' },
      'create-ms': { type: 'string' },
      'update-ms': { type: 'string' },
      'delete-ms': { type: 'string' },
      'weights-ms': { type: 'string' },
      'no-deregister-permission': { type: 'boolean' },
      traffic: { type: 'string', multiple: true },
      'metrics-delay-ms': { type: 'string' },
      'autoscaling-simulation': { type: 'boolean' },
      'instance-capacity': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) throw new Error(USAGE);
  const int = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${value}\n${USAGE}`);
    return n;
  };
  const timings: NonNullable<EmulatorOptions['timings']> = {};
  const create = int('create-ms', values['create-ms']);
  const update = int('update-ms', values['update-ms']);
  const del = int('delete-ms', values['delete-ms']);
  const weights = int('weights-ms', values['weights-ms']);
  if (create !== undefined) timings.endpointCreateMs = create;
  if (update !== undefined) timings.endpointUpdateMs = update;
  if (del !== undefined) timings.endpointDeleteMs = del;
  if (weights !== undefined) timings.weightsUpdateMs = weights;
  const options: EmulatorOptions = { port: int('port', values.port) ?? 4566, timings };
  if (values.host) options.host = values.host;
  if (values.region) options.region = values.region;
  if (values['account-id']) options.accountId = values['account-id'];
  if (values['state-file']) options.persistPath = values['state-file'];
  if (values['no-deregister-permission']) options.callerCanDeregisterScalableTargets = false;
  if (values['autoscaling-simulation']) options.autoscalingSimulation = true;
  const metricsDelay = int('metrics-delay-ms', values['metrics-delay-ms']);
  if (metricsDelay !== undefined) options.metrics = { ingestionDelayMs: metricsDelay };
  if (values['instance-capacity']) {
    options.instanceCapacityRps = {};
    for (const spec of values['instance-capacity']) {
      const m = /^(.+)=(\d+(?:\.\d+)?)$/.exec(spec);
      if (!m || !(Number(m[2]) > 0)) throw new Error(`--instance-capacity expects <instance type>=<rps per instance> with rps > 0, got ${spec}\n${USAGE}`);
      options.instanceCapacityRps[m[1]!] = Number(m[2]);
    }
  }
  if (values.traffic) {
    options.traffic = values.traffic.map((spec) => {
      const m = /^(.+)=(\d+(?:\.\d+)?)$/.exec(spec);
      if (!m || !(Number(m[2]) > 0)) throw new Error(`--traffic expects <endpoint>=<rps> with rps > 0, got ${spec}\n${USAGE}`);
      return { endpointName: m[1]!, rps: Number(m[2]) };
    });
  }
  return options;
}

/** Starts an emulator from CLI arguments and closes it on SIGINT/SIGTERM. */
export async function runEmulatorFromArgs(args: string[], log: (line: string) => void = console.log): Promise<Emulator> {
  const emulator = await startEmulator(parseEmulatorArgs(args));
  log(`modelship AWS emulator listening on ${emulator.url}`);
  const stop = (): void => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return emulator;
}

if (require.main === module) {
  runEmulatorFromArgs(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  });
}
