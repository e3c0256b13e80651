/**
 * Fuzzing the emulator's JSON protocol with fast-check: any operation (real or made up) with any body
 * (garbage text, any JSON, objects of real member names holding values of any type, deep nesting, bodies
 * over the size limit) gets an AWS-style answer: a result, or an error with `__type` and
 * `x-amzn-ErrorType`, and never an exception inside an operation (which would be a 500 InternalFailure).
 * The server keeps serving throughout.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ListModelsCommand } from '@aws-sdk/client-sagemaker';
import { autoscalingService } from '../../src/emulator/autoscaling';
import { CLOUDWATCH_TARGET_PREFIX, createCloudWatchService } from '../../src/emulator/cloudwatch';
import { sagemakerService } from '../../src/emulator/sagemaker';
import { startTestEnv, type TestEnv } from '../support/emulator';

const MAX_BODY = 16 * 1024;
let env: TestEnv;
const internalErrors: string[] = [];
before(async () => {
  env = await startTestEnv({ maxBodyBytes: MAX_BODY, onInternalError: (err) => internalErrors.push(String((err as Error)?.stack ?? err)) });
});
after(async () => env?.close());

const services = [
  { prefix: 'SageMaker', contentType: 'application/x-amz-json-1.1', ops: Object.keys(sagemakerService.operations) },
  { prefix: 'AnyScaleFrontendService', contentType: 'application/x-amz-json-1.1', ops: Object.keys(autoscalingService.operations) },
  { prefix: CLOUDWATCH_TARGET_PREFIX, contentType: 'application/x-amz-json-1.0', ops: Object.keys(createCloudWatchService().operations) },
];

/** Member names the operations read, so that generated objects reach past the "unknown member" checks. */
const MEMBERS = [
  'EndpointName',
  'EndpointConfigName',
  'ModelName',
  'ExecutionRoleArn',
  'PrimaryContainer',
  'Containers',
  'Image',
  'ModelDataUrl',
  'Environment',
  'ProductionVariants',
  'VariantName',
  'InstanceType',
  'InitialInstanceCount',
  'InitialVariantWeight',
  'DesiredWeightsAndCapacities',
  'DesiredWeight',
  'DesiredInstanceCount',
  'RetainAllVariantProperties',
  'ExcludeRetainedVariantProperties',
  'DeploymentConfig',
  'DataCaptureConfig',
  'ModelPackageGroupName',
  'ModelPackageName',
  'ModelPackageArn',
  'InferenceSpecification',
  'ModelApprovalStatus',
  'ModelLifeCycle',
  'Stage',
  'StageStatus',
  'CustomerMetadataProperties',
  'ClientToken',
  'Tags',
  'TagKeys',
  'ResourceArn',
  'NameContains',
  'SortBy',
  'SortOrder',
  'CreationTimeAfter',
  'CreationTimeBefore',
  'StatusEquals',
  'MaxResults',
  'NextToken',
  'ServiceNamespace',
  'ResourceId',
  'ResourceIds',
  'ScalableDimension',
  'MinCapacity',
  'MaxCapacity',
  'RoleARN',
  'SuspendedState',
  'PolicyName',
  'PolicyNames',
  'PolicyType',
  'TargetTrackingScalingPolicyConfiguration',
  'StepScalingPolicyConfiguration',
  'TargetValue',
  'PredefinedMetricSpecification',
  'Namespace',
  'MetricName',
  'Dimensions',
  'Name',
  'Value',
  'StartTime',
  'EndTime',
  'Period',
  'Statistics',
  'ExtendedStatistics',
  'Unit',
  'MetricDataQueries',
  'Id',
  'Expression',
  'MetricStat',
  'Metric',
  'AlarmName',
  'AlarmNames',
  'StateValue',
  'Threshold',
  'ComparisonOperator',
  'EvaluationPeriods',
  'MetricData',
  'Timestamp',
  'Values',
  'Counts',
  'StatisticValues',
];

/** A JSON value of any type, sometimes shaped like what a member expects (an object or list of members). */
const anyValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom('', 'x'.repeat(300), -1, 0, 1e308, 1.5, true, null, '2024-01-01T00:00:00Z', 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/x'),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...MEMBERS), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const body = fc.oneof(
  { arbitrary: fc.dictionary(fc.constantFrom(...MEMBERS), anyValue, { maxKeys: 6 }).map((o) => JSON.stringify(o)), weight: 6 },
  { arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)), weight: 2 },
  { arbitrary: fc.string({ maxLength: 200 }), weight: 2 },
  {
    arbitrary: fc.constantFrom(
      '',
      '{',
      '{"EndpointName":',
      'null',
      '[]',
      '"x"',
      '{"__proto__":{"x":1}}',
      '{"constructor":{"prototype":{}}}',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
    ),
    weight: 1,
  },
  { arbitrary: fc.integer({ min: MAX_BODY + 1, max: MAX_BODY * 4 }).map((n) => JSON.stringify({ ModelName: 'm', Pad: 'x'.repeat(n) })), weight: 1 },
);

const target = fc.oneof(
  {
    arbitrary: fc.constantFrom(...services).chain((s) => fc.constantFrom(...s.ops).map((op) => ({ target: `${s.prefix}.${op}`, contentType: s.contentType }))),
    weight: 8,
  },
  {
    arbitrary: fc
      .tuple(fc.constantFrom(...services.map((s) => s.prefix), 'DynamoDB_20120810', ''), fc.string({ maxLength: 20 }))
      .map(([p, op]) => ({ target: `${p}.${op}`, contentType: 'application/x-amz-json-1.1' })),
    weight: 1,
  },
  { arbitrary: fc.constant({ target: undefined as string | undefined, contentType: 'application/x-amz-json-1.1' }), weight: 1 },
);

test('any operation with any body gets an AWS-style answer, never an internal exception, and the server keeps serving', async () => {
  let requests = 0;
  await fc.assert(
    fc.asyncProperty(target, body, async ({ target: t, contentType }, text) => {
      requests++;
      const response = await fetch(`${env.emu.url}/`, {
        method: 'POST',
        body: text,
        headers: { 'content-type': contentType, ...(t === undefined ? {} : { 'x-amz-target': t }) },
      });
      const raw = await response.text();
      let json: { __type?: unknown; message?: unknown };
      try {
        json = JSON.parse(raw);
      } catch {
        assert.fail(`${t} answered ${response.status} with a body that is not JSON: ${raw.slice(0, 200)}`);
      }
      if (response.status === 200) return;
      assert.ok(response.status >= 400 && response.status < 500, `${t} answered ${response.status} ${raw.slice(0, 300)} to ${text.slice(0, 300)}`);
      assert.equal(typeof json.__type, 'string', `error without __type: ${raw.slice(0, 200)}`);
      assert.equal(response.headers.get('x-amzn-errortype')?.split(':')[0], String(json.__type).split('#').pop());
      assert.ok(response.headers.get('x-amzn-requestid'), 'error without a request id');
    }),
    { numRuns: 600 },
  );
  assert.deepEqual(internalErrors.slice(0, 3), [], `operations threw on malformed input (${internalErrors.length} times)`);
  assert.ok(requests >= 600);
  assert.ok(Array.isArray((await env.sm.send(new ListModelsCommand({}))).Models), 'still serving');
});
