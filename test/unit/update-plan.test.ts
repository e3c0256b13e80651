import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { configsToDelete, modelsToDelete } from '../../src/domain/delete/plan';
import { deleteInputSchema } from '../../src/domain/delete/input';
import type { EndpointConfigSummary, EndpointSummary, VariantScaling } from '../../src/domain/endpoint';
import { modelFields, planUpdate, type UpdateFacts, type UpdatePlan } from '../../src/domain/update/plan';
import { updateInputSchema, type UpdateInput } from '../../src/domain/update/input';
import { validate, type InputIssue } from '../../src/domain/validation';

const endpoint: EndpointSummary = {
  name: 'churn',
  arn: 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn',
  status: 'InService',
  configName: 'churn-v1',
  variants: [
    { variantName: 'blue', desiredInstanceCount: 3, desiredWeight: 90, currentInstanceCount: 3, currentWeight: 90, images: [] },
    { variantName: 'green', desiredInstanceCount: 1, desiredWeight: 10, currentInstanceCount: 1, currentWeight: 10, images: [] },
  ],
};

const config: EndpointConfigSummary = {
  name: 'churn-v1',
  variants: [
    { variantName: 'blue', modelName: 'churn-v1', instanceType: 'ml.m5.large', instanceCount: 2, weight: 90, extra: { VolumeSizeInGB: 30 } },
    { variantName: 'green', modelName: 'churn-v2', instanceType: 'ml.m5.large', instanceCount: 1, weight: 10 },
  ],
  extra: {
    DataCaptureConfig: { EnableCapture: true, InitialSamplingPercentage: 20, DestinationS3Uri: 's3://capture', CaptureOptions: [{ CaptureMode: 'Input' }] },
  },
};

const blueScaling: VariantScaling = {
  variantName: 'blue',
  resourceId: 'endpoint/churn/variant/blue',
  minCapacity: 2,
  maxCapacity: 6,
  policies: [{ policyName: 'tt', policyType: 'TargetTrackingScaling', targetTracking: { TargetValue: 70 } }],
};

const facts: UpdateFacts = { endpoint, config, scaling: [blueScaling] };

function plan(input: Omit<UpdateInput, 'endpointName'>, f: UpdateFacts = facts): UpdatePlan {
  const req = validate(updateInputSchema, { endpointName: 'churn', ...input });
  assert.ok(req.ok, `input refused: ${JSON.stringify(!req.ok && req.issues)}`);
  const p = planUpdate(req.value, f);
  assert.ok(p.ok, `plan refused: ${JSON.stringify(!p.ok && p.refusal)}`);
  return p.plan;
}

function planIssues(input: Omit<UpdateInput, 'endpointName'>, f: UpdateFacts = facts): InputIssue[] {
  const req = validate(updateInputSchema, { endpointName: 'churn', ...input });
  assert.ok(req.ok, `input refused: ${JSON.stringify(!req.ok && req.issues)}`);
  const p = planUpdate(req.value, f);
  assert.equal(p.ok, false, 'expected the plan to be refused');
  return p.ok ? [] : (p.refusal.issues ?? []);
}

function inputIssues(input: unknown): InputIssue[] {
  const r = validate(updateInputSchema, input);
  assert.equal(r.ok, false, 'expected the input to be refused');
  return r.ok ? [] : r.issues;
}

