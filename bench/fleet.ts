/**
 * Fleet: N endpoints each running a full canary rollout at once on ONE worker, against an emulated account
 * whose DescribeEndpoint budget and general per-operation budget are token buckets (throttling above them).
 * Reports how far the fleet falls behind its ideal, what the worker and the Temporal server spend, and how
 * many AWS calls, throttles and failed rollouts it causes.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
} from '@aws-sdk/client-sagemaker';
import { WorkflowNotFoundError, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import type { CanaryInput } from '../src/domain/canary/input';
import type { CanaryResult } from '../src/domain/canary/status';
import { endpointWorkflowId, modelName } from '../src/domain/names';
import type { FaultRule } from '../src/emulator';
import { canaryRollout } from '../src/workflows/canary';
import { startEmulatorProcess, startWorkerProcess, type BenchEnv } from './env';
import { pool, procFigures, sleep, summarize, type Summary } from './stats';
import type { WorkerProcessConfig } from './worker-process';

const ROLE = 'arn:aws:iam::123456789012:role/sagemaker-exec';
const STEPS = [25, 50, 75, 100];

/** How the worker talks to AWS: the thing being compared. */
export interface FleetWorkerConfig {
  label: string;
  retryMode?: WorkerProcessConfig['retryMode'];
  maxRequestsPerSecond?: number;
}

export interface FleetOptions {
  n: number;
  worker: FleetWorkerConfig;
  /** Let each rollout remove superseded configs and models (scans every endpoint in the account). */
  cleanup: boolean;
  bakeMs: number;
  /** Emulated UpdateEndpoint and weight-shift durations. */
  transitionMs: number;
  /** Account-wide DescribeEndpoint budget (requests/s). */
  describeEndpointBudget: number;
  /** Budget of every other operation, each its own bucket (requests/s). */
  operationBudget: number;
  /** Give up (terminate what still runs) after this long. */
  timeoutMs: number;
}

export interface FleetResult {
  options: FleetOptions;
  idealMs: number;
  wallMs: number;
  completed: number;
  failed: number;
  timedOut: number;
  failures: Record<string, number>;
  lagMs: Summary;
  workerPeakRssBytes: number;
  workerCpuSeconds: number;
  serverCpuSeconds: number;
  emulatorCpuSeconds: number;
  calls: Record<string, number>;
  totalCalls: number;
  throttles: Record<string, number>;
  totalThrottles: number;
  otherErrors: Record<string, number>;
  gateVerdicts: Record<string, number>;
}

/** One rollout's critical path: UpdateEndpoint to the first step, a shift per later step, a bake per step, the final UpdateEndpoint. */
export function idealRolloutMs(bakeMs: number, transitionMs: number): number {
  return STEPS.length * bakeMs + (STEPS.length - 1) * transitionMs + 2 * transitionMs;
}

