import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AWS_NAME_PATTERN, endpointConfigName, endpointWorkflowId, modelName, resourceName, shortHash, stableJson } from '../../src/domain/names';

describe('resource names', () => {
  it('derives the model name from the registered model and version', () => {
    assert.equal(modelName('churn', 7), 'churn-v7');
  });

  it('keeps every generated name within AWS pattern and 63 characters', () => {
    const long = 'a'.repeat(60);
    for (const name of [modelName(long, 123), endpointConfigName(long, 'v9', { x: 1 }), resourceName('-lead', 'trail-')]) {
      assert.match(name, AWS_NAME_PATTERN);
      assert.ok(name.length <= 63, name);
    }
  });

  it('keeps distinct long names distinct after truncation', () => {
    const a = resourceName('x'.repeat(70), 'a');
    const b = resourceName('x'.repeat(70), 'b');
    assert.notEqual(a, b);
    assert.equal(a.length, 63);
  });

  it('replaces characters AWS does not allow', () => {
    assert.equal(resourceName('my_model', 'v1.2'), 'my-model-v1-2');
  });

  it('gives equal specs the same config name whatever their key order, and different specs different names', () => {
    const a = endpointConfigName('ep', 'v1', [{ variantName: 'a', weight: 1 }]);
    const b = endpointConfigName('ep', 'v1', [{ weight: 1, variantName: 'a' }]);
    const c = endpointConfigName('ep', 'v1', [{ variantName: 'a', weight: 2 }]);
    assert.equal(a, b);
    assert.notEqual(a, c);
    assert.match(a, /^ep-v1-[0-9a-z]{7}$/);
  });

  it('hashes stably', () => {
    assert.equal(shortHash('modelship'), shortHash('modelship'));
    assert.notEqual(shortHash('modelship'), shortHash('modelshiq'));
    assert.equal(stableJson({ b: 1, a: { d: 2, c: 3 } }), '{"a":{"c":3,"d":2},"b":1}');
  });

  it('gives every pipeline on one endpoint the same workflow id', () => {
    assert.equal(endpointWorkflowId('churn-prod'), 'endpoint/churn-prod');
  });
});
