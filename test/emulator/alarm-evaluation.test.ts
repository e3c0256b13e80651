import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { evaluateAlarm } from '../../src/emulator/alarm-evaluation';
import { MetricsStore } from '../../src/emulator/metrics';
import type { AlarmRecord } from '../../src/emulator/state';
import { deployEndpoint, inBatches, startTestBed, variantDimensions, type TestEnv } from '../support/emulator';

const NOW = 1_700_000_000_000;
const dims = [{ Name: 'Case', Value: 'alarm' }];

function alarm(extra: Partial<AlarmRecord> = {}): AlarmRecord {
  return {
    alarmName: 'a',
    alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:a',
    stateValue: 'INSUFFICIENT_DATA',
    stateReason: 'Unchecked: Initial alarm creation',
    stateUpdatedTimestamp: 0,
    stateTransitionedTimestamp: 0,
    alarmConfigurationUpdatedTimestamp: 0,
    namespace: 'Test',
    metricName: 'Errors',
    statistic: 'Sum',
    dimensions: dims,
    period: 10,
    evaluationPeriods: 3,
    threshold: 1,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    actionsEnabled: true,
    alarmActions: [],
    okActions: [],
    insufficientDataActions: [],
    ...extra,
  };
}

function storeWith(points: [secondsAgo: number, value: number][]): MetricsStore {
  const store = new MetricsStore();
  for (const [ago, v] of points) store.put({ namespace: 'Test', metricName: 'Errors', dimensions: dims }, v, NOW - ago * 1000);
  return store;
}

describe('alarm evaluation rules', () => {
  it('goes to ALARM when DatapointsToAlarm of the last EvaluationPeriods windows breach', () => {
    const a = alarm({ datapointsToAlarm: 2 });
    assert.equal(
      evaluateAlarm(
        a,
        storeWith([
          [25, 1],
          [5, 2],
        ]),
        NOW,
      ),
      true,
    );
    assert.equal(a.stateValue, 'ALARM');
    assert.match(a.stateReason, /^Threshold Crossed: 2 out of the last 3 datapoints/);
    assert.deepEqual(JSON.parse(a.stateReasonData!).recentDatapoints, [1, 2]);
  });

  it('goes to OK when data is present but too few windows breach', () => {
    const a = alarm();
    evaluateAlarm(
      a,
      storeWith([
        [25, 1],
        [5, 0],
      ]),
      NOW,
    );
    assert.equal(a.stateValue, 'OK');
  });

  it('treats windows without data according to TreatMissingData', () => {
    const empty = storeWith([]);
    const missing = alarm();
    evaluateAlarm(missing, empty, NOW);
    assert.equal(missing.stateValue, 'INSUFFICIENT_DATA');
    const breaching = alarm({ treatMissingData: 'breaching' });
    evaluateAlarm(breaching, empty, NOW);
    assert.equal(breaching.stateValue, 'ALARM');
    const notBreaching = alarm({ treatMissingData: 'notBreaching' });
    evaluateAlarm(notBreaching, empty, NOW);
    assert.equal(notBreaching.stateValue, 'OK');
    const ignore = alarm({ treatMissingData: 'ignore', stateValue: 'ALARM' });
    assert.equal(evaluateAlarm(ignore, empty, NOW), false);
    assert.equal(ignore.stateValue, 'ALARM');
  });

  it('ignores data older than the evaluation range', () => {
    const a = alarm();
    evaluateAlarm(a, storeWith([[31, 5]]), NOW);
    assert.equal(a.stateValue, 'INSUFFICIENT_DATA');
  });

  it('evaluates metric-math alarms on their ReturnData query', () => {
    const a = alarm({
      evaluationPeriods: 1,
      threshold: 0.5,
      comparisonOperator: 'GreaterThanThreshold',
      metrics: [
        { Id: 'e', ReturnData: false, MetricStat: { Metric: { Namespace: 'Test', MetricName: 'Errors', Dimensions: dims }, Period: 10, Stat: 'Sum' } },
        { Id: 'rate', Expression: 'e / 4', ReturnData: true },
      ],
    });
    delete a.metricName;
    delete a.namespace;
    delete a.statistic;
    delete a.period;
    evaluateAlarm(a, storeWith([[5, 3]]), NOW);
    assert.equal(a.stateValue, 'ALARM');
  });
});

describe('alarm evaluation in the emulator', () => {
  let bed: TestEnv;
  before(async () => {
    bed = await startTestBed({ alarmEvaluation: { intervalMs: 50 }, behaviours: { 'img/broken': { errorRate: 1 } } });
  });
  after(() => bed.close());

  it('trips an alarm on a canary variant whose model answers 5xx', async () => {
    await deployEndpoint(bed, 'guarded', [
      { variantName: 'blue', image: 'img/ok', weight: 1 },
      { variantName: 'green', image: 'img/broken', weight: 1 },
    ]);
    for (const variant of ['blue', 'green']) {
      await bed.cw.send(
        new PutMetricAlarmCommand({
          AlarmName: `guarded-${variant}-5xx`,
          Namespace: 'AWS/SageMaker',
          MetricName: 'Invocation5XXErrors',
          Dimensions: variantDimensions('guarded', variant),
          Statistic: 'Average',
          Period: 5,
          EvaluationPeriods: 1,
          Threshold: 0.05,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      );
    }
    await inBatches(40, 20, (i) =>
      bed.runtime.send(new InvokeEndpointCommand({ EndpointName: 'guarded', Body: '{}', TargetVariant: i % 2 ? 'green' : 'blue' })).catch(() => undefined),
    );
    const deadline = Date.now() + 2000;
    let states: Record<string, string | undefined> = {};
    while (Date.now() < deadline) {
      const r = await bed.cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'guarded-' }));
      states = Object.fromEntries(r.MetricAlarms!.map((a) => [a.AlarmName!, a.StateValue]));
      if (states['guarded-green-5xx'] === 'ALARM' && states['guarded-blue-5xx'] === 'OK') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(states, { 'guarded-blue-5xx': 'OK', 'guarded-green-5xx': 'ALARM' });
  });
});
