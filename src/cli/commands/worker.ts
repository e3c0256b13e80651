import { createServer } from 'node:http';
import { Command, Option } from 'commander';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { createAwsClients } from '../../aws';
import { REGISTRY_KINDS, registryFromConfig, type RegistryKind } from '../../activities/mlflow-registry';
import { createLogger, temporalLogger } from '../../logging';
import { createWorker } from '../../worker';
import { addAwsOptions, awsConfig, type AwsOptions } from '../aws-options';
import { addTemporalOptions, temporalTls, type TemporalOptions } from '../connection';
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
      'Polls the task queue and runs modelship pipelines. Runs until SIGTERM/SIGINT, then stops taking\n' +
        'new work and gives in-flight activities 30s to finish. Logs are JSON lines on stdout.'
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
  const connection = await NativeConnection.connect({
    address: flags.address,
    tls: temporalTls(flags),
    apiKey: flags.apiKey,
  });
  const worker = await createWorker({
    connection,
    namespace: flags.namespace,
    taskQueue: flags.taskQueue,
    clients: { ...createAwsClients({ ...awsConfig(flags), maxRequestsPerSecond: flags.maxAwsRequestsPerSecond }), registry },
    maxConcurrentActivities: flags.maxConcurrentActivities,
    dataConverter,
  });
  const health = flags.healthPort
    ? createServer((req, res) => {
        // Liveness: the process answers. Readiness: the worker is polling.
        const ok = req.url === '/healthz' || (req.url === '/readyz' && worker.getState() === 'RUNNING');
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ state: worker.getState() }));
      }).listen(flags.healthPort)
    : undefined;
  logger.info(
    { address: flags.address, namespace: flags.namespace, taskQueue: flags.taskQueue, registry: flags.registry, payloadEncryptionKeyId: encryptionKeyIdOf(dataConverter) ?? null },
    'modelship worker started'
  );
  try {
    await worker.run();
  } finally {
    health?.close();
    await connection.close();
    logger.info('modelship worker stopped');
  }
}
