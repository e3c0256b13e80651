/**
 * A real MLflow tracking server for tests: `mlflow server` from the project's venv (scripts/mlflow.sh
 * installs it; `npm test` runs that), on a free loopback port with a throwaway SQLite backend store.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface MlflowServer {
  url: string;
  process: ChildProcess;
  close(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '../..');

/** The `mlflow` executable: MODELSHIP_MLFLOW_BIN, else the venv scripts/mlflow.sh builds. */
export function mlflowBin(): string {
  if (process.env.MODELSHIP_MLFLOW_BIN) return process.env.MODELSHIP_MLFLOW_BIN;
  const venv = path.resolve(ROOT, process.env.MODELSHIP_MLFLOW_VENV ?? '.modelship/mlflow-venv');
  return path.join(venv, 'bin', 'mlflow');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts the server and waits until `/health` answers. Start-up runs MLflow's schema migrations on the
 * new SQLite file and imports the server, which takes 20-90 s on a busy 2-core machine: hence the wide deadline.
 */
export async function startMlflowServer(timeoutMs = 240_000): Promise<MlflowServer> {
  const bin = mlflowBin();
  if (!existsSync(bin)) throw new Error(`no MLflow at ${bin}: run \`bash scripts/mlflow.sh\` (npm test does) to install it`);
  const dir = mkdtempSync(path.join(tmpdir(), 'modelship-mlflow-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child = spawn(
    bin,
    [
      'server',
      '--backend-store-uri',
      `sqlite:///${dir}/mlflow.db`,
      '--default-artifact-root',
      path.join(dir, 'artifacts'),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '1',
    ],
    // Own process group: the server forks workers, and close() must stop them all.
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } },
  );
  const keep = (b: Buffer) => {
    log = (log + b.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: number | null = null;
  child.once('exit', (code, signal) => {
    exited = code ?? (signal ? 1 : 0);
  });

  const stop = async () => {
    if (exited === null && child.pid) {
      const gone = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }, 5000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== null) {
      await stop();
      throw new Error(`mlflow server exited with ${exited} before answering /health:\n${log.slice(-4000)}`);
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`mlflow server did not answer /health within ${timeoutMs} ms:\n${log.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, process: child, close: stop };
}
