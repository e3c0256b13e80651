import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CloudWatchServiceException,
  type DescribeAlarmsCommandInput,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  ListMetricsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  ResourceNotFound,
  SetAlarmStateCommand,
  type GetMetricDataCommandInput,
  type MetricDataQuery,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { deployEndpoint, FAST_TIMINGS, inBatches, startTestBed, variantDimensions, withEmulator, type TestEnv } from '../support/emulator';

const NS = 'Modelship/Test';
// A whole minute, a little in the past, so test data never lands in the future and the StartTime
// rounding CloudWatch documents (down to the minute) leaves at(0) where it is.
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
const at = (offsetSeconds: number) => new Date(T0 + offsetSeconds * 1000);

function metricQuery(id: string, metricName: string, stat: string, period: number, extra: Partial<MetricDataQuery> = {}): MetricDataQuery {
  return {
    Id: id,
    MetricStat: { Metric: { Namespace: NS, MetricName: metricName, Dimensions: [{ Name: 'Case', Value: 'gmd' }] }, Period: period, Stat: stat },
    ...extra,
  };
}

describe('CloudWatch GetMetricData', () => {
  let bed: TestEnv;
  const get = (input: Partial<GetMetricDataCommandInput>) =>
    bed.cw.send(new GetMetricDataCommand({ StartTime: at(0), EndTime: at(60), MetricDataQueries: [], ...input }));

  before(async () => {
    bed = await startTestBed();
    // Latency samples: 1..100 at t+1s, 5 at t+31s; nothing in between.
    await bed.cw.send(
      new PutMetricDataCommand({
        Namespace: NS,
        MetricData: [
          {
            MetricName: 'Latency',
            Dimensions: [{ Name: 'Case', Value: 'gmd' }],
            Timestamp: at(1),
            Unit: 'Milliseconds',
            Values: Array.from({ length: 100 }, (_, i) => i + 1),
          },
          { MetricName: 'Latency', Dimensions: [{ Name: 'Case', Value: 'gmd' }], Timestamp: at(31), Unit: 'Milliseconds', Value: 5 },
          { MetricName: 'Errors', Dimensions: [{ Name: 'Case', Value: 'gmd' }], Timestamp: at(1), Values: [1, 0], Counts: [3, 7] },
          { MetricName: 'Calls', Dimensions: [{ Name: 'Case', Value: 'gmd' }], Timestamp: at(1), Value: 10 },
          { MetricName: 'Calls', Dimensions: [{ Name: 'Case', Value: 'gmd' }], Timestamp: at(60), Value: 99 },
        ],
      }),
    );
  });
  after(() => bed.close());

  it('computes Sum, Average, SampleCount, Minimum, Maximum and percentiles per period', async () => {
    const stats = ['Sum', 'Average', 'SampleCount', 'Minimum', 'Maximum', 'p50', 'p99', 'p99.9'];
    const r = await get({
      EndTime: at(30),
      MetricDataQueries: stats.map((s, i) => metricQuery(`s${i}`, 'Latency', s, 30)),
    });
    assert.deepEqual(
      r.MetricDataResults!.map((m) => m.Values![0]),
      [5050, 50.5, 100, 1, 100, 50, 99, 100],
    );
  });

  it('leaves periods without data out, newest first by default', async () => {
    const r = await get({ MetricDataQueries: [metricQuery('lat', 'Latency', 'SampleCount', 10)] });
    const [result] = r.MetricDataResults!;
    assert.deepEqual(result!.Timestamps, [at(30), at(0)]);
    assert.deepEqual(result!.Values, [1, 100]);
    assert.equal(result!.StatusCode, 'Complete');
    assert.equal(result!.Label, 'Latency');
  });

  it('orders oldest first with ScanBy TimestampAscending', async () => {
    const r = await get({ ScanBy: 'TimestampAscending', MetricDataQueries: [metricQuery('lat', 'Latency', 'SampleCount', 10)] });
    assert.deepEqual(r.MetricDataResults![0]!.Timestamps, [at(0), at(30)]);
  });

  it('includes StartTime and excludes EndTime', async () => {
    const r = await get({ StartTime: at(1), EndTime: at(31), MetricDataQueries: [metricQuery('lat', 'Latency', 'SampleCount', 60)] });
    assert.deepEqual(r.MetricDataResults![0]!.Values, [100]);
    const calls = await get({ EndTime: at(60), MetricDataQueries: [metricQuery('c', 'Calls', 'Sum', 60)] });
    assert.deepEqual(calls.MetricDataResults![0]!.Values, [10]);
  });

  it('returns nothing when the Unit does not match the stored unit', async () => {
    const q = metricQuery('lat', 'Latency', 'Sum', 60);
    const r = await get({ MetricDataQueries: [{ ...q, MetricStat: { ...q.MetricStat!, Unit: 'Seconds' } }] });
    assert.deepEqual(r.MetricDataResults![0]!.Values, []);
    const ok = await get({ MetricDataQueries: [{ ...q, MetricStat: { ...q.MetricStat!, Unit: 'Milliseconds' } }] });
    assert.deepEqual(ok.MetricDataResults![0]!.Values, [5055]);
  });

  it('evaluates arithmetic expressions between query ids and hides ReturnData=false inputs', async () => {
    const r = await get({
      MetricDataQueries: [
        metricQuery('errors', 'Errors', 'Sum', 60, { ReturnData: false }),
        metricQuery('calls', 'Calls', 'Sum', 60, { ReturnData: false }),
        { Id: 'rate', Expression: '100 * errors / calls', Label: 'error %' },
      ],
    });
    assert.equal(r.MetricDataResults!.length, 1);
    const [rate] = r.MetricDataResults!;
    assert.equal(rate!.Id, 'rate');
    assert.equal(rate!.Label, 'error %');
    assert.deepEqual(rate!.Values, [30]);
  });

  it('pages by MaxDatapoints with NextToken and PartialData', async () => {
    const input = { ScanBy: 'TimestampAscending' as const, MaxDatapoints: 1, MetricDataQueries: [metricQuery('lat', 'Latency', 'SampleCount', 10)] };
    const first = await get(input);
    assert.equal(first.MetricDataResults![0]!.StatusCode, 'PartialData');
    assert.deepEqual(first.MetricDataResults![0]!.Values, [100]);
    assert.ok(first.NextToken);
    const second = await get({ ...input, NextToken: first.NextToken });
    assert.deepEqual(second.MetricDataResults![0]!.Values, [1]);
    assert.equal(second.MetricDataResults![0]!.StatusCode, 'Complete');
    assert.equal(second.NextToken, undefined);
  });

  it('rejects a query Id that does not start with a lowercase letter (ValidationError)', async () => {
    await assert.rejects(get({ MetricDataQueries: [metricQuery('Lat', 'Latency', 'Sum', 60)] }), (err: unknown) => {
      assert.ok(err instanceof CloudWatchServiceException);
      assert.equal(err.name, 'ValidationException');
      assert.equal((err as unknown as { Code: string }).Code, 'ValidationError');
      assert.match(err.message, /MetricDataQueries\.member\.1\.Id is not matching the expected pattern/);
      return true;
    });
  });

  it('rejects invalid values with InvalidParameterValueException (query code InvalidParameterValue)', async () => {
    const cases: Partial<GetMetricDataCommandInput>[] = [
      { MetricDataQueries: [metricQuery('a', 'Latency', 'tm99', 60)] },
      { StartTime: at(60), EndTime: at(0), MetricDataQueries: [metricQuery('a', 'Latency', 'Sum', 60)] },
      { MetricDataQueries: [{ Id: 'e', Expression: 'missing * 2' }] },
      { MetricDataQueries: [{ Id: 'e', Expression: 'FILL(a, 0)' }] },
    ];
    for (const input of cases) {
      await assert.rejects(get(input), (err: unknown) => {
        assert.ok(err instanceof InvalidParameterValueException, String(err));
        assert.equal(err.name, 'InvalidParameterValueException');
        assert.equal((err as unknown as { Code: string }).Code, 'InvalidParameterValue');
        assert.equal(err.$metadata.httpStatusCode, 400);
        return true;
      });
    }
  });

  it('rejects a value outside the model constraints with ValidationError, naming the member', async () => {
    // The model: MetricStat.Period has min 1. AWS's validation layer answers with its constraint text.
    await assert.rejects(get({ MetricDataQueries: [metricQuery('a', 'Latency', 'Sum', 0)] }), (err: unknown) => {
      assert.equal((err as Error).name, 'ValidationException');
      assert.equal((err as unknown as { Code: string }).Code, 'ValidationError');
      assert.match(
        (err as Error).message,
        /Value '0' at 'metricDataQueries\.1\.member\.metricStat\.period' failed to satisfy constraint: Member must have value greater than or equal to 1/,
      );
      return true;
    });
  });

  it('rejects a query with both MetricStat and Expression', async () => {
    await assert.rejects(
      get({ MetricDataQueries: [{ ...metricQuery('a', 'Latency', 'Sum', 60), Expression: 'a' }] }),
      (err: unknown) => err instanceof InvalidParameterCombinationException,
    );
  });

  it('serves GetMetricStatistics with statistics, percentiles and the stored unit', async () => {
    const r = await bed.cw.send(
      new GetMetricStatisticsCommand({
        Namespace: NS,
        MetricName: 'Latency',
        Dimensions: [{ Name: 'Case', Value: 'gmd' }],
        StartTime: at(0),
        EndTime: at(60),
        Period: 30,
        Statistics: ['Sum', 'SampleCount'],
      }),
    );
    assert.equal(r.Label, 'Latency');
    assert.deepEqual(
      r.Datapoints!.map((d) => [d.Timestamp, d.Sum, d.SampleCount, d.Unit]),
      [
        [at(0), 5050, 100, 'Milliseconds'],
        [at(30), 5, 1, 'Milliseconds'],
      ],
    );
    const p = await bed.cw.send(
      new GetMetricStatisticsCommand({
        Namespace: NS,
        MetricName: 'Latency',
        Dimensions: [{ Name: 'Case', Value: 'gmd' }],
        StartTime: at(0),
        EndTime: at(30),
        Period: 30,
        ExtendedStatistics: ['p90'],
      }),
    );
    assert.deepEqual(p.Datapoints![0]!.ExtendedStatistics, { p90: 90 });
  });

  it('rejects GetMetricStatistics asking for more than 1440 datapoints', async () => {
    await assert.rejects(
      bed.cw.send(
        new GetMetricStatisticsCommand({ Namespace: NS, MetricName: 'Latency', StartTime: at(0), EndTime: at(3600), Period: 1, Statistics: ['Sum'] }),
      ),
      (err: unknown) => err instanceof InvalidParameterCombinationException && /exceeds the limit of 1440/.test(err.message),
    );
  });

  it('hides datapoints younger than the ingestion delay', async () => {
    await withEmulator({ timings: FAST_TIMINGS, metrics: { ingestionDelayMs: 60_000 } }, async (delayed) => {
      const now = Date.now();
      await delayed.cw.send(new PutMetricDataCommand({ Namespace: NS, MetricData: [{ MetricName: 'Fresh', Value: 1 }] }));
      const r = await delayed.cw.send(
        new GetMetricDataCommand({
          StartTime: new Date(now - 60_000),
          EndTime: new Date(now + 60_000),
          MetricDataQueries: [{ Id: 'f', MetricStat: { Metric: { Namespace: NS, MetricName: 'Fresh' }, Period: 60, Stat: 'Sum' } }],
        }),
      );
      assert.deepEqual(r.MetricDataResults![0]!.Values, []);
    });
  });
});

