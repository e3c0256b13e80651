import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsStore, computeStatistic, parsePercentile, SAGEMAKER_NAMESPACE } from '../../src/emulator/metrics';
import { evaluateExpression, MathError, parseExpression } from '../../src/emulator/metric-math';

const T0 = 1_700_000_000_000;
const dims = [
  { Name: 'EndpointName', Value: 'ep' },
  { Name: 'VariantName', Value: 'green' },
];
const metric = (metricName: string) => ({ namespace: SAGEMAKER_NAMESPACE, metricName, dimensions: dims });

describe('metric statistics', () => {
  it('computes nearest-rank percentiles on raw samples', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(computeStatistic('p50', values), 50);
    assert.equal(computeStatistic('p99', values), 99);
    assert.equal(computeStatistic('p99.9', values), 100);
    assert.equal(computeStatistic('p100', values), 100);
    assert.equal(computeStatistic('p0', values), 1);
  });

  it('computes Sum, Average, SampleCount, Minimum and Maximum', () => {
    const values = [3, 1, 2];
    assert.equal(computeStatistic('Sum', values), 6);
    assert.equal(computeStatistic('Average', values), 2);
    assert.equal(computeStatistic('SampleCount', values), 3);
    assert.equal(computeStatistic('Minimum', values), 1);
    assert.equal(computeStatistic('Maximum', values), 3);
  });

  it('accepts pNN and pNN.NN percentiles only', () => {
    assert.equal(parsePercentile('p99'), 99);
    assert.equal(parsePercentile('p99.99'), 99.99);
    assert.equal(parsePercentile('p101'), undefined);
    assert.equal(parsePercentile('P99'), undefined);
    assert.equal(parsePercentile('tm99'), undefined);
  });
});

