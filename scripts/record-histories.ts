/**
 * Records the event histories of real runs of every modelship workflow kind, as JSON fixtures for the
 * replay test (test/replay/replay.test.ts). Runs each scenario on a Temporal dev server of its own (or
 * MODELSHIP_TEST_TEMPORAL_ADDRESS) against the local AWS emulator, with the workflow code as it is now.
 *
 *   npx tsx scripts/record-histories.ts [--tag T] [scenario ...]
 *     (default: all; writes test/replay/histories/<scenario>.json, or <scenario>.<T>.json with --tag)
 *
 * Record new fixtures when a workflow gains a new path; keep the old ones (record the new ones under a
 * --tag such as the date): they stand for runs that may still be open when the new code is deployed
 * (docs/upgrading-workflows.md). The checkout's own path is scrubbed from the stack traces a history
 * carries (replay never reads them), so a fixture says nothing about the machine it was recorded on.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { CanaryInput } from '../src/domain/canary/input';
import type { DeployInput } from '../src/domain/deploy/input';
import { endpointWorkflowId } from '../src/domain/names';
import { canaryRollout, canaryStatusQuery } from '../src/workflows/canary';
import { deleteSageMakerEndpoint } from '../src/workflows/delete-endpoint';
import { approveSignal, deployModel, deployStatusQuery } from '../src/workflows/deploy';
import { scheduledPromote, scheduledRollout } from '../src/workflows/scheduled';
import { updateSageMakerEndpoint } from '../src/workflows/update-endpoint';
import { image, registerVersion, seedEndpoint } from '../test/support/campaign';
import { createHarness, eventually, type Harness } from '../test/support/harness';
import { temporalCliPath } from '../test/support/temporal';

const OUT = path.resolve(__dirname, '../test/replay/histories');
const ROLE = 'arn:aws:iam::123456789012:role/sagemaker-exec';
const POLL = { min: '100ms', max: '300ms' };

type Scenario = (h: Harness, name: string) => Promise<WorkflowHandle>;

const deployInput = (endpointName: string, group: string, tag: string, extra: Partial<DeployInput> = {}): DeployInput => ({
  endpointName,
  model: { name: group, image: image(group, tag), modelDataUrl: `s3://models/${group}/${tag}.tar.gz` },
  executionRoleArn: ROLE,
  instanceType: 'ml.m5.large',
  autoApprove: true,
  poll: POLL,
  ...extra,
});

const canaryInput = (endpointName: string, group: string): CanaryInput => ({
  endpointName,
  model: { name: group, version: 2 },
  executionRoleArn: ROLE,
  steps: [20, 100],
  bake: '1500ms',
  gate: { minInvocations: 5, metricPeriod: '1s', maxErrorRate: 0.05 },
  poll: POLL,
});

/** Waits for the run to close (either way) and returns its handle. */
async function settled(handle: WorkflowHandle): Promise<WorkflowHandle> {
  await handle.result().catch(() => undefined);
  return handle;
}

