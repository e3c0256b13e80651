import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertValidInput, inputViolations } from '../../src/emulator/model-validation';
import { loadModel, patternRegex } from '../../src/emulator/service-models';

describe('model patterns (Java regex) as JS full matches', () => {
  it('matches the whole value, not a part of it', () => {
    const re = patternRegex('[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}')!;
    assert.ok(re.test('churn-prod'));
    assert.ok(!re.test('churn-prod-'));
    assert.ok(!re.test('bad name'));
  });

  it('translates Java-only syntax: POSIX classes, \\A \\z anchors, escaped punctuation, a quantified $', () => {
    assert.ok(patternRegex('\\p{Print}+')!.test('a b~'));
    assert.ok(!patternRegex('\\p{Print}+')!.test('a\u0007'));
    assert.ok(patternRegex('\\A\\S[\\p{Print}]*\\z')!.test('x y'));
    assert.ok(!patternRegex('\\A\\S[\\p{Print}]*\\z')!.test(' x'));
    assert.ok(patternRegex('[a-zA-Z0-9\\ \\_\\.]+')!.test('a b_c.d'));
    assert.ok(patternRegex('[a-z]+\\-[0-9a-z\\-]+')!.test('us-east-1a'));
    assert.ok(patternRegex('([\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@]*)${1,128}')!.test('team: ml'));
  });

  it('compiles every pattern of the vendored models', () => {
    for (const name of ['sagemaker', 'application-autoscaling', 'cloudwatch', 'sagemaker-runtime'] as const) {
      const failed = Object.entries(loadModel(name).shapes)
        .filter(([, s]) => s.pattern && !patternRegex(s.pattern))
        .map(([n]) => n);
      assert.deepEqual(failed, [], `${name}: patterns JS cannot compile`);
    }
  });
});

describe('request validation against the model', () => {
  const sagemaker = loadModel('sagemaker');

  it('reports every violation at any depth with its AWS path, in model member order', () => {
    const violations = inputViolations(sagemaker, 'CreateEndpointConfig', {
      EndpointConfigName: 'ok',
      ProductionVariants: [{ VariantName: 'x'.repeat(64), ModelName: 'm', InitialInstanceCount: 0 }],
    });
    assert.deepEqual(
      violations.map((v) => `${v.path}: ${v.constraint}`),
      [
        'productionVariants.1.member.variantName: Member must have length less than or equal to 63',
        'productionVariants.1.member.variantName: Member must satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}',
        'productionVariants.1.member.initialInstanceCount: Member must have value greater than or equal to 1',
      ],
    );
  });

  it('checks map keys and values as AWS words them', () => {
    const violations = inputViolations(sagemaker, 'CreateModel', {
      ModelName: 'm',
      PrimaryContainer: { Image: 'i', Environment: { ['k'.repeat(1025)]: 'v' } },
    });
    assert.equal(violations.length, 1);
    assert.equal(violations[0]!.path, 'primaryContainer.environment');
    assert.match(violations[0]!.constraint, /^Map keys must satisfy constraint: \[Member must have length less than or equal to 1024/);
  });

  it('leaves members of the wrong JSON type to the operation (SerializationException there)', () => {
    assert.deepEqual(inputViolations(sagemaker, 'DescribeEndpoint', { EndpointName: 42 }), []);
  });

  it('answers CloudWatch with MissingParameter naming the member the query way, and ValidationError otherwise', () => {
    const cloudwatch = loadModel('cloudwatch');
    assert.throws(
      () =>
        assertValidInput(
          cloudwatch,
          'GetMetricData',
          { MetricDataQueries: [{ Id: 'a', MetricStat: { Metric: {}, Stat: 'Sum' } }], StartTime: 0, EndTime: 1 },
          { queryCompatible: true },
        ),
      { name: 'MissingRequiredParameterException', message: 'The parameter MetricDataQueries.member.1.MetricStat.Period is required.' },
    );
    assert.throws(
      () => assertValidInput(cloudwatch, 'DescribeAlarms', { MaxRecords: 101 }, { queryCompatible: true }),
      (err: Error & { queryCode?: string }) => {
        assert.equal(err.name, 'ValidationException');
        assert.equal(err.queryCode, 'ValidationError');
        assert.match(
          err.message,
          /^1 validation error detected: Value '101' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to 100$/,
        );
        return true;
      },
    );
  });
});
