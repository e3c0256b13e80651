/**
 * Nothing of the endpoint's settings is lost by a canary: the ramp and final configs keep the original
 * config's settings, and the new model gets the container settings the baseline's model runs with.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateModelPackageCommand, DescribeEndpointConfigCommand, DescribeModelCommand, ListTagsCommand } from '@aws-sdk/client-sagemaker';
import { endpointWorkflowId } from '../../src/domain/names';
import { describeEndpoint } from '../../src/inventory';
import { abortSignal, canaryStatusQuery } from '../../src/workflows/canary';
import { deployModel } from '../../src/workflows/deploy';
import { canaryInput, image, ROLE, startCanary } from '../support/canary';
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
        model: { name: model, image: image(model, 'v1'), modelDataUrl: `s3://models/${model}/v1.tar.gz`, environment: { LOG_LEVEL: 'info', FEATURE_STORE: 'prod' } },
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
    })
  );
  h.emulator.control.startTraffic({ endpointName, rps: 200 });
  return { endpointName, model, v1 };
}

const configOf = (name: string) => h.aws.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));

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
    await eventually(() => handle.query(canaryStatusQuery), (s) => s.phase === 'baking');
    const ep = await describeEndpoint(h.aws.sagemaker, endpointName);
    const ramp = await configOf(ep.EndpointConfigName!);
    assert.match(ramp.EndpointConfigName!, /canary/);
    assert.deepEqual(ramp.DataCaptureConfig, original.DataCaptureConfig);
    await handle.signal(abortSignal, { by: 'test' });
    await failureOf(handle.result());
    h.emulator.control.stopTraffic(endpointName);
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
