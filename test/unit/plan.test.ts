import type { Planned } from '../../src/domain/change-plan';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canaryInputSchema, type CanaryInput } from '../../src/domain/canary/input';
import { canaryInstancesAt, capacityNow, planCanary, planCanaryLayout, type CanaryFacts, type CanaryPlan } from '../../src/domain/canary/plan';
import type { CleanupFacts } from '../../src/domain/cleanup';
import { deleteInputSchema } from '../../src/domain/delete/input';
import { planDelete, type DeleteFacts } from '../../src/domain/delete/plan';
import { deployInputSchema, type DeployInput } from '../../src/domain/deploy/input';
import { deployScalingRule, planDeploy, type DeployFacts, type DeployPlan } from '../../src/domain/deploy/plan';
import type { EndpointConfigSummary, EndpointSummary, VariantScaling } from '../../src/domain/endpoint';
import { endpointConfigName } from '../../src/domain/names';
import { planUpdate, updatePlanChanges } from '../../src/domain/update/plan';
import { updateInputSchema } from '../../src/domain/update/input';
import { validate } from '../../src/domain/validation';
import { renderPlan } from '../../src/plan/render';
import { ROLE } from '../support/fixtures';

/** The plan of a Planned that must not be a refusal. */
function planOf<T>(p: Planned<T>): T {
  assert.ok(p.ok, `plan refused: ${JSON.stringify(!p.ok && p.refusal)}`);
  return p.plan;
}

function parsed<T>(schema: Parameters<typeof validate>[0], input: unknown): T {
  const r = validate(schema, input);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
  return r.value as T;
}

function endpoint(configName: string, counts: number[] = [2], status = 'InService'): EndpointSummary {
  return {
    name: 'churn',
    arn: 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn',
    status,
    configName,
    variants: counts.map((c, i) => ({
      variantName: i ? `v${i}` : 'AllTraffic',
      desiredInstanceCount: c,
      currentInstanceCount: c,
      desiredWeight: 1,
      currentWeight: 1,
      images: [],
    })),
  };
}

const config = (name: string, model: string, variants = 1): EndpointConfigSummary => ({
  name,
  variants: Array.from({ length: variants }, (_, i) => ({
    variantName: i ? `v${i}` : 'AllTraffic',
    modelName: model,
    instanceType: 'ml.m5.large',
    instanceCount: 1,
    weight: 1,
  })),
});

