/**
 * Waiting for InService: how long after the emulator switches an endpoint to InService each way of
 * waiting notices, and how many DescribeEndpoint calls it spends. modelship's wait (activity retries:
 * 1s, ×1.5, at most 30s) against a fixed 5-second poll loop (what MLflow's SageMaker deployment does) and
 * the AWS SDK's own waitUntilEndpointInService at its defaults (minDelay 30s; only for long waits).
 */
import { randomUUID } from 'node:crypto';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  SageMakerClient,
  waitUntilEndpointInService,
} from '@aws-sdk/client-sagemaker';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { DeployInput } from '../src/domain/deploy/input';
import { endpointWorkflowId } from '../src/domain/names';
import type { FaultRule } from '../src/emulator';
import { deployModel } from '../src/workflows/deploy';
import { startEmulatorProcess, startWorkerProcess, type BenchEnv, type EmulatorProcess } from './env';
import { sleep, summarize, table, type Summary } from './stats';
import { BENCH_CREDENTIALS } from './worker-process';

const ROLE = 'arn:aws:iam::123456789012:role/sagemaker-exec';
const EventType = temporal.api.enums.v1.EventType;

export type WaitMethod = 'modelship' | 'fixed 5s poll' | 'SDK waiter (defaults)';

export interface WaitRow {
  method: WaitMethod;
  waitSeconds: number;
  runs: number;
  /** Delay between the switch to InService and the waiter moving on (ms). */
  delayMs: Summary;
  /** DescribeEndpoint calls per wait. */
  describeCalls: Summary;
}

export interface WaitsResult {
  rows: WaitRow[];
  notes: string[];
}

interface Sample {
  method: WaitMethod;
  waitSeconds: number;
  delayMs: number;
  describeCalls: number;
}

export async function runWaits(env: BenchEnv, opts: { quick: boolean }, log: (line: string) => void): Promise<WaitsResult> {
  const lengths = opts.quick ? [1, 5, 20] : [1, 5, 30, 120];
  const reps = opts.quick ? 4 : 5;
  const tag = randomUUID().slice(0, 6);
  const emulator = await startEmulatorProcess(['--create-ms', '1000']);
  const taskQueue = `bench-waits-${tag}`;
  const worker = await startWorkerProcess({ address: env.server.address, taskQueue, awsEndpoint: emulator.url, bundlePath: env.bundlePath });
  const notes: string[] = [];
  try {
    type Job = { method: WaitMethod; waitSeconds: number; endpoint: string; factor: number };
    const jobs: Job[] = [];
    for (const waitSeconds of lengths) {
      for (let r = 0; r < reps; r++) {
        const id = `${tag}-${waitSeconds}s-${r}`;
        // Real transitions take no round number of seconds: each run's wait is the nominal length plus
        // 0-20% (the same for every method in that run), so no poll interval lines up with it by construction.
        const factor = waitSeconds * (1 + (0.2 * (r + 0.5)) / reps);
        jobs.push({ method: 'modelship', waitSeconds, endpoint: `wait-ms-${id}`, factor });
        jobs.push({ method: 'fixed 5s poll', waitSeconds, endpoint: `wait-fixed-${id}`, factor });
        // At its defaults the SDK waiter polls every 30s or more: it only makes sense for waits that long.
        if (waitSeconds >= 30) jobs.push({ method: 'SDK waiter (defaults)', waitSeconds, endpoint: `wait-sdk-${id}`, factor });
      }
    }
    if (!lengths.some((l) => l >= 30))
      notes.push('SDK waiter at its defaults (minDelay 30s) not run: no wait here is 30s or longer (full mode runs it for the 30s and 120s waits).');
    // Each endpoint takes its own time to come up: the emulator's create time (1s) times a per-endpoint factor.
    const rules: FaultRule[] = jobs.map((j) => ({ kind: 'slowTransitions', factor: j.factor, transitions: ['create'], endpoints: [j.endpoint] }));
    await emulator.control.setFaults(rules);
    log(`  ${jobs.length} waits at once (${lengths.join(', ')}s × ${reps} runs)`);
    const samples = await Promise.all(
      jobs.map((job, i) =>
        // Staggered a little so the runs of one length do not poll in lockstep.
        sleep(i * 37).then(() => (job.method === 'modelship' ? viaWorkflow(env, emulator, taskQueue, job) : viaScript(emulator, job))),
      ),
    );
    const rows: WaitRow[] = [];
    for (const waitSeconds of lengths) {
      for (const method of ['modelship', 'fixed 5s poll', 'SDK waiter (defaults)'] as WaitMethod[]) {
        const of = samples.filter((s) => s.method === method && s.waitSeconds === waitSeconds);
        if (!of.length) continue;
        rows.push({
          method,
          waitSeconds,
          runs: of.length,
          delayMs: summarize(of.map((s) => s.delayMs)),
          describeCalls: summarize(of.map((s) => s.describeCalls)),
        });
      }
    }
    log(
      table(
        ['wait', 'method', 'runs', 'detection delay mean s', 'max s', 'DescribeEndpoint calls'],
        rows.map((r) => [
          `${r.waitSeconds}s`,
          r.method,
          String(r.runs),
          (r.delayMs.mean / 1000).toFixed(2),
          (r.delayMs.max / 1000).toFixed(2),
          r.describeCalls.mean.toFixed(1),
        ]),
      ),
    );
    for (const n of notes) log(`note: ${n}`);
    return { rows, notes };
  } finally {
    await worker.stop();
    await emulator.stop();
  }
}

