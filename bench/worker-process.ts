/**
 * One modelship worker as a process of its own, so the benchmark can read its CPU and memory apart from
 * the emulator's and its own. Configured by MODELSHIP_BENCH_WORKER (JSON, see WorkerProcessConfig).
 * Prints "worker ready" once it polls; stops on SIGTERM.
 */
import type { Context as ActivityContext } from '@temporalio/activity';
import type { Next } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, Worker, type ActivityExecuteInput, type ActivityInboundCallsInterceptor } from '@temporalio/worker';
import { createAwsClients, type AwsConfig } from '../src/aws';
import { createWorker } from '../src/worker';
import * as floorActivities from './floor-activities';

export interface WorkerProcessConfig {
  address: string;
  taskQueue: string;
  awsEndpoint: string;
  bundlePath: string;
  maxConcurrentActivities?: number;
  retryMode?: AwsConfig['retryMode'];
  maxRequestsPerSecond?: number;
  /**
   * A bare worker instead of modelship's: `bundlePath` holds bench/floor-workflows.ts and the only activity
   * is a no-op (bench/floor-activities.ts). No AWS clients, no interceptors.
   */
  floor?: boolean;
  /** Passed to Worker.create unchanged. */
  workerOptions?: Record<string, unknown>;
}

export const BENCH_CREDENTIALS = { accessKeyId: 'AKIDMODELSHIPBENCH', secretAccessKey: 'modelship-bench-secret' };

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.MODELSHIP_BENCH_WORKER ?? '') as WorkerProcessConfig;
  // Expected failures (endpoint not ready yet, throttling) would otherwise log a warning each.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const connection = await NativeConnection.connect({ address: cfg.address });
  if (cfg.floor) {
    const floor = await Worker.create({
      connection,
      taskQueue: cfg.taskQueue,
      workflowBundle: { codePath: cfg.bundlePath },
      activities: floorActivities,
      shutdownGraceTime: '2s',
    });
    await serve(floor);
    await connection.close();
    return;
  }
  const clients = createAwsClients({
    region: 'us-east-1',
    endpoint: cfg.awsEndpoint,
    credentials: BENCH_CREDENTIALS,
    retryMode: cfg.retryMode,
    maxRequestsPerSecond: cfg.maxRequestsPerSecond,
  });
  // MODELSHIP_BENCH_DEBUG=1: log AWS calls still unanswered after 10s, failed attempts, and every activity
  // attempt's start and end (replacing the worker's interceptors), to find where time goes under load.
  if (process.env.MODELSHIP_BENCH_DEBUG) {
    // Debug-only instrumentation through the SDK clients' middleware stacks, whose generic types this bench
    // helper does not spell out.
    /* eslint-disable @typescript-eslint/no-explicit-any */
    for (const c of Object.values(clients)) {
      (c as any).middlewareStack.add(
        (next: any, ctx: any) => async (args: any) => {
          const t = Date.now();
          const timer = setInterval(() => console.error(`SLOW ${ctx.commandName} ${Date.now() - t}ms ${JSON.stringify(args.input).slice(0, 100)}`), 10000);
          try {
            return await next(args);
          } finally {
            clearInterval(timer);
          }
        },
        { step: 'initialize', name: 'dbg' },
      );
      (c as any).middlewareStack.addRelativeTo(
        (next: any, ctx: any) => async (args: any) => {
          const t = Date.now();
          try {
            return await next(args);
          } catch (e: any) {
            console.error(`ERR ${ctx.commandName} ${Date.now() - t}ms ${e?.name} ${e?.message}`);
            throw e;
          }
        },
        { name: 'dbg2', relation: 'after', toMiddleware: 'retryMiddleware' },
      );
    }
    /* eslint-enable @typescript-eslint/no-explicit-any */
  }
  const worker = await createWorker({
    connection,
    taskQueue: cfg.taskQueue,
    clients,
    workflowBundle: { codePath: cfg.bundlePath },
    maxConcurrentActivities: cfg.maxConcurrentActivities,
    shutdownGraceTime: '2s',
    workerOptions: {
      ...cfg.workerOptions,
      ...(process.env.MODELSHIP_BENCH_DEBUG
        ? {
            interceptors: {
              activity: [
                (ctx: ActivityContext) => ({
                  inbound: {
                    async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) {
                      const i = ctx.info;
                      const t = Date.now();
                      console.error(
                        `ACT-START ${i.workflowExecution?.workflowId} ${i.activityType} ${i.attempt} lag=${t - i.currentAttemptScheduledTimestampMs}`,
                      );
                      try {
                        return await next(input);
                      } finally {
                        console.error(`ACT-END ${i.workflowExecution?.workflowId} ${i.activityType} ${i.attempt} ${Date.now() - t}ms`);
                      }
                    },
                  },
                }),
              ],
            },
          }
        : {}),
    },
  });
  await serve(worker);
  await connection.close();
}

/** Runs the worker until SIGTERM or SIGINT; prints "worker ready" once it polls. */
async function serve(worker: Worker): Promise<void> {
  process.once('SIGTERM', () => worker.shutdown());
  process.once('SIGINT', () => worker.shutdown());
  const running = worker.run();
  console.log('worker ready');
  await running;
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