describe('update input validation', () => {
  it('fills documented defaults', () => {
    const r = validate(updateInputSchema, { endpointName: 'churn', remove: ['green'] });
    assert.ok(r.ok);
    assert.deepEqual(r.value.change, []);
    assert.equal(r.value.retainAllVariantProperties, true);
    assert.equal(r.value.inServiceTimeout, '60m');
  });

  it('refuses an update that changes nothing, and a variant named twice', () => {
    assert.deepEqual(
      inputIssues({ endpointName: 'churn' }).map((i) => i.field),
      ['change'],
    );
    const issues = inputIssues({ endpointName: 'churn', change: [{ variantName: 'blue', weight: 1 }], remove: ['blue'] });
    assert.deepEqual(issues, [{ field: 'remove.0', rule: 'variant blue is named more than once in change/add/remove' }]);
  });

  it('names nested fields and their rules', () => {
    const issues = inputIssues({
      endpointName: 'churn',
      change: [{ variantName: 'blue', instanceType: 'm5.large', weight: -1 }],
      add: [{ variantName: 'canary', modelName: 'bad_model', instanceType: 'ml.m5.large', instanceCount: 0 }],
      raiseCapacityDuringUpdate: { blue: 1.5 },
    });
    const byField = Object.fromEntries(issues.map((i) => [i.field, i.rule]));
    assert.match(byField['change.0.instanceType'], /must be a SageMaker instance type such as ml\.m5\.large; got "m5\.large"/);
    assert.match(byField['change.0.weight'], /must be 0 or more/);
    assert.match(byField['add.0.modelName'], /1-63 letters, digits and hyphens.*"bad_model"/);
    assert.match(byField['add.0.instanceCount'], /must be at least 1/);
    assert.match(byField['raiseCapacityDuringUpdate.blue'], /whole number of instances/);
  });

  it('refuses a change entry that changes nothing', () => {
    assert.deepEqual(inputIssues({ endpointName: 'churn', change: [{ variantName: 'blue' }] }), [
      { field: 'change.0', rule: 'must change at least one of modelName, instanceType, instanceCount, weight' },
    ]);
  });
});

