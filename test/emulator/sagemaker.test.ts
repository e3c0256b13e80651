/** SageMaker models, endpoint configs and endpoints through the real SDK client. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListModelsCommand,
  SageMakerServiceException,
  UpdateEndpointCommand,
  paginateListModels,
  waitUntilEndpointDeleted,
  waitUntilEndpointInService,
} from '@aws-sdk/client-sagemaker';
import { createConfig, createModel, rejection, sleep, startTestEnv, waitForGone, waitForStatus, withEmulator } from '../support/emulator';
import { ARN_PREFIX, ROLE } from '../support/fixtures';

test('CreateModel then DescribeModel returns the model with an epoch-second CreationTime', async () => {
  await withEmulator(async (env) => {
    const out = await env.sm.send(
      new CreateModelCommand({
        ModelName: 'Iris-Model',
        ExecutionRoleArn: ROLE,
        PrimaryContainer: { Image: 'repo/iris:3', ModelDataUrl: 's3://bucket/iris.tar.gz', Environment: { A: '1' } },
      }),
    );
    assert.equal(out.ModelArn, `${ARN_PREFIX}:model/iris-model`);
    const model = await env.sm.send(new DescribeModelCommand({ ModelName: 'Iris-Model' }));
    assert.equal(model.ModelName, 'Iris-Model');
    assert.equal(model.ExecutionRoleArn, ROLE);
    assert.deepEqual(model.PrimaryContainer, { Image: 'repo/iris:3', ModelDataUrl: 's3://bucket/iris.tar.gz', Environment: { A: '1' } });
    assert.ok(model.CreationTime instanceof Date);
    assert.ok(Math.abs(model.CreationTime.getTime() - Date.now()) < 5000);
    assert.ok(out.$metadata.requestId);
  });
});

test('creating a model twice fails with "Cannot create already existing model"', async () => {
  await withEmulator(async (env) => {
    await createModel(env.sm, 'm1');
    const err = await rejection(() => createModel(env.sm, 'm1'));
    assert.equal(err.name, 'ValidationException');
    assert.ok(err instanceof SageMakerServiceException);
    assert.equal(err.message, `Cannot create already existing model "${ARN_PREFIX}:model/m1".`);
    assert.equal(err.$metadata?.httpStatusCode, 400);
  });
});

test('describing a missing model fails with "Could not find model"', async () => {
  await withEmulator(async (env) => {
    const err = await rejection(() => env.sm.send(new DescribeModelCommand({ ModelName: 'nope' })));
    assert.equal(err.name, 'ValidationException');
    assert.equal(err.message, `Could not find model "${ARN_PREFIX}:model/nope".`);
  });
});

test('an invalid model name is rejected with the AWS constraint text', async () => {
  await withEmulator(async (env) => {
    const err = await rejection(() => createModel(env.sm, 'bad_name!'));
    assert.equal(err.name, 'ValidationException');
    assert.equal(
      err.message,
      "1 validation error detected: Value 'bad_name!' at 'modelName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9]([\\-a-zA-Z0-9]*[a-zA-Z0-9])?",
    );
  });
});

test('a missing required member and an over-long name are reported together', async () => {
  await withEmulator(async (env) => {
    const err = await rejection(() =>
      env.sm.send(new CreateEndpointCommand({ EndpointName: `${'a'.repeat(64)}-`, EndpointConfigName: undefined as unknown as string })),
    );
    assert.equal(err.name, 'ValidationException');
    assert.match(err.message, /^3 validation errors detected: /);
    assert.match(err.message, /at 'endpointName' failed to satisfy constraint: Member must have length less than or equal to 63/);
    assert.match(
      err.message,
      /at 'endpointName' failed to satisfy constraint: Member must satisfy regular expression pattern: \[a-zA-Z0-9\]\(-\*\[a-zA-Z0-9\]\)\{0,62\}/,
    );
    assert.match(err.message, /Value null at 'endpointConfigName' failed to satisfy constraint: Member must not be null/);
  });
});

test('DeleteModel removes the model', async () => {
  await withEmulator(async (env) => {
    await createModel(env.sm, 'm1');
    await env.sm.send(new DeleteModelCommand({ ModelName: 'm1' }));
    const err = await rejection(() => env.sm.send(new DeleteModelCommand({ ModelName: 'm1' })));
    assert.equal(err.message, `Could not find model "${ARN_PREFIX}:model/m1".`);
  });
});

test('ListModels pages newest first by default and the SDK paginator walks every page', async () => {
  let now = 1_700_000_000_000;
  await withEmulator({ now: () => now }, async (env) => {
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      now += 1000;
      await createModel(env.sm, name);
    }
    const first = await env.sm.send(new ListModelsCommand({ MaxResults: 2 }));
    assert.deepEqual(
      first.Models?.map((m) => m.ModelName),
      ['e', 'd'],
    );
    assert.ok(first.NextToken);
    assert.equal(first.Models?.[0]?.CreationTime?.getTime(), 1_700_000_005_000);
    const names: string[] = [];
    for await (const page of paginateListModels({ client: env.sm, pageSize: 2 }, { SortBy: 'Name', SortOrder: 'Ascending' })) {
      names.push(...(page.Models ?? []).map((m) => m.ModelName!));
    }
    assert.deepEqual(names, ['a', 'b', 'c', 'd', 'e']);
    const filtered = await env.sm.send(new ListModelsCommand({ NameContains: 'C' }));
    assert.deepEqual(
      filtered.Models?.map((m) => m.ModelName),
      ['c'],
    );
    assert.equal(filtered.NextToken, undefined);
  });
});

test('an endpoint config referencing a missing model is rejected', async () => {
  await withEmulator(async (env) => {
    const err = await rejection(() => createConfig(env.sm, 'c1', [{ VariantName: 'v1', ModelName: 'ghost' }]));
    assert.equal(err.name, 'ValidationException');
    assert.equal(err.message, `Could not find model "${ARN_PREFIX}:model/ghost".`);
  });
});

test('DescribeEndpointConfig echoes the variants with InitialVariantWeight defaulting to 1', async () => {
  await withEmulator(async (env) => {
    await createModel(env.sm, 'm1');
    const out = await env.sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'c1',
        ProductionVariants: [{ VariantName: 'blue', ModelName: 'm1', InstanceType: 'ml.m5.large', InitialInstanceCount: 2 }],
      }),
    );
    assert.equal(out.EndpointConfigArn, `${ARN_PREFIX}:endpoint-config/c1`);
    const config = await env.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'c1' }));
    assert.deepEqual(config.ProductionVariants, [
      { VariantName: 'blue', ModelName: 'm1', InstanceType: 'ml.m5.large', InitialInstanceCount: 2, InitialVariantWeight: 1 },
    ]);
    assert.ok(config.CreationTime instanceof Date);
    const list = await env.sm.send(new ListEndpointConfigsCommand({}));
    assert.deepEqual(
      list.EndpointConfigs?.map((c) => c.EndpointConfigName),
      ['c1'],
    );
  });
});

test('DescribeEndpointConfig returns every variant-level and config-level setting as it was sent', async () => {
  await withEmulator(async (env) => {
    await createModel(env.sm, 'm1');
    const variant = {
      VariantName: 'blue',
      ModelName: 'm1',
      InstanceType: 'ml.g5.2xlarge' as const,
      InitialInstanceCount: 2,
      InitialVariantWeight: 1,
      VolumeSizeInGB: 200,
      ModelDataDownloadTimeoutInSeconds: 1800,
      ContainerStartupHealthCheckTimeoutInSeconds: 600,
      EnableSSMAccess: true,
      RoutingConfig: { RoutingStrategy: 'LEAST_OUTSTANDING_REQUESTS' as const },
      InferenceAmiVersion: 'al2-ami-sagemaker-inference-gpu-2' as const,
      ManagedInstanceScaling: { Status: 'ENABLED' as const, MinInstanceCount: 1, MaxInstanceCount: 4 },
      CoreDumpConfig: { DestinationS3Uri: 's3://dumps/blue/', KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/dumps' },
    };
    const asyncConfig = {
      OutputConfig: { S3OutputPath: 's3://async/out/', S3FailurePath: 's3://async/failed/' },
      ClientConfig: { MaxConcurrentInvocationsPerInstance: 4 },
    };
    await env.sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'c1',
        ProductionVariants: [variant],
        KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/volume',
        AsyncInferenceConfig: asyncConfig,
      }),
    );
    const config = await env.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'c1' }));
    assert.deepEqual(config.ProductionVariants, [variant]);
    assert.equal(config.KmsKeyId, 'arn:aws:kms:us-east-1:123456789012:key/volume');
    assert.deepEqual(config.AsyncInferenceConfig, asyncConfig);
  });
});

test('variant settings and AsyncInferenceConfig break their modeled constraints as AWS reports them', async () => {
  await withEmulator(async (env) => {
    await createModel(env.sm, 'm1');
    const err = await rejection(() =>
      env.sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: 'c1',
          ProductionVariants: [
            {
              VariantName: 'blue',
              ModelName: 'm1',
              InstanceType: 'ml.m5.large',
              InitialInstanceCount: 1,
              RoutingConfig: { RoutingStrategy: 'FASTEST' as never },
              CoreDumpConfig: {} as never,
              VariantInstanceProvisionTimeoutInSeconds: 60,
            },
          ],
          AsyncInferenceConfig: {} as never,
        }),
      ),
    );
    assert.equal(err.name, 'ValidationException');
    assert.match(err.message, /^4 validation errors detected/);
    assert.match(
      err.message,
      /at 'productionVariants\.1\.member\.routingConfig\.routingStrategy' failed to satisfy constraint: Member must satisfy enum value set/,
    );
    assert.match(err.message, /at 'productionVariants\.1\.member\.coreDumpConfig\.destinationS3Uri' failed to satisfy constraint: Member must not be null/);
    assert.match(
      err.message,
      /at 'productionVariants\.1\.member\.variantInstanceProvisionTimeoutInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 300/,
    );
    assert.match(err.message, /at 'asyncInferenceConfig\.outputConfig' failed to satisfy constraint: Member must not be null/);
  });
});

test('creating an endpoint config twice fails with "Cannot create already existing endpoint configuration"', async () => {
  await withEmulator(async (env) => {
    await createModel(env.sm, 'm1');
    await createConfig(env.sm, 'c1', [{ VariantName: 'v1', ModelName: 'm1' }]);
    const err = await rejection(() => createConfig(env.sm, 'c1', [{ VariantName: 'v1', ModelName: 'm1' }]));
    assert.equal(err.message, `Cannot create already existing endpoint configuration "${ARN_PREFIX}:endpoint-config/c1".`);
  });
});

test('an endpoint config needs 1 to 10 variants', async () => {
  await withEmulator(async (env) => {
    const none = await rejection(() => env.sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: 'c0', ProductionVariants: [] })));
    assert.match(none.message, /at 'productionVariants' failed to satisfy constraint: Member must have length greater than or equal to 1/);
    await createModel(env.sm, 'm1');
    const many = Array.from({ length: 11 }, (_, i) => ({ VariantName: `v${i}`, ModelName: 'm1' }));
    const err = await rejection(() => createConfig(env.sm, 'c11', many));
    assert.match(err.message, /at 'productionVariants' failed to satisfy constraint: Member must have length less than or equal to 10/);
  });
});

test('a deleted endpoint config can no longer be described', async () => {
  await withEmulator(async (env) => {
    await createModel(env.sm, 'm1');
    await createConfig(env.sm, 'c1', [{ VariantName: 'v1', ModelName: 'm1' }]);
    await env.sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: 'c1' }));
    const err = await rejection(() => env.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'c1' })));
    assert.equal(err.message, `Could not find endpoint configuration "${ARN_PREFIX}:endpoint-config/c1".`);
  });
});

test('CreateEndpoint goes Creating (no ProductionVariants, pending fleet) then InService with the variant fleet', async () => {
  await withEmulator({ timings: { endpointCreateMs: 1500 } }, async (env) => {
    await createModel(env.sm, 'm1', 'repo/iris:3');
    await createConfig(env.sm, 'c1', [
      { VariantName: 'blue', ModelName: 'm1', InitialInstanceCount: 2, InitialVariantWeight: 95 },
      { VariantName: 'green', ModelName: 'm1', InitialVariantWeight: 5 },
    ]);
    const created = await env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' }));
    assert.equal(created.EndpointArn, `${ARN_PREFIX}:endpoint/ep`);
    const creating = await env.sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' }));
    assert.equal(creating.EndpointStatus, 'Creating');
    assert.equal(creating.EndpointConfigName, 'c1');
    assert.equal(creating.ProductionVariants, undefined);
    assert.equal(creating.PendingDeploymentSummary?.EndpointConfigName, 'c1');
    const pendingBlue = creating.PendingDeploymentSummary?.ProductionVariants?.[0];
    assert.equal(pendingBlue?.CurrentInstanceCount, 0);
    assert.equal(pendingBlue?.DesiredInstanceCount, 2);
    assert.equal(pendingBlue?.InstanceType, 'ml.m5.large');
    assert.equal(pendingBlue?.VariantStatus?.[0]?.Status, 'Creating');
    assert.equal(pendingBlue?.VariantStatus?.[0]?.StatusMessage, 'Launching 2 instance(s).');

    const ready = await waitForStatus(env.sm, 'ep', 'InService');
    assert.equal(ready.PendingDeploymentSummary, undefined);
    assert.equal(ready.FailureReason, undefined);
    assert.ok(ready.CreationTime instanceof Date && ready.LastModifiedTime instanceof Date);
    const [blue, green] = ready.ProductionVariants ?? [];
    assert.deepEqual(
      { n: blue?.VariantName, cw: blue?.CurrentWeight, dw: blue?.DesiredWeight, ci: blue?.CurrentInstanceCount, di: blue?.DesiredInstanceCount },
      { n: 'blue', cw: 95, dw: 95, ci: 2, di: 2 },
    );
    assert.equal(green?.CurrentWeight, 5);
    assert.equal(green?.CurrentInstanceCount, 1);
    assert.equal(blue?.DeployedImages?.[0]?.SpecifiedImage, 'repo/iris:3');
    assert.match(blue?.DeployedImages?.[0]?.ResolvedImage ?? '', /^repo\/iris@sha256:[0-9a-f]{64}$/);
    assert.equal(blue?.VariantStatus, undefined);
  });
});

test('endpoint names are unique case-insensitively', async () => {
  await withEmulator(async (env) => {
    await createModel(env.sm, 'm1');
    await createConfig(env.sm, 'c1', [{ VariantName: 'v1', ModelName: 'm1' }]);
    await env.sm.send(new CreateEndpointCommand({ EndpointName: 'MyEp', EndpointConfigName: 'c1' }));
    const err = await rejection(() => env.sm.send(new CreateEndpointCommand({ EndpointName: 'myep', EndpointConfigName: 'c1' })));
    assert.equal(err.name, 'ValidationException');
    assert.equal(err.message, `Cannot create already existing endpoint "${ARN_PREFIX}:endpoint/myep".`);
    const ep = await env.sm.send(new DescribeEndpointCommand({ EndpointName: 'MyEp' }));
    assert.equal(ep.EndpointName, 'MyEp');
  });
});

test('CreateEndpoint with a missing config fails with "Could not find endpoint configuration"', async () => {
  await withEmulator(async (env) => {
    const err = await rejection(() => env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'nope' })));
    assert.equal(err.name, 'ValidationException');
    assert.equal(err.message, `Could not find endpoint configuration "${ARN_PREFIX}:endpoint-config/nope".`);
  });
});

test('an unhealthy model makes CreateEndpoint end Failed, which only DeleteEndpoint accepts', async () => {
  await withEmulator({ behaviours: { 'repo/broken:1': { healthy: false } } }, async (env) => {
    await createModel(env.sm, 'm1', 'repo/broken:1');
    await createConfig(env.sm, 'c1', [{ VariantName: 'v1', ModelName: 'm1' }]);
    await env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' }));
    const failed = await waitForStatus(env.sm, 'ep', 'Failed');
    assert.equal(
      failed.FailureReason,
      'The primary container for production variant v1 did not pass the ping health check. Please check CloudWatch logs for this endpoint.',
    );
    assert.equal(failed.ProductionVariants, undefined);
    const err = await rejection(() => env.sm.send(new UpdateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' })));
    assert.equal(err.name, 'ValidationException');
    assert.equal(err.message, `Cannot update failed endpoint "${ARN_PREFIX}:endpoint/ep".`);
    await env.sm.send(new DeleteEndpointCommand({ EndpointName: 'ep' }));
    await waitForGone(env.sm, 'ep');
  });
});

test('DeleteEndpoint goes Deleting then the endpoint is gone, keeping its config and model', async () => {
  await withEmulator({ timings: { endpointDeleteMs: 1500 } }, async (env) => {
    await createModel(env.sm, 'm1');
    await createConfig(env.sm, 'c1', [{ VariantName: 'v1', ModelName: 'm1' }]);
    await env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' }));
    await waitForStatus(env.sm, 'ep', 'InService');
    await env.sm.send(new DeleteEndpointCommand({ EndpointName: 'ep' }));
    const deleting = await env.sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' }));
    assert.equal(deleting.EndpointStatus, 'Deleting');
    await waitForGone(env.sm, 'ep');
    const err = await rejection(() => env.sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' })));
    assert.equal(err.message, `Could not find endpoint "${ARN_PREFIX}:endpoint/ep".`);
    await env.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'c1' }));
    await env.sm.send(new DescribeModelCommand({ ModelName: 'm1' }));
  });
});

test('DeleteEndpoint while Creating is refused as an in-progress update', async () => {
  await withEmulator({ timings: { endpointCreateMs: 5000 } }, async (env) => {
    await createModel(env.sm, 'm1');
    await createConfig(env.sm, 'c1', [{ VariantName: 'v1', ModelName: 'm1' }]);
    await env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' }));
    const err = await rejection(() => env.sm.send(new DeleteEndpointCommand({ EndpointName: 'ep' })));
    assert.equal(err.name, 'ValidationException');
    assert.equal(err.message, `Cannot update in-progress endpoint "${ARN_PREFIX}:endpoint/ep".`);
  });
});

test('the SDK waiters see InService and then the deletion', async () => {
  await withEmulator(async (env) => {
    await createModel(env.sm, 'm1');
    await createConfig(env.sm, 'c1', [{ VariantName: 'v1', ModelName: 'm1' }]);
    await env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' }));
    const waiter = { client: env.sm, minDelay: 0.05, maxDelay: 0.1, maxWaitTime: 5 };
    const ready = await waitUntilEndpointInService(waiter, { EndpointName: 'ep' });
    assert.equal(ready.state, 'SUCCESS');
    await env.sm.send(new DeleteEndpointCommand({ EndpointName: 'ep' }));
    const gone = await waitUntilEndpointDeleted(waiter, { EndpointName: 'ep' });
    assert.equal(gone.state, 'SUCCESS');
  });
});

test('ListEndpoints returns 10 per page by default, newest first, and filters by status', async () => {
  let now = 1_700_000_000_000;
  await withEmulator({ now: () => now, timings: { endpointCreateMs: 60_000 } }, async (env) => {
    await createModel(env.sm, 'm1');
    await createConfig(env.sm, 'c1', [{ VariantName: 'v1', ModelName: 'm1' }]);
    for (let i = 0; i < 12; i++) {
      now += 1000;
      await env.sm.send(new CreateEndpointCommand({ EndpointName: `ep-${String(i).padStart(2, '0')}`, EndpointConfigName: 'c1' }));
    }
    const first = await env.sm.send(new ListEndpointsCommand({}));
    assert.equal(first.Endpoints?.length, 10);
    assert.equal(first.Endpoints?.[0]?.EndpointName, 'ep-11');
    assert.equal(first.Endpoints?.[0]?.EndpointStatus, 'Creating');
    const second = await env.sm.send(new ListEndpointsCommand({ NextToken: first.NextToken }));
    assert.deepEqual(
      second.Endpoints?.map((e) => e.EndpointName),
      ['ep-01', 'ep-00'],
    );
    assert.equal(second.NextToken, undefined);
    const inService = await env.sm.send(new ListEndpointsCommand({ StatusEquals: 'InService' }));
    assert.deepEqual(inService.Endpoints, []);
    const bad = await rejection(() => env.sm.send(new ListEndpointsCommand({ NextToken: 'garbage!' })));
    assert.equal(bad.name, 'ValidationException');
  });
});

test('close() cancels pending transition timers', async () => {
  const env = await startTestEnv({ timings: { endpointCreateMs: 60_000 } });
  await createModel(env.sm, 'm1');
  await createConfig(env.sm, 'c1', [{ VariantName: 'v1', ModelName: 'm1' }]);
  await env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' }));
  const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  await env.close();
  await sleep(10);
  const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  assert.ok(timersAfter < timersBefore, `timers before ${timersBefore}, after ${timersAfter}`);
});
