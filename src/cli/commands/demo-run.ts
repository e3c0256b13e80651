import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { CreateModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { createAwsClients } from '../../aws';
import { freePort, startDevServer } from '../../dev-server';
import type { CanaryInput } from '../../domain/canary/input';
import type { DeployInput } from '../../domain/deploy/input';
import { endpointWorkflowId } from '../../domain/names';
import { startEmulator } from '../../emulator';
import { describeEndpoint, registryVersions, resourcesNamed } from '../../inventory';
import { createLogger, temporalLogger } from '../../logging';
import { createWorker } from '../../worker';
import { canaryRollout } from '../../workflows/canary';
import { deleteSageMakerEndpoint } from '../../workflows/delete-endpoint';
import { deployModel } from '../../workflows/deploy';
import { anyStatusQuery, approveSignal, deployStatusQuery } from '../../workflows/messages';
import { updateSageMakerEndpoint } from '../../workflows/update-endpoint';
import { EXIT, CliError } from '../exit-codes';
import { follow } from '../run-pipeline';
import { describeStatus } from '../status-lines';

export interface DemoFlags {
  uiPort: number;
  keep?: boolean;
}

const ENDPOINT = 'churn-demo';
const ROLE = 'arn:aws:iam::123456789012:role/modelship-demo';
const MODEL = 'churn';
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn';

export async function runDemo(flags: DemoFlags): Promise<void> {
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

  const registerVersion = async (tag: string) => {
    // What a training pipeline does: register a new version, approved after offline evaluation.
    await aws.sagemaker.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: MODEL,
        ModelPackageDescription: `churn model ${tag}`,
        InferenceSpecification: {
          Containers: [{ Image: `${IMAGE}:${tag}`, ModelDataUrl: `s3://demo-models/churn/${tag}/model.tar.gz` }],
          SupportedContentTypes: ['application/json'],
          SupportedResponseMIMETypes: ['application/json'],
        },
        ModelApprovalStatus: 'Approved',
      }),
    );
  };
  const run = async <A>(title: string, workflow: (arg: A) => Promise<unknown>, arg: A, after?: (h: WorkflowHandle) => Promise<void>) => {
    console.log(`\n=== ${title}`);
    const handle = await client.workflow.start(workflow.name, { workflowId: endpointWorkflowId(ENDPOINT), taskQueue: worker.options.taskQueue, args: [arg] });
    if (after) void after(handle);
    return follow(handle, anyStatusQuery, (s) => describeStatus(workflow.name, s), { printResult: false });
  };
  const deploy = (tag: string, extra: Partial<DeployInput> = {}): DeployInput => ({
    endpointName: ENDPOINT,
    model: { name: MODEL, image: `${IMAGE}:${tag}`, modelDataUrl: `s3://demo-models/churn/${tag}/model.tar.gz`, description: `churn model ${tag}` },
    executionRoleArn: ROLE,
    instanceType: 'ml.m5.large',
    instanceCount: 2,
    autoApprove: true,
    ...extra,
  });
  const canary = (version: number): CanaryInput => ({
    endpointName: ENDPOINT,
    model: { name: MODEL, version },
    executionRoleArn: ROLE,
    steps: [10, 50, 100],
    bake: '4s',
    gate: { minInvocations: 20, metricPeriod: '1s' },
  });
  const expect = async (code: Promise<number>, want: number) => (await code) === want;

  const outcomes: boolean[] = [];
  outcomes.push(
    await expect(
      run('1. deploy: register churn v1, wait for human approval, create the endpoint', deployModel, deploy('v1', { autoApprove: false }), async (h) => {
        while ((await h.query(deployStatusQuery)).step !== 'awaiting-approval') await sleep(300);
        await sleep(2000); // long enough to see the run wait
        console.log('         (the demo plays the operator: `modelship approve churn-demo --by demo-operator`)');
        await h.signal(approveSignal, { by: 'demo-operator', reason: 'offline evaluation passed' });
      }),
      EXIT.ok,
    ),
  );
  emulator.control.startTraffic({ endpointName: ENDPOINT, rps: 50 });
  // Model behaviours: realistic latencies, one container that fails its health check, one that errors.
  const latency = { latencyMs: 12, latencyJitterMs: 8 };
  emulator.control.setBehaviours({
    [`${IMAGE}:v1`]: latency,
    [`${IMAGE}:v2-broken`]: { healthy: false, failureReason: 'The primary container did not pass the ping health check.' },
    [`${IMAGE}:v3`]: latency,
    [`${IMAGE}:v4`]: { ...latency, errorRate: 0.2 },
  });
  outcomes.push(
    await expect(
      run('2. deploy a broken v2: SageMaker rolls back by itself, modelship notices and cleans up', deployModel, deploy('v2-broken')),
      EXIT.pipelineFailed,
    ),
  );

  await registerVersion('v3');
  outcomes.push(
    await expect(run('3. canary v3 at 10% → 50% → 100%, judged against v1 by CloudWatch metrics at every step', canaryRollout, canary(3)), EXIT.ok),
  );

  await registerVersion('v4');
  outcomes.push(await expect(run('4. canary v4, which fails 20% of requests: the first gate rolls it back', canaryRollout, canary(4)), EXIT.pipelineFailed));

  // The endpoint's owner turns autoscaling on (what an infrastructure team's Terraform would do).
  const resourceId = `endpoint/${ENDPOINT}/variant/AllTraffic`;
  const target = { ServiceNamespace: 'sagemaker' as const, ResourceId: resourceId, ScalableDimension: 'sagemaker:variant:DesiredInstanceCount' as const };
  await aws.autoscaling.send(new RegisterScalableTargetCommand({ ...target, MinCapacity: 2, MaxCapacity: 6 }));
  await aws.autoscaling.send(
    new PutScalingPolicyCommand({
      ...target,
      PolicyName: 'invocations-per-instance',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 70,
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
      },
    }),
  );
  outcomes.push(
    await expect(
      run('5. update: move the autoscaled variant to ml.m5.xlarge (deregister, update, restore scaling exactly)', updateSageMakerEndpoint, {
        endpointName: ENDPOINT,
        change: [{ variantName: 'AllTraffic', instanceType: 'ml.m5.xlarge' }],
      }),
      EXIT.ok,
    ),
  );
  const scaling = await aws.autoscaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker', ResourceIds: [resourceId] }));
  const policies = await aws.autoscaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'sagemaker', ResourceId: resourceId }));
  const t = scaling.ScalableTargets?.[0];
  console.log(
    `         scaling after the update: min ${t?.MinCapacity}, max ${t?.MaxCapacity}, policies ${policies.ScalingPolicies?.map((p) => p.PolicyName).join(', ')}`,
  );
  outcomes.push(t?.MinCapacity === 2 && t?.MaxCapacity === 6 && policies.ScalingPolicies?.length === 1);

  console.log('\n=== what AWS (the emulator) holds before the delete, as its APIs report it');
  const endpoint = await describeEndpoint(aws.sagemaker, ENDPOINT);
  console.log(
    `endpoint ${ENDPOINT}: ${endpoint.EndpointStatus} on config ${endpoint.EndpointConfigName}, serving ${endpoint.ProductionVariants?.[0].DeployedImages?.[0].SpecifiedImage}`,
  );
  for (const v of await registryVersions(aws.sagemaker, MODEL)) {
    console.log(`registry ${MODEL} v${v.version}: ${v.approval}, stage ${v.stage} (${v.stageStatus})`);
  }

  emulator.control.stopTraffic(ENDPOINT);
  outcomes.push(
    await expect(run('6. delete: scaling policies and targets, endpoint, configs and models', deleteSageMakerEndpoint, { endpointName: ENDPOINT }), EXIT.ok),
  );
  const left = await resourcesNamed(aws.sagemaker, 'churn');
  const targetsLeft = (await aws.autoscaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker' }))).ScalableTargets ?? [];
  const leaked = [...left.models, ...left.endpointConfigs, ...left.endpoints, ...targetsLeft.map((x) => x.ResourceId!)];
  console.log(`         left behind: ${leaked.length ? leaked.join(', ') : 'nothing'}`);
  const ok = outcomes.every(Boolean) && leaked.length === 0;
  console.log(
    `\n${ok ? 'demo OK' : 'demo FAILED'}: ${outcomes.filter(Boolean).length}/${outcomes.length} checks as expected, ${leaked.length} leaked resources`,
  );

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

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
