/**
 * The deploy pipeline's MLflow-parity options (mlflow.sagemaker.deploy's modes, archive, VPC, data
 * capture, tags, async inference, cross-account role) reach SageMaker as asked: checked in what the
 * emulator holds afterwards, not in what modelship meant to send.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { deployInputSchema, type DeployInput } from '../../src/domain/deploy/input';
import { endpointWorkflowId } from '../../src/domain/names';
import { validate } from '../../src/domain/validation';
import { deployModel } from '../../src/workflows/deploy';
import { createHarness, eventually, uniqueName, type Harness } from '../support/harness';
import { deployInput as input } from '../support/deploy';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => h?.close());

const ROLE = 'arn:aws:iam::123456789012:role/sagemaker-exec';
const CAPTURE = { destinationS3Uri: 's3://capture-bucket/churn', samplingPercentage: 20, captureModes: ['Input' as const] };

function deploy(i: DeployInput) {
  return h.client.workflow.execute(deployModel, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(i.endpointName), args: [i] });
}

function state() {
  return h.emulator.control.state();
}

function endpoint(name: string) {
  const ep = state().endpoints.find((e) => e.name === name);
  assert.ok(ep, `endpoint ${name} exists`);
  return ep;
}

function config(name: string) {
  const c = state().endpointConfigs.find((x) => x.name === name);
  assert.ok(c, `endpoint config ${name} exists`);
  return c;
}

describe('deploy options (mlflow.sagemaker.deploy parity)', () => {
  it('sends VPC config, tags, data capture and async inference to CreateModel, CreateEndpointConfig and CreateEndpoint', async () => {
    const endpointName = uniqueName('opts');
    const model = uniqueName('m');
    const result = await deploy(
      input(endpointName, model, 'v1', {
        vpcConfig: { securityGroupIds: ['sg-0123456789abcdef0'], subnets: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'] },
        tags: { team: 'churn', 'cost-center': '42' },
        dataCapture: CAPTURE,
        asyncInference: { outputS3Uri: 's3://async-out/churn', failureS3Uri: 's3://async-out/failures', maxConcurrentInvocationsPerInstance: 4 },
      }),
    );
    const sm = state().models.find((m) => m.name === result.sageMakerModelName)!;
    assert.deepEqual(sm.extra.VpcConfig, { SecurityGroupIds: ['sg-0123456789abcdef0'], Subnets: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'] });
    const tags = [
      { Key: 'team', Value: 'churn' },
      { Key: 'cost-center', Value: '42' },
    ];
    // The user's tags, beside modelship's own (ownership and model-use tags, docs/cleanup.md).
    const userTags = (t: Array<{ Key: string; Value: string }>) => t.filter((x) => !x.Key.startsWith('modelship:'));
    assert.deepEqual(userTags(sm.tags), tags);
    const c = config(result.endpointConfigName);
    assert.deepEqual(c.dataCaptureConfig, {
      EnableCapture: true,
      InitialSamplingPercentage: 20,
      DestinationS3Uri: 's3://capture-bucket/churn',
      CaptureOptions: [{ CaptureMode: 'Input' }],
    });
    assert.deepEqual(c.extra.AsyncInferenceConfig, {
      OutputConfig: { S3OutputPath: 's3://async-out/churn', S3FailurePath: 's3://async-out/failures' },
      ClientConfig: { MaxConcurrentInvocationsPerInstance: 4 },
    });
    assert.deepEqual(userTags(c.tags), tags);
    assert.deepEqual(userTags(endpoint(endpointName).tags), tags);
    assert.equal(endpoint(endpointName).dataCaptureConfig?.DestinationS3Uri, 's3://capture-bucket/churn');
  });

  it('keeps data capture across an update that does not mention it (MLflow drops it)', async () => {
    const endpointName = uniqueName('keepcap');
    const model = uniqueName('m');
    await deploy(input(endpointName, model, 'v1', { dataCapture: CAPTURE }));
    const v2 = await deploy(input(endpointName, model, 'v2'));
    assert.equal(config(v2.endpointConfigName).dataCaptureConfig?.InitialSamplingPercentage, 20);
    assert.equal(endpoint(endpointName).endpointConfigName, v2.endpointConfigName);
    assert.equal(endpoint(endpointName).dataCaptureConfig?.DestinationS3Uri, 's3://capture-bucket/churn');
    // Asked for explicitly, a new setting replaces the old one.
    const v3 = await deploy(input(endpointName, model, 'v3', { dataCapture: { ...CAPTURE, samplingPercentage: 5 } }));
    assert.equal(config(v3.endpointConfigName).dataCaptureConfig?.InitialSamplingPercentage, 5);
  });

  it('mode "replace" keeps the live instance count of a same-named variant that autoscaling grew (unless a count is given)', async () => {
    const endpointName = uniqueName('keepcount');
    const model = uniqueName('m');
    await deploy(input(endpointName, model, 'v1'));
    // The fleet grew to 3 after the deploy, as target tracking does (UpdateEndpointWeightsAndCapacities).
    await h.aws.sagemaker.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: endpointName,
        DesiredWeightsAndCapacities: [{ VariantName: 'AllTraffic', DesiredInstanceCount: 3 }],
      }),
    );
    await eventually(
      () => h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName })),
      (d) => d.EndpointStatus === 'InService' && d.ProductionVariants?.[0]?.CurrentInstanceCount === 3,
    );
    // Without the rule, the new config said InitialInstanceCount 1: production on one instance.
    const v2 = await deploy(input(endpointName, model, 'v2'));
    assert.equal(config(v2.endpointConfigName).productionVariants[0].initialInstanceCount, 3);
    assert.equal(endpoint(endpointName).variants.find((v) => v.variantName === 'AllTraffic')?.currentInstanceCount, 3);
    // An explicit count wins.
    const v3 = await deploy(input(endpointName, model, 'v3', { instanceCount: 2 }));
    assert.equal(config(v3.endpointConfigName).productionVariants[0].initialInstanceCount, 2);
    assert.equal(endpoint(endpointName).variants.find((v) => v.variantName === 'AllTraffic')?.currentInstanceCount, 2);
    // A new endpoint gets 1.
    const fresh = await deploy(input(uniqueName('onecount'), model, 'v4'));
    assert.equal(config(fresh.endpointConfigName).productionVariants[0].initialInstanceCount, 1);
  });

  it('mode "create" refuses an existing endpoint before registering anything', async () => {
    const endpointName = uniqueName('create');
    const model = uniqueName('m');
    await deploy(input(endpointName, model, 'v1', { mode: 'create' }));
    const packagesBefore = state().modelPackages.length;
    const err = await deploy(input(endpointName, model, 'v2', { mode: 'create' })).then(
      () => assert.fail('expected the deploy to fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'EndpointExists');
    assert.equal(state().modelPackages.length, packagesBefore);
  });

  it('mode "add" keeps the serving variant and adds one with weight 0 for the new version', async () => {
    const endpointName = uniqueName('add');
    const model = uniqueName('m');
    const v1 = await deploy(input(endpointName, model, 'v1'));
    const v2 = await deploy(input(endpointName, model, 'v2', { mode: 'add', variantName: 'v2' }));
    const variants = config(v2.endpointConfigName).productionVariants.map((v) => ({ name: v.variantName, model: v.modelName, weight: v.initialVariantWeight }));
    assert.deepEqual(variants, [
      { name: 'AllTraffic', model: v1.sageMakerModelName, weight: 1 },
      { name: 'v2', model: v2.sageMakerModelName, weight: 0 },
    ]);
    const live = endpoint(endpointName);
    assert.deepEqual(live.variants.map((v) => v.variantName).sort(), ['AllTraffic', 'v2']);
    // A variant name already on the endpoint is refused, and nothing is left behind.
    const err = await deploy(input(endpointName, model, 'v3', { mode: 'add', variantName: 'v2' })).then(
      () => assert.fail('expected the deploy to fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError);
    assert.match(String(err.cause?.message), /already has a variant v2/);
    assert.equal(endpoint(endpointName).endpointConfigName, v2.endpointConfigName);
  });

  it('archive: false deletes the superseded endpoint config and model once the new version serves', async () => {
    const endpointName = uniqueName('noarch');
    const model = uniqueName('m');
    const v1 = await deploy(input(endpointName, model, 'v1'));
    const v2 = await deploy(input(endpointName, model, 'v2', { archive: false }));
    assert.deepEqual(v2.removed?.sort(), [v1.endpointConfigName, v1.sageMakerModelName].sort());
    assert.equal(
      state().endpointConfigs.some((c) => c.name === v1.endpointConfigName),
      false,
    );
    assert.equal(
      state().models.some((m) => m.name === v1.sageMakerModelName),
      false,
    );
    // The default archives: the superseded resources stay.
    const v3 = await deploy(input(endpointName, model, 'v3'));
    assert.deepEqual(v3.removed, []);
    assert.ok(state().endpointConfigs.some((c) => c.name === v2.endpointConfigName));
  });

  it('archive: false leaves a superseded config and model that modelship did not make (no ownership tags)', async () => {
    const endpointName = uniqueName('handmade');
    const model = uniqueName('m');
    // An endpoint set up by hand, on a config and model without modelship's tags.
    const theirModel = `${endpointName}-manual`;
    await h.aws.sagemaker.send(
      new CreateModelCommand({
        ModelName: theirModel,
        ExecutionRoleArn: ROLE,
        PrimaryContainer: { Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/manual:1', ModelDataUrl: 's3://manual/model.tar.gz' },
      }),
    );
    await h.aws.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${endpointName}-manual`,
        ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: theirModel, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }],
      }),
    );
    await h.aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: `${endpointName}-manual` }));
    await eventually(
      () => h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName })),
      (d) => d.EndpointStatus === 'InService',
    );
    const v1 = await deploy(input(endpointName, model, 'v1', { archive: false }));
    assert.equal(endpoint(endpointName).endpointConfigName, v1.endpointConfigName);
    assert.deepEqual(v1.removed, [], 'nothing of theirs is removed');
    assert.ok(
      state().endpointConfigs.some((c) => c.name === `${endpointName}-manual`),
      'their config stays',
    );
    assert.ok(
      state().models.some((m) => m.name === theirModel),
      'their model stays',
    );
  });

  it('mode "replace" keeps the replaced variant\'s settings and the replaced config\'s own, unless the input sets them', async () => {
    const endpointName = uniqueName('keepset');
    const model = uniqueName('m');
    const theirModel = `${endpointName}-manual`;
    await h.aws.sagemaker.send(
      new CreateModelCommand({
        ModelName: theirModel,
        ExecutionRoleArn: ROLE,
        PrimaryContainer: { Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/manual:1', ModelDataUrl: 's3://manual/model.tar.gz' },
      }),
    );
    const variantSettings = {
      VolumeSizeInGB: 64,
      ContainerStartupHealthCheckTimeoutInSeconds: 600,
      ModelDataDownloadTimeoutInSeconds: 900,
      RoutingConfig: { RoutingStrategy: 'LEAST_OUTSTANDING_REQUESTS' as const },
    };
    const kmsKeyId = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    await h.aws.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${endpointName}-manual`,
        ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: theirModel, InstanceType: 'ml.m5.large', InitialInstanceCount: 1, ...variantSettings }],
        KmsKeyId: kmsKeyId,
        AsyncInferenceConfig: { OutputConfig: { S3OutputPath: 's3://async-out/theirs' } },
      }),
    );
    await h.aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: `${endpointName}-manual` }));
    await eventually(
      () => h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName })),
      (d) => d.EndpointStatus === 'InService',
    );

    const v1 = await deploy(input(endpointName, model, 'v1'));
    const described = await h.aws.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: v1.endpointConfigName }));
    const { VariantName, ModelName, InstanceType, InitialInstanceCount, InitialVariantWeight, ...carried } = described.ProductionVariants![0];
    assert.deepEqual(
      { VariantName, ModelName, InstanceType, InitialInstanceCount, InitialVariantWeight },
      { VariantName: 'AllTraffic', ModelName: v1.sageMakerModelName, InstanceType: 'ml.m5.large', InitialInstanceCount: 1, InitialVariantWeight: 1 },
    );
    assert.deepEqual(carried, variantSettings, "the replaced variant's settings are carried");
    assert.equal(described.KmsKeyId, kmsKeyId, "the replaced config's KMS key is carried");
    assert.deepEqual(described.AsyncInferenceConfig, { OutputConfig: { S3OutputPath: 's3://async-out/theirs' } });
    assert.equal(endpoint(endpointName).endpointConfigName, v1.endpointConfigName);

    // A setting the input gives replaces the carried one; the others are still carried.
    const v2 = await deploy(input(endpointName, model, 'v2', { asyncInference: { outputS3Uri: 's3://async-out/ours' } }));
    const second = await h.aws.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: v2.endpointConfigName }));
    assert.deepEqual(second.AsyncInferenceConfig, { OutputConfig: { S3OutputPath: 's3://async-out/ours' } });
    assert.equal(second.KmsKeyId, kmsKeyId);
    assert.equal(second.ProductionVariants![0].VolumeSizeInGB, 64);
  });

  it('refuses bad options with the field and the rule, and a cross-account role it cannot honour yet', () => {
    const base = input('ep', 'm', 'v1');
    const cases: Array<[Partial<DeployInput>, string, RegExp]> = [
      [{ mode: 'upsert' as never }, 'mode', /"create", "replace" or "add"/],
      [{ vpcConfig: { securityGroupIds: ['default'], subnets: ['subnet-0123456789abcdef0'] } }, 'vpcConfig.securityGroupIds.0', /security group id/],
      [{ vpcConfig: { securityGroupIds: ['sg-0123456789abcdef0'], subnets: [] } }, 'vpcConfig.subnets', /1-16 subnet ids/],
      [{ dataCapture: { destinationS3Uri: 'https://bucket/x' } }, 'dataCapture.destinationS3Uri', /s3:\/\/bucket/],
      [{ dataCapture: { destinationS3Uri: 's3://bucket/x', samplingPercentage: 101 } }, 'dataCapture.samplingPercentage', /0-100/],
      [{ asyncInference: { outputS3Uri: 's3://b/o', successTopicArn: 'topic' } }, 'asyncInference.successTopicArn', /SNS topic ARN/],
      [{ tags: { 'aws:owner': 'x' } }, 'tags.aws:owner', /must not start with "aws:"/],
      [{ addWeight: -1 }, 'addWeight', /0 or more/],
      [{ assumeRoleArn: 'not-a-role' }, 'assumeRoleArn', /IAM role ARN/],
      [{ assumeRoleArn: 'arn:aws:iam::210987654321:role/deployer' }, 'assumeRoleArn', /cross-account deploys .* not supported yet/],
    ];
    for (const [extra, field, rule] of cases) {
      const r = validate(deployInputSchema, { ...base, ...extra });
      assert.equal(r.ok, false, `${JSON.stringify(extra)} was accepted`);
      if (r.ok) continue;
      const issue = r.issues.find((i) => i.field === field);
      assert.ok(issue, `no issue names ${field}: ${JSON.stringify(r.issues)}`);
      assert.match(issue.rule, rule);
    }
  });
});
