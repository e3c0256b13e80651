import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { createAwsClients } from '../../src/aws';
import { dataConverterFromEnv } from '../../src/codec/data-converter';
import { eventually, uniqueName } from '../support/harness';
import { workflowBundle } from '../support/temporal';

// The CLI as a separate process against the shared test dev server, on a task queue no worker polls
// (one test starts a worker, then stops it).
const BIN = path.resolve(__dirname, '../../bin/modelship');
const ADDRESS = process.env.MODELSHIP_TEST_TEMPORAL_ADDRESS ?? 'localhost:7233';
const ROLE = 'arn:aws:iam::123456789012:role/sagemaker-exec';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function modelship(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, TEMPORAL_ADDRESS: ADDRESS, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Every activity modelship registers, each failing retryably at once: a worker whose AWS is unreachable. */
function unreachableActivities(): Record<string, () => Promise<never>> {
  const names = Object.keys(createActivities(createAwsClients({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' })));
  return Object.fromEntries(
    names.map((n) => [
      n,
      async () => {
        throw new Error(`${n}: this test's worker reaches no AWS`);
      },
    ]),
  );
}

function deployArgs(endpoint: string): string[] {
  return [
    'deploy',
    '--endpoint',
    endpoint,
    '--model',
    endpoint,
    '--image',
    'img:1',
    '--model-data-url',
    's3://models/m.tar.gz',
    '--role',
    ROLE,
    '--instance-type',
    'ml.m5.large',
    '--auto-approve',
  ];
}

describe('modelship CLI keeps its promises (separate process)', () => {
  it('--version prints the version; --help exits 0 everywhere, on stdout', async () => {
    const version = await modelship(['--version']);
    assert.equal(version.code, 0);
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
    for (const args of [['--help'], ['deploy', '--help'], ['plan', 'canary', '--help'], ['status', '--help'], ['emulator', '--help']]) {
      const r = await modelship(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /usage/i, args.join(' '));
    }
  });

  it('usage errors exit 2: a missing argument, a misspelt flag, a bad emulator option', async () => {
    const status = await modelship(['status']);
    assert.equal(status.code, 2);
    assert.match(status.stderr, /missing required argument 'endpoint'/);
    const typo = await modelship(['deploy', '--endpont', 'x']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /unknown option '--endpont'[\s\S]*--endpoint/);
    assert.equal((await modelship(['emulator', '--port', 'abc'])).code, 2);
  });

  it('a bare deploy lists the required flags; a bad value is echoed with its flag', async () => {
    const bare = await modelship(['deploy']);
    assert.equal(bare.code, 2);
    for (const flag of ['--endpoint', '--model', '--image', '--model-data-url', '--role', '--instance-type'])
      assert.ok(bare.stderr.includes(flag), `${flag} in ${bare.stderr}`);
    assert.doesNotMatch(bare.stderr, /expected object, received undefined/);
    const count = await modelship([...deployArgs('e1'), '--instance-count', 'abc']);
    assert.equal(count.code, 2);
    assert.match(count.stderr, /--instance-count <n>' argument 'abc' is invalid/);
    const role = await modelship([...deployArgs('e1').slice(0, -1), '--role', 'not-a-role']);
    assert.equal(role.code, 2);
    assert.match(role.stderr, /--role: must be an IAM role ARN .*"not-a-role"/);
  });

  it('canary, update and delete name the flag the user typed and echo every bad value', async () => {
    const bare = await modelship(['canary']);
    assert.equal(bare.code, 2);
    for (const flag of ['--endpoint', '--model', '--version', '--role']) assert.ok(bare.stderr.includes(flag), `${flag} in ${bare.stderr}`);
    assert.doesNotMatch(bare.stderr, /endpointName|model\.version|executionRoleArn|received undefined/);
    const canary = ['canary', '--endpoint', 'e1', '--model', 'm', '--role', ROLE];
    const version = await modelship([...canary, '--version', 'abc']);
    assert.equal(version.code, 2);
    assert.match(version.stderr, /--version <n>' argument 'abc' is invalid/);
    const gate = await modelship([...canary, '--version', '0', '--max-error-rate', '2', '--bake', '10x']);
    assert.equal(gate.code, 2);
    assert.match(gate.stderr, /--version: must be at least 1; got 0/);
    assert.match(gate.stderr, /--max-error-rate: .*got 2\b/);
    assert.match(gate.stderr, /--bake: must be a duration .*got "10x"/);

    const count = await modelship(['update', '--endpoint', 'e1', '--variant', 'AllTraffic', '--instance-count', 'abc']);
    assert.equal(count.code, 2);
    assert.match(count.stderr, /--instance-count <n>' argument 'abc' is invalid/);
    const zero = await modelship(['update', '--endpoint', 'e1', '--variant', 'AllTraffic', '--instance-count', '0', '--remove', 'bad_v']);
    assert.equal(zero.code, 2);
    assert.match(zero.stderr, /--instance-count: must be at least 1; got 0/);
    assert.match(zero.stderr, /--remove: must be .*got "bad_v"/);
    assert.doesNotMatch(zero.stderr, /change\.0|remove\.0/);
    const noVariant = await modelship(['update', '--endpoint', 'e1', '--instance-type', 'ml.c5.xlarge']);
    assert.equal(noVariant.code, 2);
    assert.match(noVariant.stderr, /--variant: required with --instance-type/);

    const del = await modelship(['delete']);
    assert.equal(del.code, 2);
    assert.match(del.stderr, /invalid input: --endpoint: required/);
    const timeout = await modelship(['delete', '--endpoint', 'bad_e', '--timeout', '5x']);
    assert.equal(timeout.code, 2);
    assert.match(timeout.stderr, /--endpoint: must be .*got "bad_e"/);
    assert.match(timeout.stderr, /--timeout: must be a duration .*got "5x"/);
  });

  it('names the field, not a flag, when the bad value came from a file', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'modelship-cli-')), 'deploy.yaml');
    writeFileSync(file, `endpointName: e2\nexecutionRoleArn: bad-role\n`);
    const r = await modelship(['deploy', '-f', file, '--model', 'm', '--image', 'i', '--model-data-url', 's3://a/b', '--instance-type', 'ml.m5.large']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /executionRoleArn: must be an IAM role ARN/);
    assert.doesNotMatch(r.stderr, /--role/);
  });

  it('connection errors name the address and namespace and point at --address / TEMPORAL_ADDRESS', async () => {
    const r = await modelship(['list', '--address', '127.0.0.1:1', '--namespace', 'prod']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /127\.0\.0\.1:1 \(namespace prod\)/);
    assert.match(r.stderr, /--address or TEMPORAL_ADDRESS/);
  });

  it('no worker polling: deploy says so at start, status says so instead of a query failure; list shows it at once; a second start prints the full status command', async () => {
    const queue = uniqueName('no-worker');
    const endpoint = uniqueName('cli-nw');
    const env = { MODELSHIP_TASK_QUEUE: queue };
    const started = await modelship([...deployArgs(endpoint), '--no-wait'], env);
    assert.equal(started.code, 0, started.stderr);
    assert.ok(started.stderr.includes(`no worker is polling task queue ${queue} on ${ADDRESS}/default`), started.stderr);
    assert.match(started.stderr, /modelship worker --address/);

    const status = await modelship(['status', endpoint], env);
    assert.equal(status.code, 3);
    assert.ok(status.stderr.includes(`no worker is polling task queue ${queue}`), status.stderr);
    assert.doesNotMatch(status.stderr, /Failed to query Workflow/);

    // Visibility is eventually consistent: give it a few seconds.
    let list: Run = { code: -1, stdout: '', stderr: '' };
    for (let i = 0; i < 20; i++) {
      list = await modelship(['list', '--endpoint', endpoint, '--json'], env);
      if (list.stdout.includes(endpoint)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const rows = JSON.parse(list.stdout) as Array<{ workflowId: string; step: string; model: string }>;
    assert.equal(rows[0]?.workflowId, `endpoint/${endpoint}`);
    assert.equal(rows[0]?.model, endpoint);
    const table = await modelship(['list', '--endpoint', endpoint], env);
    assert.match(table.stdout.split('\n')[0], /^WORKFLOW\s+TYPE\s+STATUS\s+MODEL\s+VERSION\s+STEP\s+STARTED$/);
    assert.ok(table.stdout.includes(`endpoint/${endpoint}`));

    const again = await modelship([...deployArgs(endpoint), '--no-wait'], env);
    assert.equal(again.code, 5);
    assert.ok(again.stderr.includes(`modelship status ${endpoint}\``), again.stderr);
  });

  it('retry starts like deploy: list shows the new run at once with its search attributes, and no worker polling is said plainly', async () => {
    const queue = uniqueName('no-worker');
    const endpoint = uniqueName('cli-retry-nw');
    const env = { MODELSHIP_TASK_QUEUE: queue };
    const deploy = await modelship([...deployArgs(endpoint), '--no-wait'], env);
    assert.equal(deploy.code, 0, deploy.stderr);
    // No worker runs this file's pipelines: end the run by hand, as a failure would.
    const connection = await Connection.connect({ address: ADDRESS });
    try {
      const client = new Client({ connection });
      await client.workflow.getHandle(`endpoint/${endpoint}`).terminate('ended for the retry test');

      const retried = await modelship(['retry', endpoint, '--no-wait'], env);
      assert.equal(retried.code, 0, retried.stderr);
      assert.equal(retried.stdout.trim(), `endpoint/${endpoint}`);
      const noWorker = (r: Run) => r.stderr.split('\n').find((l) => l.includes('no worker is polling'));
      assert.ok(noWorker(retried), retried.stderr);
      assert.equal(noWorker(retried), noWorker(deploy), 'the same message as deploy');

      // The new run carries its search attributes from the start (no worker will ever set them).
      const rows = await eventually(
        async () => JSON.parse((await modelship(['list', '--endpoint', endpoint, '--json'], env)).stdout || '[]') as Array<Record<string, string>>,
        (r) => r.some((row) => row.status === 'RUNNING'),
        10_000,
      );
      assert.deepEqual(
        rows.map((r) => [r.workflowId, r.type, r.status, r.model, r.step]),
        [
          [`endpoint/${endpoint}`, 'deployModel', 'RUNNING', endpoint, 'validating'],
          [`endpoint/${endpoint}`, 'deployModel', 'TERMINATED', endpoint, 'validating'],
        ],
      );
      await client.workflow.getHandle(`endpoint/${endpoint}`).terminate('end of test');
    } finally {
      await connection.close();
    }
  });

  it("retry with payload encryption on: the last run's encrypted input is decoded with the codec and started again", async () => {
    const queue = uniqueName('no-worker');
    const endpoint = uniqueName('cli-retry-enc');
    const env = { MODELSHIP_TASK_QUEUE: queue, MODELSHIP_CODEC_KEYS: `k1=${randomBytes(32).toString('base64')}`, MODELSHIP_CODEC_KEY_ID: 'k1' };
    const deploy = await modelship([...deployArgs(endpoint), '--no-wait'], env);
    assert.equal(deploy.code, 0, deploy.stderr);
    const connection = await Connection.connect({ address: ADDRESS });
    try {
      const raw = new Client({ connection });
      const coded = new Client({ connection, dataConverter: dataConverterFromEnv(env) });
      const first = coded.workflow.getHandle(`endpoint/${endpoint}`);
      const inputOf = async (c: Client, runId?: string) => {
        const history = await c.workflow.getHandle(`endpoint/${endpoint}`, runId).fetchHistory();
        return history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
      };
      const [firstPayload] = await inputOf(raw);
      assert.equal(Buffer.from(firstPayload?.metadata?.encoding ?? []).toString(), 'binary/encrypted', 'the start input is stored encrypted');
      const firstRun = (await first.describe()).runId;
      await first.terminate('ended for the retry test');

      const retried = await modelship(['retry', endpoint, '--no-wait'], env);
      assert.equal(retried.code, 0, retried.stderr);
      const secondRun = (await coded.workflow.getHandle(`endpoint/${endpoint}`).describe()).runId;
      assert.notEqual(secondRun, firstRun, 'a new run started');
      // Both runs' inputs decode, with the codec, to the same deploy request.
      const decode = async (runId: string) => {
        const [p] = await inputOf(coded, runId);
        return (await coded.options.loadedDataConverter.payloadCodecs[0]!.decode([p!]))[0];
      };
      const [a, b] = await Promise.all([decode(firstRun), decode(secondRun)]);
      assert.equal(Buffer.from(b!.metadata!.encoding!).toString(), 'json/plain');
      assert.deepEqual(JSON.parse(Buffer.from(b!.data!).toString()), JSON.parse(Buffer.from(a!.data!).toString()));
      await coded.workflow.getHandle(`endpoint/${endpoint}`).terminate('end of test');
    } finally {
      await connection.close();
    }
  });

  it('no worker polling while the CLI waits: a worker that stops mid-pipeline is named within seconds', async () => {
    const queue = uniqueName('stopping');
    const endpoint = uniqueName('cli-gone');
    const connection = await NativeConnection.connect({ address: ADDRESS });
    // Activities that reach no AWS: the deploy answers status queries and retries its first activity until the
    // worker stops. (Not a workflows-only worker: short calls run as local activities in the workflow's worker.)
    const worker = await Worker.create({ connection, taskQueue: queue, workflowBundle: await workflowBundle(), activities: unreachableActivities() });
    const running = worker.run();
    const cli = spawn(process.execPath, [BIN, ...deployArgs(endpoint)], {
      env: { ...process.env, TEMPORAL_ADDRESS: ADDRESS, MODELSHIP_TASK_QUEUE: queue },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    cli.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    cli.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const client = new Client({ connection: await Connection.connect({ address: ADDRESS }) });
    try {
      await eventually(
        () => stdout,
        (o) => /^\[\s*\S+\] \S/m.test(o),
        15_000,
      );
      assert.doesNotMatch(stderr, /no worker is polling/, 'a worker polled at start');
      worker.shutdown();
      await running;
      await eventually(
        () => stderr,
        (e) => e.includes(`no worker is polling task queue ${queue} on ${ADDRESS}/default`),
        15_000,
      );
      // `status` says the same, though the stopped worker is still listed as a poller, not "Failed to query Workflow".
      const status = await modelship(['status', endpoint], { MODELSHIP_TASK_QUEUE: queue });
      assert.equal(status.code, 3, status.stderr);
      assert.match(status.stderr, new RegExp(`deployModel RUNNING: status unknown: no worker is polling task queue ${queue} on `));
    } finally {
      cli.kill();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await client.workflow
        .getHandle(`endpoint/${endpoint}`)
        .terminate('end of test')
        .catch(() => undefined);
      await client.connection.close();
      await connection.close();
    }
  });

  it('every option of the operator commands has help text', async () => {
    for (const cmd of ['watch', 'retry', 'list', 'status']) {
      const r = await modelship([cmd, '--help']);
      const options = r.stdout.split('\n').filter((l) => /^\s+-/.test(l));
      for (const line of options) assert.match(line.trim(), /^\S.*\S\s{2,}\S/, `${cmd}: "${line.trim()}" has no description`);
    }
  });
});
