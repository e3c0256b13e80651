import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { createAwsClients } from '../../aws';
import { freePort, startDevServer } from '../../dev-server';
import type { DeployInput } from '../../domain/deploy';
import { endpointWorkflowId } from '../../domain/names';
import { startEmulator } from '../../emulator';
import { describeEndpoint, registryVersions, resourcesNamed } from '../../inventory';
import { createLogger, temporalLogger } from '../../logging';
import { createWorker } from '../../worker';
import { approveSignal, deployModel, deployStatusQuery } from '../../workflows/deploy';
import { EXIT, CliError } from '../exit-codes';
import { follow } from '../run-pipeline';
import { describeDeployStatus } from '../status-lines';

interface DemoFlags {
  uiPort: number;
  keep?: boolean;
}

const ENDPOINT = 'churn-demo';
const MODEL = 'churn';
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn';

export function demoCommand(): Command {
  return new Command('demo')
    .summary('run the pipelines end to end on the embedded default: local Temporal + AWS emulator + worker')
    .description(
      'Starts a Temporal dev server (with its web UI), the local AWS emulator and a modelship worker in this\n' +
        'process, then runs real pipelines through them: a deploy that waits for approval, a deploy of a\n' +
        'new version onto the same endpoint, and a deploy of a broken model that SageMaker rolls back and\n' +
        'modelship cleans up. Needs the Temporal CLI (TEMPORAL_CLI_PATH, or `temporal` on PATH).'
    )
    .addOption(new Option('--ui-port <port>', 'Temporal web UI port').default(8233).argParser(Number))
    .option('--keep', 'keep everything running after the demo, to explore the UI and CLI (Ctrl-C to stop)')
    .action(runDemo);
}

async function runDemo(flags: DemoFlags): Promise<void> {
  const cliPath = process.env.TEMPORAL_CLI_PATH;
  if (!cliPath) throw new CliError('TEMPORAL_CLI_PATH is not set: run the demo with `npm run demo`, which installs the Temporal CLI');
  // Expected failures (the broken v3) are the demo's point; the worker need only report real errors.
  Runtime.install({ logger: temporalLogger(createLogger('error'), 'ERROR') });

  const dir = mkdtempSync(path.join(tmpdir(), 'modelship-demo-'));
  const uiPort = (await portIsFree(flags.uiPort)) ? flags.uiPort : await freePort();
  const server = await startDevServer({ cliPath, uiPort, dbFilename: path.join(dir, 'temporal.db') });
  const emulator = await startEmulator();
  const aws = createAwsClients({ region: 'us-east-1', endpoint: emulator.url, credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' } });
  const workerConnection = await NativeConnection.connect({ address: server.address });
  const worker = await createWorker({ connection: workerConnection, clients: aws, shutdownGraceTime: '2s' });
  const running = worker.run();
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });

  console.log(`Temporal dev server  ${server.address}   web UI: ${server.uiUrl}`);
  console.log(`AWS emulator         ${emulator.url}`);
  console.log(`worker               task queue ${worker.options.taskQueue}\n`);

  const input = (tag: string, extra: Partial<DeployInput> = {}): DeployInput => ({
    endpointName: ENDPOINT,
    model: { name: MODEL, image: `${IMAGE}:${tag}`, modelDataUrl: `s3://demo-models/churn/${tag}/model.tar.gz`, description: `churn model ${tag}` },
    executionRoleArn: 'arn:aws:iam::123456789012:role/modelship-demo',
    instanceType: 'ml.m5.large',
    autoApprove: true,
    ...extra,
  });
  const run = async (title: string, deploy: DeployInput, onApproval?: () => Promise<void>) => {
    console.log(`\n=== ${title}`);
    const handle = await client.workflow.start(deployModel, { workflowId: endpointWorkflowId(ENDPOINT), taskQueue: worker.options.taskQueue, args: [deploy] });
    if (onApproval) {
      void (async () => {
        while ((await handle.query(deployStatusQuery)).step !== 'awaiting-approval') await new Promise((r) => setTimeout(r, 300));
        await new Promise((r) => setTimeout(r, 2000)); // long enough to see the run wait
        await onApproval();
        await handle.signal(approveSignal, { by: 'demo-operator', reason: 'offline evaluation passed' });
      })();
    }
    return follow(handle, deployStatusQuery, describeDeployStatus, {});
  };

  const outcomes = [
    (await run('1. register churn v1, wait for human approval, create the endpoint', input('v1', { autoApprove: false }), async () => {
      console.log('         (the demo now plays the operator: `modelship approve churn-demo --by demo-operator`)');
    })) === EXIT.ok,
    (await run('2. deploy churn v2 onto the same endpoint (UpdateEndpoint, no downtime)', input('v2'))) === EXIT.ok,
  ];
  emulator.control.setBehaviours({ [`${IMAGE}:v3-broken`]: { healthy: false, failureReason: 'The primary container did not pass the ping health check.' } });
  outcomes.push((await run('3. deploy a broken v3: SageMaker rolls back, modelship detects it and cleans up', input('v3-broken'))) === EXIT.pipelineFailed);

  console.log('\n=== what AWS (the emulator) holds now, as the SageMaker API reports it');
  const endpoint = await describeEndpoint(aws.sagemaker, ENDPOINT);
  const held = await resourcesNamed(aws.sagemaker, MODEL);
  const configs = (await resourcesNamed(aws.sagemaker, ENDPOINT)).endpointConfigs;
  console.log(`endpoint ${ENDPOINT}: ${endpoint.EndpointStatus} on config ${endpoint.EndpointConfigName}`);
  console.log(`models:           ${held.models.join(', ')}`);
  console.log(`endpoint configs: ${configs.join(', ')}`);
  for (const v of await registryVersions(aws.sagemaker, MODEL)) {
    console.log(`registry ${MODEL} v${v.version}: ${v.approval}, stage ${v.stage} (${v.stageStatus})`);
  }
  // v1's model and config stay as the rollback target, v2's serve; the broken v3 must leave nothing.
  const leaked = [...held.models, ...configs].filter((n) => n.includes('v3'));
  const ok = outcomes.every(Boolean) && leaked.length === 0 && endpoint.EndpointStatus === 'InService';
  console.log(`\n${ok ? 'demo OK' : 'demo FAILED'}: ${outcomes.filter(Boolean).length}/3 pipelines ended as expected, ${leaked.length} leaked resources`);

  if (flags.keep) {
    console.log(`\nStill running. Web UI: ${server.uiUrl}`);
    console.log(`Try: TEMPORAL_ADDRESS=${server.address} npx modelship status ${ENDPOINT}`);
    console.log(`     ${cliPath} workflow list --address ${server.address} --query 'ModelshipEndpoint="${ENDPOINT}"'`);
    await new Promise<void>((resolve) => process.once('SIGINT', resolve));
  }
  worker.shutdown();
  await running;
  await workerConnection.close();
  await client.connection.close();
  await emulator.close();
  await server.stop();
  process.exitCode = ok ? EXIT.ok : EXIT.pipelineFailed;
}

async function portIsFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}
