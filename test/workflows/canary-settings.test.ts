/**
 * Nothing of the endpoint's settings is lost by a canary: the ramp and final configs keep the original
 * config's settings, and the new model gets the container settings the baseline's model runs with.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListTagsCommand,
  UpdateEndpointCommand,
  type CreateEndpointConfigCommandInput,
  type ProductionVariant,
} from '@aws-sdk/client-sagemaker';
import { endpointWorkflowId } from '../../src/domain/names';
import { describeEndpoint } from '../../src/inventory';
import { createStateReader } from '../../src/plan/read-state';
import { planCanaryRun } from '../../src/plan/plans';
import { abortSignal, canaryStatusQuery } from '../../src/workflows/canary';
import { deployModel } from '../../src/workflows/deploy';
import { canaryInput, endpointWithNewVersion, image, ROLE, startCanary } from '../support/canary';
import { createHarness, eventually, failureOf, uniqueName, type Harness } from '../support/harness';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => h?.close());

const capture = { destinationS3Uri: 's3://capture/churn/', samplingPercentage: 20, kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/capture' };
const vpcConfig = { securityGroupIds: ['sg-0123456789abcdef0'], subnets: ['subnet-0123456789abcdef0'] };

/** v1 deployed with data capture, a VPC, environment and tags; v2 registered and Approved. */
async function endpointWithSettings(prefix: string) {
  const endpointName = uniqueName(prefix);
  const model = uniqueName('m');
  const v1 = await h.client.workflow.execute(deployModel, {
    taskQueue: h.taskQueue,
    workflowId: endpointWorkflowId(endpointName),
    args: [
      {
        endpointName,
        model: {
          name: model,
          image: image(model, 'v1'),
          modelDataUrl: `s3://models/${model}/v1.tar.gz`,
          environment: { LOG_LEVEL: 'info', FEATURE_STORE: 'prod' },
        },
        executionRoleArn: ROLE,
        instanceType: 'ml.m5.large',
        instanceCount: 2,
        autoApprove: true,
        dataCapture: capture,
        vpcConfig,
        tags: { team: 'risk', 'cost-center': '42' },
        poll: { min: '100ms', max: '300ms' },
      },
    ],
  });
  await h.aws.sagemaker.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: model,
      InferenceSpecification: {
        Containers: [{ Image: image(model, 'v2'), ModelDataUrl: `s3://models/${model}/v2.tar.gz` }],
        SupportedContentTypes: ['application/json'],
        SupportedResponseMIMETypes: ['application/json'],
      },
      ModelApprovalStatus: 'Approved',
    }),
  );
  h.emulator.control.startTraffic({ endpointName, rps: 200 });
  return { endpointName, model, v1 };
}

const configOf = (name: string) => h.aws.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));

/**
 * v1 deployed by modelship, then moved by hand (as an operator would) onto a model and a config with
 * settings the deploy pipeline does not set: the model's network isolation, the config's `configSettings`
 * and the variant's `variantSettings`. v2 is registered and Approved, traffic flows.
 */
async function handTunedEndpoint(
  prefix: string,
  settings: { configSettings?: Partial<CreateEndpointConfigCommandInput>; variantSettings?: Partial<ProductionVariant>; networkIsolation?: boolean },
) {
  const { endpointName, model } = await endpointWithNewVersion(h, prefix, 0);
  const baselineModel = `${model}-tuned`;
  await h.aws.sagemaker.send(
    new CreateModelCommand({
      ModelName: baselineModel,
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: image(model, 'v1'), ModelDataUrl: `s3://models/${model}/v1.tar.gz` },
      ...(settings.networkIsolation ? { EnableNetworkIsolation: true } : {}),
    }),
  );
  const configName = `${endpointName}-tuned`;
  await h.aws.sagemaker.send(
    new CreateEndpointConfigCommand({
      ...settings.configSettings,
      EndpointConfigName: configName,
      ProductionVariants: [
        { VariantName: 'AllTraffic', ModelName: baselineModel, InstanceType: 'ml.m5.large', InitialInstanceCount: 2, ...settings.variantSettings },
      ],
    }),
  );
  await h.aws.sagemaker.send(new UpdateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: configName }));
  await eventually(
    () => describeEndpoint(h.aws.sagemaker, endpointName),
    (ep) => ep.EndpointStatus === 'InService' && ep.EndpointConfigName === configName,
  );
  h.emulator.control.startTraffic({ endpointName, rps: 200 });
  return { endpointName, model, baselineModel, configName };
}

