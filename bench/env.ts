/**
 * What every benchmark runs against: one Temporal dev server (a throwaway SQLite file), the AWS emulator
 * in a child process and a modelship worker in another, so each one's CPU and memory can be read apart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createAwsClients, type AwsClients } from '../src/aws';
import { freePort, startDevServer, type DevServer } from '../src/dev-server';
import { EmulatorControlClient } from '../src/emulator';
import { BENCH_CREDENTIALS, type WorkerProcessConfig } from './worker-process';

const repoRoot = path.resolve(__dirname, '..');
const childEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

/** Every process the benchmark started, killed if the benchmark itself is interrupted. */
const children = new Set<ChildProcess>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of children) child.kill('SIGKILL');
    process.exit(130);
  });
}

export interface BenchEnv {
  server: DevServer;
  client: Client;
  connection: Connection;
  bundlePath: string;
  /** The bare floor workflows (bench/floor-workflows.ts), for the floor worker only. */
  floorBundlePath: string;
  dir: string;
  close(): Promise<void>;
}

export async function startBenchEnv(cliPath: string): Promise<BenchEnv> {
  const dir = mkdtempSync(path.join(tmpdir(), 'modelship-bench-'));
  const server = await startDevServer({ cliPath, dbFilename: path.join(dir, 'temporal.db') });
  children.add(server.process);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  // Bundled once: every worker process loads it instead of running webpack.
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows'), logger: quietLogger });
  const bundlePath = path.join(dir, 'workflows.js');
  writeFileSync(bundlePath, bundle.code);
  const floorBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./floor-workflows'), logger: quietLogger });
  const floorBundlePath = path.join(dir, 'floor-workflows.js');
  writeFileSync(floorBundlePath, floorBundle.code);
  return {
    server,
    client,
    connection,
    bundlePath,
    floorBundlePath,
    dir,
    async close() {
      await connection.close();
      await server.stop();
      children.delete(server.process);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ChildHandle {
  process: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

/** Spawns a TypeScript entry point under tsx and resolves once it prints a line matching `ready`. */
async function spawnTs(entry: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp, what: string): Promise<{ child: ChildHandle; line: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, entry), ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(proc);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 60s`)), 60_000);
    proc.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const found = buffered.split('\n').find((l) => ready.test(l));
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with code ${code} before it was ready`));
    });
  });
  proc.stdout!.resume();
  const child: ChildHandle = {
    process: proc,
    pid: proc.pid!,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      children.delete(proc);
    },
  };
  return { child, line };
}

export interface EmulatorProcess extends ChildHandle {
  url: string;
  control: EmulatorControlClient;
  /** SDK clients of the benchmark itself (set-up and the plain-script comparisons), without limits. */
  aws: AwsClients;
}

/** The emulator's standalone entry point (`src/emulator/main.ts`) in a child process. */
export async function startEmulatorProcess(args: string[] = []): Promise<EmulatorProcess> {
  const port = await freePort();
  const { child, line } = await spawnTs('src/emulator/main.ts', ['--port', String(port), ...args], childEnv, /listening on/, 'emulator');
  const url = /(http:\/\/\S+)/.exec(line)![1]!;
  const aws = createAwsClients({ region: 'us-east-1', endpoint: url, credentials: BENCH_CREDENTIALS, maxAttempts: 1 });
  return {
    ...child,
    stop: async () => {
      for (const c of Object.values(aws)) c.destroy();
      await child.stop();
    },
    url,
    control: new EmulatorControlClient(url),
    aws,
  };
}

/** ONE modelship worker (bench/worker-process.ts) in a child process. */
export async function startWorkerProcess(config: WorkerProcessConfig): Promise<ChildHandle> {
  const { child } = await spawnTs('bench/worker-process.ts', [], { ...childEnv, MODELSHIP_BENCH_WORKER: JSON.stringify(config) }, /worker ready/, 'worker');
  return child;
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
