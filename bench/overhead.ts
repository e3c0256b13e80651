/**
 * Engine overhead: the register → deploy → wait pipeline as a plain sequential script (the same AWS calls,
 * made by the same activity functions, no Temporal) against the `deployModel` workflow on one worker, with
 * endpoint transitions that take no time. The engine's bare floors in the same run, on the same server: an
 * empty workflow and STEPS sequential no-op regular and local activities (bench/floor-workflows.ts, on a
 * worker of their own), so modelship's per-step overhead is read as a ratio to what any workflow pays.
 * Then workflows per second at saturation: many deploys to distinct endpoints at once for a fixed time.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../src/activities';
import { createAwsClients, destroyAwsClients } from '../src/aws';
import { STAGES, type DeployInput } from '../src/domain/deploy/input';
import type { VariantSpec } from '../src/domain/endpoint';
import { endpointConfigName, endpointWorkflowId, modelName } from '../src/domain/names';
import { deployModel } from '../src/workflows/deploy';
import { floorEmpty, floorLocal, floorRegular } from './floor-workflows';
import { startEmulatorProcess, startWorkerProcess, type BenchEnv } from './env';
import { procFigures, sleep, summarize, table, type Summary } from './stats';
import { BENCH_CREDENTIALS } from './worker-process';

const ROLE = 'arn:aws:iam::123456789012:role/sagemaker-exec';
/** Activities deployModel runs for a new endpoint with autoApprove (each one a step of the script). */
const STEPS = 9;

/** The engine's bare floors, measured in the same run on the same server as modelship's figures. */
export interface Floors {
  steps: number;
  emptyMs: Summary;
  regularMs: Summary;
  localMs: Summary;
  /** (N no-op regular activities − empty workflow) / N: what one regular-activity step costs. */
  regularStepMs: number;
  /** (N no-op local activities − empty workflow) / N. */
  localStepMs: number;
}

export interface OverheadResult {
  runs: number;
  scriptMs: Summary;
  workflowMs: Summary;
  ratio: number;
  perStepOverheadMs: number;
  floors: Floors;
  /** (deployModel − script − empty workflow) / STEPS: modelship's engine cost per step net of the workflow's fixed cost. */
  netPerStepMs: number;
  /** netPerStepMs over each floor's step cost. */
  ratioToRegularStep: number;
  ratioToLocalStep: number;
  callsPerPipeline: { script: number; workflow: number };
  saturation: {
    concurrency: number;
    seconds: number;
    elapsedSeconds: number;
    completed: number;
    failed: number;
    perSecond: number;
    workerCpuSeconds: number;
    serverCpuSeconds: number;
    workerPeakRssBytes: number;
  };
}

