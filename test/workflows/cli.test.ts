import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { CreateModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { endpointWorkflowId } from '../../src/domain/names';
import { describeEndpoint } from '../../src/inventory';
import { canaryStatusQuery } from '../../src/workflows/canary';
import { createHarness, eventually, uniqueName, type Harness } from '../support/harness';
import { temporalCliPath } from '../support/temporal';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => h?.close());

const BIN = path.resolve(__dirname, '../../bin/modelship');
const ROLE = 'arn:aws:iam::123456789012:role/sagemaker-exec';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command as a separate process, the way CI and operators do. */
function run(file: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: { ...process.env, TEMPORAL_ADDRESS: h.env.address, MODELSHIP_TASK_QUEUE: h.taskQueue }, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
const modelship = (...args: string[]) => run(process.execPath, [BIN, ...args]);
const temporal = (...args: string[]) => run(temporalCliPath(), [...args, '--address', h.env.address]);

function deployArgs(endpoint: string, model: string, tag: string): string[] {
  return [
    'deploy',
    '--endpoint',
    endpoint,
    '--model',
    model,
    '--image',
    `123456789012.dkr.ecr.us-east-1.amazonaws.com/${model}:${tag}`,
    '--model-data-url',
    `s3://models/${model}/${tag}.tar.gz`,
    '--role',
    ROLE,
    '--instance-type',
    'ml.m5.large',
    '--auto-approve',
  ];
}

/** An endpoint serving v1, v2 registered and Approved, traffic on. */
async function endpointReadyForCanary(prefix: string) {
  const endpoint = uniqueName(prefix);
  const model = uniqueName('m');
  assert.equal((await modelship(...deployArgs(endpoint, model, 'v1'))).code, 0);
  await h.aws.sagemaker.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: model,
      InferenceSpecification: {
        Containers: [{ Image: `img/${model}:v2`, ModelDataUrl: 's3://m/v2.tar.gz' }],
        SupportedContentTypes: ['application/json'],
        SupportedResponseMIMETypes: ['application/json'],
      },
      ModelApprovalStatus: 'Approved',
    }),
  );
  h.emulator.control.startTraffic({ endpointName: endpoint, rps: 200 });
  return { endpoint, model };
}

const canaryArgs = (endpoint: string, model: string, bake: string) => [
  'canary',
  '--endpoint',
  endpoint,
  '--model',
  model,
  '--version',
  '2',
  '--role',
  ROLE,
  '--steps',
  '20,100',
  '--bake',
  bake,
  '--min-invocations',
  '5',
  '--metric-period',
  '1s',
];

