/**
 * Gates that fail closed and judge only the model: the judged window waits for CloudWatch (whole periods,
 * ingested ones only), evidence accumulates over re-measurements, and an AWS error rolls back without
 * rejecting the version.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { registryVersions } from '../../src/inventory';
import { canaryStatusQuery } from '../../src/workflows/canary';
import { assertRestored, canaryInput, endpointWithNewVersion, startCanary } from '../support/canary';
import { createHarness, failureOf, type Harness } from '../support/harness';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => h?.close());
afterEach(() => h.emulator.control.setFaults([]));

describe('canary gates', () => {
  it('a quiet endpoint still passes: re-measurements after an inconclusive verdict add to the evidence', async () => {
    // About 2 canary requests a second at 50%: no single 1.5 s bake window sees the 8 needed.
    const { endpointName, model } = await endpointWithNewVersion(h, 'quiet-accumulate', 4);
    const input = canaryInput(endpointName, model, {
      steps: [50, 100],
      gate: { minInvocations: 8, metricPeriod: '1s', ingestionDelay: '1s', onInconclusive: 'wait', maxInconclusive: 6 },
    });
    const result = await (await startCanary(h, input)).result();
    h.emulator.control.stopTraffic(endpointName);
    const at50 = result.gates.filter((g) => g.weight === 50);
    assert.equal(at50.at(-1)?.verdict, 'pass');
    assert.ok(at50.length >= 2, `passed only after re-measuring: ${JSON.stringify(at50.map((g) => [g.verdict, g.canary.invocations]))}`);
    // The evidence window grows: every re-measurement starts where the first did.
    assert.ok(at50.every((g) => g.window.start === at50[0].window.start));
    for (const g of result.gates) {
      assert.ok(Date.parse(g.at) - Date.parse(g.window.end) >= 1000, `window ends the ingestion delay before judging: ${JSON.stringify(g.window)} at ${g.at}`);
      assert.equal(Date.parse(g.window.start) % 1000, 0, 'window starts on a whole period');
    }
  });

  it('an AWS error ends the rollout and rolls back, but is no verdict: the version stays Approved', async () => {
    const { endpointName, model, v1 } = await endpointWithNewVersion(h, 'infra-error');
    h.emulator.control.setFaults([
      {
        kind: 'serverError',
        status: 400,
        code: 'AccessDeniedException',
        message: 'not authorized to perform UpdateEndpointWeightsAndCapacities',
        operations: ['UpdateEndpointWeightsAndCapacities'],
        times: 1,
      },
    ]);
    const handle = await startCanary(h, canaryInput(endpointName, model));
    const failure = await failureOf(handle.result());
    h.emulator.control.stopTraffic(endpointName);
    assert.equal(failure.type, 'InfrastructureFailed');
    assert.match(failure.message, /rolled back: .*AccessDeniedException/);
    const status = await handle.query(canaryStatusQuery);
    assert.deepEqual(
      status.gates.map((g) => g.verdict),
      ['pass'],
      'the gate had passed; the model was not judged by the error',
    );
    await assertRestored(h, endpointName, model, v1.endpointConfigName);
    const v2 = (await registryVersions(h.aws.sagemaker, model))[1];
    assert.deepEqual([v2.approval, v2.stageStatus], ['Approved', 'CanaryInfrastructureFailure']);
  });
});

describe('canary gates with CloudWatch’s ingestion delay on in the emulator', () => {
  // Datapoints reach GetMetricData one period (1 s) after their timestamp, as SageMaker's 1-minute metrics
  // reach CloudWatch about a minute late. The gates use their default delay: two periods.
  before(() => h.emulator.control.setSettings({ metricsIngestionDelayMs: 1000 }));
  after(() => h.emulator.control.setSettings({ metricsIngestionDelayMs: 0 }));

  /** Each gate judged whole 1 s periods from a whole second, ending at least the default delay (2 s) before its verdict. */
  function assertWholeIngestedWindows(gates: { weight: number; at: string; window: { start: string; end: string } }[]) {
    for (const g of gates) {
      const [start, end, at] = [Date.parse(g.window.start), Date.parse(g.window.end), Date.parse(g.at)];
      assert.equal(start % 1000, 0, `the ${g.weight}% window starts on a whole period: ${JSON.stringify(g.window)}`);
      assert.ok(end - start >= 1000 && (end - start) % 1000 === 0, `the ${g.weight}% window is whole periods: ${JSON.stringify(g.window)}`);
      assert.ok(at - end >= 2000, `the ${g.weight}% window ends the ingestion delay before the verdict: ${JSON.stringify(g.window)} at ${g.at}`);
    }
  }

  it('a healthy canary passes every gate, each judged over whole periods already ingested', async () => {
    const { endpointName, model } = await endpointWithNewVersion(h, 'late-healthy');
    const result = await (await startCanary(h, canaryInput(endpointName, model))).result();
    h.emulator.control.stopTraffic(endpointName);
    assert.deepEqual(
      result.gates.map((g) => [g.weight, g.verdict]),
      [
        [10, 'pass'],
        [50, 'pass'],
      ],
    );
    for (const g of result.gates)
      assert.ok(
        g.canary.invocations >= 5 && g.canary.p99LatencyMs !== undefined,
        `the ${g.weight}% gate saw the canary's traffic: ${JSON.stringify(g.canary)}`,
      );
    assertWholeIngestedWindows(result.gates);
  });

  it('an unhealthy canary still fails its first gate on what was ingested, and is rolled back', async () => {
    const { endpointName, model, v1, canaryImage } = await endpointWithNewVersion(h, 'late-unhealthy');
    h.emulator.control.setBehaviours({ [canaryImage]: { errorRate: 0.4 } });
    try {
      const handle = await startCanary(h, canaryInput(endpointName, model));
      const failure = await failureOf(handle.result());
      h.emulator.control.stopTraffic(endpointName);
      assert.equal(failure.type, 'GateFailed');
      assert.match(failure.message, /gate failed at 10%: canary 5xx rate \d+\.\d+% is above the limit 5\.00%/);
      const status = await handle.query(canaryStatusQuery);
      assert.deepEqual(
        status.gates.map((g) => [g.weight, g.verdict]),
        [[10, 'fail']],
      );
      assert.ok(status.gates[0].canary.errors5xx > 0 && status.gates[0].baseline.errors5xx === 0);
      assertWholeIngestedWindows(status.gates);
      await assertRestored(h, endpointName, model, v1.endpointConfigName);
    } finally {
      h.emulator.control.setBehaviours({});
    }
  });
});
