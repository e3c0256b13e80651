import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deployInputSchema, type DeployInput } from '../../src/domain/deploy/input';
import { deployInstanceCount } from '../../src/domain/deploy/plan';
import { parseDuration, formatDuration } from '../../src/domain/duration';
import { pollDelayMs, resolvePollPolicy } from '../../src/domain/polling';
import { validate } from '../../src/domain/validation';
import { image, ROLE } from '../support/fixtures';

const good: DeployInput = {
  endpointName: 'churn-prod',
  model: { name: 'churn', image: image('churn', '1'), modelDataUrl: 's3://models/churn/1/model.tar.gz' },
  executionRoleArn: ROLE,
  instanceType: 'ml.m5.large',
};

function issuesOf(input: unknown) {
  const r = validate(deployInputSchema, input);
  assert.equal(r.ok, false, 'expected the input to be refused');
  return r.ok ? [] : r.issues;
}

describe('deploy input validation', () => {
  it('accepts a minimal input and fills documented defaults', () => {
    const r = validate(deployInputSchema, good);
    assert.ok(r.ok);
    // Unset: the deploy resolves it (the live count of a replaced variant, else 1; deployInstanceCount).
    assert.equal(r.value.instanceCount, undefined);
    assert.equal(deployInstanceCount(r.value, null), 1);
    assert.equal(r.value.variantName, 'AllTraffic');
    assert.equal(r.value.stage, 'Production');
    assert.equal(r.value.autoApprove, false);
    assert.equal(r.value.inServiceTimeout, '60m');
  });

  it('names the field and the AWS rule for a bad endpoint name', () => {
    const [issue] = issuesOf({ ...good, endpointName: 'bad_name!' });
    assert.equal(issue.field, 'endpointName');
    assert.match(issue.rule, /1-63 letters, digits and hyphens.*got "bad_name!"/);
  });

  it('names nested fields', () => {
    const issues = issuesOf({ ...good, model: { ...good.model, modelDataUrl: 'ftp://x' } });
    assert.deepEqual(
      issues.map((i) => i.field),
      ['model.modelDataUrl'],
    );
    assert.match(issues[0].rule, /s3:\/\/ or https:\/\//);
  });

  it('reports every broken rule at once', () => {
    const issues = issuesOf({ ...good, instanceType: 'm5.large', instanceCount: 0, executionRoleArn: 'role' });
    assert.deepEqual(issues.map((i) => i.field).sort(), ['executionRoleArn', 'instanceCount', 'instanceType']);
  });

  it('refuses missing required fields and unknown fields', () => {
    const { model: _model, ...noModel } = good;
    assert.deepEqual(
      issuesOf(noModel).map((i) => i.field),
      ['model'],
    );
    assert.deepEqual(
      issuesOf({ ...good, instanceTyp: 'ml.m5.large' }).map((i) => i.field),
      ['(input)'],
    );
  });

  it('refuses durations without a unit', () => {
    const [issue] = issuesOf({ ...good, inServiceTimeout: '90' });
    assert.equal(issue.field, 'inServiceTimeout');
    assert.match(issue.rule, /duration such as/);
  });
});

describe('durations and polling', () => {
  it('parses and formats durations', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('10m'), 600_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.throws(() => parseDuration('10'), /not a duration such as/);
    assert.equal(formatDuration(1500), '1.5s');
    assert.equal(formatDuration(600_000), '10m');
  });

  it('polls fast at first and backs off to the maximum', () => {
    const policy = resolvePollPolicy();
    const delays = [1, 2, 3, 10, 50].map((n) => pollDelayMs(n, policy));
    assert.deepEqual(delays.slice(0, 3), [1000, 1500, 2250]);
    assert.equal(delays[4], 30_000);
  });
});
