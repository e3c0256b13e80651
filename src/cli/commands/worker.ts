import { Command, Option } from 'commander';
import { REGISTRY_KINDS } from '../../activities/mlflow-registry';
import { addAwsOptions } from '../aws-options';
import { addTemporalOptions } from '../connection';
import type { WorkerFlags } from './worker-run';

export function workerCommand(): Command {
  const cmd = new Command('worker')
    .summary('run a modelship worker (workflows and AWS activities) against a Temporal server')
    .description(
      'Polls the task queue and runs modelship pipelines. Runs until SIGTERM/SIGINT, then stops taking new ' +
        'work and gives in-flight activities 30s to finish. Logs are JSON lines on stdout.\n\n' +
        'Refuses to start (exit 2) without an AWS region or credentials. With --health-port, /readyz answers ' +
        '200 only while it polls and both Temporal and AWS answer (an --aws-endpoint that does not answer keeps ' +
        'it not ready and not polling).',
    )
    .addOption(new Option('--max-concurrent-activities <n>', 'activity slots').env('MODELSHIP_MAX_CONCURRENT_ACTIVITIES').default(20).argParser(Number))
    .addOption(
      new Option(
        '--max-aws-requests-per-second <n>',
        "most requests per second to each AWS API operation (e.g. DescribeEndpoint), retries included; keeps a busy worker inside the account's rate limits",
      )
        .env('MODELSHIP_MAX_AWS_REQUESTS_PER_SECOND')
        .argParser(Number),
    )
    .addOption(new Option('--health-port <port>', 'serve GET /healthz and /readyz on this port').env('MODELSHIP_HEALTH_PORT').argParser(Number))
    .addOption(new Option('--metrics-address <host:port>', 'serve Prometheus metrics of the Temporal runtime here').env('MODELSHIP_METRICS_ADDRESS'))
    .addOption(new Option('--registry <kind>', 'model registry the pipelines use').choices(REGISTRY_KINDS).env('MODELSHIP_REGISTRY').default('sagemaker'))
    .addOption(
      new Option('--mlflow-tracking-uri <url>', 'MLflow tracking server, for --registry mlflow (token: MLFLOW_TRACKING_TOKEN)').env('MLFLOW_TRACKING_URI'),
    );
  // The worker (@temporalio/worker, the activities, the AWS clients) loads only when it runs: every other
  // command starts without it.
  return addAwsOptions(addTemporalOptions(cmd)).action(async (flags: WorkerFlags) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- require(), not import(): bin/modelship registers only tsx's CommonJS hook, so import() of a .ts source fails
    const { runWorker } = require('./worker-run') as typeof import('./worker-run');
    await runWorker(flags);
  });
}