describe('planning an endpoint update', () => {
  it('changing an autoscaled variant’s instance type triggers the AWS rule: deregister, then restore as before', () => {
    const p = plan({ change: [{ variantName: 'blue', instanceType: 'ml.c5.xlarge' }] });
    assert.equal(p.autoscalingRule.applies, true);
    assert.deepEqual(p.autoscalingRule.reasons, ['variant blue is autoscaled and its instance type changes from ml.m5.large to ml.c5.xlarge']);
    assert.deepEqual(p.deregister, [blueScaling]);
    assert.deepEqual(p.restore, [blueScaling], 'min, max and policies as they were');
    assert.deepEqual(p.notRestored, []);
    assert.deepEqual(p.changes, ['blue: instanceType ml.m5.large → ml.c5.xlarge']);
  });

  it('copies the current config: same names, models, other fields; counts and weights as they run now', () => {
    const p = plan({ change: [{ variantName: 'blue', instanceType: 'ml.c5.xlarge' }] });
    assert.deepEqual(p.variants, [
      { variantName: 'blue', modelName: 'churn-v1', instanceType: 'ml.c5.xlarge', instanceCount: 3, weight: 90, extra: { VolumeSizeInGB: 30 } },
      { variantName: 'green', modelName: 'churn-v2', instanceType: 'ml.m5.large', instanceCount: 1, weight: 10 },
    ]);
    assert.deepEqual(p.configExtra, config.extra);
    assert.equal(p.retainAllVariantProperties, true);
    assert.deepEqual(p.excludeRetainedVariantProperties, []);
    assert.match(p.newConfigName, /^churn-update-[0-9a-z]{7}$/);
    assert.equal(p.expected.configName, p.newConfigName);
  });

  it('a model-only change of an autoscaled variant does not trigger the rule', () => {
    const p = plan({ change: [{ variantName: 'blue', modelName: 'churn-v3' }] });
    assert.equal(p.autoscalingRule.applies, false);
    assert.deepEqual(p.deregister, []);
    assert.deepEqual(p.newModels, ['churn-v3']);
  });

  it('changing a variant that is not autoscaled does not trigger the rule', () => {
    assert.equal(plan({ change: [{ variantName: 'green', instanceType: 'ml.c5.xlarge' }] }).autoscalingRule.applies, false);
  });

  it('removing an autoscaled variant triggers the rule, and there is nothing to restore', () => {
    const p = plan({ remove: ['blue'] });
    assert.equal(p.autoscalingRule.applies, true);
    assert.deepEqual(p.deregister, [blueScaling]);
    assert.deepEqual(p.restore, []);
    assert.deepEqual(p.notRestored, [
      { variantName: 'blue', reason: 'the update removes the variant, so its scalable target and policies are not re-created' },
    ]);
    assert.deepEqual(
      p.variants.map((v) => v.variantName),
      ['green'],
    );
  });

  it('asked-for counts and weights are taken from the new config, not retained', () => {
    const p = plan({ change: [{ variantName: 'green', weight: 20, instanceCount: 2 }] });
    assert.deepEqual(p.excludeRetainedVariantProperties, ['DesiredInstanceCount', 'DesiredWeight']);
    assert.deepEqual(p.expected.variants, [{ variantName: 'blue' }, { variantName: 'green', instanceCount: 2, weight: 20 }]);
  });

  it('adds a variant with its defaults', () => {
    const p = plan({ add: [{ variantName: 'canary', modelName: 'churn-v3', instanceType: 'ml.m5.large' }] });
    assert.deepEqual(p.variants[2], { variantName: 'canary', modelName: 'churn-v3', instanceType: 'ml.m5.large', instanceCount: 1, weight: 1 });
    assert.deepEqual(p.changes, ['canary: added (churn-v3 on 1 × ml.m5.large, weight 1)']);
  });

  it('raising capacity: the raise, the counts to go back to, and the new config holding the raised count', () => {
    const p = plan({ change: [{ variantName: 'blue', instanceType: 'ml.c5.xlarge' }], raiseCapacityDuringUpdate: { blue: 5 } });
    assert.deepEqual(p.raise, [{ variantName: 'blue', instanceCount: 5 }]);
    assert.deepEqual(p.capacityBefore, [{ variantName: 'blue', instanceCount: 3 }]);
    assert.equal(p.variants[0].instanceCount, 5);
  });

  it('an update asking for what already runs is unchanged', () => {
    const p = plan({ change: [{ variantName: 'blue', modelName: 'churn-v1', weight: 90 }] });
    assert.equal(p.unchanged, true);
    assert.deepEqual(p.changes, []);
  });

  it('refuses unknown variants, existing additions and removing every variant, naming the fields', () => {
    assert.deepEqual(
      planIssues({
        change: [{ variantName: 'red', weight: 1 }],
        add: [{ variantName: 'blue', modelName: 'm', instanceType: 'ml.m5.large' }],
        remove: ['green', 'yellow'],
      }),
      [
        { field: 'change.0.variantName', rule: 'endpoint churn has no variant red (it has blue, green); use add for a new variant' },
        { field: 'add.0.variantName', rule: 'endpoint churn already has variant blue; use change' },
        { field: 'remove.1', rule: 'endpoint churn has no variant yellow (it has blue, green)' },
      ],
    );
    assert.deepEqual(planIssues({ remove: ['blue', 'green'] }), [
      { field: 'remove', rule: 'cannot remove every variant of endpoint churn: an endpoint serves at least one (delete the endpoint instead)' },
    ]);
  });

  it('refuses more than 10 variants', () => {
    const add = Array.from({ length: 9 }, (_, i) => ({ variantName: `v${i}`, modelName: 'm', instanceType: 'ml.m5.large' }));
    assert.deepEqual(
      planIssues({ add }).map((i) => i.field),
      ['add'],
    );
  });

  it('refuses counts outside an autoscaled variant’s range, and raises that lower or name a removed variant', () => {
    const issues = planIssues({
      change: [{ variantName: 'blue', instanceCount: 7 }],
      remove: ['green'],
      raiseCapacityDuringUpdate: { blue: 2, green: 4 },
    });
    assert.deepEqual(issues, [
      { field: 'change.0.instanceCount', rule: "must be within the variant's autoscaling range 2-6; got 7" },
      { field: 'raiseCapacityDuringUpdate.blue', rule: 'must be at least the 3 instances the variant runs now (it raises capacity); got 2' },
      { field: 'raiseCapacityDuringUpdate.green', rule: 'must name a variant the endpoint keeps (blue)' },
    ]);
    assert.deepEqual(planIssues({ raiseCapacityDuringUpdate: { blue: 9 }, change: [{ variantName: 'green', weight: 5 }] }), [
      { field: 'raiseCapacityDuringUpdate.blue', rule: "must be at most the variant's autoscaling MaxCapacity 6; got 9" },
    ]);
  });

  it('names the field of a model that does not exist', () => {
    const req = validate(updateInputSchema, {
      endpointName: 'churn',
      change: [{ variantName: 'blue', modelName: 'x1' }],
      add: [{ variantName: 'c', modelName: 'x2', instanceType: 'ml.m5.large' }],
    });
    assert.ok(req.ok);
    assert.deepEqual(modelFields(req.value, ['x2']), [{ field: 'add.0.modelName', rule: 'no SageMaker model named x2 exists; create it first' }]);
  });

  it('the new config name depends only on its content', () => {
    const a = plan({ change: [{ variantName: 'blue', instanceType: 'ml.c5.xlarge' }] });
    const b = plan({ change: [{ variantName: 'blue', instanceType: 'ml.c5.xlarge' }] });
    const c = plan({ change: [{ variantName: 'blue', instanceType: 'ml.c5.2xlarge' }] });
    assert.equal(a.newConfigName, b.newConfigName);
    assert.notEqual(a.newConfigName, c.newConfigName);
  });
});

