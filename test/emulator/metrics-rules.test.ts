/** CloudWatch read rules a metric gate must account for: StartTime rounding and ingestion delay. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GetMetricDataCommand, GetMetricStatisticsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { startTestBed, type TestBed } from './fixtures';

const NS = 'Modelship/Rules';
const DIMS = [{ Name: 'Case', Value: 'rounding' }];
// A whole minute an hour ago, so every datapoint is in the past and the start is "less than 15 days ago".
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
const at = (seconds: number) => new Date(T0 + seconds * 1000);

async function putAt(bed: TestBed, seconds: number[]): Promise<void> {
  await bed.cloudwatch.send(
    new PutMetricDataCommand({ Namespace: NS, MetricData: seconds.map((s) => ({ MetricName: 'Hits', Dimensions: DIMS, Value: 1, Timestamp: at(s) })) }),
  );
}

async function sumFrom(bed: TestBed, startSeconds: number, period: number): Promise<{ timestamps: string[]; values: number[] }> {
  const out = await bed.cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: at(startSeconds),
      EndTime: at(180),
      ScanBy: 'TimestampAscending',
      MetricDataQueries: [{ Id: 'hits', MetricStat: { Metric: { Namespace: NS, MetricName: 'Hits', Dimensions: DIMS }, Period: period, Stat: 'Sum' } }],
    }),
  );
  const r = out.MetricDataResults?.[0];
  return { timestamps: (r?.Timestamps ?? []).map((t) => t.toISOString()), values: r?.Values ?? [] };
}

test('with roundMetricStartTime, GetMetricData rounds StartTime down to the minute (and to 10 s for Period 10), as CloudWatch documents', async () => {
  const bed = await startTestBed();
  try {
    await putAt(bed, [10, 40]);
    // Default: buckets start exactly at StartTime (T0+30 s), so the sample at T0+10 s is outside.
    assert.deepEqual(await sumFrom(bed, 30, 60), { timestamps: [at(30).toISOString()], values: [1] });

    bed.emu.control.setSettings({ roundMetricStartTime: true });
    // AWS: a start less than 15 days ago is rounded down to the whole minute: T0+30 s reads from T0.
    assert.deepEqual(await sumFrom(bed, 30, 60), { timestamps: [at(0).toISOString()], values: [2] });
    // Period 10: rounded to a 10-second division: T0+45 s reads from T0+40 s.
    assert.deepEqual(await sumFrom(bed, 45, 10), { timestamps: [at(40).toISOString()], values: [1] });
    // GetMetricStatistics documents the same rounding.
    const stats = await bed.cloudwatch.send(
      new GetMetricStatisticsCommand({ Namespace: NS, MetricName: 'Hits', Dimensions: DIMS, StartTime: at(30), EndTime: at(180), Period: 60, Statistics: ['Sum'] }),
    );
    assert.deepEqual(stats.Datapoints?.map((d) => [d.Timestamp?.toISOString(), d.Sum]), [[at(0).toISOString(), 2]]);
  } finally {
    await bed.close();
  }
});

test('metricsIngestionDelayMs hides datapoints until that long after their timestamp; settable at run time', async () => {
  const bed = await startTestBed();
  try {
    assert.equal(bed.emu.control.settings().metricsIngestionDelayMs, 0);
    const now = Date.now();
    await bed.cloudwatch.send(new PutMetricDataCommand({ Namespace: NS, MetricData: [{ MetricName: 'Fresh', Dimensions: DIMS, Value: 5, Timestamp: new Date(now - 1000) }] }));
    const read = async () =>
      (
        await bed.cloudwatch.send(
          new GetMetricDataCommand({
            StartTime: new Date(now - 300_000),
            EndTime: new Date(now + 60_000),
            MetricDataQueries: [{ Id: 'f', MetricStat: { Metric: { Namespace: NS, MetricName: 'Fresh', Dimensions: DIMS }, Period: 60, Stat: 'Sum' } }],
          }),
        )
      ).MetricDataResults?.[0]?.Values ?? [];
    assert.deepEqual(await read(), [5]);
    bed.emu.control.setSettings({ metricsIngestionDelayMs: 120_000 });
    assert.deepEqual(await read(), [], 'a datapoint one second old is not visible yet with a two-minute delay');
    bed.emu.control.setSettings({ metricsIngestionDelayMs: 0 });
    assert.deepEqual(await read(), [5]);
    assert.throws(() => bed.emu.control.setSettings({ metricsIngestionDelayMs: -1 }));
  } finally {
    await bed.close();
  }
});

test('the metrics.ingestionDelayMs start option is the setting\'s initial value', async () => {
  const bed = await startTestBed({ metrics: { ingestionDelayMs: 90_000 } });
  try {
    assert.equal(bed.emu.control.settings().metricsIngestionDelayMs, 90_000);
    assert.equal(bed.emu.control.settings().roundMetricStartTime, false);
  } finally {
    await bed.close();
  }
});
