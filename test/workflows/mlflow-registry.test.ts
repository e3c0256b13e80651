/**
 * The MLflow registry adapter against a real MLflow tracking server (SQLite backend), and the canary
 * pipeline on a worker whose registry is MLflow: references resolve to one version, stages archive,
 * aliases follow what the endpoint serves, and every change says which run, who and why.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { createActivities } from '../../src/activities';
import { MLFLOW_TAGS, MlflowModelRegistry } from '../../src/activities/mlflow-registry';
import type { ResolvedModelRef, StageTransition } from '../../src/activities/registry-activities';
import { SageMakerModelRegistry } from '../../src/activities/sagemaker-registry';
import { parseModelRef } from '../../src/domain/model-ref';
import { endpointWorkflowId } from '../../src/domain/names';
import { canaryRollout, canaryStatusQuery } from '../../src/workflows/canary';
import { deployModel } from '../../src/workflows/deploy';
import { createHarness, uniqueName, type Harness } from '../support/harness';
import { startMlflowServer, type MlflowServer } from '../support/mlflow';

let mlflow: MlflowServer;
let registry: MlflowModelRegistry;
let h: Harness;

before(async () => {
  mlflow = await startMlflowServer();
  registry = new MlflowModelRegistry({ trackingUri: mlflow.url });
  h = await createHarness({}, { registry });
});
after(async () => {
  await h?.close();
  await mlflow?.close();
});

const ROLE = 'arn:aws:iam::123456789012:role/sagemaker-exec';
const image = (model: string, tag: string) => `123456789012.dkr.ecr.us-east-1.amazonaws.com/${model}:${tag}`;

/** The registry activities as the worker runs them, with an activity context (workflow id `wf`). */
function activitiesIn(workflowId: string) {
  const acts = createActivities({ ...h.aws, registry });
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId, runId: 'run-1' } });
  return {
    resolve: (ref: string) => env.run(acts.resolveModelRef, ref) as Promise<ResolvedModelRef>,
    transition: (t: StageTransition) => env.run(acts.transitionModelStage, t) as Promise<number[]>,
  };
}

async function register(model: string, n: number) {
  return registry.registerVersion({
    model,
    image: image(model, `v${n}`),
    modelDataUrl: `s3://models/${model}/v${n}.tar.gz`,
    idempotencyToken: `${model}-${n}`,
  });
}

/** A version as MLflow itself reports it (tags, aliases, stage), read over REST. */
async function mlflowVersion(model: string, version: number) {
  const res = await fetch(`${mlflow.url}/api/2.0/mlflow/model-versions/get?name=${encodeURIComponent(model)}&version=${version}`);
  const { model_version: v } = (await res.json()) as {
    model_version: { current_stage: string; aliases?: string[]; tags?: Array<{ key: string; value: string }>; source: string };
  };
  return { stage: v.current_stage, aliases: v.aliases ?? [], source: v.source, tags: Object.fromEntries((v.tags ?? []).map((t) => [t.key, t.value])) };
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  const cause = err instanceof WorkflowFailedError ? err.cause : err;
  assert.ok(cause instanceof ApplicationFailure, `expected an ApplicationFailure, got ${err}`);
  return cause;
}

