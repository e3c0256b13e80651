/**
 * Bad and dangerous input, end to end: generated bad inputs of every pipeline kind make the workflow fail
 * with a non-retryable InvalidInput naming the field before any AWS call; the CLI refuses them locally
 * with exit code 2; a delete is refused while another pipeline changes the endpoint; a ramp that skips
 * the gate needs `force`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { CallStats } from '../../src/emulator';
import { AWS_NAME_PATTERN, endpointWorkflowId } from '../../src/domain/names';
import { canaryRollout } from '../../src/workflows/canary';
import { deleteSageMakerEndpoint } from '../../src/workflows/delete-endpoint';
import { deployModel, deployStatusQuery, rejectSignal } from '../../src/workflows/deploy';
import { updateSageMakerEndpoint } from '../../src/workflows/update-endpoint';
import { createHarness, eventually, uniqueName, type Harness, failureOf } from '../support/harness';

let h: Harness;
let dir: string;
before(async () => {
  h = await createHarness();
  dir = mkdtempSync(path.join(tmpdir(), 'modelship-bad-input-'));
});
after(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

const ROLE = 'arn:aws:iam::123456789012:role/sagemaker-exec';
const repoRoot = path.resolve(__dirname, '../..');
const total = (c: CallStats) => Object.values(c.counts).reduce((n, v) => n + v, 0);

type Kind = 'deploy' | 'canary' | 'update' | 'delete';
const WORKFLOWS = { deploy: deployModel, canary: canaryRollout, update: updateSageMakerEndpoint, delete: deleteSageMakerEndpoint } as const;

/** A valid input of each kind for endpoint `ep` (the base that one breakage is applied to). */
function validInput(kind: Kind, ep: string): Record<string, unknown> {
  switch (kind) {
    case 'deploy':
      return {
        endpointName: ep,
        model: { name: 'churn', image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1', modelDataUrl: 's3://m/1.tar.gz' },
        executionRoleArn: ROLE,
        instanceType: 'ml.m5.large',
      };
    case 'canary':
      return { endpointName: ep, model: { name: 'churn', version: 2 }, executionRoleArn: ROLE, steps: [10, 50, 100], bake: '1m' };
    case 'update':
      return { endpointName: ep, change: [{ variantName: 'AllTraffic', instanceType: 'ml.c5.xlarge' }] };
    case 'delete':
      return { endpointName: ep };
  }
}

const badName = fc.oneof(
  fc.string({ maxLength: 70 }).filter((s) => !AWS_NAME_PATTERN.test(s)),
  fc.integer(),
  fc.constant(null),
);
const badDuration = fc.oneof(fc.constantFrom('90', '10 m', '1w', ''), fc.integer());
const badCount = fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 101 }), fc.constant(1.5), fc.constant('2'));

// Inputs these tests break on purpose, one field at a time, into shapes no input type allows.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type LooseInput = Record<string, any>;