describe('planning an endpoint delete', () => {
  it('defaults to deleting configs and models', () => {
    const r = validate(deleteInputSchema, { endpointName: 'churn' });
    assert.ok(r.ok);
    assert.equal(r.value.deleteConfigsAndModels, true);
  });

  it('takes the referenced config and the ones named for the endpoint; keeps those of other endpoints', () => {
    const plan = configsToDelete(
      'churn',
      ['churn-prod-v1-abc', 'churn-prod-v2-def', 'churn-update-xyz', 'churn-v1-aaa'],
      ['imported-config'],
      [
        { endpointName: 'churn-prod', configName: 'churn-prod-v2-def' },
        { endpointName: 'other', configName: 'churn-v1-aaa' },
      ],
    );
    assert.deepEqual(plan.delete, ['churn-update-xyz', 'imported-config']);
    assert.deepEqual(plan.kept, [
      { kind: 'endpoint-config', name: 'churn-prod-v1-abc', reason: 'named for endpoint churn-prod' },
      { kind: 'endpoint-config', name: 'churn-prod-v2-def', reason: 'endpoint churn-prod uses it' },
      { kind: 'endpoint-config', name: 'churn-v1-aaa', reason: 'endpoint other uses it' },
    ]);
  });

  it('deletes the models of deleted configs unless a remaining config names them', () => {
    const configs: EndpointConfigSummary[] = [
      { name: 'c1', variants: [{ variantName: 'a', modelName: 'm1', instanceType: 'ml.m5.large', instanceCount: 1, weight: 1 }] },
      {
        name: 'c2',
        variants: [
          { variantName: 'a', modelName: 'm2', instanceType: 'ml.m5.large', instanceCount: 1, weight: 1 },
          { variantName: 'b', modelName: 'm1', instanceType: 'ml.m5.large', instanceCount: 1, weight: 1 },
        ],
      },
    ];
    assert.deepEqual(modelsToDelete(configs, { m2: 'other-v1' }), {
      delete: ['m1'],
      kept: [{ kind: 'model', name: 'm2', reason: 'endpoint config other-v1 uses it' }],
    });
  });
});