describe('MLflow registry adapter', () => {
  it('registers versions with the artifact URI as source and image, data URL and approval as tags; a retried registration returns the same version', async () => {
    const model = uniqueName('reg');
    const v1 = await register(model, 1);
    const again = await register(model, 1);
    assert.deepEqual(again, v1);
    assert.equal(v1.version, 1);
    assert.equal(v1.ref, `models:/${model}/1`);
    assert.equal(v1.image, image(model, 'v1'));
    assert.equal(v1.approval, 'PendingManualApproval');
    const raw = await mlflowVersion(model, 1);
    assert.equal(raw.source, `s3://models/${model}/v1.tar.gz`);
    assert.equal(raw.tags[MLFLOW_TAGS.image], image(model, 'v1'));
    await registry.setApproval(model, 1, 'Approved', 'offline eval passed');
    assert.equal((await registry.getVersion(model, 1)).approval, 'Approved');
    assert.equal((await mlflowVersion(model, 1)).tags[MLFLOW_TAGS.approvalDescription], 'offline eval passed');
    assert.deepEqual(
      (await registry.listVersions(model)).map((v) => v.version),
      [1],
    );
  });

  it('resolves every reference form to one version, and says which moving ones can change', async () => {
    const model = uniqueName('refs');
    for (const n of [1, 2, 3]) await register(model, n);
    const { resolve, transition } = activitiesIn('wf-refs');
    await transition({ model, version: 1, stage: 'Production', status: 'Deployed', archiveExisting: true });
    await transition({ model, version: 2, stage: 'Staging', status: 'PendingApproval' });
    await fetch(`${mlflow.url}/api/2.0/mlflow/registered-models/alias`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: model, alias: 'challenger', version: '3' }),
    });

    const cases: Array<[string, number, boolean]> = [
      [`models:/${model}/2`, 2, false],
      [`models:/${model}/Production`, 1, true],
      [`models:/${model}/staging`, 2, true],
      [`models:/${model}/latest`, 3, true],
      [`models:/${model}@champion`, 1, true],
      [`models:/${model}@challenger`, 3, true],
    ];
    for (const [ref, version, moving] of cases) {
      const r = await resolve(ref);
      assert.equal(r.version.version, version, ref);
      assert.equal(r.moving, moving, ref);
      assert.equal(r.pinned, `models:/${model}/${version}`, ref);
    }

    const arn = await failureOf(resolve(`arn:aws:sagemaker:us-east-1:123456789012:model-package/${model}/1`));
    assert.equal(arn.type, 'ModelRefUnsupported');
    assert.equal(arn.nonRetryable, true);
    const noAlias = await failureOf(resolve(`models:/${model}@nobody`));
    assert.equal(noAlias.nonRetryable, true);
    assert.match(noAlias.message, /nobody/);
    const noStage = await failureOf(resolve(`models:/${model}/Archived`));
    assert.equal(noStage.type, 'ModelRefUnresolved');
    const missing = await failureOf(resolve(`models:/${model}-missing/1`));
    assert.equal(missing.type, 'RESOURCE_DOES_NOT_EXIST');
    const bad = await failureOf(resolve('churn:3'));
    assert.equal(bad.type, 'ModelRefUnresolved');
  });

  it('moves a version to a stage with archive_existing_versions: the previous holder is Archived and says why', async () => {
    const model = uniqueName('stage');
    for (const n of [1, 2, 3]) await register(model, n);
    const { transition } = activitiesIn('wf-stage');
    assert.deepEqual(await transition({ model, version: 1, stage: 'Staging', status: 'PendingApproval', archiveExisting: true }), []);
    assert.deepEqual(await transition({ model, version: 2, stage: 'Staging', status: 'PendingApproval', archiveExisting: true }), [1]);
    const v1 = await mlflowVersion(model, 1);
    assert.equal(v1.stage, 'Archived');
    assert.equal(v1.tags[MLFLOW_TAGS.stageStatus], 'Superseded');
    assert.equal(v1.tags[MLFLOW_TAGS.stageDescription], 'Superseded by version 2');
    // Without archiving, two versions may share a stage.
    assert.deepEqual(await transition({ model, version: 3, stage: 'Staging', status: 'PendingApproval', archiveExisting: false }), []);
    assert.deepEqual(
      (await registry.listVersions(model)).map((v) => v.stage),
      ['Archived', 'Staging', 'Staging'],
    );
    assert.equal((await registry.getVersion(model, 3)).stageStatus, 'PendingApproval');
  });

  it('moves champion and previous with Production on promotion and on rollback, tagging workflow id, actor and reason', async () => {
    const model = uniqueName('alias');
    for (const n of [1, 2]) await register(model, n);
    await activitiesIn('endpoint/a').transition({
      model,
      version: 1,
      stage: 'Production',
      status: 'Deployed',
      archiveExisting: true,
      description: 'serving on a',
    });
    assert.deepEqual((await mlflowVersion(model, 1)).aliases, ['champion']);

    await activitiesIn('endpoint/a').transition({
      model,
      version: 2,
      stage: 'Production',
      status: 'Deployed',
      archiveExisting: true,
      description: 'canary passed',
    });
    assert.equal(await registry.aliasVersion(model, 'champion'), 2);
    assert.equal(await registry.aliasVersion(model, 'previous'), 1);
    assert.equal((await mlflowVersion(model, 1)).stage, 'Archived');

    // The endpoint goes back to v1: the registry follows it.
    await activitiesIn('endpoint/a-rollback').transition({
      model,
      version: 1,
      stage: 'Production',
      status: 'RolledBack',
      archiveExisting: true,
      actor: 'alice',
      description: 'p99 latency regression on v2',
    });
    assert.equal(await registry.aliasVersion(model, 'champion'), 1);
    assert.equal(await registry.aliasVersion(model, 'previous'), 2);
    const [v1, v2] = [await mlflowVersion(model, 1), await mlflowVersion(model, 2)];
    assert.equal(v1.stage, 'Production');
    assert.equal(v2.stage, 'Archived');
    assert.equal(v1.tags[MLFLOW_TAGS.workflowId], 'endpoint/a-rollback');
    assert.equal(v1.tags[MLFLOW_TAGS.actor], 'alice');
    assert.equal(v1.tags[MLFLOW_TAGS.reason], 'p99 latency regression on v2');
    assert.equal(v1.tags[MLFLOW_TAGS.stageStatus], 'RolledBack');
    assert.equal(v2.tags[MLFLOW_TAGS.workflowId], 'endpoint/a-rollback');
    assert.equal(v2.tags[MLFLOW_TAGS.stageStatus], 'Superseded');

    // A version leaving Production takes champion with it: no alias names a version that does not serve.
    await activitiesIn('endpoint/a-retire').transition({ model, version: 1, stage: 'Archived', status: 'Retired' });
    assert.equal(await registry.aliasVersion(model, 'champion'), null);
  });

  it('uses the configured aliases, or none', async () => {
    const model = uniqueName('cfg');
    for (const n of [1, 2]) await register(model, n);
    const custom = new MlflowModelRegistry({ trackingUri: mlflow.url, productionAlias: 'prod', previousAlias: '' });
    await custom.setStage(model, 1, 'Production', 'Deployed');
    await custom.setStage(model, 2, 'Production', 'Deployed', undefined, { archiveExisting: true });
    assert.deepEqual((await mlflowVersion(model, 2)).aliases, ['prod']);
    assert.deepEqual((await mlflowVersion(model, 1)).aliases, []);
  });
});