describe('CloudWatch SageMaker invocation metrics', () => {
  let bed: TestEnv;
  before(async () => {
    // Bursts of 100 concurrent calls test the metrics, not capacity (capacity.test.ts does).
    bed = await startTestBed({ behaviours: { 'img/flaky': { errorRate: 0.5 } }, instanceCapacityRps: { 'ml.m5.large': 1_000_000 } });
  });
  after(() => bed.close());

  it('serves per-variant error rates as Invocation5XXErrors / Invocations', async () => {
    const since = new Date(Date.now() - 1000);
    await deployEndpoint(bed, 'gate', [
      { variantName: 'blue', image: 'img/ok', weight: 1 },
      { variantName: 'green', image: 'img/flaky', weight: 1 },
    ]);
    await inBatches(400, 100, () =>
      bed.runtime.send(new InvokeEndpointCommand({ EndpointName: 'gate', Body: '{}', ContentType: 'application/json' })).catch(() => undefined),
    );
    const q = (id: string, variant: string, metricName: string): MetricDataQuery => ({
      Id: id,
      ReturnData: false,
      MetricStat: {
        Metric: { Namespace: 'AWS/SageMaker', MetricName: metricName, Dimensions: variantDimensions('gate', variant) },
        Period: 300,
        Stat: 'Sum',
      },
    });
    const r = await bed.cw.send(
      new GetMetricDataCommand({
        StartTime: since,
        EndTime: new Date(Date.now() + 1000),
        MetricDataQueries: [
          q('blue5xx', 'blue', 'Invocation5XXErrors'),
          q('blueInv', 'blue', 'Invocations'),
          q('green5xx', 'green', 'Invocation5XXErrors'),
          q('greenInv', 'green', 'Invocations'),
          { Id: 'blueRate', Expression: 'blue5xx / blueInv' },
          { Id: 'greenRate', Expression: 'green5xx / greenInv' },
        ],
      }),
    );
    const [blue, green] = r.MetricDataResults!;
    assert.deepEqual(blue!.Values, [0]);
    assert.ok(Math.abs(green!.Values![0]! - 0.5) < 0.15, `green error rate ${green!.Values![0]}`);
  });

  it('lists the per-variant metrics', async () => {
    const r = await bed.cw.send(new ListMetricsCommand({ Namespace: 'AWS/SageMaker', Dimensions: [{ Name: 'EndpointName', Value: 'gate' }] }));
    const names = new Set(r.Metrics!.map((m) => m.MetricName));
    assert.deepEqual([...names].sort(), [
      'Invocation4XXErrors',
      'Invocation5XXErrors',
      'Invocations',
      'InvocationsPerInstance',
      'ModelLatency',
      'OverheadLatency',
    ]);
    assert.equal(r.Metrics!.length, 12);
  });
});

