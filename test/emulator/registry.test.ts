/** SageMaker Model Registry through the real SDK client. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddTagsCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DeleteModelPackageCommand,
  DeleteTagsCommand,
  DeleteModelPackageGroupCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  ListModelPackageGroupsCommand,
  ListModelPackagesCommand,
  ListTagsCommand,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { rejection, withEmulator, type TestEnv } from '../support/emulator';
import { ARN_PREFIX, ROLE } from '../support/fixtures';

const spec = { Containers: [{ Image: 'repo/iris:3', ModelDataUrl: 's3://bucket/iris/3/model.tar.gz' }], SupportedContentTypes: ['application/json'] };

async function withGroup(env: TestEnv, name = 'iris'): Promise<void> {
  await env.sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: name, ModelPackageGroupDescription: 'Iris models' }));
}

test('a model package group can be created, described and listed', async () => {
  await withEmulator(async (env) => {
    const out = await env.sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'iris', ModelPackageGroupDescription: 'd' }));
    assert.equal(out.ModelPackageGroupArn, `${ARN_PREFIX}:model-package-group/iris`);
    const byArn = await env.sm.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: out.ModelPackageGroupArn }));
    assert.equal(byArn.ModelPackageGroupName, 'iris');
    assert.equal(byArn.ModelPackageGroupStatus, 'Completed');
    assert.equal(byArn.ModelPackageGroupDescription, 'd');
    assert.ok(byArn.CreationTime instanceof Date);
    const list = await env.sm.send(new ListModelPackageGroupsCommand({}));
    assert.deepEqual(
      list.ModelPackageGroupSummaryList?.map((g) => g.ModelPackageGroupName),
      ['iris'],
    );
    const dup = await rejection(() => env.sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'iris' })));
    assert.equal(dup.name, 'ValidationException');
    assert.match(dup.message, /^Model Package Group already exists/);
  });
});

test('describing a missing group fails with "ModelPackageGroup <arn> does not exist."', async () => {
  await withEmulator(async (env) => {
    const err = await rejection(() => env.sm.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: 'ghost' })));
    assert.equal(err.name, 'ValidationException');
    assert.equal(err.message, `ModelPackageGroup ${ARN_PREFIX}:model-package-group/ghost does not exist.`);
    const create = await rejection(() => env.sm.send(new CreateModelPackageCommand({ ModelPackageGroupName: 'ghost', InferenceSpecification: spec })));
    assert.equal(create.message, `ModelPackageGroup ${ARN_PREFIX}:model-package-group/ghost does not exist.`);
  });
});

test('model packages in a group get versions 1, 2, 3 and default to PendingManualApproval', async () => {
  await withEmulator(async (env) => {
    await withGroup(env);
    const arns: string[] = [];
    for (let i = 0; i < 3; i++) {
      const out = await env.sm.send(new CreateModelPackageCommand({ ModelPackageGroupName: 'iris', InferenceSpecification: spec }));
      arns.push(out.ModelPackageArn!);
    }
    assert.deepEqual(
      arns,
      [1, 2, 3].map((v) => `${ARN_PREFIX}:model-package/iris/${v}`),
    );
    const pkg = await env.sm.send(new DescribeModelPackageCommand({ ModelPackageName: arns[1] }));
    assert.equal(pkg.ModelPackageGroupName, 'iris');
    assert.equal(pkg.ModelPackageVersion, 2);
    assert.equal(pkg.ModelApprovalStatus, 'PendingManualApproval');
    assert.equal(pkg.ModelPackageStatus, 'Completed');
    assert.deepEqual(pkg.InferenceSpecification, spec);
    assert.ok(pkg.CreationTime instanceof Date);
  });
});

test('a repeated ClientToken returns the same package ARN and creates nothing', async () => {
  await withEmulator(async (env) => {
    await withGroup(env);
    const input = { ModelPackageGroupName: 'iris', InferenceSpecification: spec, ClientToken: 'token-123' };
    const first = await env.sm.send(new CreateModelPackageCommand(input));
    const again = await env.sm.send(new CreateModelPackageCommand(input));
    assert.equal(again.ModelPackageArn, first.ModelPackageArn);
    const other = await env.sm.send(new CreateModelPackageCommand({ ...input, ClientToken: 'token-456' }));
    assert.equal(other.ModelPackageArn, `${ARN_PREFIX}:model-package/iris/2`);
    assert.equal(env.emu.control.state().modelPackages.length, 2);
    const creates = env.emu.control.calls().creates.filter((c) => c.operation === 'SageMaker.CreateModelPackage');
    assert.deepEqual(
      creates.map((c) => c.clientToken),
      ['token-123', 'token-123', 'token-456'],
    );
  });
});

test('UpdateModelPackage sets approval and lifecycle, and merges and removes metadata', async () => {
  await withEmulator(async (env) => {
    await withGroup(env);
    const { ModelPackageArn } = await env.sm.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: 'iris',
        InferenceSpecification: spec,
        CustomerMetadataProperties: { run: 'abc', stage: 'None' },
      }),
    );
    await env.sm.send(
      new UpdateModelPackageCommand({
        ModelPackageArn,
        ModelApprovalStatus: 'Approved',
        ApprovalDescription: 'passed canary',
        ModelLifeCycle: { Stage: 'Production', StageStatus: 'Deployed', StageDescription: 'live on ep' },
        CustomerMetadataProperties: { stage: 'Production', owner: 'ml' },
        CustomerMetadataPropertiesToRemove: ['run'],
      }),
    );
    const pkg = await env.sm.send(new DescribeModelPackageCommand({ ModelPackageName: ModelPackageArn }));
    assert.equal(pkg.ModelApprovalStatus, 'Approved');
    assert.equal(pkg.ApprovalDescription, 'passed canary');
    assert.deepEqual(pkg.ModelLifeCycle, { Stage: 'Production', StageStatus: 'Deployed', StageDescription: 'live on ep' });
    assert.deepEqual(pkg.CustomerMetadataProperties, { stage: 'Production', owner: 'ml' });
    assert.ok(pkg.LastModifiedTime instanceof Date);
  });
});

test('ListModelPackages filters by group and approval, ascending by default, and finds the latest approved', async () => {
  let now = 1_700_000_000_000;
  await withEmulator({ now: () => now }, async (env) => {
    await withGroup(env);
    await withGroup(env, 'other');
    for (const status of ['Approved', 'Rejected', 'Approved', 'PendingManualApproval'] as const) {
      now += 1000;
      await env.sm.send(new CreateModelPackageCommand({ ModelPackageGroupName: 'iris', InferenceSpecification: spec, ModelApprovalStatus: status }));
    }
    await env.sm.send(new CreateModelPackageCommand({ ModelPackageGroupName: 'other', InferenceSpecification: spec, ModelApprovalStatus: 'Approved' }));
    const all = await env.sm.send(new ListModelPackagesCommand({ ModelPackageGroupName: 'iris' }));
    assert.deepEqual(
      all.ModelPackageSummaryList?.map((p) => p.ModelPackageVersion),
      [1, 2, 3, 4],
    );
    assert.equal(all.ModelPackageSummaryList?.[0]?.ModelPackageName, undefined);
    assert.equal(all.ModelPackageSummaryList?.[0]?.ModelPackageGroupName, 'iris');
    const latest = await env.sm.send(
      new ListModelPackagesCommand({
        ModelPackageGroupName: `${ARN_PREFIX}:model-package-group/iris`,
        ModelApprovalStatus: 'Approved',
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 1,
      }),
    );
    assert.deepEqual(
      latest.ModelPackageSummaryList?.map((p) => p.ModelPackageArn),
      [`${ARN_PREFIX}:model-package/iris/3`],
    );
    assert.ok(latest.NextToken);
  });
});

test('a model can be created from a model package, and a missing package is rejected', async () => {
  await withEmulator(async (env) => {
    await withGroup(env);
    const { ModelPackageArn } = await env.sm.send(new CreateModelPackageCommand({ ModelPackageGroupName: 'iris', InferenceSpecification: spec }));
    await env.sm.send(new CreateModelCommand({ ModelName: 'iris-3', ExecutionRoleArn: ROLE, PrimaryContainer: { ModelPackageName: ModelPackageArn } }));
    const err = await rejection(() =>
      env.sm.send(
        new CreateModelCommand({ ModelName: 'iris-9', ExecutionRoleArn: ROLE, PrimaryContainer: { ModelPackageName: `${ARN_PREFIX}:model-package/iris/9` } }),
      ),
    );
    assert.equal(err.name, 'ValidationException');
    assert.match(err.message, /does not exist\.$/);
  });
});

test('a group with versions cannot be deleted until its packages are', async () => {
  await withEmulator(async (env) => {
    await withGroup(env);
    const { ModelPackageArn } = await env.sm.send(new CreateModelPackageCommand({ ModelPackageGroupName: 'iris', InferenceSpecification: spec }));
    const err = await rejection(() => env.sm.send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: 'iris' })));
    assert.equal(err.name, 'ValidationException');
    await env.sm.send(new DeleteModelPackageCommand({ ModelPackageName: ModelPackageArn }));
    await env.sm.send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: 'iris' }));
    const state = env.emu.control.state();
    assert.equal(state.modelPackageGroups.length, 0);
    assert.equal(state.modelPackages.length, 0);
  });
});

test('describing a missing package version fails with a ValidationException ending "does not exist."', async () => {
  await withEmulator(async (env) => {
    await withGroup(env);
    const err = await rejection(() => env.sm.send(new DescribeModelPackageCommand({ ModelPackageName: `${ARN_PREFIX}:model-package/iris/7` })));
    assert.equal(err.name, 'ValidationException');
    assert.match(err.message, /does not exist\.$/);
  });
});

test('AddTags, ListTags and DeleteTags work on models, endpoints and groups', async () => {
  await withEmulator(async (env) => {
    await withGroup(env);
    await env.sm.send(
      new CreateModelCommand({ ModelName: 'm1', ExecutionRoleArn: ROLE, PrimaryContainer: { Image: 'repo/iris:1' }, Tags: [{ Key: 'team', Value: 'ml' }] }),
    );
    const modelArn = `${ARN_PREFIX}:model/m1`;
    await env.sm.send(
      new AddTagsCommand({
        ResourceArn: modelArn,
        Tags: [
          { Key: 'run', Value: 'r-1' },
          { Key: 'team', Value: 'ds' },
        ],
      }),
    );
    const listed = await env.sm.send(new ListTagsCommand({ ResourceArn: modelArn }));
    assert.deepEqual(listed.Tags, [
      { Key: 'team', Value: 'ds' },
      { Key: 'run', Value: 'r-1' },
    ]);
    await env.sm.send(new DeleteTagsCommand({ ResourceArn: modelArn, TagKeys: ['team'] }));
    assert.deepEqual((await env.sm.send(new ListTagsCommand({ ResourceArn: modelArn }))).Tags, [{ Key: 'run', Value: 'r-1' }]);
    const groupArn = `${ARN_PREFIX}:model-package-group/iris`;
    await env.sm.send(new AddTagsCommand({ ResourceArn: groupArn, Tags: [{ Key: 'owner', Value: 'ml' }] }));
    assert.deepEqual((await env.sm.send(new ListTagsCommand({ ResourceArn: groupArn }))).Tags, [{ Key: 'owner', Value: 'ml' }]);
    const missing = await rejection(() => env.sm.send(new ListTagsCommand({ ResourceArn: `${ARN_PREFIX}:model/ghost` })));
    assert.equal(missing.name, 'ValidationException');
  });
});