/** `loadWarning`: set when the machine was loaded at the start of the run; shown in the tables' headers. */
export async function runOverhead(env: BenchEnv, opts: { quick: boolean; loadWarning?: string }, log: (line: string) => void): Promise<OverheadResult> {
  const loadWarning = opts.loadWarning;
  const runs = opts.quick ? 15 : 40;
  const saturation = opts.quick ? { concurrency: 40, seconds: 20 } : { concurrency: 100, seconds: 60 };
  const tag = randomUUID().slice(0, 6);
  const emulator = await startEmulatorProcess(['--create-ms', '0', '--update-ms', '0', '--weights-ms', '0', '--delete-ms', '0']);
  const taskQueue = `bench-overhead-${tag}`;
  const worker = await startWorkerProcess({ address: env.server.address, taskQueue, awsEndpoint: emulator.url, bundlePath: env.bundlePath });
  const floorQueue = `bench-floor-${tag}`;
  const floorWorker = await startWorkerProcess({
    address: env.server.address,
    taskQueue: floorQueue,
    awsEndpoint: emulator.url,
    bundlePath: env.floorBundlePath,
    floor: true,
  });
  const clients = createAwsClients({ region: 'us-east-1', endpoint: emulator.url, credentials: BENCH_CREDENTIALS });
  const real = createActivities(clients);
  // Activities may read their context (e.g. the workflow id for the registry's audit trail); outside a
  // worker a mock context provides it, at the cost of a function call.
  const context = new MockActivityEnvironment({ workflowExecution: { workflowId: `script-${tag}`, runId: tag } } as never);
  const activities = new Proxy(real, {
    get:
      (target, name: keyof typeof real) =>
      (...args: unknown[]) =>
        context.run(target[name] as (...a: unknown[]) => Promise<unknown>, ...args),
  }) as typeof real;
  const input = (endpoint: string): DeployInput => ({
    endpointName: endpoint,
    model: { name: `${endpoint}-m`, image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${endpoint}:1`, modelDataUrl: `s3://models/${endpoint}/1.tar.gz` },
    executionRoleArn: ROLE,
    instanceType: 'ml.m5.large',
    autoApprove: true,
  });

  /** The same steps deployModel takes, in order, as a plain script. */
  async function script(endpoint: string): Promise<void> {
    const req = input(endpoint);
    const model = req.model.name;
    const { version } = await activities.registerModelVersion({
      model,
      image: req.model.image,
      modelDataUrl: req.model.modelDataUrl,
      metadata: {},
      idempotencyToken: randomUUID(),
    });
    await activities.transitionModelStage({ model, version, stage: STAGES.staging, status: 'PendingApproval', archiveExisting: true });
    await activities.setModelApproval(model, version, 'Approved', 'approved by modelship');
    if (await activities.describeEndpoint(endpoint)) throw new Error(`${endpoint} exists`);
    const sageMakerModel = modelName(model, version);
    await activities.createModel({ name: sageMakerModel, image: req.model.image, modelDataUrl: req.model.modelDataUrl, executionRoleArn: ROLE });
    const variants: VariantSpec[] = [{ variantName: 'AllTraffic', modelName: sageMakerModel, instanceType: 'ml.m5.large', instanceCount: 1, weight: 1 }];
    const configName = endpointConfigName(endpoint, `v${version}`, variants);
    await activities.createEndpointConfig(configName, variants);
    await activities.createEndpoint(endpoint, configName);
    for (let attempt = 1; ; attempt++) {
      try {
        await activities.awaitEndpointInService(endpoint);
        break;
      } catch (err) {
        if (!(err instanceof ApplicationFailure) || err.nonRetryable || attempt > 30) throw err;
        await sleep(1000);
      }
    }
    await activities.transitionModelStage({
      model,
      version,
      stage: STAGES.production,
      status: 'Deployed',
      description: `serving on endpoint ${endpoint}`,
      archiveExisting: true,
    });
  }
  async function workflow(endpoint: string): Promise<void> {
    await env.client.workflow.execute(deployModel, {
      taskQueue,
      workflowId: endpointWorkflowId(endpoint),
      args: [input(endpoint)],
      workflowExecutionTimeout: '5m',
    });
  }
  async function floor(kind: 'empty' | 'regular' | 'local', id: string): Promise<void> {
    const common = { taskQueue: floorQueue, workflowId: `floor-${kind}-${id}`, workflowExecutionTimeout: '5m' as const };
    if (kind === 'empty') await env.client.workflow.execute(floorEmpty, { ...common, args: [] });
    else await env.client.workflow.execute(kind === 'regular' ? floorRegular : floorLocal, { ...common, args: [STEPS] });
  }
  async function timedFloor(kind: 'empty' | 'regular' | 'local'): Promise<Summary> {
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await floor(kind, `${tag}-${i}`);
      ms.push(performance.now() - t0);
    }
    return summarize(ms);
  }
  async function timed(fn: (endpoint: string) => Promise<void>, prefix: string): Promise<{ ms: number[]; calls: number }> {
    await emulator.control.clearCalls();
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await fn(`${prefix}-${tag}-${i}`);
      ms.push(performance.now() - t0);
    }
    const calls = Object.values((await emulator.control.calls()).counts).reduce((a, b) => a + b, 0);
    return { ms, calls: calls / runs };
  }

  try {
    // Warm both paths (module loading, connections, the worker's workflow cache), then alternate-free runs.
    await script(`warm-s-${tag}`);
    await workflow(`warm-w-${tag}`);
    const s = await timed(script, 'ovs');
    const w = await timed(workflow, 'ovw');
    const scriptMs = summarize(s.ms);
    const workflowMs = summarize(w.ms);
    const perStepOverheadMs = (workflowMs.mean - scriptMs.mean) / STEPS;
    log(
      table(
        [`pipeline (register → deploy → wait)${loadWarning ? ` (${loadWarning})` : ''}`, 'runs', 'mean ms', 'p50 ms', 'p95 ms', 'AWS calls each'],
        [
          [
            'plain script (same AWS calls, no engine)',
            String(runs),
            scriptMs.mean.toFixed(0),
            scriptMs.p50.toFixed(0),
            scriptMs.p95.toFixed(0),
            s.calls.toFixed(1),
          ],
          [
            'deployModel workflow, one worker',
            String(runs),
            workflowMs.mean.toFixed(0),
            workflowMs.p50.toFixed(0),
            workflowMs.p95.toFixed(0),
            w.calls.toFixed(1),
          ],
        ],
      ),
    );
    log(
      `time ratio workflow/script ${(workflowMs.mean / scriptMs.mean).toFixed(1)}x; engine overhead per step ${perStepOverheadMs.toFixed(0)} ms (${STEPS} activities per run)`,
    );

    // The floors, right after modelship's runs, on the same server: warm each, then `runs` sequential runs.
    for (const kind of ['empty', 'regular', 'local'] as const) await floor(kind, `warm-${tag}`);
    const emptyMs = await timedFloor('empty');
    const regularMs = await timedFloor('regular');
    const localMs = await timedFloor('local');
    const floors: Floors = {
      steps: STEPS,
      emptyMs,
      regularMs,
      localMs,
      regularStepMs: (regularMs.mean - emptyMs.mean) / STEPS,
      localStepMs: (localMs.mean - emptyMs.mean) / STEPS,
    };
    const netPerStepMs = (workflowMs.mean - scriptMs.mean - emptyMs.mean) / STEPS;
    const ratioToRegularStep = netPerStepMs / floors.regularStepMs;
    const ratioToLocalStep = netPerStepMs / floors.localStepMs;
    const perStep = (m: Summary) => ((m.mean - emptyMs.mean) / STEPS).toFixed(0);
    log('');
    log(
      table(
        [`bare floor, same server, same run${loadWarning ? ` (${loadWarning})` : ''}`, 'runs', 'mean ms', 'p50 ms', 'p95 ms', 'per step ms'],
        [
          ['empty workflow', String(runs), emptyMs.mean.toFixed(0), emptyMs.p50.toFixed(0), emptyMs.p95.toFixed(0), '-'],
          [
            `${STEPS} no-op regular activities`,
            String(runs),
            regularMs.mean.toFixed(0),
            regularMs.p50.toFixed(0),
            regularMs.p95.toFixed(0),
            perStep(regularMs),
          ],
          [`${STEPS} no-op local activities`, String(runs), localMs.mean.toFixed(0), localMs.p50.toFixed(0), localMs.p95.toFixed(0), perStep(localMs)],
        ],
      ),
    );
    log(
      `modelship per step, net of the empty workflow: ${netPerStepMs.toFixed(0)} ms = (deployModel ${workflowMs.mean.toFixed(0)} − script ${scriptMs.mean.toFixed(0)} − empty ${emptyMs.mean.toFixed(0)}) / ${STEPS}; ` +
        `${ratioToRegularStep.toFixed(2)}x the regular-activity floor (${floors.regularStepMs.toFixed(0)} ms), ${ratioToLocalStep.toFixed(2)}x the local-activity floor (${floors.localStepMs.toFixed(0)} ms)`,
    );

    // Saturation: `concurrency` clients each deploying to a new endpoint, again and again, for a fixed time.
    const before = { worker: procFigures(worker.pid), server: procFigures(env.server.process.pid) };
    const t0 = Date.now();
    const end = t0 + saturation.seconds * 1000;
    let completed = 0;
    let failed = 0;
    let seq = 0;
    await Promise.all(
      Array.from({ length: saturation.concurrency }, async () => {
        while (Date.now() < end) {
          try {
            await workflow(`sat-${tag}-${seq++}`);
            completed++;
          } catch {
            failed++;
          }
        }
      }),
    );
    const elapsed = (Date.now() - t0) / 1000;
    const after = { worker: procFigures(worker.pid), server: procFigures(env.server.process.pid) };
    const sat = {
      ...saturation,
      elapsedSeconds: elapsed,
      completed,
      failed,
      // Every deploy started in the window, over the time until the last one finished.
      perSecond: completed / elapsed,
      workerCpuSeconds: (after.worker?.cpuSeconds ?? NaN) - (before.worker?.cpuSeconds ?? NaN),
      serverCpuSeconds: (after.server?.cpuSeconds ?? NaN) - (before.server?.cpuSeconds ?? NaN),
      workerPeakRssBytes: after.worker?.peakRssBytes ?? NaN,
    };
    log(
      `saturation: ${sat.concurrency} concurrent deploys started for ${saturation.seconds}s, all finished after ${elapsed.toFixed(0)}s: ${completed} completed, ${failed} failed, ` +
        `${sat.perSecond.toFixed(1)} workflows/s; worker CPU ${sat.workerCpuSeconds.toFixed(1)}s, server CPU ${sat.serverCpuSeconds.toFixed(1)}s, worker peak RSS ${Math.round(sat.workerPeakRssBytes / 1048576)} MiB`,
    );
    return {
      runs,
      scriptMs,
      workflowMs,
      ratio: workflowMs.mean / scriptMs.mean,
      perStepOverheadMs,
      floors,
      netPerStepMs,
      ratioToRegularStep,
      ratioToLocalStep,
      callsPerPipeline: { script: s.calls, workflow: w.calls },
      saturation: sat,
    };
  } finally {
    destroyAwsClients(clients);
    await Promise.all([worker.stop(), floorWorker.stop()]);
    await emulator.stop();
  }
}
