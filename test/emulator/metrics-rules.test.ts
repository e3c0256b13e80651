/** CloudWatch read rules a metric gate must account for: StartTime rounding and ingestion delay. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GetMetricDataCommand, GetMetricStatisticsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { createCloudWatchActivities } from '../../src/activities/cloudwatch';
import { metricsStoreOf } from '../../src/emulator/metrics';
import { FAST_TIMINGS, withEmulator, type TestEnv } from '../support/emulator';

const NS = 'Modelship/Rules';
const DIMS = [{ Name: 'Case', Value: 'rounding' }];
// A whole minute an hour ago, so every datapoint is in the past and the start is "less than 15 days ago".
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
const at = (seconds: number) => new Date(T0 + seconds * 1000);

async function putAt(bed: TestEnv, seconds: number[]): Promise<void> {
  await bed.cw.send(
    new PutMetricDataCommand({ Namespace: NS, MetricData: seconds.map((s) => ({ MetricName: 'Hits', Dimensions: DIMS, Value: 1, Timestamp: at(s) })) }),
  );
}

async function sumFrom(bed: TestEnv, startSeconds: number, period: number): Promise<{ timestamps: string[]; values: number[] }> {
  const out = await bed.cw.send(
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

test('GetMetricData rounds StartTime down to the minute (and to 10 s for Period 10), as CloudWatch documents; on by default', async () => {
  await withEmulator({ timings: FAST_TIMINGS }, async (bed) => {
    assert.equal(bed.emu.control.settings().roundMetricStartTime, true);
    await putAt(bed, [10, 40, 43]);
    // AWS: a start less than 15 days ago is rounded down to the whole minute: T0+30 s reads from T0.
    assert.deepEqual(await sumFrom(bed, 30, 60), { timestamps: [at(0).toISOString()], values: [3] });
    // Period 10: rounded to a 10-second division: T0+45 s reads from T0+40 s.
    assert.deepEqual(await sumFrom(bed, 45, 10), { timestamps: [at(40).toISOString()], values: [2] });
    // Period 1 (AWS documents rounding to the minute; the emulator keeps the second so tests bake for seconds).
    assert.deepEqual(await sumFrom(bed, 43, 1), { timestamps: [at(43).toISOString()], values: [1] });
    // GetMetricStatistics documents the same rounding.
    const stats = await bed.cw.send(
      new GetMetricStatisticsCommand({
        Namespace: NS,
        MetricName: 'Hits',
        Dimensions: DIMS,
        StartTime: at(30),
        EndTime: at(180),
        Period: 60,
        Statistics: ['Sum'],
      }),
    );
    assert.deepEqual(
      stats.Datapoints?.map((d) => [d.Timestamp?.toISOString(), d.Sum]),
      [[at(0).toISOString(), 3]],
    );

    // Off: buckets start exactly at StartTime (T0+30 s), so the sample at T0+10 s is outside.
    bed.emu.control.setSettings({ roundMetricStartTime: false });
    assert.deepEqual(await sumFrom(bed, 30, 60), { timestamps: [at(30).toISOString()], values: [2] });
  });
});

test('metricsIngestionDelayMs hides datapoints until that long after their timestamp; settable at run time', async () => {
  await withEmulator({ timings: FAST_TIMINGS }, async (bed) => {
    assert.equal(bed.emu.control.settings().metricsIngestionDelayMs, 0);
    const now = Date.now();
    await bed.cw.send(
      new PutMetricDataCommand({ Namespace: NS, MetricData: [{ MetricName: 'Fresh', Dimensions: DIMS, Value: 5, Timestamp: new Date(now - 1000) }] }),
    );
    const read = async () =>
      (
        await bed.cw.send(
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
  });
});

test("the metrics.ingestionDelayMs start option is the setting's initial value", async () => {
  await withEmulator({ timings: FAST_TIMINGS, metrics: { ingestionDelayMs: 90_000 } }, async (bed) => {
    assert.equal(bed.emu.control.settings().metricsIngestionDelayMs, 90_000);
    assert.equal(bed.emu.control.settings().roundMetricStartTime, true);
  });
});

test('a gate window starting between minutes is read in periods it is aligned to, so the rounding pulls in nothing from before it', async () => {
  await withEmulator({ timings: FAST_TIMINGS }, async (bed) => {
    const store = metricsStoreOf(bed.emu.state);
    const invokedAt = (ms: number) =>
      store.recordInvocation({
        endpointName: 'ep',
        variantName: 'canary',
        timestampMs: ms,
        instanceCount: 1,
        modelStatus: 200,
        modelLatencyUs: 1000,
        overheadLatencyUs: 10,
      });
    const start = T0 + 30_000; // mid-minute, on a whole second (judgedWindow's alignment for a 1 s period)
    [start - 20_000, start - 1000, start + 500, start + 2000].forEach(invokedAt);
    const read = (from: number, to: number) =>
      createCloudWatchActivities(bed.cw).getVariantMetrics({ endpointName: 'ep', variantNames: ['canary'], start: from, end: to, periodSeconds: 1 });
    // One 4 s period from T0+30 s would be rounded down to T0+28 s and count the request at T0+29 s.
    assert.equal((await read(start, start + 3500))[0].invocations, 2);
    // A window on a whole minute: every request in it (read in 1 s periods, as 34 s is no period CloudWatch
    // serves; a whole window CloudWatch serves is read as one period, one p99 over all of it).
    assert.equal((await read(T0, start + 3500))[0].invocations, 4);
    assert.equal((await read(T0, T0 + 30_000))[0].invocations, 2);
  });
});

test('GetMetricData and GetMetricStatistics refuse a Period CloudWatch does not serve (1, 5, 10, 20, 30 or a multiple of 60)', async () => {
  await withEmulator({ timings: FAST_TIMINGS }, async (bed) => {
    await putAt(bed, [10, 70]);
    for (const ok of [1, 20, 30, 60, 120]) assert.ok((await sumFrom(bed, 0, ok)).values.length > 0, `Period ${ok} is served`);
    for (const bad of [7, 34, 90]) {
      await assert.rejects(
        sumFrom(bed, 0, bad),
        (e: Error) => /^InvalidParameterValue/.test(e.name) && /Period must be 1, 5, 10, 20, 30, 60 or a multiple of 60/.test(e.message),
      );
      await assert.rejects(
        bed.cw.send(
          new GetMetricStatisticsCommand({
            Namespace: NS,
            MetricName: 'Hits',
            Dimensions: DIMS,
            StartTime: at(0),
            EndTime: at(180),
            Period: bad,
            Statistics: ['Sum'],
          }),
        ),
        (e: Error) => /^InvalidParameterValue/.test(e.name),
      );
    }
  });
});