/** Breakages per kind: [field (dotted path) that must be named, how to break it]. Never the endpoint name: the workflow id needs it. */
const BREAKAGES: Record<Kind, Array<[string, fc.Arbitrary<(input: LooseInput) => void>]>> = {
  deploy: [
    ['model.name', badName.map((v) => (i) => void (i.model.name = v))],
    ['instanceType', fc.constantFrom('m5.large', 'ml.m5', 7).map((v) => (i) => void (i.instanceType = v))],
    ['instanceCount', badCount.map((v) => (i) => void (i.instanceCount = v))],
    ['executionRoleArn', fc.constantFrom('role', 'arn:aws:iam::1:role/x', undefined).map((v) => (i) => void (i.executionRoleArn = v))],
    ['model.modelDataUrl', fc.constantFrom('ftp://x', 'models/1.tar.gz').map((v) => (i) => void (i.model.modelDataUrl = v))],
    ['inServiceTimeout', badDuration.map((v) => (i) => void (i.inServiceTimeout = v))],
  ],
  canary: [
    ['steps', fc.constantFrom([50, 25, 100], [10, 10, 100], [10, 50], []).map((v) => (i) => void (i.steps = v))],
    ['model.version', fc.oneof(fc.integer({ max: 0 }), fc.constant(1.5), fc.constant('2')).map((v) => (i) => void (i.model.version = v))],
    ['gate.dryRun', fc.constant((i: LooseInput) => void (i.gate = { dryRun: true }))],
    ['gate.maxErrorRate', fc.constantFrom(1.5, -0.1, 'low').map((v) => (i) => void (i.gate = { maxErrorRate: v }))],
    ['bake', badDuration.map((v) => (i) => void (i.bake = v))],
  ],
  update: [
    ['change.0', fc.constant((i: LooseInput) => void (i.change = [{ variantName: 'AllTraffic' }]))],
    ['change.0.instanceCount', badCount.map((v) => (i) => void (i.change[0].instanceCount = v))],
    ['change.0.variantName', badName.map((v) => (i) => void (i.change[0].variantName = v))],
    ['change', fc.constant((i: LooseInput) => void delete i.change)],
  ],
  delete: [
    ['deleteTimeout', badDuration.map((v) => (i) => void (i.deleteTimeout = v))],
    ['deleteConfigsAndModels', fc.constantFrom('yes', 1, null).map((v) => (i) => void (i.deleteConfigsAndModels = v))],
    ['poll.backoff', fc.constantFrom(0.5, 11, 'fast').map((v) => (i) => void (i.poll = { backoff: v }))],
  ],
};

