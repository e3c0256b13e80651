import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { InvokeEndpointCommand, ModelError, ValidationError } from '@aws-sdk/client-sagemaker-runtime';
import { UpdateEndpointWeightsAndCapacitiesCommand } from '@aws-sdk/client-sagemaker';
import { createEndpoint, deployEndpoint, inBatches, startTestBed, variantDimensions, waitForStatus, type TestEnv } from '../support/emulator';

const body = JSON.stringify({ instances: [[5.1, 3.5, 1.4, 0.2]] });

async function invoke(bed: TestEnv, endpointName: string, targetVariant?: string) {
  return bed.runtime.send(
    new InvokeEndpointCommand({
      EndpointName: endpointName,
      Body: body,
      ContentType: 'application/json',
      ...(targetVariant ? { TargetVariant: targetVariant } : {}),
    }),
  );
}

/** One statistic over everything recorded for a variant since `since`. */
async function stat(bed: TestEnv, endpointName: string, variantName: string, metricName: string, statName: string, since: Date) {
  const query: MetricDataQuery = {
    Id: 'q',
    MetricStat: {
      Metric: { Namespace: 'AWS/SageMaker', MetricName: metricName, Dimensions: variantDimensions(endpointName, variantName) },
      Period: 3600,
      Stat: statName,
    },
  };
  const r = await bed.cw.send(new GetMetricDataCommand({ MetricDataQueries: [query], StartTime: since, EndTime: new Date(Date.now() + 1000) }));
  return r.MetricDataResults![0]!.Values ?? [];
}