/** The plan of the rollout, then the rollout itself (keeping the ramp config to read it afterwards). */
async function plannedCanary(endpointName: string, model: string) {
  const input = canaryInput(endpointName, model, { keepSuperseded: true, steps: [50, 100] });
  const planned = await planCanaryRun(input, createStateReader(h.aws));
  assert.ok(planned.ok, JSON.stringify(!planned.ok && planned.refusal));
  const result = await (await startCanary(h, input)).result();
  h.emulator.control.stopTraffic(endpointName);
  return { plan: planned.plan, result };
}

describe('canary keeps the endpoint settings', () => {
  it('the final config keeps data capture (with its KMS key); the new model runs with the baseline model settings', async () => {
    const { endpointName, model, v1 } = await endpointWithSettings('settings');
    const original = await configOf(v1.endpointConfigName);
    assert.ok(original.DataCaptureConfig, 'the fixture has data capture');
    const handle = await startCanary(h, canaryInput(endpointName, model, { keepSuperseded: true, steps: [50, 100] }));
    const result = await handle.result();
    h.emulator.control.stopTraffic(endpointName);

    const final = await configOf(result.endpointConfigName);
    assert.deepEqual(final.DataCaptureConfig, original.DataCaptureConfig, 'final config keeps data capture');
    const ep = await describeEndpoint(h.aws.sagemaker, endpointName);
    assert.equal(ep.DataCaptureConfig?.EnableCapture, true, 'the endpoint still captures');

    const m2 = await h.aws.sagemaker.send(new DescribeModelCommand({ ModelName: `${model}-v2` }));
    assert.deepEqual(m2.PrimaryContainer?.Environment, { LOG_LEVEL: 'info', FEATURE_STORE: 'prod' });
    assert.deepEqual(m2.VpcConfig, { SecurityGroupIds: vpcConfig.securityGroupIds, Subnets: vpcConfig.subnets });
    const tags = await h.aws.sagemaker.send(new ListTagsCommand({ ResourceArn: m2.ModelArn }));
    const userTags = Object.fromEntries((tags.Tags ?? []).filter((t) => !t.Key!.startsWith('modelship:')).map((t) => [t.Key, t.Value]));
    assert.deepEqual(userTags, { team: 'risk', 'cost-center': '42' });
  });

  it('the ramp config keeps data capture while the canary serves', async () => {
    const { endpointName, model, v1 } = await endpointWithSettings('settings-ramp');
    const original = await configOf(v1.endpointConfigName);
    const handle = await startCanary(h, canaryInput(endpointName, model, { bake: '60s' }));
    await eventually(
      () => handle.query(canaryStatusQuery),
      (s) => s.phase === 'baking',
    );
    const ep = await describeEndpoint(h.aws.sagemaker, endpointName);
    const ramp = await configOf(ep.EndpointConfigName!);
    assert.match(ramp.EndpointConfigName!, /canary/);
    assert.deepEqual(ramp.DataCaptureConfig, original.DataCaptureConfig);
    await handle.signal(abortSignal, { by: 'test' });
    await failureOf(handle.result());
    h.emulator.control.stopTraffic(endpointName);
  });

  it('the ramp and final configs keep the config KmsKeyId and AsyncInferenceConfig', async () => {
    // Without data capture: an AsyncInferenceConfig config on its own, as the deploy pipeline makes one.
    const configSettings = {
      KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/volumes',
      AsyncInferenceConfig: {
        OutputConfig: { S3OutputPath: 's3://async/churn/out/', S3FailurePath: 's3://async/churn/failed/' },
        ClientConfig: { MaxConcurrentInvocationsPerInstance: 4 },
      },
    };
    const { endpointName, model } = await handTunedEndpoint('settings-kms', { configSettings });
    const { plan, result } = await plannedCanary(endpointName, model);
    for (const name of [plan.rampEndpointConfigName, result.endpointConfigName]) {
      const c = await configOf(name);
      assert.equal(c.KmsKeyId, configSettings.KmsKeyId, `${name} keeps KmsKeyId`);
      assert.deepEqual(c.AsyncInferenceConfig, configSettings.AsyncInferenceConfig, `${name} keeps AsyncInferenceConfig`);
    }
  });

  it("the ramp and final configs keep the original config's user tags, not its modelship tags", async () => {
    // The original config as an operator tagged it, also carrying modelship tags of an earlier run (which
    // say who made that config and which models it names, not the new ones).
    const configSettings = {
      Tags: [
        { Key: 'team', Value: 'risk' },
        { Key: 'cost-center', Value: '42' },
        { Key: 'modelship:run', Value: 'an-earlier-run' },
      ],
    };
    const { endpointName, model, baselineModel } = await handTunedEndpoint('settings-tags', { configSettings });
    const { plan, result } = await plannedCanary(endpointName, model);
    for (const name of [plan.rampEndpointConfigName, result.endpointConfigName]) {
      const c = await configOf(name);
      const tags = (await h.aws.sagemaker.send(new ListTagsCommand({ ResourceArn: c.EndpointConfigArn }))).Tags ?? [];
      const userTags = Object.fromEntries(tags.filter((t) => !t.Key!.startsWith('modelship:')).map((t) => [t.Key, t.Value]));
      assert.deepEqual(userTags, { team: 'risk', 'cost-center': '42' }, `${name} keeps the original's user tags`);
      const runs = tags.filter((t) => t.Key === 'modelship:run').map((t) => t.Value);
      assert.equal(runs.length, 1, `${name} has one modelship:run tag`);
      assert.notEqual(runs[0], 'an-earlier-run', `${name}'s modelship:run is this rollout's own`);
      assert.equal(tags.find((t) => t.Key === 'modelship:endpoint')?.Value, endpointName);
    }
    const final = (await h.aws.sagemaker.send(new ListTagsCommand({ ResourceArn: (await configOf(result.endpointConfigName)).EndpointConfigArn }))).Tags ?? [];
    assert.ok(!final.some((t) => t.Key!.includes(baselineModel)), 'no model-use tag of the baseline model on the final config');
  });

  it('the canary model keeps the baseline model network isolation', async () => {
    const { endpointName, model, baselineModel } = await handTunedEndpoint('settings-iso', { networkIsolation: true });
    assert.equal((await h.aws.sagemaker.send(new DescribeModelCommand({ ModelName: baselineModel }))).EnableNetworkIsolation, true);
    const { plan } = await plannedCanary(endpointName, model);
    const m2 = await h.aws.sagemaker.send(new DescribeModelCommand({ ModelName: plan.sageMakerModelName }));
    assert.equal(m2.EnableNetworkIsolation, true, 'the canary runs isolated like the baseline');
  });

  it('the canary variant (ramp config) and the final variant keep the baseline variant settings, as the plan says', async () => {
    // A large model: longer start-up and download timeouts and a bigger volume than SageMaker's defaults.
    const variantSettings = {
      VolumeSizeInGB: 100,
      ContainerStartupHealthCheckTimeoutInSeconds: 600,
      ModelDataDownloadTimeoutInSeconds: 1200,
      EnableSSMAccess: true,
      RoutingConfig: { RoutingStrategy: 'LEAST_OUTSTANDING_REQUESTS' as const },
      CoreDumpConfig: { DestinationS3Uri: 's3://dumps/churn/' },
    };
    const { endpointName, model } = await handTunedEndpoint('settings-var', { variantSettings });
    const { plan, result } = await plannedCanary(endpointName, model);
    const ramp = await configOf(plan.rampEndpointConfigName);
    const canary = ramp.ProductionVariants?.find((v) => v.VariantName === plan.canary.variantName);
    assert.ok(canary, `the ramp config ${plan.rampEndpointConfigName} the plan named was created, with the canary variant`);
    assert.deepEqual(pick(canary, variantSettings), variantSettings, 'the canary runs on the baseline fleet settings');
    assert.equal(canary.ModelName, plan.sageMakerModelName);
    assert.equal(result.endpointConfigName, plan.finalEndpointConfigName);
    const final = await configOf(result.endpointConfigName);
    assert.equal(final.ProductionVariants?.length, 1);
    assert.deepEqual(pick(final.ProductionVariants![0], variantSettings), variantSettings, 'the promoted variant keeps them');
    assert.deepEqual(plan.canary.extra, variantSettings, 'plan canary shows what the rollout carried');
  });

  it('refuses a canary.instanceType other than the baseline type before changing anything', async () => {
    const { endpointName, model, v1 } = await endpointWithSettings('settings-type');
    const handle = await startCanary(h, canaryInput(endpointName, model, { canary: { instanceType: 'ml.c5.xlarge' } }));
    const failure = await failureOf(handle.result());
    h.emulator.control.stopTraffic(endpointName);
    assert.equal(failure.type, 'InvalidInput');
    assert.match(failure.message, /canary\.instanceType: must be the baseline's instance type ml\.m5\.large .*got ml\.c5\.xlarge/);
    assert.equal((await describeEndpoint(h.aws.sagemaker, endpointName)).EndpointConfigName, v1.endpointConfigName);
  });
});

/** The members of `of` named by `like`'s keys. */
function pick(of: object, like: object): Record<string, unknown> {
  return Object.fromEntries(Object.keys(like).map((k) => [k, (of as Record<string, unknown>)[k]]));
}