describe('SageMaker registry resolves the references it can hold', () => {
  it('resolves versions, stages, latest and model package ARNs; refuses aliases', async () => {
    const sm = new SageMakerModelRegistry(h.aws.sagemaker);
    const model = uniqueName('smref');
    const v1 = await sm.registerVersion({ model, image: image(model, 'v1'), modelDataUrl: `s3://m/${model}/1.tar.gz`, idempotencyToken: `${model}-1` });
    await sm.registerVersion({ model, image: image(model, 'v2'), modelDataUrl: `s3://m/${model}/2.tar.gz`, idempotencyToken: `${model}-2` });
    await sm.setStage(model, 1, 'Production', 'Deployed');
    const ref = (s: string) => {
      const p = parseModelRef(s);
      assert.ok(p.ok, s);
      return p.ref;
    };
    assert.equal((await sm.resolve(ref(`models:/${model}/2`))).version, 2);
    assert.equal((await sm.resolve(ref(`models:/${model}/Production`))).version, 1);
    assert.equal((await sm.resolve(ref(`models:/${model}/latest`))).version, 2);
    assert.equal((await sm.resolve(ref(v1.ref))).version, 1);
    await assert.rejects(sm.resolve(ref(`models:/${model}@champion`)), (e: unknown) => e instanceof ApplicationFailure && e.type === 'ModelRefUnsupported');
  });
});