describe('InvokeEndpoint', () => {
  let bed: TestEnv;
  before(async () => {
    bed = await startTestBed({
      // Bursts of 100 concurrent calls test routing and answers, not capacity (capacity.test.ts does).
      instanceCapacityRps: { 'ml.m5.large': 1_000_000 },
      behaviours: {
        'img/faulty': { errorRate: 0.3 },
        'img/picky': { clientErrorRate: 0.2 },
        'img/slow': { latencyMs: 5, latencyJitterMs: 10 },
      },
    });
  });
  after(() => bed.close());

  it('splits traffic in proportion to the variant weights', async () => {
    const since = new Date(Date.now() - 1000);
    await deployEndpoint(bed, 'split', [
      { variantName: 'blue', image: 'img/ok', weight: 90 },
      { variantName: 'green', image: 'img/ok', weight: 10 },
    ]);
    const answers = await inBatches(2000, 100, () => invoke(bed, 'split'));
    const green = answers.filter((a) => a.InvokedProductionVariant === 'green').length;
    const blue = answers.filter((a) => a.InvokedProductionVariant === 'blue').length;
    assert.equal(green + blue, 2000);
    // Binomial(2000, 0.1): sd ~ 0.0067; allow ~4 sd.
    assert.ok(Math.abs(green / 2000 - 0.1) < 0.03, `green share ${green / 2000}`);
    assert.deepEqual(await stat(bed, 'split', 'green', 'Invocations', 'Sum', since), [green]);
    assert.deepEqual(await stat(bed, 'split', 'blue', 'Invocations', 'Sum', since), [blue]);
  });

  it('sends every request to TargetVariant, even one with weight 0', async () => {
    await deployEndpoint(bed, 'targeted', [
      { variantName: 'blue', image: 'img/ok', weight: 1 },
      { variantName: 'shadow', image: 'img/ok', weight: 0 },
    ]);
    const answers = await inBatches(50, 25, () => invoke(bed, 'targeted', 'shadow'));
    assert.ok(answers.every((a) => a.InvokedProductionVariant === 'shadow'));
    const untargeted = await inBatches(50, 25, () => invoke(bed, 'targeted'));
    assert.ok(untargeted.every((a) => a.InvokedProductionVariant === 'blue'));
  });

  it('answers with a JSON prediction and names the variant in the response header', async () => {
    await deployEndpoint(bed, 'answer', [{ variantName: 'only', image: 'img/ok', weight: 1 }]);
    const r = await invoke(bed, 'answer');
    assert.equal(r.InvokedProductionVariant, 'only');
    assert.equal(r.ContentType, 'application/json');
    const parsed = JSON.parse(Buffer.from(r.Body!).toString('utf8')) as { predictions: unknown[]; variant: string };
    assert.equal(parsed.predictions.length, 1);
    assert.equal(parsed.variant, 'only');
  });

  it('answers model 5xx errors with ModelError 424 and counts them in Invocation5XXErrors', async () => {
    const since = new Date(Date.now() - 1000);
    await deployEndpoint(bed, 'faulty', [{ variantName: 'green', image: 'img/faulty', weight: 1 }]);
    const outcomes = await inBatches(500, 100, async () => {
      try {
        await invoke(bed, 'faulty');
        return 'ok';
      } catch (err) {
        assert.ok(err instanceof ModelError);
        assert.equal(err.name, 'ModelError');
        assert.equal(err.$metadata.httpStatusCode, 424);
        assert.equal(err.OriginalStatusCode, 500);
        assert.match(err.message, /Received server error \(500\) from primary/);
        assert.match(err.LogStreamArn ?? '', /^arn:aws:logs:us-east-1:123456789012:log-group:\/aws\/sagemaker\/Endpoints\/faulty/);
        return 'error';
      }
    });
    const errors = outcomes.filter((o) => o === 'error').length;
    // Binomial(500, 0.3): sd ~ 0.02; allow 4 sd.
    assert.ok(Math.abs(errors / 500 - 0.3) < 0.08, `error share ${errors / 500}`);
    // Each request publishes 0 or 1, so the Average is exactly the observed error rate.
    assert.deepEqual(await stat(bed, 'faulty', 'green', 'Invocation5XXErrors', 'Average', since), [errors / 500]);
    assert.deepEqual(await stat(bed, 'faulty', 'green', 'Invocation4XXErrors', 'Sum', since), [0]);
    assert.deepEqual(await stat(bed, 'faulty', 'green', 'Invocations', 'Sum', since), [500]);
  });

  it('counts model 4xx errors in Invocation4XXErrors', async () => {
    const since = new Date(Date.now() - 1000);
    await deployEndpoint(bed, 'picky', [{ variantName: 'green', image: 'img/picky', weight: 1 }]);
    let clientErrors = 0;
    await inBatches(300, 100, async () => {
      try {
        await invoke(bed, 'picky');
      } catch (err) {
        assert.ok(err instanceof ModelError);
        assert.equal(err.OriginalStatusCode, 400);
        clientErrors++;
      }
    });
    assert.ok(clientErrors > 0);
    assert.deepEqual(await stat(bed, 'picky', 'green', 'Invocation4XXErrors', 'Sum', since), [clientErrors]);
    assert.deepEqual(await stat(bed, 'picky', 'green', 'Invocation5XXErrors', 'Sum', since), [0]);
  });

  it('waits out the model latency and records it in microseconds', async () => {
    const since = new Date(Date.now() - 1000);
    await deployEndpoint(bed, 'slow', [{ variantName: 'green', image: 'img/slow', weight: 1 }]);
    const started = Date.now();
    await invoke(bed, 'slow');
    assert.ok(Date.now() - started >= 5);
    await inBatches(199, 100, () => invoke(bed, 'slow'));
    const [p99] = await stat(bed, 'slow', 'green', 'ModelLatency', 'p99', since);
    const [p50] = await stat(bed, 'slow', 'green', 'ModelLatency', 'p50', since);
    const [min] = await stat(bed, 'slow', 'green', 'ModelLatency', 'Minimum', since);
    const [max] = await stat(bed, 'slow', 'green', 'ModelLatency', 'Maximum', since);
    assert.ok(min! >= 5_000 && max! <= 15_000, `latency range ${min}..${max} µs`);
    assert.ok(p50! < p99! && p99! <= max!, `p50 ${p50}, p99 ${p99}, max ${max}`);
    const [overhead] = await stat(bed, 'slow', 'green', 'OverheadLatency', 'SampleCount', since);
    assert.equal(overhead, 200);
  });

  it('publishes InvocationsPerInstance as 1/instanceCount per request', async () => {
    const since = new Date(Date.now() - 1000);
    await deployEndpoint(bed, 'fleet', [{ variantName: 'green', image: 'img/ok', weight: 1, instances: 4 }]);
    await inBatches(8, 8, () => invoke(bed, 'fleet'));
    assert.deepEqual(await stat(bed, 'fleet', 'green', 'InvocationsPerInstance', 'Sum', since), [2]);
  });

  it('rejects an unknown endpoint with ValidationError 400', async () => {
    await assert.rejects(invoke(bed, 'nope'), (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.equal(err.name, 'ValidationError');
      assert.equal(err.$metadata.httpStatusCode, 400);
      assert.equal(err.message, 'Endpoint nope of account 123456789012 not found.');
      return true;
    });
  });

  it('rejects an unknown TargetVariant with ValidationError', async () => {
    await deployEndpoint(bed, 'novariant', [{ variantName: 'blue', image: 'img/ok', weight: 1 }]);
    await assert.rejects(invoke(bed, 'novariant', 'green'), { name: 'ValidationError' });
  });

  it('does not serve an endpoint that is still Creating', async () => {
    bed.emu.control.setTimings({ endpointCreateMs: 60_000 });
    try {
      await createEndpoint(bed, 'creating', [{ variantName: 'blue', image: 'img/ok', weight: 1 }]);
      await waitForStatus(bed.sm, 'creating', 'Creating', 5000);
      await assert.rejects(invoke(bed, 'creating'), {
        name: 'ValidationError',
        message: 'Endpoint creating of account 123456789012 not found.',
      });
    } finally {
      bed.emu.control.setTimings({ endpointCreateMs: 30 });
    }
  });

  it('keeps serving the current fleet and weights while Updating', async () => {
    await deployEndpoint(bed, 'updating', [
      { variantName: 'blue', image: 'img/ok', weight: 1 },
      { variantName: 'green', image: 'img/ok', weight: 0 },
    ]);
    bed.emu.control.setTimings({ weightsUpdateMs: 60_000 });
    try {
      await bed.sm.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: 'updating',
          DesiredWeightsAndCapacities: [
            { VariantName: 'blue', DesiredWeight: 0 },
            { VariantName: 'green', DesiredWeight: 1 },
          ],
        }),
      );
      await waitForStatus(bed.sm, 'updating', 'Updating', 5000);
      const answers = await inBatches(20, 20, () => invoke(bed, 'updating'));
      assert.ok(answers.every((a) => a.InvokedProductionVariant === 'blue'));
    } finally {
      bed.emu.control.setTimings({ weightsUpdateMs: 30 });
    }
  });
});
