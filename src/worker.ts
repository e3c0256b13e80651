import { existsSync } from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { FAILURE_CONVERTER_PATH } from './codec/data-converter';
import { createActivities, type ActivityClients } from './activities';
import { AwsErrorInterceptor } from './activities/aws-errors';
import { LivenessHeartbeatInterceptor } from './activities/heartbeat';
import { checkAwsConfig, checkAwsEndpoint, type AwsServiceClients } from './aws';
import { DEFAULT_TASK_QUEUE } from './workflows/messages';

export { AwsConfigError, checkAwsConfig, checkAwsEndpoint } from './aws';

export { DEFAULT_TASK_QUEUE };

export interface ModelshipWorkerOptions {
  connection: NativeConnection;
  /** @default 'default' */
  namespace?: string;
  /** @default 'modelship' */
  taskQueue?: string;
  /** AWS clients the activities use. */
  clients: ActivityClients;
  /**
   * Pre-built workflow code. When omitted: the bundle `npm run build` wrote beside the compiled worker
   * (lib/), else bundled from the workflow sources at start (the TypeScript checkout, tests).
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * Concurrent activities (AWS calls and polls), and as many local activities (short AWS calls). @default 20:
   * AWS rate limits bind long before CPU does
   */
  maxConcurrentActivities?: number;
  /** Time in-flight activities get to finish on shutdown (SIGTERM). @default '30s' */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /**
   * Payload codecs (encryption) for everything the worker reads and writes in history. Must match the
   * clients' converter. @default the SDK's (no encryption); `dataConverterFromEnv()` builds modelship's
   */
  dataConverter?: WorkerOptions['dataConverter'];
  /** Extra options passed to Worker.create unchanged. */
  workerOptions?: Partial<WorkerOptions>;
}

/** A Temporal worker running every modelship workflow and activity. */
export async function createWorker(options: ModelshipWorkerOptions): Promise<Worker> {
  // A worker that cannot sign an AWS request would take pipelines and fail every activity: refuse instead.
  await checkAwsConfig(options.clients);
  const workflowBundle = options.workflowBundle ?? prebuiltWorkflowBundle(options.dataConverter);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('./workflows') }),
    activities: createActivities(options.clients),
    // Heartbeats outermost, so they run for the whole attempt.
    interceptors: { activity: [(ctx) => ({ inbound: new LivenessHeartbeatInterceptor(ctx) }), () => ({ inbound: new AwsErrorInterceptor() })] },
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 20,
    // Local activities (short AWS calls, src/workflows/activity-options.ts) get as many slots of their own:
    // the rate limiter's queue stays bounded by the slots, as before (docs/activity-execution.md).
    maxConcurrentLocalActivityExecutions: options.maxConcurrentActivities ?? 20,
    shutdownGraceTime: options.shutdownGraceTime ?? '30s',
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...options.workerOptions,
  });
}

/** Files `npm run build` writes beside the compiled worker: the workflow code bundled once per failure converter. */
export const PREBUILT_WORKFLOW_BUNDLES = { plain: 'workflow-bundle.js', encodedFailures: 'workflow-bundle.encoded-failures.js' } as const;

/**
 * The pre-built bundle for this data converter, if `npm run build` made one. A bundle carries the failure
 * converter into the workflow sandbox, so encryption (FAILURE_CONVERTER_PATH) has its own; any other
 * converter module, or a payload converter, is bundled at start.
 */
function prebuiltWorkflowBundle(converter: DataConverter | undefined): WorkerOptions['workflowBundle'] | undefined {
  if (converter?.payloadConverterPath) return undefined;
  const failures = converter?.failureConverterPath;
  if (failures && failures !== FAILURE_CONVERTER_PATH) return undefined;
  const codePath = path.join(__dirname, failures ? PREBUILT_WORKFLOW_BUNDLES.encodedFailures : PREBUILT_WORKFLOW_BUNDLES.plain);
  return existsSync(codePath) ? { codePath } : undefined;
}

/** What `/readyz` reports: ready when the worker polls and both Temporal and AWS answer. */
export interface Readiness {
  ready: boolean;
  /** The worker's state: RUNNING once it polls. */
  state: string;
  /** 'ok', or why Temporal could not be reached. */
  temporal: string;
  /** 'ok', or which AWS setting is missing or unreachable. */
  aws: string;
}

/**
 * Checks what the worker needs to make progress: it polls (RUNNING), the Temporal frontend answers
 * (GetSystemInfo, a cheap call every server serves), and AWS can be called (region and credentials
 * resolve, the custom endpoint answers).
 */
export async function checkReadiness(worker: Pick<Worker, 'getState'>, connection: NativeConnection, clients: AwsServiceClients): Promise<Readiness> {
  const state = worker.getState();
  const [temporal, aws] = await Promise.all([
    connection
      .withDeadline(Date.now() + 3000, () => connection.workflowService.getSystemInfo({}))
      .then(
        () => 'ok',
        (err: Error) => `Temporal does not answer: ${err.message}`,
      ),
    checkAwsConfig(clients)
      .then(() => checkAwsEndpoint(clients))
      .then(
        () => 'ok',
        (err: Error) => err.message,
      ),
  ]);
  return { ready: state === 'RUNNING' && temporal === 'ok' && aws === 'ok', state, temporal, aws };
}

/** What the worker process knows at a probe: the worker and connection once made, and why AWS is not reachable yet. */
export interface ReadinessState {
  worker?: Pick<Worker, 'getState'>;
  connection?: NativeConnection;
  awsProblem?: string;
}

/**
 * The `/readyz` answer. Probes that arrive together share one full check (Temporal and AWS are asked at
 * most once per `cacheMs`), but only while the worker polls: before that the answer costs nothing and is
 * given fresh, so the first probe after polling starts says ready. (A cached "starting" answer held a
 * worker that polled after 1 s not ready until the cache ran out.)
 */
export function readinessProbe(
  current: () => ReadinessState,
  check: (worker: Pick<Worker, 'getState'>, connection: NativeConnection) => Promise<Readiness>,
  cacheMs = 2000,
): () => Promise<Readiness> {
  let last: { at: number; value: Promise<Readiness> } | undefined;
  return async () => {
    const { worker, connection, awsProblem } = current();
    const state = worker?.getState() ?? 'STARTING';
    if (!worker || !connection || state !== 'RUNNING') {
      last = undefined;
      return { ready: false, state, temporal: connection ? 'ok' : 'not connected yet', aws: awsProblem ?? 'ok' };
    }
    if (!last || Date.now() - last.at > cacheMs) last = { at: Date.now(), value: check(worker, connection) };
    return last.value;
  };
}