const SCENARIOS: Record<string, Scenario> = {
  /** Fresh endpoint, human approval by signal, success. */
  'deploy-approved': async (h, ep) => {
    const handle = await h.client.workflow.start(deployModel, {
      taskQueue: h.taskQueue,
      workflowId: endpointWorkflowId(ep),
      args: [deployInput(ep, `${ep}-m`, 'v1', { autoApprove: false })],
    });
    await eventually(
      () => handle.query(deployStatusQuery),
      (s) => s.step === 'awaiting-approval',
    );
    await handle.signal(approveSignal, { by: 'recorder', reason: 'fixture' });
    await handle.result();
    return handle;
  },
  /** Existing endpoint, unhealthy new version: SageMaker rolls back, modelship compensates. */
  'deploy-rolled-back': async (h, ep) => {
    await seedEndpoint(h.aws, { endpoint: ep, group: `${ep}-m` });
    h.emulator.control.setBehaviours({ [image(`${ep}-m`, 'broken')]: { healthy: false, failureReason: 'model data download failed' } });
    return settled(
      await h.client.workflow.start(deployModel, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(ep), args: [deployInput(ep, `${ep}-m`, 'broken')] }),
    );
  },
  'canary-promoted': async (h, ep) => {
    // Owned, as a modelship deploy leaves it: the promoted cleanup (by tags) removes the original too.
    await seedEndpoint(h.aws, { endpoint: ep, group: `${ep}-m`, ownedBy: 'seed-run' });
    await registerVersion(h.aws, `${ep}-m`, image(`${ep}-m`, 'v2'));
    h.emulator.control.startTraffic({ endpointName: ep, rps: 60 });
    const handle = await h.client.workflow.start(canaryRollout, {
      taskQueue: h.taskQueue,
      workflowId: endpointWorkflowId(ep),
      args: [canaryInput(ep, `${ep}-m`)],
    });
    await handle.result();
    h.emulator.control.stopTraffic(ep);
    return handle;
  },
  'canary-rolled-back': async (h, ep) => {
    await seedEndpoint(h.aws, { endpoint: ep, group: `${ep}-m` });
    await registerVersion(h.aws, `${ep}-m`, image(`${ep}-m`, 'v2'));
    h.emulator.control.setBehaviours({ [image(`${ep}-m`, 'v2')]: { errorRate: 0.5 } });
    h.emulator.control.startTraffic({ endpointName: ep, rps: 60 });
    const handle = await settled(
      await h.client.workflow.start(canaryRollout, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(ep), args: [canaryInput(ep, `${ep}-m`)] }),
    );
    h.emulator.control.stopTraffic(ep);
    return handle;
  },
  /** Autoscaled variant changes instance type: scaling removed, endpoint updated, scaling restored. */
  'update-autoscaled': async (h, ep) => {
    await seedEndpoint(h.aws, { endpoint: ep, group: `${ep}-m`, autoscaled: true });
    const handle = await h.client.workflow.start(updateSageMakerEndpoint, {
      taskQueue: h.taskQueue,
      workflowId: endpointWorkflowId(ep),
      args: [
        { endpointName: ep, change: [{ variantName: 'AllTraffic', instanceType: 'ml.c5.xlarge' }], raiseCapacityDuringUpdate: { AllTraffic: 3 }, poll: POLL },
      ],
    });
    await handle.result();
    return handle;
  },
  /** SageMaker fails the update: endpoint, capacity and scaling are put back. */
  'update-rolled-back': async (h, ep) => {
    await seedEndpoint(h.aws, { endpoint: ep, group: `${ep}-m`, autoscaled: true });
    h.emulator.control.setFaults([{ kind: 'failTransition', transitions: ['update'], endpoints: [ep], failureReason: 'insufficient capacity', times: 1 }]);
    return settled(
      await h.client.workflow.start(updateSageMakerEndpoint, {
        taskQueue: h.taskQueue,
        workflowId: endpointWorkflowId(ep),
        args: [{ endpointName: ep, change: [{ variantName: 'AllTraffic', instanceType: 'ml.c5.xlarge' }], poll: POLL }],
      }),
    );
  },
  /** A scheduled firing: the newest Approved version goes out through a child canary. */
  'scheduled-rollout': async (h, ep) => {
    await seedEndpoint(h.aws, { endpoint: ep, group: `${ep}-m` });
    await registerVersion(h.aws, `${ep}-m`, image(`${ep}-m`, 'v2'));
    h.emulator.control.startTraffic({ endpointName: ep, rps: 60 });
    const { model: _version, ...canary } = canaryInput(ep, `${ep}-m`);
    const handle = await h.client.workflow.start(scheduledRollout, {
      taskQueue: h.taskQueue,
      workflowId: `schedule-${ep}`,
      args: [{ canary: { ...canary, model: { name: `${ep}-m` } } }],
    });
    await handle.result();
    h.emulator.control.stopTraffic(ep);
    return handle;
  },
  /** A scheduled promotion of a running canary (promote --full by signal). */
  'scheduled-promote': async (h, ep) => {
    await seedEndpoint(h.aws, { endpoint: ep, group: `${ep}-m` });
    await registerVersion(h.aws, `${ep}-m`, image(`${ep}-m`, 'v2'));
    h.emulator.control.startTraffic({ endpointName: ep, rps: 60 });
    const rollout = await h.client.workflow.start(canaryRollout, {
      taskQueue: h.taskQueue,
      workflowId: endpointWorkflowId(ep),
      args: [{ ...canaryInput(ep, `${ep}-m`), bake: '10m' }],
    });
    await eventually(
      () => rollout.query(canaryStatusQuery),
      (s) => s.phase === 'baking',
    );
    const handle = await h.client.workflow.start(scheduledPromote, {
      taskQueue: h.taskQueue,
      workflowId: `promote-${ep}`,
      args: [{ endpointName: ep, full: true, reason: 'fixture' }],
    });
    await handle.result();
    await rollout.result();
    h.emulator.control.stopTraffic(ep);
    return handle;
  },
  'delete-autoscaled': async (h, ep) => {
    await seedEndpoint(h.aws, { endpoint: ep, group: `${ep}-m`, autoscaled: true });
    const handle = await h.client.workflow.start(deleteSageMakerEndpoint, {
      taskQueue: h.taskQueue,
      workflowId: endpointWorkflowId(ep),
      args: [{ endpointName: ep, poll: POLL }],
    });
    await handle.result();
    return handle;
  },
};

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const args = process.argv.slice(2);
  const tagAt = args.indexOf('--tag');
  const tag = tagAt >= 0 ? args.splice(tagAt, 2)[1] : undefined;
  if (tagAt >= 0 && !tag) throw new Error('--tag needs a value, e.g. --tag 2026-12-02');
  const wanted = args;
  const unknown = wanted.filter((w) => !(w in SCENARIOS));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  mkdirSync(OUT, { recursive: true });
  const h = await createHarness();
  try {
    for (const name of wanted.length ? wanted : Object.keys(SCENARIOS)) {
      h.emulator.control.setFaults([]);
      h.emulator.control.setBehaviours({});
      const handle = await SCENARIOS[name](h, `rec-${name}`);
      const { status, runId } = await handle.describe();
      const file = path.join(OUT, tag ? `${name}.${tag}.json` : `${name}.json`);
      // The Temporal CLI writes the standard JSON history format (the SDK's historyToJSON trips over two
      // protobufjs copies in this dependency tree).
      const json = execFileSync(
        temporalCliPath(),
        ['workflow', 'show', '--address', h.env.address, '--workflow-id', handle.workflowId, '--run-id', runId, '--output', 'json'],
        {
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      writeFileSync(file, `${JSON.stringify(JSON.parse(scrubPaths(json)), null, 2)}\n`);
      console.log(`${name}: ${status.name}, ${path.relative(process.cwd(), file)}`);
    }
  } finally {
    await h.close();
  }
}

/** The checkout's absolute path, as stack traces spell it (also JSON-escaped), replaced by `<checkout>`. */
function scrubPaths(text: string): string {
  const root = path.resolve(__dirname, '..');
  return text.split(root).join('<checkout>');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