/** The endpoint's switch to InService, as the emulator recorded it (nothing changes it afterwards). */
async function switchedAt(emulator: EmulatorProcess, endpoint: string): Promise<number> {
  const ep = await emulator.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
  if (ep.EndpointStatus !== 'InService') throw new Error(`${endpoint} is ${ep.EndpointStatus}`);
  return ep.LastModifiedTime!.getTime();
}

/** modelship: deployModel creates the endpoint and waits; the wait's end is its activity's completion in history. */
async function viaWorkflow(
  env: BenchEnv,
  emulator: EmulatorProcess,
  taskQueue: string,
  job: { method: WaitMethod; waitSeconds: number; endpoint: string },
): Promise<Sample> {
  const model = `${job.endpoint}-m`;
  const input: DeployInput = {
    endpointName: job.endpoint,
    model: { name: model, image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${model}:1`, modelDataUrl: `s3://models/${model}/1.tar.gz` },
    executionRoleArn: ROLE,
    instanceType: 'ml.m5.large',
    autoApprove: true,
  };
  const handle = await env.client.workflow.start(deployModel, {
    taskQueue,
    workflowId: endpointWorkflowId(job.endpoint),
    args: [input],
    workflowExecutionTimeout: '10m',
  });
  await handle.result();
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = events.find(
    (e) =>
      e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && e.activityTaskScheduledEventAttributes?.activityType?.name === 'awaitEndpointInService',
  );
  const id = scheduled?.eventId?.toString();
  const started = events.find(
    (e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED && e.activityTaskStartedEventAttributes?.scheduledEventId?.toString() === id,
  );
  const completed = events.find(
    (e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED && e.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() === id,
  );
  if (!completed || !started) throw new Error(`no completed awaitEndpointInService in the history of ${job.endpoint}`);
  return {
    method: job.method,
    waitSeconds: job.waitSeconds,
    delayMs: tsToMs(completed.eventTime) - (await switchedAt(emulator, job.endpoint)),
    // One DescribeEndpoint per attempt; retries are not in history, the started event carries the last attempt number.
    describeCalls: started.activityTaskStartedEventAttributes!.attempt ?? 1,
  };
}

/** A plain script: create the endpoint with the SDK, then wait with a 5s poll loop or the SDK's waiter. */
async function viaScript(emulator: EmulatorProcess, job: { method: WaitMethod; waitSeconds: number; endpoint: string }): Promise<Sample> {
  const sm = emulator.aws.sagemaker;
  const model = `${job.endpoint}-m`;
  await sm.send(
    new CreateModelCommand({
      ModelName: model,
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${model}:1` },
    }),
  );
  await sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${job.endpoint}-c`,
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: model, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }],
    }),
  );
  await sm.send(new CreateEndpointCommand({ EndpointName: job.endpoint, EndpointConfigName: `${job.endpoint}-c` }));
  let calls = 0;
  let detected: number;
  if (job.method === 'fixed 5s poll') {
    const maxPolls = Math.ceil(job.waitSeconds / 5) + 10;
    for (;;) {
      calls++;
      const ep = await sm.send(new DescribeEndpointCommand({ EndpointName: job.endpoint }));
      if (ep.EndpointStatus === 'InService') {
        detected = Date.now();
        break;
      }
      if (calls >= maxPolls) throw new Error(`${job.endpoint} not InService after ${calls} polls`);
      await sleep(5000);
    }
  } else {
    // A client of its own, counting the waiter's DescribeEndpoint calls.
    const client = new SageMakerClient({ region: 'us-east-1', endpoint: emulator.url, credentials: BENCH_CREDENTIALS });
    client.middlewareStack.add(
      (next) => async (args) => {
        calls++;
        return next(args);
      },
      { step: 'initialize', name: 'countCalls' },
    );
    try {
      await waitUntilEndpointInService({ client, maxWaitTime: job.waitSeconds + 600 }, { EndpointName: job.endpoint });
      detected = Date.now();
    } finally {
      client.destroy();
    }
  }
  return { method: job.method, waitSeconds: job.waitSeconds, delayMs: detected - (await switchedAt(emulator, job.endpoint)), describeCalls: calls };
}