describe('deploy plan', () => {
  const input: DeployInput = {
    endpointName: 'churn',
    model: { name: 'churn', image: 'img:7', modelDataUrl: 's3://m/7' },
    executionRoleArn: ROLE,
    instanceType: 'ml.m5.large',
    instanceCount: 2,
    autoApprove: true,
  };
  const req = parsed<Parameters<typeof planDeploy>[0]>(deployInputSchema, input);
  const fresh: DeployFacts = {
    endpoint: null,
    previousConfig: null,
    cleanup: null,
    groupExists: false,
    versions: [],
    existing: { model: false, config: false },
  };
  const deployPlan = (r: typeof req, f: DeployFacts): DeployPlan => {
    const p = planDeploy(r, f);
    assert.ok(p.ok, JSON.stringify(!p.ok && p.refusal));
    return p.plan;
  };

  it('creates the group, version 1, the model, the config and the endpoint, with the names the workflow builds', () => {
    const plan = deployPlan(req, fresh);
    const variants = [{ variantName: 'AllTraffic', modelName: 'churn-v1', instanceType: 'ml.m5.large', instanceCount: 2, weight: 1 }];
    assert.equal(plan.version, 1);
    assert.equal(plan.sageMakerModelName, 'churn-v1');
    assert.equal(plan.endpointConfigName, endpointConfigName('churn', 'v1', variants));
    assert.equal(plan.endpointAction, 'create');
    assert.deepEqual(
      plan.changes.map((c) => `${c.action} ${c.resource}`),
      [
        'create model package group',
        'create model version',
        'update model version',
        'update model version',
        'create model',
        'create endpoint config',
        'create endpoint',
        'update model version',
      ],
    );
  });

  it('moves an existing endpoint from its config, archiving Staging holders when staged and the stage’s holders once serving', () => {
    const versions = [
      { version: 3, stage: 'Production', approval: 'Approved' },
      { version: 5, stage: 'Staging', approval: 'PendingManualApproval' },
      { version: 4, stage: 'Archived', approval: 'Approved' },
    ];
    const plan = deployPlan(req, { ...fresh, endpoint: endpoint('churn-v3-abc'), groupExists: true, versions });
    assert.equal(plan.version, 6);
    assert.equal(plan.endpointAction, 'update');
    assert.equal(plan.previousEndpointConfigName, 'churn-v3-abc');
    assert.deepEqual([plan.archivedWhenStaged, plan.archived], [['churn/5'], ['churn/3']]);
    assert.ok(plan.changes.some((c) => c.action === 'update' && c.resource === 'endpoint' && c.detail === `from churn-v3-abc to ${plan.endpointConfigName}`));
    const keepAll = deployPlan({ ...req, archiveExisting: false }, { ...fresh, groupExists: true, versions });
    assert.deepEqual([keepAll.archivedWhenStaged, keepAll.archived], [[], []]);
    const toStaging = deployPlan({ ...req, stage: 'Staging' }, { ...fresh, groupExists: true, versions });
    assert.deepEqual([toStaging.archivedWhenStaged, toStaging.archived], [['churn/5'], []], 'archived once, when staged');
  });

  it('without autoApprove, says it waits for approval; a leftover model of that name is reused, not created', () => {
    const plan = deployPlan({ ...req, autoApprove: false }, { ...fresh, existing: { model: true, config: false } });
    assert.ok(plan.notes.some((n) => n.includes('modelship approve churn')));
    assert.deepEqual(plan.changes.find((c) => c.resource === 'model')?.action, 'keep');
  });

  const serving = { ...fresh, endpoint: endpoint('churn-v1-abc'), groupExists: true, versions: [{ version: 1, stage: 'Production', approval: 'Approved' }] };
  const previous: EndpointConfigSummary = {
    ...config('churn-v1-abc', 'churn-v1'),
    extra: { DataCaptureConfig: { EnableCapture: true, DestinationS3Uri: 's3://capture' } },
  };

  it('mode create refuses an existing endpoint; mode add keeps the variants and settings and adds one at weight 0', () => {
    assert.deepEqual(planDeploy({ ...req, mode: 'create' }, serving), {
      ok: false,
      refusal: { type: 'EndpointExists', reason: 'endpoint churn already exists and mode is "create"; use mode "replace" or "add"' },
    });
    const add = deployPlan({ ...req, mode: 'add', variantName: 'v2' }, { ...serving, previousConfig: previous });
    assert.deepEqual(
      add.variants.map((v) => [v.variantName, v.modelName, v.weight]),
      [
        ['AllTraffic', 'churn-v1', 1],
        ['v2', 'churn-v2', 0],
      ],
    );
    assert.equal(add.endpointConfigName, endpointConfigName('churn', 'v2', { variants: add.variants, extra: previous.extra }));
    const clash = planDeploy({ ...req, mode: 'add' }, { ...serving, previousConfig: previous });
    assert.ok(!clash.ok && clash.refusal.type === 'InvalidInput');
  });

  it('replace without a count plans the live count of the same-named variant, or the whole fleet under a new name; a given count or a new endpoint do not', () => {
    const { instanceCount: _given, ...noCount } = input;
    const r = parsed<typeof req>(deployInputSchema, noCount);
    const grown = { ...serving, endpoint: endpoint('churn-v1-abc', [5]), previousConfig: previous };
    assert.equal(deployPlan(r, grown).variants[0].instanceCount, 5);
    assert.equal(deployPlan(req, grown).variants[0].instanceCount, 2, 'the explicit count wins');
    // A new name replaces the endpoint's variants: the one new variant takes all their traffic, so all their instances.
    assert.equal(deployPlan({ ...r, variantName: 'blue' }, grown).variants[0].instanceCount, 5, 'the fleet, not 1');
    assert.equal(deployPlan(r, fresh).variants[0].instanceCount, 1);
  });

  it("replace keeps the replaced variant's settings (not ServerlessConfig) and the config's own, unless the input sets them", () => {
    const settings = { VolumeSizeInGB: 64, RoutingConfig: { RoutingStrategy: 'RANDOM' } };
    const base = config('churn-v1-abc', 'churn-v1');
    const withSettings: EndpointConfigSummary = {
      ...base,
      variants: [{ ...base.variants[0], extra: { ...settings, ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 } } }],
      extra: { KmsKeyId: 'k', AsyncInferenceConfig: { OutputConfig: { S3OutputPath: 's3://theirs' } } },
    };
    const plan = deployPlan(req, { ...serving, previousConfig: withSettings });
    assert.deepEqual(plan.variants[0].extra, settings);
    assert.deepEqual(plan.configExtra, withSettings.extra);
    assert.equal(plan.endpointConfigName, endpointConfigName('churn', 'v2', { variants: plan.variants, extra: withSettings.extra }));
    const asked = deployPlan({ ...req, asyncInference: { outputS3Uri: 's3://ours' } }, { ...serving, previousConfig: withSettings });
    assert.deepEqual(asked.configExtra, { KmsKeyId: 'k', AsyncInferenceConfig: { OutputConfig: { S3OutputPath: 's3://ours' } } });
    assert.equal(
      deployPlan({ ...req, variantName: 'blue' }, { ...serving, previousConfig: withSettings }).variants[0].extra,
      undefined,
      'another variant name carries no variant settings',
    );
    const pools: EndpointConfigSummary = {
      ...base,
      variants: [{ ...base.variants[0], extra: { InstancePools: [{ InstanceType: 'ml.g5.xlarge', Priority: 1, ModelNameOverride: 'other' }] } }],
    };
    const refused = planDeploy(req, { ...serving, previousConfig: pools });
    assert.ok(
      !refused.ok && refused.refusal.type === 'EndpointNotReady' && /runs other on its ml\.g5\.xlarge pool/.test(refused.refusal.reason),
      JSON.stringify(refused),
    );
  });

  it('replace onto an autoscaled variant: a new type or name removes its scaling before UpdateEndpoint and puts it back after', () => {
    const tracking = { TargetValue: 70, PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' } };
    const scaling = [
      {
        variantName: 'AllTraffic',
        resourceId: 'endpoint/churn/variant/AllTraffic',
        minCapacity: 2,
        maxCapacity: 5,
        policies: [
          { policyName: 'invocations', policyType: 'TargetTrackingScaling', policyArn: 'arn:tt', targetTracking: tracking },
          { policyName: 'step-out', policyType: 'StepScaling', policyArn: 'arn:step', stepScaling: {} },
        ],
        scheduledActions: [{ scheduledActionName: 'business-hours', schedule: 'cron(0 8 ? * MON-FRI *)' }],
      },
    ];
    const facts = { ...serving, previousConfig: previous, scaling };
    const resources = (p: ReturnType<typeof deployPlan>) => p.changes.filter((c) => c.resource === 'scalable target').map((c) => `${c.action} ${c.name}`);
    // Same type, new model: AWS allows it with scaling in place.
    assert.deepEqual(resources(deployPlan(req, facts)), []);
    const retyped = deployPlan({ ...req, instanceType: 'ml.m5.xlarge' }, facts);
    assert.deepEqual(resources(retyped), ['delete endpoint/churn/variant/AllTraffic', 'create endpoint/churn/variant/AllTraffic']);
    const renamed = deployPlan({ ...req, variantName: 'blue' }, facts);
    assert.deepEqual(resources(renamed), ['delete endpoint/churn/variant/AllTraffic', 'create endpoint/churn/variant/blue']);
    assert.ok(
      renamed.notes.some((n) => n.includes('step-out')),
      renamed.notes.join('\n'),
    );

    const rule = deployScalingRule('churn', previous, renamed.variants, scaling);
    assert.deepEqual(rule.restore, [
      {
        ...scaling[0],
        variantName: 'blue',
        resourceId: 'endpoint/churn/variant/blue',
        policies: [{ policyName: 'invocations', policyType: 'TargetTrackingScaling', targetTracking: tracking }],
      },
    ]);
    assert.deepEqual(deployScalingRule('churn', previous, retyped.variants, scaling).restore, scaling, 'the same target, policies with their alarms');
  });

  it('replace keeps the data capture of the current config in the new one (and its name)', () => {
    const plan = deployPlan(req, { ...serving, previousConfig: previous });
    assert.deepEqual(plan.configExtra, previous.extra);
    assert.equal(plan.endpointConfigName, endpointConfigName('churn', 'v2', { variants: plan.variants, extra: previous.extra }));
  });

  it('archive: false deletes the superseded config and model its tags give the endpoint, unless a config that stays names the model', () => {
    const owned = [{ Key: 'modelship:endpoint', Value: 'churn' }];
    const cleanup: CleanupFacts = {
      endpointName: 'churn',
      inUse: ['churn-v1-abc'],
      inUseModels: ['churn-v1'],
      candidates: [
        { kind: 'endpoint-config', name: 'churn-v1-abc', tags: owned, models: ['churn-v1'] },
        { kind: 'model', name: 'churn-v1', tags: owned },
      ],
      modelUsers: {},
    };
    const plan = deployPlan({ ...req, archive: false }, { ...serving, previousConfig: previous, cleanup });
    assert.deepEqual(plan.removed, ['churn-v1-abc', 'churn-v1'], 'judged as the endpoint will be, on the new config');
    const shared = deployPlan(
      { ...req, archive: false },
      { ...serving, previousConfig: previous, cleanup: { ...cleanup, modelUsers: { 'churn-v1': ['b-v1-x'] } } },
    );
    assert.deepEqual([shared.removed, shared.kept.map((k) => k.name)], [['churn-v1-abc'], ['churn-v1']]);
    // A superseded config someone made by hand (no ownership tags) stays, whatever its name.
    const handMade = { ...cleanup, candidates: cleanup.candidates.map((c) => ({ ...c, tags: [] })) };
    const manual = deployPlan({ ...req, archive: false }, { ...serving, previousConfig: previous, cleanup: handMade });
    assert.deepEqual([manual.removed, manual.kept.map((k) => k.name)], [[], ['churn-v1-abc', 'churn-v1']]);
  });
});