describe('metric store', () => {
  it('records every SageMaker invocation metric per variant', () => {
    const store = new MetricsStore();
    store.recordInvocation({
      endpointName: 'ep',
      variantName: 'green',
      timestampMs: T0,
      instanceCount: 4,
      modelStatus: 500,
      modelLatencyUs: 12_000,
      overheadLatencyUs: 2_000,
    });
    const one = (name: string, stat: 'Sum' | 'Average' = 'Sum', unit?: string) =>
      store.query({ ...metric(name), stat, periodSeconds: 60, startMs: T0, endMs: T0 + 60_000, nowMs: T0 + 1, ...(unit ? { unit } : {}) }).values;
    assert.deepEqual(one('Invocations'), [1]);
    assert.deepEqual(one('Invocation5XXErrors'), [1]);
    assert.deepEqual(one('Invocation4XXErrors'), [0]);
    assert.deepEqual(one('InvocationsPerInstance'), [0.25]);
    assert.deepEqual(one('ModelLatency', 'Average', 'Microseconds'), [12_000]);
    assert.deepEqual(one('OverheadLatency'), [2_000]);
    // CloudWatch returns nothing when the requested unit does not match the stored one.
    assert.deepEqual(one('ModelLatency', 'Sum', 'Milliseconds'), []);
  });

  it('aligns buckets to StartTime, leaves empty periods out and excludes EndTime', () => {
    const store = new MetricsStore();
    const id = metric('Invocations');
    store.put(id, 1, T0); // bucket 0
    store.put(id, 1, T0 + 9_999); // bucket 0
    store.put(id, 1, T0 + 30_000); // bucket 3; buckets 1 and 2 stay empty
    store.put(id, 1, T0 + 40_000); // == EndTime: excluded
    const r = store.query({ ...id, stat: 'Sum', periodSeconds: 10, startMs: T0, endMs: T0 + 40_000, nowMs: T0 + 50_000 });
    assert.deepEqual(r.timestampsMs, [T0, T0 + 30_000]);
    assert.deepEqual(r.values, [2, 1]);
  });

  it('matches dimensions exactly, in any order', () => {
    const store = new MetricsStore();
    store.put(metric('Invocations'), 1, T0);
    const reversed = { ...metric('Invocations'), dimensions: [...dims].reverse() };
    const onlyEndpoint = { ...metric('Invocations'), dimensions: [dims[0]!] };
    const q = { stat: 'Sum' as const, periodSeconds: 60, startMs: T0, endMs: T0 + 60_000, nowMs: T0 };
    assert.deepEqual(store.query({ ...reversed, ...q }).values, [1]);
    assert.deepEqual(store.query({ ...onlyEndpoint, ...q }).values, []);
  });

  it('hides samples younger than the ingestion delay', () => {
    const store = new MetricsStore({ ingestionDelayMs: 5_000 });
    store.put(metric('Invocations'), 1, T0);
    const q = { ...metric('Invocations'), stat: 'Sum' as const, periodSeconds: 60, startMs: T0 - 60_000, endMs: T0 + 60_000 };
    assert.deepEqual(store.query({ ...q, nowMs: T0 + 1_000 }).values, []);
    assert.deepEqual(store.query({ ...q, nowMs: T0 + 5_000 }).values, [1]);
  });

  it('drops samples past the retention window and the per-series cap', () => {
    const store = new MetricsStore({ retentionMs: 10_000, maxSamplesPerSeries: 3 });
    const id = metric('ModelLatency');
    for (let i = 0; i < 5; i++) store.put(id, i, T0 + i);
    const all = { ...id, stat: 'SampleCount' as const, periodSeconds: 3600, startMs: T0 - 1, endMs: T0 + 3_600_000, nowMs: T0 + 3_600_000 };
    assert.deepEqual(store.query(all).values, [3]);
    store.put(id, 9, T0 + 20_000);
    assert.deepEqual(store.query(all).values, [1]);
  });

  it('keeps out-of-order samples in time order', () => {
    const store = new MetricsStore();
    const id = metric('Invocations');
    store.put(id, 1, T0 + 20_000);
    store.put(id, 5, T0);
    const r = store.query({ ...id, stat: 'Sum', periodSeconds: 10, startMs: T0, endMs: T0 + 30_000, nowMs: T0 + 30_000 });
    assert.deepEqual(r.values, [5, 1]);
  });

  it('lists metrics filtered by namespace, name and dimension', () => {
    const store = new MetricsStore();
    store.put(metric('Invocations'), 1, T0);
    store.put({ ...metric('Invocations'), dimensions: [{ Name: 'EndpointName', Value: 'other' }] }, 1, T0);
    assert.equal(store.list({ namespace: SAGEMAKER_NAMESPACE }).length, 2);
    assert.equal(store.list({ dimensions: [{ Name: 'VariantName' }] }).length, 1);
    assert.equal(store.list({ dimensions: [{ Name: 'EndpointName', Value: 'other' }] }).length, 1);
    assert.equal(store.list({ metricName: 'ModelLatency' }).length, 0);
  });
});

describe('metric math', () => {
  const series = {
    errors: { timestampsMs: [1, 2, 3], values: [1, 0, 5] },
    calls: { timestampsMs: [1, 3, 4], values: [10, 0, 7] },
  };
  const lookup = (id: string) => series[id as keyof typeof series];

  it('divides series point by point on matching timestamps and drops division by zero', () => {
    const r = evaluateExpression(parseExpression('errors / calls'), lookup);
    assert.deepEqual(r, { timestampsMs: [1], values: [0.1] });
  });

  it('honours precedence, parentheses, unary minus and numbers', () => {
    assert.deepEqual(evaluateExpression(parseExpression('100 * errors / calls'), lookup), { timestampsMs: [1], values: [10] });
    assert.equal(evaluateExpression(parseExpression('-(1 + 2) * 3'), lookup), -9);
  });

  it('rejects functions and malformed expressions with a readable message', () => {
    assert.throws(
      () => parseExpression('FILL(errors, 0)'),
      (e: unknown) => e instanceof MathError && /FILL is not supported/.test(e.message),
    );
    assert.throws(() => parseExpression('errors +'), MathError);
    assert.throws(() => parseExpression('(errors'), MathError);
    assert.throws(() => parseExpression('errors $ calls'), MathError);
  });
});
