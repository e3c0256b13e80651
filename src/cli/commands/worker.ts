import { createServer } from 'node:http';
import { Command, Option } from 'commander';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createAwsClients, type AwsClients } from '../../aws';
import { REGISTRY_KINDS, registryFromConfig, type RegistryKind } from '../../activities/mlflow-registry';
import { createLogger, temporalLogger } from '../../logging';
import { AwsConfigError, checkAwsConfig, checkAwsEndpoint, checkReadiness, createWorker, type Readiness } from '../../worker';
import { addAwsOptions, awsConfig, type AwsOptions } from '../aws-options';
import { addTemporalOptions, temporalTls, type TemporalOptions } from '../connection';
import { CliError, EXIT } from '../exit-codes';
import { dataConverterFromEnv, encryptionKeyIdOf } from '../../codec/data-converter';

interface WorkerFlags extends TemporalOptions, AwsOptions {
  maxConcurrentActivities: number;
  maxAwsRequestsPerSecond?: number;
  healthPort?: number;
  metricsAddress?: string;
  registry: RegistryKind;
  mlflowTrackingUri?: string;
}

export function workerCommand(): Command {
  const cmd = new Command('worker')
    .summary('run a modelship worker (workflows and AWS activities) against a Temporal server')
    .description(
      'Polls the task queue and runs modelship pipelines. Runs until SIGTERM/SIGINT, then stops taking new ' +
        'work and gives in-flight activities 30s to finish. Logs are JSON lines on stdout.\n\n' +
        'Refuses to start (exit 2) without an AWS region or credentials. With --health-port, /readyz answers ' +
        '200 only while it polls and both Temporal and AWS answer (an --aws-endpoint that does not answer keeps ' +
        'it not ready and not polling).'
    )
    .addOption(new Option('--max-concurrent-activities <n>', 'activity slots').env('MODELSHIP_MAX_CONCURRENT_ACTIVITIES').default(20).argParser(Number))
    .addOption(
      new Option('--max-aws-requests-per-second <n>', 'most requests per second to each AWS API operation (e.g. DescribeEndpoint), retries included; keeps a busy worker inside the account\'s rate limits')
        .env('MODELSHIP_MAX_AWS_REQUESTS_PER_SECOND')
        .argParser(Number)
    )
    .addOption(new Option('--health-port <port>', 'serve GET /healthz and /readyz on this port').env('MODELSHIP_HEALTH_PORT').argParser(Number))
    .addOption(new Option('--metrics-address <host:port>', 'serve Prometheus metrics of the Temporal runtime here').env('MODELSHIP_METRICS_ADDRESS'))
    .addOption(new Option('--registry <kind>', 'model registry the pipelines use').choices(REGISTRY_KINDS).env('MODELSHIP_REGISTRY').default('sagemaker'))
    .addOption(new Option('--mlflow-tracking-uri <url>', 'MLflow tracking server, for --registry mlflow (token: MLFLOW_TRACKING_TOKEN)').env('MLFLOW_TRACKING_URI'));
  return addAwsOptions(addTemporalOptions(cmd)).action(runWorker);
}

