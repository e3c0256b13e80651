import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gateSchema } from '../../src/domain/canary/input';
import { evaluateGate, firstWholeWindowAt, ingestionDelayMs, judgedWindow } from '../../src/domain/gate';

const gate = (g: Record<string, unknown> = {}) => gateSchema.parse({ minInvocations: 10, ...g });
const m = (variantName: string, invocations: number, p99LatencyMs?: number, errors5xx = 0) => ({
  variantName,
  invocations,
  errors5xx,
  errors4xx: 0,
  p99LatencyMs,
});

describe('gate verdicts fail closed', () => {
  it('a canary that had traffic but no p99 datapoints is inconclusive, never a pass', () => {
    const r = evaluateGate(m('AllTraffic', 500, 20), m('canary', 50), gate());
    assert.equal(r.verdict, 'inconclusive');
    assert.match(r.reasons.join('; '), /no p99 ModelLatency datapoints for the canary over 50 invocations/);
  });

  it('a baseline with traffic but no p99 cannot be compared against: inconclusive', () => {
    const r = evaluateGate(m('AllTraffic', 500), m('canary', 50, 20), gate());
    assert.equal(r.verdict, 'inconclusive');
    assert.match(r.reasons.join('; '), /no p99 ModelLatency datapoints for the baseline/);
  });

  it('still fails a canary whose errors break a limit even with latency missing', () => {
    const r = evaluateGate(m('AllTraffic', 500, 20), m('canary', 50, undefined, 25), gate());
    assert.equal(r.verdict, 'fail');
  });

  it('passes with both p99s present and within limits', () => {
    assert.equal(evaluateGate(m('AllTraffic', 500, 20), m('canary', 50, 22), gate()).verdict, 'pass');
  });
});

describe('the judged window', () => {
  it('defaults the ingestion delay to two metric periods, or takes the configured one', () => {
    assert.equal(ingestionDelayMs(gate()), 120_000);
    assert.equal(ingestionDelayMs(gate({ metricPeriod: '1s' })), 2000);
    assert.equal(ingestionDelayMs(gate({ ingestionDelay: '5m' })), 300_000);
  });

  it('starts at the next whole minute after the weight took effect (GetMetricData rounds StartTime down) and ends ingestion delay before now', () => {
    const t = Date.parse('2026-12-01T12:00:40Z');
    const w = judgedWindow(t, Date.parse('2026-12-01T12:14:00Z'), gate());
    assert.deepEqual(w && [new Date(w.start).toISOString(), new Date(w.end).toISOString()], ['2026-12-01T12:01:00.000Z', '2026-12-01T12:12:00.000Z']);
  });

  it('aligns to 5/10/20/30-second divisions for such periods, and has no window before a whole one has been ingested', () => {
    const t = Date.parse('2026-12-01T12:00:41Z');
    assert.equal(new Date(judgedWindow(t, t + 60_000, gate({ metricPeriod: '10s' }))!.start).toISOString(), '2026-12-01T12:00:50.000Z');
    assert.equal(judgedWindow(t, t + 90_000, gate()), undefined);
  });

  it('ends on a whole period: now minus the ingestion delay, rounded down, so no datapoint reaches past what was ingested', () => {
    const iso = (w: { start: number; end: number } | undefined) => w && [new Date(w.start).toISOString(), new Date(w.end).toISOString()];
    const t = Date.parse('2026-12-01T12:00:40Z');
    // now − 2 min = 12:12:30: the period 12:12–12:13 is only half ingested; its datapoint would count it.
    assert.deepEqual(iso(judgedWindow(t, Date.parse('2026-12-01T12:14:30Z'), gate())), ['2026-12-01T12:01:00.000Z', '2026-12-01T12:12:00.000Z']);
    // Periods count from the start: 5-minute periods from 12:01 end at 12:11, not at 12:10 or 12:12:30.
    assert.deepEqual(iso(judgedWindow(t, Date.parse('2026-12-01T12:14:30Z'), gate({ metricPeriod: '5m', ingestionDelay: '2m' }))), [
      '2026-12-01T12:01:00.000Z',
      '2026-12-01T12:11:00.000Z',
    ]);
    // 10-second periods: start 12:00:50, now − 20 s = 12:01:27 -> 12:01:20.
    assert.deepEqual(iso(judgedWindow(Date.parse('2026-12-01T12:00:41Z'), Date.parse('2026-12-01T12:01:47Z'), gate({ metricPeriod: '10s' }))), [
      '2026-12-01T12:00:50.000Z',
      '2026-12-01T12:01:20.000Z',
    ]);
  });

  it('keeps at least one whole period: shorter than a period is no window (inconclusive), and says when the first one is in', () => {
    const t = Date.parse('2026-12-01T12:00:40Z');
    // Start 12:01:00; now − 2 min = 12:01:50: less than one period.
    assert.equal(judgedWindow(t, Date.parse('2026-12-01T12:03:50Z'), gate()), undefined);
    const first = firstWholeWindowAt(t, gate());
    assert.equal(new Date(first).toISOString(), '2026-12-01T12:04:00.000Z');
    assert.deepEqual(judgedWindow(t, first, gate()), { start: Date.parse('2026-12-01T12:01:00Z'), end: Date.parse('2026-12-01T12:02:00Z') });
    assert.equal(judgedWindow(t, first - 1, gate()), undefined);
    assert.equal(
      new Date(firstWholeWindowAt(Date.parse('2026-12-01T12:00:00.300Z'), gate({ metricPeriod: '1s', ingestionDelay: '1s' }))).toISOString(),
      '2026-12-01T12:00:03.000Z',
    );
  });

  it('runs recorded before the whole-period window keep theirs (wholePeriods: false)', () => {
    const t = Date.parse('2026-12-01T12:00:40Z');
    assert.deepEqual(judgedWindow(t, Date.parse('2026-12-01T12:03:50Z'), gate(), { wholePeriods: false }), {
      start: Date.parse('2026-12-01T12:01:00Z'),
      end: Date.parse('2026-12-01T12:01:50Z'),
    });
  });
});
