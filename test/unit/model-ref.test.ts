import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canaryModelRefSchema } from '../../src/domain/canary/input';
import { formatModelRef, isMovingRef, parseModelRef, type ModelRef } from '../../src/domain/model-ref';
import { validate } from '../../src/domain/validation';

function ok(text: string): ModelRef {
  const r = parseModelRef(text);
  assert.ok(r.ok, `${text} refused: ${r.ok ? '' : r.error}`);
  return r.ref;
}

function refused(text: string, rule: RegExp): void {
  const r = parseModelRef(text);
  assert.equal(r.ok, false, `${text} was accepted`);
  if (!r.ok) assert.match(r.error, rule);
}

describe('model references', () => {
  it('reads a fixed version', () => {
    assert.deepEqual(ok('models:/churn/3'), { kind: 'version', model: 'churn', version: 3 });
  });

  it('reads stages case-insensitively, as MLflow does, into their canonical names', () => {
    assert.deepEqual(ok('models:/churn/Production'), { kind: 'stage', model: 'churn', stage: 'Production' });
    assert.deepEqual(ok('models:/churn/staging'), { kind: 'stage', model: 'churn', stage: 'Staging' });
    assert.deepEqual(ok('models:/churn/ARCHIVED'), { kind: 'stage', model: 'churn', stage: 'Archived' });
    assert.deepEqual(ok('models:/churn/latest'), { kind: 'latest', model: 'churn' });
  });

  it('reads aliases, and model names MLflow allows (spaces, dots)', () => {
    assert.deepEqual(ok('models:/churn@champion'), { kind: 'alias', model: 'churn', alias: 'champion' });
    assert.deepEqual(ok('models:/Churn Model.v2@canary_1'), { kind: 'alias', model: 'Churn Model.v2', alias: 'canary_1' });
  });

  it('reads versioned SageMaker model package ARNs in any partition', () => {
    assert.deepEqual(ok('arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/7'), {
      kind: 'model-package',
      arn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/7',
      partition: 'aws',
      region: 'us-east-1',
      account: '123456789012',
      model: 'churn',
      version: 7,
    });
    assert.equal((ok('arn:aws-cn:sagemaker:cn-north-1:123456789012:model-package/churn/1') as { partition: string }).partition, 'aws-cn');
  });

  it('tells fixed references from moving ones', () => {
    assert.equal(isMovingRef(ok('models:/churn/3')), false);
    assert.equal(isMovingRef(ok('arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/7')), false);
    for (const moving of ['models:/churn/Production', 'models:/churn/latest', 'models:/churn@champion']) assert.equal(isMovingRef(ok(moving)), true, moving);
  });

  it('refuses what is not a reference, saying which rule it broke', () => {
    refused('churn', /must be one of models:\//);
    refused('models:/churn', /must name a version, stage or alias/);
    refused('models:/churn/0', /at least 1/);
    refused('models:/churn/Prod', /neither a version number, "latest" nor a stage/);
    refused('models:/a/b/3', /must not contain "\/"/);
    refused('models:/churn@', /alias must be 1-255/);
    refused('models:/churn@latest', /reserved/);
    refused('models:/churn@v3', /reserved/);
    refused('models:/@champion', /model name is empty/);
    refused('arn:aws:sagemaker:us-east-1:123456789012:model-package/churn', /versioned model package/);
    refused('arn:aws:sagemaker:us-east-1:123456789012:model-package-group/churn', /versioned model package ARN/);
    refused('arn:aws:sagemaker:us-east-1:1234:model-package/churn/1', /versioned model package ARN/);
    refused('arn:aws:sagemaker:us-east-1:123456789012:model-package/bad_name/1', /1-63 letters/);
  });

  it('formats every reference back to text that parses to the same reference', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,30}$/);
    const group = fc.stringMatching(/^[a-zA-Z0-9](-?[a-zA-Z0-9]){0,20}$/);
    const refs: fc.Arbitrary<ModelRef> = fc.oneof(
      fc.record({ kind: fc.constant('version' as const), model: name, version: fc.integer({ min: 1, max: 1e6 }) }),
      fc.record({
        kind: fc.constant('stage' as const),
        model: name,
        stage: fc.constantFrom('None' as const, 'Staging' as const, 'Production' as const, 'Archived' as const),
      }),
      fc.record({ kind: fc.constant('latest' as const), model: name }),
      fc.record({
        kind: fc.constant('alias' as const),
        model: name,
        alias: fc.stringMatching(/^[a-z_][A-Za-z0-9_-]{0,20}$/).filter((a) => !/^(latest|v\d+)$/i.test(a)),
      }),
      fc.tuple(group, fc.integer({ min: 1, max: 1e6 })).map(([g, n]): ModelRef => {
        const arn = `arn:aws:sagemaker:eu-west-1:123456789012:model-package/${g}/${n}`;
        return { kind: 'model-package', arn, partition: 'aws', region: 'eu-west-1', account: '123456789012', model: g, version: n };
      }),
    );
    // fc.record builds null-prototype objects; spread them into plain ones for deepEqual.
    fc.assert(fc.property(refs, (ref) => assert.deepEqual(ok(formatModelRef(ref)), { ...ref })));
  });

  it('validates a canary model.ref at the boundary, naming the field', () => {
    assert.ok(validate(canaryModelRefSchema, { ref: 'models:/churn@champion' }).ok);
    const bad = validate(canaryModelRefSchema, { ref: 'models:/churn/Prod' });
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.equal(bad.issues[0].field, 'ref');
    const extra = validate(canaryModelRefSchema, { ref: 'models:/churn/1', version: 2 });
    assert.equal(extra.ok, false);
  });
});
