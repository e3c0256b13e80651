import { createServer } from 'node:http';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createAwsClients, type AwsClients } from '../../aws';
import { registryFromConfig, type RegistryKind } from '../../activities/mlflow-registry';
import { createLogger, temporalLogger } from '../../logging';
import { AwsConfigError, checkAwsConfig, checkAwsEndpoint, checkReadiness, createWorker, readinessProbe } from '../../worker';
import { awsConfig, type AwsOptions } from '../aws-options';
import { temporalTls, type TemporalOptions } from '../connection';
import { CliError, EXIT } from '../exit-codes';
import { dataConverterFromEnv, encryptionKeyIdOf } from '../../codec/data-converter';

export interface WorkerFlags extends TemporalOptions, AwsOptions {
  maxConcurrentActivities: number;
  maxAwsRequestsPerSecond?: number;
  healthPort?: number;
  metricsAddress?: string;
  registry: RegistryKind;
  mlflowTrackingUri?: string;
}

export async function runWorker(flags: WorkerFlags): Promise<void> {
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
  const readiness = readinessProbe(
    () => ({ worker, connection, awsProblem }),
    (w, c) => checkReadiness(w, c, aws),
  );
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
          (err: Error) => reply(503, { ready: false, error: err.message }),
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
        EXIT.infrastructure,
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
      {
        address: flags.address,
        namespace: flags.namespace,
        taskQueue: flags.taskQueue,
        registry: flags.registry,
        payloadEncryptionKeyId: encryptionKeyIdOf(dataConverter) ?? null,
      },
      'modelship worker started',
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
