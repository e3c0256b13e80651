import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer as createHttpServer, get, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TEST_CREDENTIALS, uniqueName } from '../support/harness';

// `modelship worker` as a separate process, the way an operator or a pod starts it, against the shared
// test dev server: a worker that cannot call AWS refuses to start or stays not-ready.
const BIN = path.resolve(__dirname, '../../bin/modelship');
const ADDRESS = process.env.MODELSHIP_TEST_TEMPORAL_ADDRESS ?? 'localhost:7233';

/** The environment with no AWS setting at all: no region, no credentials, no profile files, no IMDS. */
function bareEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('MODELSHIP_')) env[k] = v;
  const home = mkdtempSync(path.join(tmpdir(), 'modelship-home-'));
  return { ...env, HOME: home, AWS_EC2_METADATA_DISABLED: 'true', TEMPORAL_ADDRESS: ADDRESS, MODELSHIP_TASK_QUEUE: uniqueName('ready'), ...extra };
}

interface Worker {
  proc: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function startWorker(args: string[], env: NodeJS.ProcessEnv): Worker {
  const proc = spawn(process.execPath, [BIN, 'worker', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, out: () => out, exited };
}

/** Waits for the worker to exit; kills it (and fails) when it is still running after `ms`. */
async function exitCode(w: Worker, ms = 60_000): Promise<number | null> {
  const timer = setTimeout(() => w.proc.kill('SIGKILL'), ms);
  const code = await w.exited;
  clearTimeout(timer);
  return code;
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * One /readyz probe. Never throws: an answer that is not JSON (from whatever else holds the port) is
 * returned as `{ raw }`, so the assertion that reads it says what answered, instead of an uncaught
 * exception in a socket handler failing the whole file with no test named.
 */
function readyz(port: number): Promise<{ status: number; body: Record<string, unknown> } | undefined> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/readyz', timeout: 5000 }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('error', () => resolve(undefined));
      res.on('end', () => {
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(text || '{}') as Record<string, unknown>;
        } catch {
          body = { raw: text };
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
  });
}

/** Polls /readyz until `until` holds for its answer; returns that answer. */
async function readyzUntil(port: number, w: Worker, until: (r: { status: number; body: Record<string, unknown> }) => boolean, ms = 90_000) {
  const deadline = Date.now() + ms;
  let last: Awaited<ReturnType<typeof readyz>>;
  while (Date.now() < deadline) {
    if (w.proc.exitCode !== null) assert.fail(`the worker exited with ${w.proc.exitCode}: ${w.out()}`);
    last = await readyz(port);
    if (last && until(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`/readyz never matched; last ${JSON.stringify(last!)}; worker output: ${w.out()}`);
}

const credentials = { AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey };

describe('modelship worker checks its AWS configuration (separate process)', () => {
  it('refuses to start without a region: exit 2, naming --region / AWS_REGION, in its log and on stderr', async () => {
    const port = await freePort();
    const w = startWorker(['--health-port', String(port)], bareEnv(credentials));
    assert.equal(await exitCode(w), 2, w.out());
    assert.match(w.out(), /AWS region is not set.*--region or AWS_REGION/);
    assert.match(w.out(), /"setting":"region"/, 'the JSON log names the setting');
    assert.equal(await readyz(port), undefined, 'nothing answers /readyz');
  });

  it('refuses to start without credentials from the default chain: exit 2, naming how to give them', async () => {
    const w = startWorker([], bareEnv({ AWS_REGION: 'us-east-1' }));
    assert.equal(await exitCode(w), 2, w.out());
    assert.match(w.out(), /AWS credentials not found through the SDK's default chain/);
    assert.match(w.out(), /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    assert.match(w.out(), /AWS_PROFILE/);
  });

  it('with an unreachable --aws-endpoint stays not-ready and does not poll; ready once it answers, not-ready again when it goes', async () => {
    const port = await freePort();
    const awsPort = await freePort();
    const endpoint = `http://127.0.0.1:${awsPort}`;
    const w = startWorker(['--health-port', String(port), '--aws-endpoint', endpoint], bareEnv({ AWS_REGION: 'us-east-1', ...credentials }));
    let server: Server | undefined;
    try {
      const down = await readyzUntil(port, w, (r) => String(r.body.aws).includes(endpoint));
      assert.equal(down.status, 503);
      assert.equal(down.body.ready, false);
      assert.match(String(down.body.aws), /unreachable \(ECONNREFUSED\).*--aws-endpoint \/ MODELSHIP_AWS_ENDPOINT/);
      assert.notEqual(down.body.state, 'RUNNING', 'the worker does not poll while AWS cannot be reached');
      assert.match(w.out(), /modelship worker not ready, not polling: AWS endpoint http:\/\/127\.0\.0\.1:\d+\/ is unreachable/);

      // Any HTTP answer means the endpoint is there (the emulator's, AWS's): the worker starts polling.
      server = createHttpServer((_req, res) => res.writeHead(404).end());
      await new Promise<void>((resolve) => server!.listen(awsPort, '127.0.0.1', resolve));
      const up = await readyzUntil(port, w, (r) => r.status === 200);
      assert.deepEqual(up.body, { ready: true, state: 'RUNNING', temporal: 'ok', aws: 'ok' });

      // Readiness is checked on each probe, not only at start.
      const closed = new Promise((resolve) => server!.close(resolve));
      server.closeAllConnections();
      await closed;
      server = undefined;
      const lost = await readyzUntil(port, w, (r) => r.status === 503);
      assert.equal(lost.body.state, 'RUNNING');
      assert.match(String(lost.body.aws), /unreachable/);
    } finally {
      server?.close();
      w.proc.kill('SIGTERM');
      assert.equal(await exitCode(w, 45_000), 0, w.out());
    }
  });
});