export async function runFleet(env: BenchEnv, options: FleetOptions, log: (line: string) => void): Promise<FleetResult> {
  const { n } = options;
  const tag = randomUUID().slice(0, 6);
  const t = String(options.transitionMs);
  const emulator = await startEmulatorProcess(['--create-ms', '0', '--update-ms', t, '--weights-ms', t, '--delete-ms', '100']);
  const taskQueue = `bench-fleet-${tag}`;
  let worker: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  try {
    // 1. N endpoints serving v1, v2 registered and Approved (straight through the SDK, no budget yet).
    const endpoints = Array.from({ length: n }, (_, i) => ({ endpoint: `fleet-${tag}-${i}`, model: `fm-${tag}-${i}` }));
    const sm = emulator.aws.sagemaker;
    const image = (model: string, v: number) => `123456789012.dkr.ecr.us-east-1.amazonaws.com/${model}:v${v}`;
    await pool(endpoints, 16, async ({ endpoint, model }) => {
      await sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: model }));
      for (const v of [1, 2]) {
        await sm.send(
          new CreateModelPackageCommand({
            ModelPackageGroupName: model,
            InferenceSpecification: {
              Containers: [{ Image: image(model, v), ModelDataUrl: `s3://models/${model}/v${v}.tar.gz` }],
              SupportedContentTypes: ['application/json'],
              SupportedResponseMIMETypes: ['application/json'],
            },
            ModelApprovalStatus: 'Approved',
            ModelLifeCycle: v === 1 ? { Stage: 'Production', StageStatus: 'Deployed' } : { Stage: 'Staging', StageStatus: 'Registered' },
          }),
        );
      }
      const v1 = modelName(model, 1);
      await sm.send(
        new CreateModelCommand({
          ModelName: v1,
          ExecutionRoleArn: ROLE,
          PrimaryContainer: { Image: image(model, 1), ModelDataUrl: `s3://models/${model}/v1.tar.gz` },
        }),
      );
      await sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: `${endpoint}-v1`,
          ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: v1, InstanceType: 'ml.m5.large', InitialInstanceCount: 1, InitialVariantWeight: 1 }],
        }),
      );
      await sm.send(new CreateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: `${endpoint}-v1` }));
    });
    // Low traffic on every endpoint so each gate reads real numbers (the whole fleet: at most ~1000 rps).
    const rps = Math.max(0.5, Math.min(4, 1000 / n));
    await pool(endpoints, 16, async ({ endpoint }) => {
      await emulator.control.startTraffic({ endpointName: endpoint, rps });
    });

    // 2. The account's budget, then ONE worker.
    const budget: FaultRule[] = [
      { kind: 'throttle', operations: ['SageMaker.DescribeEndpoint'], requestsPerSecond: options.describeEndpointBudget, scope: 'account' },
      { kind: 'throttle', requestsPerSecond: options.operationBudget, scope: 'operation' },
    ];
    worker = await startWorkerProcess({
      address: env.server.address,
      taskQueue,
      awsEndpoint: emulator.url,
      bundlePath: env.bundlePath,
      retryMode: options.worker.retryMode,
      maxRequestsPerSecond: options.worker.maxRequestsPerSecond,
    });
    await emulator.control.clearCalls();
    await emulator.control.setFaults(budget);
    const before = { worker: procFigures(worker.pid), server: procFigures(env.server.process.pid), emulator: procFigures(emulator.pid) };

    // 3. N canaries at once.
    const input = (endpoint: string, model: string): CanaryInput => ({
      endpointName: endpoint,
      model: { name: model, version: 2 },
      executionRoleArn: ROLE,
      steps: STEPS,
      bake: `${options.bakeMs}ms`,
      // Dry-run gates judge real numbers and record verdicts; with this little traffic a step may see
      // too few canary requests, and an inconclusive re-measure would be a cost of the traffic, not of modelship.
      gate: { minInvocations: 1, metricPeriod: '1s', dryRun: true },
      force: true,
      keepSuperseded: !options.cleanup,
    });
    const handles: WorkflowHandle<typeof canaryRollout>[] = new Array(n);
    const started = Date.now();
    await pool(endpoints, 32, async ({ endpoint, model }, i) => {
      handles[i] = await env.client.workflow.start(canaryRollout, { taskQueue, workflowId: endpointWorkflowId(endpoint), args: [input(endpoint, model)] });
    });
    log(`  fleet ${options.worker.label} n=${n}: ${n} rollouts started in ${((Date.now() - started) / 1000).toFixed(1)}s`);

    // 4. Wait for all to close (or the time limit), sampling the worker's memory on the way.
    const deadline = started + options.timeoutMs;
    let running = n;
    let lastLog = Date.now();
    while (Date.now() < deadline) {
      await sleep(2000);
      running = (await env.client.workflow.count(`TaskQueue="${taskQueue}" AND ExecutionStatus="Running"`)).count;
      if (running === 0) break;
      if (Date.now() - lastLog > 30_000) {
        lastLog = Date.now();
        log(`  ... ${running}/${n} still running after ${((Date.now() - started) / 1000).toFixed(0)}s`);
      }
    }
    const after = { worker: procFigures(worker.pid), server: procFigures(env.server.process.pid), emulator: procFigures(emulator.pid) };
    const calls = await emulator.control.calls();
    let timedOut = 0;
    if (running > 0) {
      await pool(handles, 16, async (h) => {
        const d = await h.describe();
        if (d.status.name !== 'RUNNING') return;
        try {
          await h.terminate('benchmark time limit');
          timedOut++;
        } catch (err) {
          // It finished between the describe and the terminate.
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      });
    }

    // 5. Per rollout: its own start-to-close time against its ideal; failures and gate verdicts.
    const descriptions: WorkflowExecutionDescription[] = new Array(n);
    const failures: Record<string, number> = {};
    const gateVerdicts: Record<string, number> = {};
    await pool(handles, 16, async (h, i) => {
      descriptions[i] = await h.describe();
      if (descriptions[i]!.status.name === 'TERMINATED') return;
      try {
        const result: CanaryResult = await h.result();
        for (const g of result.gates) gateVerdicts[g.verdict] = (gateVerdicts[g.verdict] ?? 0) + 1;
      } catch (err) {
        const cause = (err as { cause?: { type?: string; message?: string } }).cause;
        const key = `${cause?.type ?? 'unknown'}: ${(cause?.message ?? String(err)).slice(0, 160)}`;
        failures[key] = (failures[key] ?? 0) + 1;
      }
    });
    const closed = descriptions.filter((d) => d.closeTime);
    const idealMs = idealRolloutMs(options.bakeMs, options.transitionMs);
    const lags = closed.filter((d) => d.status.name === 'COMPLETED').map((d) => d.closeTime!.getTime() - d.startTime.getTime() - idealMs);
    const firstStart = Math.min(...descriptions.map((d) => d.startTime.getTime()));
    const lastClose = Math.max(...closed.map((d) => d.closeTime!.getTime()));
    const throttles: Record<string, number> = {};
    const otherErrors: Record<string, number> = {};
    for (const [op, codes] of Object.entries(calls.errors)) {
      for (const [code, count] of Object.entries(codes)) {
        if (code === 'ThrottlingException') throttles[op] = count;
        else otherErrors[`${op} ${code}`] = count;
      }
    }
    const delta = (k: 'worker' | 'server' | 'emulator') => (after[k]?.cpuSeconds ?? NaN) - (before[k]?.cpuSeconds ?? NaN);
    return {
      options,
      idealMs,
      wallMs: lastClose - firstStart,
      completed: descriptions.filter((d) => d.status.name === 'COMPLETED').length,
      failed: descriptions.filter((d) => d.status.name === 'FAILED').length,
      timedOut,
      failures,
      lagMs: summarize(lags),
      workerPeakRssBytes: after.worker?.peakRssBytes ?? NaN,
      workerCpuSeconds: delta('worker'),
      serverCpuSeconds: delta('server'),
      emulatorCpuSeconds: delta('emulator'),
      calls: calls.counts,
      totalCalls: Object.values(calls.counts).reduce((a, b) => a + b, 0),
      throttles,
      totalThrottles: Object.values(throttles).reduce((a, b) => a + b, 0),
      otherErrors,
      gateVerdicts,
    };
  } finally {
    await worker?.stop();
    await emulator.stop();
  }
}
