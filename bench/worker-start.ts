/**
 * Worker start-to-polling time: spawns `modelship worker` (a command given as argv) against a Temporal
 * server and times it from spawn until GET /readyz answers 200, which the worker serves once it polls
 * (state RUNNING). Used by test/build/compiled.test.ts and, run directly, to compare the TypeScript
 * sources (tsx, bundling at start) with the compiled build:
 *
 *   TEMPORAL_CLI_PATH=$(bash scripts/temporal-cli.sh) npx tsx bench/worker-start.ts --runs 5
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { startDevServer } from '../src/dev-server';

const repoRoot = path.resolve(__dirname, '..');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.once('error', reject);
  });
}

const ready = (port: number) =>
  new Promise<boolean>((resolve) => {
    get({ host: '127.0.0.1', port, path: '/readyz', timeout: 500 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    }).once('error', () => resolve(false));
  });

/** Milliseconds from spawning `node <args> worker ...` until the worker polls; the worker is stopped after. */
export async function timeWorkerStart(nodeArgs: string[], address: string, timeoutMs = 120_000): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const proc = spawn(process.execPath, [...nodeArgs, 'worker', '--address', address, '--task-queue', `start-${port}`, '--health-port', String(port)], {
    cwd: repoRoot,
    // The worker refuses to start without a region and credentials; it calls no AWS API here.
    env: { AWS_ACCESS_KEY_ID: 'AKIDBENCH', AWS_SECRET_ACCESS_KEY: 'bench', ...process.env, AWS_REGION: 'us-east-1', MODELSHIP_METRICS_ADDRESS: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  try {
    while (!(await ready(port))) {
      if (proc.exitCode !== null) throw new Error(`worker exited with ${proc.exitCode} before polling: ${stderr}`);
      if (performance.now() - started > timeoutMs) throw new Error(`worker not polling after ${timeoutMs} ms: ${stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return performance.now() - started;
  } finally {
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

async function main(): Promise<void> {
  const cliPath = process.env.TEMPORAL_CLI_PATH;
  if (!cliPath) throw new Error('TEMPORAL_CLI_PATH is not set');
  const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 5);
  const dir = mkdtempSync(path.join(tmpdir(), 'modelship-worker-start-'));
  const server = await startDevServer({ cliPath, dbFilename: path.join(dir, 'temporal.db') });
  const variants: Array<[string, string[]]> = [
    ['TypeScript sources (tsx, bundles at start)', ['--import', 'tsx', 'src/cli/main.ts']],
    ['compiled (node lib/cli/main.js, prebuilt bundle)', ['lib/cli/main.js']],
  ];
  try {
    for (const [name, args] of variants) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const load = loadavg()
          .map((l) => l.toFixed(2))
          .join(' / ');
        const ms = await timeWorkerStart(args, server.address);
        times.push(ms);
        console.log(`${name}: run ${i + 1}: ${(ms / 1000).toFixed(2)} s (load average ${load})`);
      }
      const sorted = [...times].sort((a, b) => a - b);
      console.log(
        `${name}: median ${(sorted[Math.floor(sorted.length / 2)] / 1000).toFixed(2)} s, min ${(sorted[0] / 1000).toFixed(2)} s, max ${(sorted.at(-1)! / 1000).toFixed(2)} s`,
      );
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