describe('CloudWatch alarms', () => {
  let bed: TestEnv;
  const alarm = (name: string, extra: Partial<PutMetricAlarmCommandInput> = {}) =>
    bed.cw.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        Namespace: 'AWS/SageMaker',
        MetricName: 'Invocation5XXErrors',
        Dimensions: variantDimensions('ep', 'green'),
        Statistic: 'Average',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 0.05,
        ComparisonOperator: 'GreaterThanThreshold',
        ...extra,
      }),
    );
  const names = (alarms: { AlarmName?: string }[] | undefined) => (alarms ?? []).map((a) => a.AlarmName);

  before(async () => {
    bed = await startTestBed();
    await alarm('ep-green-5xx');
    await alarm('ep-green-latency', { MetricName: 'ModelLatency', Statistic: undefined, ExtendedStatistic: 'p99', Threshold: 200_000 });
    await alarm('other-alarm', { AlarmActions: ['arn:aws:sns:us-east-1:123456789012:pager'] });
  });
  after(() => bed.close());

  it('creates alarms in INSUFFICIENT_DATA with their configuration', async () => {
    const r = await bed.cw.send(new DescribeAlarmsCommand({ AlarmNames: ['ep-green-latency'] }));
    const [a] = r.MetricAlarms!;
    assert.equal(a!.StateValue, 'INSUFFICIENT_DATA');
    assert.equal(a!.AlarmArn, 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ep-green-latency');
    assert.equal(a!.ExtendedStatistic, 'p99');
    assert.equal(a!.Threshold, 200_000);
    assert.ok(a!.StateUpdatedTimestamp instanceof Date);
    assert.deepEqual(r.CompositeAlarms, []);
  });

  it('filters by AlarmNames, AlarmNamePrefix, StateValue, ActionPrefix and AlarmTypes', async () => {
    const d = (input: DescribeAlarmsCommandInput) => bed.cw.send(new DescribeAlarmsCommand(input));
    assert.deepEqual(names((await d({})).MetricAlarms), ['ep-green-5xx', 'ep-green-latency', 'other-alarm']);
    assert.deepEqual(names((await d({ AlarmNames: ['other-alarm', 'unknown'] })).MetricAlarms), ['other-alarm']);
    assert.deepEqual(names((await d({ AlarmNamePrefix: 'ep-' })).MetricAlarms), ['ep-green-5xx', 'ep-green-latency']);
    assert.deepEqual(names((await d({ ActionPrefix: 'arn:aws:sns' })).MetricAlarms), ['other-alarm']);
    assert.deepEqual(names((await d({ StateValue: 'ALARM' })).MetricAlarms), []);
    assert.deepEqual(names((await d({ AlarmTypes: ['CompositeAlarm'] })).MetricAlarms), []);
  });

  it('pages with MaxRecords and NextToken', async () => {
    const first = await bed.cw.send(new DescribeAlarmsCommand({ MaxRecords: 2 }));
    assert.deepEqual(names(first.MetricAlarms), ['ep-green-5xx', 'ep-green-latency']);
    const second = await bed.cw.send(new DescribeAlarmsCommand({ MaxRecords: 2, NextToken: first.NextToken }));
    assert.deepEqual(names(second.MetricAlarms), ['other-alarm']);
    assert.equal(second.NextToken, undefined);
  });

  it('rejects AlarmNames together with AlarmNamePrefix', async () => {
    await assert.rejects(
      bed.cw.send(new DescribeAlarmsCommand({ AlarmNames: ['a'], AlarmNamePrefix: 'a' })),
      (err: unknown) => err instanceof InvalidParameterCombinationException && (err as unknown as { Code: string }).Code === 'InvalidParameterCombination',
    );
  });

  it('sets the state by hand, and an update of the alarm keeps it', async () => {
    await bed.cw.send(new SetAlarmStateCommand({ AlarmName: 'ep-green-5xx', StateValue: 'ALARM', StateReason: 'canary test' }));
    await alarm('ep-green-5xx', { Threshold: 0.1 });
    const r = await bed.cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }));
    assert.deepEqual(names(r.MetricAlarms), ['ep-green-5xx']);
    assert.equal(r.MetricAlarms![0]!.StateReason, 'canary test');
    assert.equal(r.MetricAlarms![0]!.Threshold, 0.1);
  });

  it('answers SetAlarmState on an unknown alarm with ResourceNotFound 404', async () => {
    await assert.rejects(bed.cw.send(new SetAlarmStateCommand({ AlarmName: 'ghost', StateValue: 'OK', StateReason: 'x' })), (err: unknown) => {
      assert.ok(err instanceof ResourceNotFound);
      assert.equal(err.$metadata.httpStatusCode, 404);
      return true;
    });
  });

  it('deletes alarms and ignores unknown names', async () => {
    await alarm('doomed');
    await bed.cw.send(new DeleteAlarmsCommand({ AlarmNames: ['doomed', 'never-existed'] }));
    const r = await bed.cw.send(new DescribeAlarmsCommand({ AlarmNames: ['doomed'] }));
    assert.deepEqual(r.MetricAlarms, []);
  });

  it('validates PutMetricAlarm input', async () => {
    // An unknown enum value breaks a model constraint: ValidationError with AWS's constraint text.
    await assert.rejects(alarm('bad', { ComparisonOperator: 'Bigger' as never }), {
      name: 'ValidationException',
      message: /at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set/,
    });
    await assert.rejects(alarm('bad', { ExtendedStatistic: 'p99' }), { name: 'InvalidParameterCombinationException' });
    await assert.rejects(alarm('bad', { EvaluationPeriods: undefined }), { name: 'MissingRequiredParameterException' });
  });
});
