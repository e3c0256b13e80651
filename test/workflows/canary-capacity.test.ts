/**
 * The canary never carries more traffic than it has capacity for (issue 12 §1): the emulator serves a bounded
 * rate per instance (capacity.ts) and records the peak load per instance of every variant.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeEndpointCommand, UpdateEndpointWeightsAndCapacitiesCommand } from '@aws-sdk/client-sagemaker';
import { describeEndpoint } from '../../src/inventory';
import { abortSignal, canaryStatusQuery } from '../../src/workflows/canary';
import { canaryInput, endpointWithNewVersion, phaseIs, startCanary } from '../support/canary';
import { createHarness, eventually, failureOf, type Harness } from '../support/harness';

/** Requests per second one ml.m5.large serves in these tests: the 2-instance baseline runs at 80 of it. */
const CAPACITY = 120;
const RPS = 160;

let h: Harness;
before(async () => {
  h = await createHarness({ instanceCapacityRps: { 'ml.m5.large': CAPACITY } });
});
after(async () => h?.close());

interface Sample {
  status: string;
  config?: string;
  variants: Array<{ name: string; weight: number; instances: number }>;
}

/** Reads DescribeEndpoint every 50 ms until stopped: what the endpoint really served, step by step. */
function sampleEndpoint(endpointName: string) {
  const samples: Sample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const ep = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
      samples.push({
        status: ep.EndpointStatus!,
        config: ep.EndpointConfigName,
        variants: (ep.ProductionVariants ?? []).map((v) => ({ name: v.VariantName!, weight: v.CurrentWeight ?? 0, instances: v.CurrentInstanceCount ?? 0 })),
      });
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

/** Share (%) of the traffic a variant takes in a sample: weights are relative. */
function share(s: Sample, name: string): number {
  const total = s.variants.reduce((a, v) => a + v.weight, 0);
  const v = s.variants.find((x) => x.name === name);
  return total > 0 && v ? (100 * v.weight) / total : 0;
}

describe('canary capacity', () => {
  it('raises the canary to ceil(baseline × weight / 100) instances before each weight, so no variant serves above capacity', async () => {
    const { endpointName, model } = await endpointWithNewVersion(h, 'capacity', RPS);
    h.emulator.control.clearLoad();
    const sampler = sampleEndpoint(endpointName);
    const handle = await startCanary(h, canaryInput(endpointName, model, { steps: [10, 50, 100] }));
    const result = await handle.result();
    const samples = await sampler.stop();
    h.emulator.control.stopTraffic(endpointName);

    // Each observed weight was carried by at least the instances the rule asks for (baseline: 2).
    for (const s of samples) {
      const canary = s.variants.find((v) => v.name === 'canary');
      if (!canary) continue;
      const needed = Math.max(1, Math.ceil((2 * share(s, 'canary')) / 100 - 1e-9));
      assert.ok(canary.instances >= needed, `canary at ${share(s, 'canary')}% on ${canary.instances} instance(s), ${needed} needed: ${JSON.stringify(s)}`);
    }
    const loads = h.emulator.control.load().filter((l) => l.endpointName === endpointName);
    assert.deepEqual(loads.map((l) => l.variantName).sort(), ['AllTraffic', 'canary']);
    for (const l of loads) {
      assert.ok(l.peakLoadPerInstance <= l.capacityPerInstance, `${l.variantName} peaked at ${l.peakLoadPerInstance.toFixed(1)} req/s per instance on ${l.peakInstances}, capacity ${l.capacityPerInstance}`);
      assert.equal(l.shedRequests, 0, `${l.variantName} shed requests`);
    }
    assert.equal((await handle.query(canaryStatusQuery)).canaryInstances, 2);
    const ep = await describeEndpoint(h.aws.sagemaker, endpointName);
    assert.equal(ep.EndpointConfigName, result.endpointConfigName);
    assert.deepEqual(ep.ProductionVariants?.map((v) => [v.VariantName, v.CurrentInstanceCount]), [['AllTraffic', 2]]);
  });

  it('rolls back by restoring the baseline count first, then the weights, then the config keeping that count', async () => {
    const { endpointName, model, v1 } = await endpointWithNewVersion(h, 'cap-rollback', RPS);
    // Scaled out after its deploy (the config still says 2): the rollout must give back 3, not 2.
    await h.aws.sagemaker.send(new UpdateEndpointWeightsAndCapacitiesCommand({ EndpointName: endpointName, DesiredWeightsAndCapacities: [{ VariantName: 'AllTraffic', DesiredInstanceCount: 3 }] }));
    await eventually(() => describeEndpoint(h.aws.sagemaker, endpointName), (ep) => ep.EndpointStatus === 'InService');
    const handle = await startCanary(h, canaryInput(endpointName, model, { steps: [10, 50, 100], bake: '60s' }));
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('baking', 10));
    // As target tracking does when the baseline's traffic falls: it shrinks the baseline.
    await h.aws.sagemaker.send(new UpdateEndpointWeightsAndCapacitiesCommand({ EndpointName: endpointName, DesiredWeightsAndCapacities: [{ VariantName: 'AllTraffic', DesiredInstanceCount: 1 }] }));
    await eventually(() => describeEndpoint(h.aws.sagemaker, endpointName), (ep) => ep.EndpointStatus === 'InService' && ep.ProductionVariants?.[0]?.CurrentInstanceCount === 1);
    const sampler = sampleEndpoint(endpointName);
    await handle.signal(abortSignal, { by: 'test', reason: 'capacity rollback' });
    assert.equal((await failureOf(handle.result())).type, 'Aborted');
    const samples = await sampler.stop();
    h.emulator.control.stopTraffic(endpointName);

    // While the ramp fleet served, the baseline never took all traffic back on fewer than 3 instances.
    for (const s of samples.filter((x) => x.variants.some((v) => v.name === 'canary'))) {
      const baseline = s.variants.find((v) => v.name === 'AllTraffic')!;
      if (share(s, 'AllTraffic') === 100) assert.ok(baseline.instances >= 3, `baseline took 100% on ${baseline.instances} instance(s): ${JSON.stringify(s)}`);
    }
    const ep = await describeEndpoint(h.aws.sagemaker, endpointName);
    assert.equal(ep.EndpointConfigName, v1.endpointConfigName);
    assert.deepEqual(ep.ProductionVariants?.map((v) => [v.VariantName, v.DesiredInstanceCount, v.CurrentInstanceCount]), [['AllTraffic', 3, 3]]);
  });
});
