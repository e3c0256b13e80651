import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityClients } from './activities';
import { AwsErrorInterceptor } from './activities/aws-errors';

import { DEFAULT_TASK_QUEUE } from './workflows/messages';

export { DEFAULT_TASK_QUEUE };

export interface ModelshipWorkerOptions {
  connection: NativeConnection;
  /** @default 'default' */
  namespace?: string;
  /** @default 'modelship' */
  taskQueue?: string;
  /** AWS clients the activities use. */
  clients: ActivityClients;
  /** Pre-built workflow code; bundled from src/workflows at start when omitted. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Concurrent activities (AWS calls and polls). @default 20: AWS rate limits bind long before CPU does */
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
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('./workflows') }),
    activities: createActivities(options.clients),
    interceptors: { activity: [() => ({ inbound: new AwsErrorInterceptor() })] },
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 20,
    shutdownGraceTime: options.shutdownGraceTime ?? '30s',
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...options.workerOptions,
  });
}
