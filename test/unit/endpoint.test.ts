import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { endpointMismatches, type EndpointSummary } from '../../src/domain/endpoint';

const serving: EndpointSummary = {
  name: 'ep',
  arn: 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep',
  status: 'InService',
  configName: 'ep-v2',
  variants: [{ variantName: 'AllTraffic', currentWeight: 1, currentInstanceCount: 2, images: [] }],
};

describe('verifying an endpoint serves what was asked', () => {
  it('accepts an endpoint on the expected config, weights and counts', () => {
    assert.deepEqual(endpointMismatches(serving, { configName: 'ep-v2', variants: [{ variantName: 'AllTraffic', weight: 1, instanceCount: 2 }] }), []);
  });

  it('reports a service-side rollback: InService on the previous config, with the FailureReason', () => {
    const rolledBack = { ...serving, configName: 'ep-v1', failureReason: 'container failed health checks' };
    const [problem] = endpointMismatches(rolledBack, { configName: 'ep-v2' });
    assert.match(problem, /serves config ep-v1, expected ep-v2 \(SageMaker rolled the update back: container failed health checks\)/);
  });

  it('reports wrong weights, instance counts and missing variants', () => {
    const problems = endpointMismatches(serving, {
      configName: 'ep-v2',
      variants: [{ variantName: 'AllTraffic', weight: 0.5, instanceCount: 3 }, { variantName: 'canary' }],
    });
    assert.equal(problems.length, 3);
  });

  it('reports a status other than InService', () => {
    assert.match(endpointMismatches({ ...serving, status: 'Updating' }, { configName: 'ep-v2' })[0], /status is Updating/);
  });
});
