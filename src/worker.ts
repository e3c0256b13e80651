import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { FAILURE_CONVERTER_PATH } from './codec/data-converter';
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
  /**
   * Pre-built workflow code. When omitted: the bundle `npm run build` wrote beside the compiled worker
   * (lib/), else bundled from the workflow sources at start (the TypeScript checkout, tests).
   */
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
  // A worker that cannot sign an AWS request would take pipelines and fail every activity: refuse instead.
  await checkAwsConfig(options.clients);
  const workflowBundle = options.workflowBundle ?? prebuiltWorkflowBundle(options.dataConverter);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('./workflows') }),
    activities: createActivities(options.clients),
    interceptors: { activity: [() => ({ inbound: new AwsErrorInterceptor() })] },
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 20,
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

/** The AWS setting a worker lacks, with how to give it. */
export class AwsConfigError extends Error {
  override readonly name = 'AwsConfigError';
  constructor(
    readonly setting: 'region' | 'credentials' | 'endpoint',
    message: string
  ) {
    super(message);
  }
}

type AwsServiceClients = Pick<ActivityClients, 'sagemaker'>;

/**
 * Resolves the region and the credentials through the SDK client's own providers, exactly as every AWS
 * call will (region: constructor, AWS_REGION, the profile's config file,
 * https://docs.aws.amazon.com/sdk-for-javascript/latest/developer-guide/setting-region.html; credentials:
 * the default chain, https://docs.aws.amazon.com/sdk-for-javascript/latest/developer-guide/setting-credentials-node.html).
 * Throws AwsConfigError naming the missing setting.
 */
export async function checkAwsConfig(clients: AwsServiceClients): Promise<{ region: string }> {
  const config = clients.sagemaker.config;
  let region: string;
  try {
    region = await config.region();
  } catch (err) {
    throw new AwsConfigError(
      'region',
      `AWS region is not set (${(err as Error).message}): every AWS call would fail. Give it with --region or AWS_REGION, ` +
        'or as `region` in the profile (AWS_PROFILE) of ~/.aws/config.'
    );
  }
  if (!region) throw new AwsConfigError('region', 'AWS region is empty: give it with --region or AWS_REGION.');
  try {
    await config.credentials();
  } catch (err) {
    throw new AwsConfigError(
      'credentials',
      `AWS credentials not found through the SDK's default chain (${(err as Error).message}). Give them with ` +
        'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), with AWS_PROFILE naming a profile in ' +
        '~/.aws/credentials or ~/.aws/config (SSO: `aws sso login` first), or run with an IAM role ' +
        '(EC2 instance profile, ECS task role, EKS IRSA or Pod Identity).'
    );
  }
  return { region };
}

/**
 * When the clients send to an endpoint of their own (the emulator, a VPC endpoint), whether it answers at
 * all: any HTTP response counts, only a failed connection does not. Throws AwsConfigError('endpoint').
 */
export async function checkAwsEndpoint(clients: AwsServiceClients, timeoutMs = 3000): Promise<void> {
  const config = clients.sagemaker.config;
  if (!config.isCustomEndpoint || !config.endpoint) return;
  const e = await config.endpoint();
  const url = `${e.protocol}//${e.hostname}${e.port ? `:${e.port}` : ''}${e.path ?? '/'}`;
  try {
    // node:http rather than fetch: fetch refuses some ports outright ("bad port"), an endpoint may use any.
    await new Promise<void>((resolve, reject) => {
      const req = (e.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'GET', timeout: timeoutMs }, (res) => {
        res.resume();
        resolve();
      });
      req.once('timeout', () => req.destroy(Object.assign(new Error(`no answer in ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.once('error', reject);
      req.end();
    });
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new AwsConfigError(
      'endpoint',
      `AWS endpoint ${url} is unreachable (${why}). Start what serves it (\`modelship emulator\` for the local emulator) ` +
        'or correct --aws-endpoint / MODELSHIP_AWS_ENDPOINT; leave it unset to call AWS itself.'
    );
  }
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
      .then(() => 'ok', (err: Error) => `Temporal does not answer: ${err.message}`),
    checkAwsConfig(clients)
      .then(() => checkAwsEndpoint(clients))
      .then(() => 'ok', (err: Error) => err.message),
  ]);
  return { ready: state === 'RUNNING' && temporal === 'ok' && aws === 'ok', state, temporal, aws };
}