/** A sample of generated bad inputs of one kind (reproducible), each with the field it breaks. */
function sampleBad(kind: Kind, n: number, seed: number): Array<{ input: Record<string, unknown>; field: string }> {
  const arb = fc.constantFrom(...BREAKAGES[kind]).chain(([field, breaker]) =>
    breaker.map((breakIt) => {
      const input = validInput(kind, uniqueName(`bad-${kind}`));
      breakIt(input);
      return { input, field };
    }),
  );
  return fc.sample(arb, { numRuns: n, seed });
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(repoRoot, 'bin/modelship'),
      args,
      { env: { ...process.env, TEMPORAL_ADDRESS: h.env.address, MODELSHIP_TASK_QUEUE: h.taskQueue }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('generated bad input', () => {
  for (const kind of ['deploy', 'canary', 'update', 'delete'] as const) {
    it(`${kind}: the workflow fails with a non-retryable InvalidInput naming the field, and AWS sees no call`, async () => {
      const cases = sampleBad(kind, 6, 7 + kind.length);
      const callsBefore = total(h.emulator.control.calls());
      const failures = await Promise.all(
        cases.map(async ({ input }) => {
          const workflow = WORKFLOWS[kind] as (i: unknown) => Promise<unknown>;
          const handle = await h.client.workflow.start(workflow, {
            taskQueue: h.taskQueue,
            workflowId: endpointWorkflowId(input.endpointName as string),
            args: [input],
          });
          return failureOf(handle.result());
        }),
      );
      cases.forEach(({ input, field }, i) => {
        const failure = failures[i];
        assert.equal(failure.type, 'InvalidInput', `${JSON.stringify(input)}: ${failure.message}`);
        assert.equal(failure.nonRetryable, true);
        assert.match(failure.message, new RegExp(`${escape(field)}: \\S`), `the message names ${field}: ${failure.message}`);
        assert.ok(
          (failure.details ?? []).some((d) => (d as { field?: string }).field === field),
          `the details name ${field}: ${JSON.stringify(failure.details)}`,
        );
      });
      assert.equal(total(h.emulator.control.calls()), callsBefore, 'the emulator saw zero calls');
    });
  }

  it('the CLI refuses generated bad input locally with exit code 2, naming the field on stderr', async () => {
    const cases = (['deploy', 'canary', 'update', 'delete'] as const).flatMap((kind) => sampleBad(kind, 1, 99).map((c) => ({ ...c, kind })));
    const callsBefore = total(h.emulator.control.calls());
    const results = await Promise.all(
      cases.map(async ({ kind, input }, i) => {
        const file = path.join(dir, `${kind}-${i}.json`);
        writeFileSync(file, JSON.stringify(input));
        return cli([kind, '-f', file]);
      }),
    );
    cases.forEach(({ kind, input, field }, i) => {
      const { code, stderr } = results[i];
      assert.equal(code, 2, `modelship ${kind} ${JSON.stringify(input)} exited ${code}: ${stderr}`);
      assert.match(stderr, new RegExp(`invalid input: .*${escape(field)}: \\S`), stderr);
    });
    // And from flags, as a CI job would call it.
    const flags = await cli([
      'deploy',
      '--endpoint',
      'churn_prod',
      '--model',
      'churn',
      '--image',
      'x',
      '--model-data-url',
      's3://m/1',
      '--role',
      ROLE,
      '--instance-type',
      'ml.m5.large',
      '--instance-count',
      '0',
    ]);
    assert.equal(flags.code, 2);
    // Input from flags is reported by the flag the user typed, not the schema field.
    assert.match(flags.stderr, /--endpoint: must be 1-63 letters.*got "churn_prod"/);
    assert.match(flags.stderr, /--instance-count: must be at least 1/);
    await assert.rejects(
      h.client.workflow.getHandle(endpointWorkflowId('churn_prod')).describe(),
      (err) => err instanceof WorkflowNotFoundError,
      'nothing was started',
    );
    assert.equal(total(h.emulator.control.calls()), callsBefore, 'the emulator saw zero calls');
  });
});

describe('dangerous input', () => {
  it('a delete is refused while another modelship pipeline is changing the endpoint, by the workflow id and by the CLI', async () => {
    const ep = uniqueName('busy');
    const deploy = await h.client.workflow.start(deployModel, {
      taskQueue: h.taskQueue,
      workflowId: endpointWorkflowId(ep),
      args: [
        { ...validInput('deploy', ep), model: { name: uniqueName('m'), image: 'img:1', modelDataUrl: 's3://m/1' }, autoApprove: false } as Parameters<
          typeof deployModel
        >[0],
      ],
    });
    await eventually(
      () => deploy.query(deployStatusQuery),
      (s) => s.step === 'awaiting-approval',
    );
    const callsBefore = total(h.emulator.control.calls());

    await assert.rejects(
      h.client.workflow.start(deleteSageMakerEndpoint, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(ep), args: [{ endpointName: ep }] }),
      (err) => err instanceof WorkflowExecutionAlreadyStartedError,
    );
    const viaCli = await cli(['delete', '--endpoint', ep]);
    assert.equal(viaCli.code, 5, viaCli.stderr);
    assert.match(viaCli.stderr, /refused: a deployModel pipeline is already running on this endpoint/);

    assert.equal(total(h.emulator.control.calls()), callsBefore, 'the delete made no AWS call');
    assert.equal((await deploy.describe()).status.name, 'RUNNING', 'the running deploy is untouched');
    await deploy.signal(rejectSignal, { by: 'test' });
    assert.equal((await failureOf(deploy.result())).type, 'ApprovalRejected');
  });

  it('a canary ramp that skips the gate (dry run) is refused without force, by the workflow and the CLI', async () => {
    const ep = uniqueName('dry');
    const input = { ...validInput('canary', ep), gate: { dryRun: true } };
    const callsBefore = total(h.emulator.control.calls());
    const failure = await failureOf(
      (
        await h.client.workflow.start(canaryRollout, {
          taskQueue: h.taskQueue,
          workflowId: endpointWorkflowId(ep),
          args: [input as Parameters<typeof canaryRollout>[0]],
        })
      ).result(),
    );
    assert.equal(failure.type, 'InvalidInput');
    assert.match(failure.message, /gate\.dryRun: a dry-run gate never stops a bad canary; set force: true/);
    assert.equal(total(h.emulator.control.calls()), callsBefore, 'no AWS call');

    const file = path.join(dir, 'dry-run.json');
    writeFileSync(file, JSON.stringify(input));
    const refused = await cli(['canary', '-f', file]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /gate\.dryRun: a dry-run gate never stops a bad canary/);
  });
});