describe('canary rollout with MLflow as the registry', () => {
  it('deploys v1, rolls out models:/<m>@challenger as a canary, and leaves MLflow naming what the endpoint serves', async () => {
    const endpointName = uniqueName('mlf');
    const model = uniqueName('mlm');
    // v1 through the deploy pipeline: registered, staged, approved and promoted in MLflow.
    await h.client.workflow.execute(deployModel, {
      taskQueue: h.taskQueue,
      workflowId: endpointWorkflowId(endpointName),
      args: [
        {
          endpointName,
          model: { name: model, image: image(model, 'v1'), modelDataUrl: `s3://models/${model}/v1.tar.gz` },
          executionRoleArn: ROLE,
          instanceType: 'ml.m5.large',
          autoApprove: true,
          poll: { min: '100ms', max: '300ms' },
        },
      ],
    });
    assert.equal(await registry.aliasVersion(model, 'champion'), 1);
    assert.equal((await registry.getVersion(model, 1)).approval, 'Approved');

    // v2 registered and approved the MLflow way, and named by an alias.
    await register(model, 2);
    await registry.setApproval(model, 2, 'Approved', 'offline eval passed');
    await fetch(`${mlflow.url}/api/2.0/mlflow/registered-models/alias`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: model, alias: 'challenger', version: '2' }),
    });

    h.emulator.control.startTraffic({ endpointName, rps: 200 });
    const handle = await h.client.workflow.start(canaryRollout, {
      taskQueue: h.taskQueue,
      workflowId: endpointWorkflowId(endpointName),
      args: [
        {
          endpointName,
          model: { ref: `models:/${model}@challenger` },
          executionRoleArn: ROLE,
          steps: [50, 100],
          bake: '1500ms',
          gate: { minInvocations: 5, metricPeriod: '1s', maxErrorRate: 0.05 },
          poll: { min: '100ms', max: '300ms' },
        },
      ],
    });
    // Moving the alias mid-run changes nothing: the run resolved it once, at its start.
    const status = await (async () => {
      for (;;) {
        // The status query exists once the reference is resolved (the run's first step).
        const s = await handle.query(canaryStatusQuery).catch(() => undefined);
        if (s?.modelRef) return s;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    assert.deepEqual(status.modelRef, { ref: `models:/${model}@challenger`, pinned: `models:/${model}/2`, moving: true });
    assert.equal(status.version, 2);
    await fetch(`${mlflow.url}/api/2.0/mlflow/registered-models/alias`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: model, alias: 'challenger', version: '1' }),
    });
    const result = await handle.result();
    h.emulator.control.stopTraffic(endpointName);

    assert.equal(result.version, 2);
    assert.deepEqual(result.modelRef, { ref: `models:/${model}@challenger`, pinned: `models:/${model}/2`, moving: true });
    const [v1, v2] = [await mlflowVersion(model, 1), await mlflowVersion(model, 2)];
    assert.equal(v2.stage, 'Production');
    assert.ok(v2.aliases.includes('champion'));
    assert.equal(v1.stage, 'Archived');
    assert.ok(v1.aliases.includes('previous'));
    assert.equal(v2.tags[MLFLOW_TAGS.workflowId], endpointWorkflowId(endpointName));
    assert.equal(v2.tags[MLFLOW_TAGS.reason], `serving on endpoint ${endpointName}`);
  });

  it('rolls an unhealthy canary back and leaves champion on the baseline, the canary version Rejected with the reason', async () => {
    const endpointName = uniqueName('mlrb');
    const model = uniqueName('mlr');
    await h.client.workflow.execute(deployModel, {
      taskQueue: h.taskQueue,
      workflowId: endpointWorkflowId(endpointName),
      args: [
        {
          endpointName,
          model: { name: model, image: image(model, 'v1'), modelDataUrl: `s3://models/${model}/v1.tar.gz` },
          executionRoleArn: ROLE,
          instanceType: 'ml.m5.large',
          autoApprove: true,
          poll: { min: '100ms', max: '300ms' },
        },
      ],
    });
    await register(model, 2);
    await registry.setApproval(model, 2, 'Approved');
    h.emulator.control.setBehaviours({ [image(model, 'v2')]: { errorRate: 0.4 } });
    h.emulator.control.startTraffic({ endpointName, rps: 200 });
    const err = await failureOf(
      h.client.workflow.execute(canaryRollout, {
        taskQueue: h.taskQueue,
        workflowId: endpointWorkflowId(endpointName),
        args: [
          {
            endpointName,
            model: { ref: `models:/${model}/latest` },
            executionRoleArn: ROLE,
            steps: [50, 100],
            bake: '1500ms',
            gate: { minInvocations: 5, metricPeriod: '1s', maxErrorRate: 0.05 },
            poll: { min: '100ms', max: '300ms' },
          },
        ],
      }),
    );
    h.emulator.control.stopTraffic(endpointName);
    assert.equal(err.type, 'GateFailed');
    assert.equal(await registry.aliasVersion(model, 'champion'), 1);
    const [v1, v2] = [await mlflowVersion(model, 1), await mlflowVersion(model, 2)];
    assert.equal(v1.stage, 'Production');
    assert.equal(v2.tags[MLFLOW_TAGS.approval], 'Rejected');
    assert.equal(v2.tags[MLFLOW_TAGS.stageStatus], 'CanaryRolledBack');
    assert.equal(v2.tags[MLFLOW_TAGS.workflowId], endpointWorkflowId(endpointName));
    assert.match(v2.tags[MLFLOW_TAGS.reason], /gate failed/);
  });

  it('refuses a reference it cannot resolve before touching the endpoint', async () => {
    const endpointName = uniqueName('mlbad');
    const err = await failureOf(
      h.client.workflow.execute(canaryRollout, {
        taskQueue: h.taskQueue,
        workflowId: endpointWorkflowId(endpointName),
        args: [{ endpointName, model: { ref: 'models:/nosuchmodel@champion' }, executionRoleArn: ROLE }],
      }),
    );
    assert.equal(err.type, 'ModelRefUnresolved');
    assert.match(err.message, /models:\/nosuchmodel@champion did not resolve: .*nosuchmodel not found/);
    const invalid = await failureOf(
      h.client.workflow.execute(canaryRollout, {
        taskQueue: h.taskQueue,
        workflowId: `${endpointWorkflowId(endpointName)}-2`,
        args: [{ endpointName, model: { ref: 'models:/churn/notastage' }, executionRoleArn: ROLE }],
      }),
    );
    assert.equal(invalid.type, 'InvalidInput');
    assert.match(invalid.message, /model\.ref: .*notastage/);
  });
});