describe('modelship CLI, as a separate process against a real Temporal server', () => {
  it('deploys, printing progress lines, and exits 0', async () => {
    const r = await modelship(...deployArgs(uniqueName('cli'), uniqueName('m'), 'v1'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /started deployModel as workflow endpoint\//);
    assert.match(r.stdout, /\] (registering|staging|creating-model|waiting-in-service)/);
    assert.match(r.stdout, /succeeded in /);
  });

  it('with --auto-approve, progress never asks for an approval', async () => {
    // The step stays awaiting-approval while the registry records the auto-approval: make that last 2 s,
    // so that the CLI's status queries (every 500 ms) surely see it.
    h.emulator.control.setFaults([{ kind: 'latency', operations: ['SageMaker.UpdateModelPackage'], ms: 2000 }]);
    try {
      const r = await modelship(...deployArgs(uniqueName('cli-auto'), uniqueName('m'), 'v1'));
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /\] approved .* v1 \(--auto-approve\)/);
      assert.doesNotMatch(r.stdout, /awaiting approval|modelship approve/);
    } finally {
      h.emulator.control.setFaults([]);
    }
  });

  it('exits 1 with a JSON failure when the deployment is rolled back', async () => {
    const endpoint = uniqueName('cli-fail');
    const model = uniqueName('m');
    h.emulator.control.setBehaviours({ [`123456789012.dkr.ecr.us-east-1.amazonaws.com/${model}:bad`]: { healthy: false } });
    const r = await modelship(...deployArgs(endpoint, model, 'bad'), '--json');
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.status, 'failed');
    assert.equal(out.type, 'DeploymentFailed');
  });

  it('status during compensation shows the undo that keeps failing, with its error; the run ends rolled back once it clears', async () => {
    const endpoint = uniqueName('cli-undo');
    const model = uniqueName('m');
    h.emulator.control.setBehaviours({ [`123456789012.dkr.ecr.us-east-1.amazonaws.com/${model}:bad`]: { healthy: false } });
    h.emulator.control.setFaults([{ kind: 'serverError', operations: ['DeleteEndpointConfig'], message: 'injected: DeleteEndpointConfig is unavailable' }]);
    try {
      assert.equal((await modelship(...deployArgs(endpoint, model, 'bad'), '--no-wait')).code, 0);
      // The endpoint fails to create, the undo of its config keeps failing: status names it and its error.
      const shown = await eventually(
        () => modelship('status', endpoint),
        (r) => /retrying \S+ \(attempt \d+\): .*injected: DeleteEndpointConfig is unavailable/.test(r.stdout),
        60_000,
      );
      assert.match(shown.stdout, /^deployModel RUNNING: compensating/m);
      const json = JSON.parse((await modelship('status', endpoint, '--json')).stdout);
      assert.ok(
        json.retrying.some((r: { attempt: number; lastFailure: string }) => r.attempt >= 2 && r.lastFailure.includes('injected')),
        JSON.stringify(json.retrying),
      );
    } finally {
      h.emulator.control.setFaults([]);
    }
    const watched = await modelship('watch', endpoint, '--json');
    assert.equal(watched.code, 1);
    assert.equal(JSON.parse(watched.stdout).type, 'DeploymentFailed');
    assert.deepEqual(
      h.emulator.control.state().endpointConfigs.filter((c) => c.name.startsWith(endpoint)),
      [],
      'the undo finished once the fault cleared',
    );
  });

  it('exits 2 on bad input, naming the flag, without starting anything', async () => {
    const before = Object.values(h.emulator.control.calls().counts).reduce((a, b) => a + b, 0);
    const r = await modelship(
      'deploy',
      '--endpoint',
      'bad_name',
      '--model',
      'm',
      '--image',
      'i',
      '--model-data-url',
      's3://x',
      '--role',
      ROLE,
      '--instance-type',
      'large',
    );
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--endpoint: must be 1-63 letters/);
    assert.match(r.stderr, /--instance-type: must be a SageMaker instance type/);
    assert.equal(
      Object.values(h.emulator.control.calls().counts).reduce((a, b) => a + b, 0),
      before,
    );
  });

  it('steers a running canary: status, pause, set-weight, resume, promote --full; refuses a second rollout', async () => {
    const { endpoint, model } = await endpointReadyForCanary('cli-canary');
    const started = await modelship(...canaryArgs(endpoint, model, '10m'), '--no-wait');
    assert.equal(started.code, 0, started.stderr);
    assert.equal(started.stdout.trim(), endpointWorkflowId(endpoint));
    const handle = h.client.workflow.getHandle(endpointWorkflowId(endpoint));
    await eventually(
      () => handle.query(canaryStatusQuery),
      (s) => s.phase === 'baking',
    );

    const busy = await modelship(...canaryArgs(endpoint, model, '10m'));
    assert.equal(busy.code, 5);
    assert.match(busy.stderr, /already running on this endpoint \(workflow endpoint\/.*canaryRollout|a canaryRollout pipeline is already running/);

    assert.match((await modelship('status', endpoint)).stdout, /canaryRollout RUNNING: baking step 1\/2 canary 20% \/ AllTraffic 80%/);
    assert.equal((await modelship('pause', endpoint, '--by', 'ops', '--reason', 'check')).code, 0);
    await eventually(
      () => handle.query(canaryStatusQuery),
      (s) => s.phase === 'paused',
    );
    const set = await modelship('set-weight', endpoint, '35', '--by', 'ops');
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /canary now at 35%/);
    const refused = await modelship('set-weight', endpoint, '120');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /set-weight refused: weight must be a number from 0 to 99/);
    const weights = (await describeEndpoint(h.aws.sagemaker, endpoint)).ProductionVariants?.map((v) => v.CurrentWeight);
    assert.deepEqual(weights, [65, 35]);
    assert.equal((await modelship('resume', endpoint)).code, 0);
    assert.equal((await modelship('promote', endpoint, '--full', '--by', 'ops')).code, 0);
    const watched = await modelship('watch', endpoint);
    assert.equal(watched.code, 0, watched.stderr);
    h.emulator.control.stopTraffic(endpoint);

    const status = JSON.parse((await modelship('status', endpoint, '--json')).stdout);
    assert.equal(status.status.phase, 'succeeded');
    assert.deepEqual(
      status.status.actions.map((a: { action: string }) => a.action),
      ['pause', 'set-weight', 'resume', 'promote-full'],
    );
    const listed = await modelship('list', '--endpoint', endpoint);
    assert.match(listed.stdout, new RegExp(`endpoint/${endpoint}\\s+canaryRollout\\s+COMPLETED`));
  });

  it('aborts a canary (watch exits 1), then retry runs it again from the first step to success', async () => {
    const { endpoint, model } = await endpointReadyForCanary('cli-retry');
    // Held before 100% by an approval step, so the abort surely lands mid-rollout.
    assert.equal((await modelship(...canaryArgs(endpoint, model, '1s'), '--approval-steps', '100', '--no-wait')).code, 0);
    const handle = h.client.workflow.getHandle(endpointWorkflowId(endpoint));
    await eventually(
      () => handle.query(canaryStatusQuery),
      (s) => s.phase === 'awaiting-approval',
    );
    assert.equal((await modelship('abort', endpoint, '--by', 'ops', '--reason', 'drill')).code, 0);
    const watched = await modelship('watch', endpoint, '--json');
    assert.equal(watched.code, 1);
    assert.equal(JSON.parse(watched.stdout).type, 'Aborted');

    const retried = await modelship('retry', endpoint, '--no-wait');
    assert.equal(retried.code, 0, retried.stderr);
    const again = h.client.workflow.getHandle(endpointWorkflowId(endpoint));
    const fresh = await eventually(
      () => again.query(canaryStatusQuery),
      (s) => s.phase === 'awaiting-approval',
    );
    assert.equal(fresh.actions.length, 0, 'a new run, from the first step');
    assert.equal((await modelship('approve', endpoint, '--by', 'ops')).code, 0);
    const done = await modelship('watch', endpoint, '--json');
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.equal(JSON.parse(done.stdout).result.version, 2);
    h.emulator.control.stopTraffic(endpoint);
  });

  it('drives a deploy with the plain temporal CLI: start, query, signal, and list by search attribute', async () => {
    const endpoint = uniqueName('tcli');
    const model = uniqueName('m');
    const input = {
      endpointName: endpoint,
      model: { name: model, image: `img/${model}:v1`, modelDataUrl: 's3://m/v1.tar.gz' },
      executionRoleArn: ROLE,
      instanceType: 'ml.m5.large',
      poll: { min: '100ms', max: '300ms' },
    };
    const id = endpointWorkflowId(endpoint);
    const start = await temporal(
      'workflow',
      'start',
      '--type',
      'deployModel',
      '--task-queue',
      h.taskQueue,
      '--workflow-id',
      id,
      '--input',
      JSON.stringify(input),
    );
    assert.equal(start.code, 0, start.stderr);
    await eventually(
      async () => JSON.parse((await temporal('workflow', 'query', '--workflow-id', id, '--type', 'status', '-o', 'json')).stdout || '{}'),
      (q) => q.queryResult?.[0]?.step === 'awaiting-approval',
    );
    const signal = await temporal('workflow', 'signal', '--workflow-id', id, '--name', 'approve', '--input', '{"by":"temporal-cli"}');
    assert.equal(signal.code, 0, signal.stderr);
    await h.client.workflow.getHandle(id).result();
    const listed = await eventually(
      () => temporal('workflow', 'list', '--query', `ModelshipEndpoint="${endpoint}" AND ModelshipPipeline="deploy"`, '-o', 'json'),
      (r) => r.stdout.includes(id) && r.stdout.includes('WORKFLOW_EXECUTION_STATUS_COMPLETED'),
    );
    assert.match(listed.stdout, /"ModelshipStep"|succeeded/);
  });
});