async function runWorker(flags: WorkerFlags): Promise<void> {
  const logger = createLogger();
  Runtime.install({
    logger: temporalLogger(logger),
    telemetryOptions: flags.metricsAddress ? { metrics: { prometheus: { bindAddress: flags.metricsAddress } } } : undefined,
  });
  // Read the codec keys before connecting: a malformed key stops the worker before it takes any work.
  const dataConverter = dataConverterFromEnv();
  // Same for the registry: `--registry mlflow` without a tracking server fails here, not in the first pipeline.
  const registry = registryFromConfig(flags.registry, { ...process.env, MLFLOW_TRACKING_URI: flags.mlflowTrackingUri });
  const aws = createAwsClients({ ...awsConfig(flags), maxRequestsPerSecond: flags.maxAwsRequestsPerSecond });
  // And for AWS: without a region or credentials every activity would fail while pipelines wait.
  try {
    await checkAwsConfig(aws);
  } catch (err) {
    if (!(err instanceof AwsConfigError)) throw err;
    logger.error({ setting: err.setting }, `modelship worker not started: ${err.message}`);
    throw new CliError(`worker not started: ${err.message}`, EXIT.invalidInput);
  }

  let worker: Worker | undefined;
  let connection: NativeConnection | undefined;
  let awsProblem: string | undefined;
  const readiness = cachedFor(2000, async (): Promise<Readiness> => {
    if (worker && connection) return checkReadiness(worker, connection, aws);
    return { ready: false, state: 'STARTING', temporal: connection ? 'ok' : 'not connected yet', aws: awsProblem ?? 'ok' };
  });
  const health = flags.healthPort
    ? createServer((req, res) => {
        // Liveness: the process answers. Readiness: the worker polls, and Temporal and AWS answer.
        const reply = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (req.url === '/healthz') return reply(200, { state: worker?.getState() ?? 'STARTING' });
        if (req.url !== '/readyz') return reply(404, { error: 'GET /healthz or /readyz' });
        readiness().then(
          (r) => reply(r.ready ? 200 : 503, r),
          (err: Error) => reply(503, { ready: false, error: err.message })
        );
      }).listen(flags.healthPort)
    : undefined;
  try {
    // A custom endpoint (the emulator, a VPC endpoint) that does not answer: stay not-ready, take no work.
    if (!(await awaitAwsEndpoint(aws, logger, (problem) => (awsProblem = problem)))) return;
    awsProblem = undefined;
    try {
      connection = await NativeConnection.connect({ address: flags.address, tls: temporalTls(flags), apiKey: flags.apiKey });
    } catch (err) {
      throw new CliError(
        `cannot reach Temporal at ${flags.address} (namespace ${flags.namespace}): ${(err as Error).message}. ` +
          'Give the frontend address with --address or TEMPORAL_ADDRESS (and the namespace with --namespace or TEMPORAL_NAMESPACE).',
        EXIT.infrastructure
      );
    }
    worker = await createWorker({
      connection,
      namespace: flags.namespace,
      taskQueue: flags.taskQueue,
      clients: { ...aws, registry },
      maxConcurrentActivities: flags.maxConcurrentActivities,
      dataConverter,
    });
    logger.info(
      { address: flags.address, namespace: flags.namespace, taskQueue: flags.taskQueue, registry: flags.registry, payloadEncryptionKeyId: encryptionKeyIdOf(dataConverter) ?? null },
      'modelship worker started'
    );
    await worker.run();
    logger.info('modelship worker stopped');
  } finally {
    health?.close();
    await connection?.close();
  }
}

/**
 * Waits until the AWS endpoint answers (at once when there is no custom endpoint), logging why not every
 * so often. False when SIGTERM/SIGINT came first: the worker then stops without having polled.
 */
async function awaitAwsEndpoint(aws: AwsClients, logger: Logger, notReady: (problem: string) => void): Promise<boolean> {
  let stopped = false;
  let wake = () => {};
  const stop = () => {
    stopped = true;
    wake();
  };
  process.once('SIGTERM', stop).once('SIGINT', stop);
  try {
    for (let attempt = 0, lastLog = 0; !stopped; attempt++) {
      try {
        await checkAwsEndpoint(aws);
        return true;
      } catch (err) {
        if (!(err instanceof AwsConfigError)) throw err;
        notReady(err.message);
        if (attempt === 0 || Date.now() - lastLog > 30_000) {
          logger.warn({ setting: err.setting }, `modelship worker not ready, not polling: ${err.message}`);
          lastLog = Date.now();
        }
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(1000 * 2 ** attempt, 10_000));
        wake = () => (clearTimeout(timer), resolve());
      });
    }
    logger.info('modelship worker stopped before polling');
    return false;
  } finally {
    process.off('SIGTERM', stop).off('SIGINT', stop);
  }
}

/** `fn`, called at most once per `ms`: probes that arrive together share one check. */
function cachedFor<T>(ms: number, fn: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > ms) last = { at: Date.now(), value: fn() };
    return last.value;
  };
}
