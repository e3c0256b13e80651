import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_FLAGS } from './domain/search-attributes';

export interface DevServerOptions {
  /** Path of the Temporal CLI binary (see scripts/temporal-cli.sh). */
  cliPath: string;
  /** gRPC port. @default a free port */
  port?: number;
  /** Web UI port; the UI is off (headless) when omitted. */
  uiPort?: number;
  /** SQLite file; in-memory when omitted. A file lets the server restart without losing runs. */
  dbFilename?: string;
  /** @default 'default' */
  namespace?: string;
  /** Where the server's own log goes. @default 'ignore' */
  stdio?: 'ignore' | 'inherit';
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` (the Temporal CLI's embedded server, SQLite persistence) with
 * modelship's search attributes registered, and resolves once it accepts gRPC connections.
 *
 * When no port is given, a server that exits before it accepts connections is started again on a new
 * free port (up to 3 attempts): the port picked here can be taken by another process before the
 * server binds it, and the server also picks free ports for its internal services at start. The error
 * after the last attempt carries the end of what the server printed, so a failure says why.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const attempts = options.port === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, options.port ?? (await freePort()));
    } catch (err) {
      if (!(err instanceof DevServerExitedEarly) || attempt >= attempts) throw err;
    }
  }
}

class DevServerExitedEarly extends Error {}

/**
 * Server settings of the embedded dev server. Eager activity dispatch: a workflow task's completion that
 * schedules an activity gets that activity back in its response when the worker has a free slot, instead
 * of the server queueing it for the next poll; the SDK asks for it by default (ActivityOptions
 * `allowEagerDispatch`), the server grants it only with this setting. On this machine it halves a
 * regular activity's round trip (docs/benchmarks.md, "Engine overhead"). A cluster sets the same
 * dynamic config key; a killed worker's eager activity times out like any started one.
 */
export const DYNAMIC_CONFIG = ['system.enableActivityEagerExecution=true'] as const;

async function startOnce(options: DevServerOptions, port: number): Promise<DevServer> {
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    options.namespace ?? 'default',
    '--log-level',
    'warn',
    ...SEARCH_ATTRIBUTE_FLAGS.flatMap((flag) => ['--search-attribute', flag]),
    ...DYNAMIC_CONFIG.flatMap((value) => ['--dynamic-config-value', value]),
    ...(options.dbFilename ? ['--db-filename', options.dbFilename] : []),
    ...(options.uiPort ? ['--ui-port', String(options.uiPort)] : ['--headless']),
  ];
  const inherit = options.stdio === 'inherit';
  const child = spawn(options.cliPath, args, { stdio: ['ignore', inherit ? 'inherit' : 'pipe', inherit ? 'inherit' : 'pipe'] });
  // Keep the end of the server's output (always drained, so a chatty server never blocks on a full pipe).
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const early = await Promise.race([exited, delay(250).then(() => 'running' as const)]);
    if (early !== 'running') {
      const said = tail.trim() ? `; it printed:\n${tail.trim()}` : '';
      throw new DevServerExitedEarly(`temporal server start-dev on ${address} exited with code ${early} before accepting connections${said}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.healthService.check({});
      await connection.close();
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`temporal dev server on ${address} did not become ready in 60s: ${(err as Error).message}`);
      }
    }
  }
  return {
    address,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