describe('canary plan', () => {
  const input: CanaryInput = { endpointName: 'churn', model: { name: 'churn', version: 2 }, executionRoleArn: ROLE, steps: [10, 50, 100], approvalSteps: [50] };
  const req = parsed<Parameters<typeof planCanary>[0]>(canaryInputSchema, input);
  const owned = [{ Key: 'modelship:endpoint', Value: 'churn' }];
  // What readCleanupFacts finds before the rollout: the original config and the baseline model, as a
  // modelship deploy tagged them (the ramp config does not exist yet).
  const ownedOriginal: CleanupFacts = {
    endpointName: 'churn',
    inUse: ['churn-v1-abc'],
    inUseModels: ['churn-v1'],
    candidates: [
      { kind: 'endpoint-config', name: 'churn-v1-abc', tags: [...owned, { Key: 'modelship:model:churn-v1', Value: 'serves' }], models: ['churn-v1'] },
      { kind: 'model', name: 'churn-v1', tags: owned },
    ],
    modelUsers: { 'churn-v1': ['churn-v1-abc'] },
  };
  const facts: CanaryFacts = {
    version: { version: 2, stage: 'Staging', approval: 'Approved' },
    endpoint: endpoint('churn-v1-abc', [3]),
    config: config('churn-v1-abc', 'churn-v1'),
    cleanup: ownedOriginal,
    versions: [
      { version: 1, stage: 'Production', approval: 'Approved' },
      { version: 2, stage: 'Staging', approval: 'Approved' },
    ],
    modelExists: false,
  };
  const planned = (f: Partial<CanaryFacts> = {}, r = req): CanaryPlan => {
    const p = planCanary(r, { ...facts, ...f });
    assert.ok(p.ok, JSON.stringify(!p.ok && p.refusal));
    return p.plan;
  };
  const refusal = (f: Partial<CanaryFacts>, r = req) => {
    const p = planCanary(r, { ...facts, ...f });
    assert.ok(!p.ok);
    return p.refusal.type;
  };

  it('builds the ramp from the live baseline and the canary, shifts weights per step, then one final variant', () => {
    const plan = planned();
    assert.deepEqual(plan.baseline, { variantName: 'AllTraffic', modelName: 'churn-v1', instanceType: 'ml.m5.large', instanceCount: 3, weight: 1 });
    assert.deepEqual(plan.canary, { variantName: 'canary', modelName: 'churn-v2', instanceType: 'ml.m5.large', instanceCount: 1, weight: 10 });
    assert.equal(plan.rampEndpointConfigName, endpointConfigName('churn', 'canary-v2', [{ ...plan.baseline, weight: 90 }, plan.canary]));
    assert.equal(plan.finalEndpointConfigName, endpointConfigName('churn', 'v2', [{ ...plan.baseline, modelName: 'churn-v2', weight: 1 }]));
    // The 100 % step is the promotion: UpdateEndpoint to the final config, never an in-place 100 % on the ramp config.
    assert.deepEqual(
      plan.steps.map((s) => [s.baselineWeight, s.canaryWeight, s.waitsForApproval, s.via, s.promotes]),
      [
        [90, 10, false, 'UpdateEndpoint', false],
        [50, 50, true, 'UpdateEndpointWeightsAndCapacities', false],
        [0, 100, false, 'UpdateEndpoint', true],
      ],
    );
    assert.ok(!plan.changes.some((c) => c.resource === 'endpoint weights' && /canary 100\b/.test(c.detail ?? '')), JSON.stringify(plan.changes));
    assert.ok(
      plan.changes.some(
        (c) => c.resource === 'endpoint config' && c.name === plan.finalEndpointConfigName && /after the gate passes at 50%/.test(c.detail ?? ''),
      ),
    );
    assert.deepEqual(plan.removed, [plan.rampEndpointConfigName, 'churn-v1-abc', 'churn-v1']);
    assert.deepEqual(plan.archived, ['churn/1']);
  });

  it('removes the ramp config, then the original config and baseline model its ownership tags give the endpoint, in that order', () => {
    const plan = planned();
    assert.deepEqual(plan.removed, [plan.rampEndpointConfigName, 'churn-v1-abc', 'churn-v1']);
    assert.deepEqual(plan.kept, []);
    const deletes = plan.changes.filter((c) => c.action === 'delete').map((c) => `${c.resource} ${c.name}`);
    assert.deepEqual(deletes, [`endpoint config ${plan.rampEndpointConfigName}`, 'endpoint config churn-v1-abc', 'model churn-v1']);
    // The order is the run's, not the names': an original config that sorts before the ramp config still comes second.
    const early: CleanupFacts = {
      ...ownedOriginal,
      inUse: ['churn-a1'],
      candidates: [{ ...ownedOriginal.candidates[0], name: 'churn-a1' }, ownedOriginal.candidates[1]],
      modelUsers: { 'churn-v1': ['churn-a1'] },
    };
    const first = planned({ config: config('churn-a1', 'churn-v1'), cleanup: early });
    assert.deepEqual(first.removed, [first.rampEndpointConfigName, 'churn-a1', 'churn-v1']);
  });

  it('keeps a hand-made original config and model (no ownership tags), saying why', () => {
    const handMade: CleanupFacts = { ...ownedOriginal, candidates: ownedOriginal.candidates.map((c) => ({ ...c, tags: [] })), modelUsers: {} };
    const plan = planned({ cleanup: handMade });
    assert.deepEqual(plan.removed, [plan.rampEndpointConfigName]);
    assert.deepEqual(
      plan.kept.map((k) => `${k.kind} ${k.name}: ${k.reason}`),
      ['endpoint-config churn-v1-abc: its tags do not say endpoint churn owns it (modelship:endpoint)', 'model churn-v1: endpoint config churn-v1-abc uses it'],
    );
    const text = renderPlan(plan);
    assert.match(text, /^- delete endpoint config churn-canary-v2-\w+$/m);
    assert.match(text, /^= keep endpoint config churn-v1-abc: its tags do not say endpoint churn owns it \(modelship:endpoint\)$/m);
    assert.match(text, /^= keep model churn-v1: endpoint config churn-v1-abc uses it$/m);
    assert.doesNotMatch(text, /^- delete (model churn-v1|endpoint config churn-v1-abc)$/m);
  });

  it('keeps the baseline model while another endpoint’s config names it (its modelship:model tag), and everything with keepSuperseded', () => {
    const shared: CleanupFacts = { ...ownedOriginal, modelUsers: { 'churn-v1': ['churn-v1-abc', 'churn-b-v1-xyz'] } };
    const plan = planned({ cleanup: shared });
    assert.deepEqual(plan.removed, [plan.rampEndpointConfigName, 'churn-v1-abc']);
    assert.deepEqual(
      plan.kept.map((k) => `${k.kind} ${k.name}: ${k.reason}`),
      ['model churn-v1: endpoint config churn-b-v1-xyz uses it'],
    );
    const kept = planned({}, { ...req, keepSuperseded: true });
    assert.deepEqual([kept.removed, kept.kept], [[], []]);
    assert.ok(!kept.changes.some((c) => c.action === 'delete'));
  });

  it('never removes what the rollout leaves serving: the final config and the new model', () => {
    const plain = planned();
    // A leftover of an earlier rollout to this version, owned by the endpoint: the final config is kept.
    const leftover: CleanupFacts = {
      ...ownedOriginal,
      candidates: [
        ...ownedOriginal.candidates,
        { kind: 'endpoint-config', name: plain.finalEndpointConfigName, tags: owned, models: ['churn-v2'] },
        { kind: 'model', name: 'churn-v2', tags: owned },
      ],
    };
    const plan = planned({ cleanup: leftover });
    assert.deepEqual(plan.removed, [plan.rampEndpointConfigName, 'churn-v1-abc', 'churn-v1']);
    assert.ok(!plan.removed.includes(plan.finalEndpointConfigName) && !plan.removed.includes('churn-v2'));
  });

  it('refuses what the rollout refuses, with the workflow’s failure type', () => {
    assert.equal(refusal({ version: null }), 'VersionNotFound');
    assert.equal(refusal({ version: { version: 2, stage: 'None', approval: 'PendingManualApproval' } }), 'VersionNotApproved');
    assert.equal(refusal({ endpoint: null }), 'EndpointNotFound');
    assert.equal(refusal({ endpoint: endpoint('churn-v1-abc', [1], 'Failed') }), 'EndpointFailed');
    assert.equal(refusal({ config: config('churn-v1-abc', 'churn-v1', 2) }), 'EndpointNotReady');
    assert.equal(refusal({}, { ...req, canary: { ...req.canary, variantName: 'AllTraffic' } }), 'InvalidInput');
    assert.equal(refusal({ config: config('churn-v1-abc', 'churn-v2') }), 'AlreadyServing');
  });

  it('carries the original config settings to the ramp and final configs, and hashes them into their names', () => {
    const extra = { DataCaptureConfig: { EnableCapture: true, InitialSamplingPercentage: 20, DestinationS3Uri: 's3://c/' }, KmsKeyId: 'k' };
    const plain = planned();
    const withCapture = planned({ config: { ...config('churn-v1-abc', 'churn-v1'), extra } });
    assert.notEqual(withCapture.rampEndpointConfigName, plain.rampEndpointConfigName);
    assert.notEqual(withCapture.finalEndpointConfigName, plain.finalEndpointConfigName);
    const layout = planCanaryLayout(req, { ...facts, config: { ...config('churn-v1-abc', 'churn-v1'), extra } });
    assert.ok(layout.ok);
    assert.deepEqual(layout.plan.configExtra, extra);
  });

  it('carries the baseline variant settings to the canary and the final variant, hashed into the ramp config name', () => {
    const settings = {
      VolumeSizeInGB: 200,
      ContainerStartupHealthCheckTimeoutInSeconds: 600,
      RoutingConfig: { RoutingStrategy: 'LEAST_OUTSTANDING_REQUESTS' },
    };
    const original: EndpointConfigSummary = { name: 'churn-v1-abc', variants: [{ ...config('churn-v1-abc', 'churn-v1').variants[0], extra: settings }] };
    const plan = planned({ config: original });
    assert.deepEqual(plan.canary.extra, settings);
    assert.deepEqual(
      plan.rampVariants.map((v) => v.extra),
      [settings, settings],
    );
    assert.deepEqual(
      plan.finalVariants.map((v) => v.extra),
      [settings],
    );
    assert.equal(plan.rampEndpointConfigName, endpointConfigName('churn', 'canary-v2', plan.rampVariants));
    assert.notEqual(plan.rampEndpointConfigName, planned().rampEndpointConfigName);
    assert.ok(plan.notes.includes("canary and the final variant keep AllTraffic's VolumeSizeInGB, ContainerStartupHealthCheckTimeoutInSeconds, RoutingConfig"));
    // Runs started before the canary-variant-settings patch built the canary without them, under the old name.
    const before = planCanaryLayout(req, { ...facts, config: original }, { capacity: true, variantSettings: false });
    assert.ok(before.ok);
    assert.equal(before.plan.canary.extra, undefined);
    const { extra: _dropped, ...bare } = plan.canary;
    assert.equal(before.plan.rampEndpointConfigName, endpointConfigName('churn', 'canary-v2', [plan.rampVariants[0], bare]));
  });

  it('refuses a baseline whose instance pool runs another model (ModelNameOverride): the canary would carry it', () => {
    const pools = [
      { InstanceType: 'ml.g5.2xlarge', Priority: 1 },
      { InstanceType: 'ml.inf2.xlarge', Priority: 2, ModelNameOverride: 'churn-v1-neuron' },
    ];
    const original: EndpointConfigSummary = {
      name: 'churn-v1-abc',
      variants: [{ ...config('churn-v1-abc', 'churn-v1').variants[0], extra: { InstancePools: pools } }],
    };
    const p = planCanary(req, { ...facts, config: original });
    assert.ok(!p.ok);
    assert.equal(p.refusal.type, 'EndpointNotReady');
    assert.match(
      p.refusal.reason,
      /variant AllTraffic runs churn-v1-neuron on its ml\.inf2\.xlarge pool \(InstancePools ModelNameOverride\): a canary would carry that model instead of churn-v2/,
    );
    const plain = planned({ config: { ...original, variants: [{ ...original.variants[0], extra: { InstancePools: [pools[0]] } }] } });
    assert.deepEqual(plain.canary.extra, { InstancePools: [pools[0]] }, 'pools without an override are carried');
  });

  it('refuses a canary.instanceType other than the baseline type, naming the field', () => {
    const p = planCanary({ ...req, canary: { ...req.canary, instanceType: 'ml.c5.xlarge' } }, facts);
    assert.ok(!p.ok);
    assert.equal(p.refusal.type, 'InvalidInput');
    assert.match(p.refusal.reason, /canary\.instanceType: must be the baseline's instance type ml\.m5\.large .*got ml\.c5\.xlarge/);
    assert.ok(planCanary({ ...req, canary: { ...req.canary, instanceType: 'ml.m5.large' } }, facts).ok, 'the same type is fine');
  });

  it('prints a weights table and the changes with their symbols', () => {
    const text = renderPlan(planned());
    assert.match(text, /^\+ create model churn-v2 \(churn version 2\)$/m);
    assert.match(text, /^~ update endpoint churn from churn-v1-abc to churn-canary-v2-\w+ \(canary 10%\)$/m);
    assert.match(text, /^- delete model churn-v1$/m);
    assert.match(text, /^ {2}2 +50% ×3 +50% ×2 +approval, weights shift/m);
    assert.match(text, /^~ update endpoint capacity churn: canary 1 → 2 instance\(s\), InService before its weight rises to 50%$/m);
  });

  it('sizes the canary for its weight: ceil(baseline live count × weight / 100), within the floor and ceiling', () => {
    const plan = planned();
    assert.deepEqual(
      plan.steps.map((s) => [s.canaryWeight, s.canaryInstances]),
      [
        [10, 1],
        [50, 2],
        [100, 3],
      ],
    );
    assert.equal(plan.canary.instanceCount, 1, 'the ramp config starts it at the first step');
    assert.equal(plan.finalVariants[0].instanceCount, 3);
    const five = planned({ endpoint: endpoint('churn-v1-abc', [5]) });
    assert.deepEqual(
      five.steps.map((s) => s.canaryInstances),
      [1, 3, 5],
    );
    const floored = planned({}, { ...req, canary: { ...req.canary, instanceCount: 2 } });
    assert.deepEqual(
      floored.steps.map((s) => s.canaryInstances),
      [2, 2, 3],
    );
    assert.deepEqual([canaryInstancesAt(10, { baselineInstances: 3, floor: 1 }), canaryInstancesAt(34, { baselineInstances: 3, floor: 1 })], [1, 2]);
    assert.equal(capacityNow({ baselineInstances: 3, floor: 1 }, 1).baselineInstances, 3, 'a baseline shrunk by its autoscaler does not lower the rule');
    assert.equal(capacityNow({ baselineInstances: 3, floor: 1 }, 6).baselineInstances, 6, 'one scaled out raises it');
  });

  it('refuses a ceiling the canary cannot carry 100% within, naming the field and the rule', () => {
    const p = planCanary({ ...req, canary: { ...req.canary, maxInstanceCount: 2 } }, facts);
    assert.ok(!p.ok);
    assert.equal(p.refusal.type, 'InvalidInput');
    assert.match(
      p.refusal.reason,
      /canary\.maxInstanceCount: must be at least 3, the instances the canary needs at 100% \(ceil\(3 baseline instances × 100 \/ 100\)\); got 2/,
    );
    assert.ok(planCanary({ ...req, canary: { ...req.canary, maxInstanceCount: 3 } }, facts).ok);
    const below = canaryInputSchema.safeParse({ ...input, canary: { instanceCount: 3, maxInstanceCount: 2 } });
    assert.ok(!below.success);
    assert.deepEqual(
      below.error.issues.map((i) => [i.path.join('.'), i.message]),
      [['canary.maxInstanceCount', 'must be at least canary.instanceCount (the ceiling cannot be below the floor)']],
    );
  });

  it("gives the canary a scalable target with the baseline's target-tracking policy when the baseline is autoscaled", () => {
    const tracking = { TargetValue: 4800, PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' } };
    const baselineScaling = {
      variantName: 'AllTraffic',
      resourceId: 'endpoint/churn/variant/AllTraffic',
      minCapacity: 2,
      maxCapacity: 8,
      policies: [
        { policyName: 'invocations', policyType: 'TargetTrackingScaling', targetTracking: tracking },
        { policyName: 'step-out', policyType: 'StepScaling', stepScaling: { AdjustmentType: 'ChangeInCapacity' } },
      ],
    };
    const scaled = planned({ baselineScaling }).changes.filter((c) => c.resource === 'scalable target');
    assert.deepEqual(
      scaled.map((c) => c.name),
      ['endpoint/churn/variant/AllTraffic', 'endpoint/churn/variant/canary'],
    );
    // The baseline (3 live) is held at its count while the canary serves, and given back its own minimum after.
    assert.match(scaled[0].detail!, /^MinCapacity 2 → 3 \(its live count\) while the canary serves.*; 2 again after promote or rollback$/);
    assert.match(scaled[1].detail!, /^min 1 .*max 8; target tracking invocations copied from AllTraffic/);
    // Never above its MaxCapacity, and not at all when its MinCapacity already holds its count.
    const capped = planned({ baselineScaling: { ...baselineScaling, maxCapacity: 2 } }).changes.filter((c) => c.name === 'endpoint/churn/variant/AllTraffic');
    assert.equal(capped.length, 0);
    // Only a step policy: nothing to copy (its alarms watch the baseline), and the plan says so.
    const stepOnly = planned({ baselineScaling: { ...baselineScaling, policies: [baselineScaling.policies[1]] } });
    assert.equal(stepOnly.changes.filter((c) => c.name === 'endpoint/churn/variant/canary').length, 0);
    assert.ok(stepOnly.notes.some((n) => n.includes('the canary gets no autoscaling of its own')));
    assert.equal(planned().changes.filter((c) => c.resource === 'scalable target').length, 0);
  });
});

describe('delete plan', () => {
  const req = parsed<Parameters<typeof planDelete>[0]>(deleteInputSchema, { endpointName: 'churn' });
  const scaling: VariantScaling[] = [
    {
      variantName: 'AllTraffic',
      resourceId: 'endpoint/churn/variant/AllTraffic',
      minCapacity: 1,
      maxCapacity: 4,
      policies: [{ policyName: 'tt', policyType: 'TargetTrackingScaling' }],
    },
  ];
  const owned = [{ Key: 'modelship:endpoint', Value: 'churn' }];
  const facts: DeleteFacts = {
    endpoint: endpoint('churn-v2'),
    scaling,
    // What the cleanup read by tag: churn's two configs and model m2; m1 is churn's too but
    // churn-prod-v1 (found by m1's model-use tag) names it; churn-prod-v1 itself is not a candidate.
    cleanup: {
      endpointName: 'churn',
      inUse: ['churn-v2'],
      inUseModels: ['m2'],
      candidates: [
        { kind: 'endpoint-config', name: 'churn-v2', tags: owned, models: ['m2'] },
        { kind: 'endpoint-config', name: 'churn-v1', tags: owned, models: ['m1'] },
        { kind: 'model', name: 'm2', tags: owned },
        { kind: 'model', name: 'm1', tags: owned },
        { kind: 'model', name: 'hand-made', tags: [] },
      ],
      modelUsers: { m1: ['churn-v1', 'churn-prod-v1'], m2: ['churn-v2'] },
    },
  };

  it('removes scaling first, then the endpoint, its tagged configs and the models no remaining config names', () => {
    const plan = planOf(planDelete(req, facts));
    assert.deepEqual(
      plan.changes.map((c) => `${c.action} ${c.resource} ${c.name}`),
      [
        'delete scaling policy tt',
        'delete scalable target endpoint/churn/variant/AllTraffic',
        'delete endpoint churn',
        'delete endpoint config churn-v1',
        'delete endpoint config churn-v2',
        'delete model m2',
        'keep model hand-made',
        'keep model m1',
      ],
    );
    assert.deepEqual(
      plan.kept.map((k) => k.reason),
      ['its tags do not say endpoint churn owns it (modelship:endpoint)', 'endpoint config churn-prod-v1 uses it'],
    );
  });

  it('an endpoint already gone leaves only its leftovers; keeping configs and models deletes only scaling and endpoint', () => {
    const gone = planOf(
      planDelete(req, { endpoint: null, scaling: [], cleanup: { endpointName: 'churn', inUse: [], inUseModels: [], candidates: [], modelUsers: {} } }),
    );
    assert.deepEqual([gone.endpointDeleted, gone.changes], [false, []]);
    const kept = planOf(planDelete({ ...req, deleteConfigsAndModels: false }, { ...facts, cleanup: null }));
    assert.deepEqual(
      kept.changes.map((c) => c.resource),
      ['scaling policy', 'scalable target', 'endpoint'],
    );
  });
});

describe('update plan as changes', () => {
  const ep = endpoint('churn-v1', [2]);
  const cfg = config('churn-v1', 'churn-v1');
  const scaling: VariantScaling[] = [
    {
      variantName: 'AllTraffic',
      resourceId: 'endpoint/churn/variant/AllTraffic',
      minCapacity: 1,
      maxCapacity: 4,
      policies: [{ policyName: 'tt', policyType: 'TargetTrackingScaling' }],
    },
  ];
  const plan = (input: object) => {
    const p = planUpdate(parsed(updateInputSchema, { endpointName: 'churn', ...input }), { endpoint: ep, config: cfg, scaling });
    return planOf(p);
  };

  it('an instance type change removes the scaling, moves the endpoint, and registers the same scaling again', () => {
    const p = plan({ change: [{ variantName: 'AllTraffic', instanceType: 'ml.c5.xlarge' }] });
    assert.deepEqual(
      updatePlanChanges(p).map((c) => `${c.action} ${c.resource} ${c.name}`),
      [
        'delete scaling policy tt',
        'delete scalable target endpoint/churn/variant/AllTraffic',
        `create endpoint config ${p.newConfigName}`,
        'update endpoint churn',
        'create scalable target endpoint/churn/variant/AllTraffic',
        'create scaling policy tt',
      ],
    );
  });

  it('a model-only change leaves scaling alone; an update to what runs already changes nothing', () => {
    const p = plan({ change: [{ variantName: 'AllTraffic', modelName: 'churn-v2' }] });
    assert.deepEqual(
      updatePlanChanges(p).map((c) => c.resource),
      ['endpoint config', 'endpoint'],
    );
    assert.deepEqual(updatePlanChanges(plan({ change: [{ variantName: 'AllTraffic', modelName: 'churn-v1' }] })), []);
  });
});
