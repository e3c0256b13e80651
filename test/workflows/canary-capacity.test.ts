/**
 * The canary never carries more traffic than it has capacity for (issue 12 §1): the emulator serves a bounded
 * rate per instance (capacity.ts) and records the peak load per instance of every variant. Its target-tracking
 * simulation is on: an autoscaled baseline is shrunk within seconds when its traffic falls, unless the
 * rollout holds its MinCapacity up.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UpdateEndpointWeightsAndCapacitiesCommand } from '@aws-sdk/client-sagemaker';
import { describeEndpoint } from '../../src/inventory';
import { abortSignal, canaryStatusQuery } from '../../src/workflows/canary';
import { canaryInput, endpointWithNewVersion, phaseIs, sampleEndpoint, share, startCanary, untilTrafficFillsWindow } from '../support/canary';
import { createHarness, eventually, failureOf, type Harness } from '../support/harness';
import { scalingOf, trackInvocations } from '../support/scaling';

/** Requests per second one ml.m5.large serves in these tests: the 2-instance baseline runs at 80 of it. */
const CAPACITY = 120;
const RPS = 160;
/** The simulator reads the last 2 s of invocations, so scaling follows traffic within seconds. */
const SIMULATION_WINDOW_MS = 2000;

let h: Harness;
before(async () => {
  h = await createHarness({ instanceCapacityRps: { 'ml.m5.large': CAPACITY }, autoscalingSimulation: { intervalMs: 250, windowMs: SIMULATION_WINDOW_MS } });
});
after(async () => h?.close());

describe('canary capacity', () => {
  it('raises the canary to ceil(baseline × weight / 100) instances before each weight, so no variant serves above capacity', async () => {
    const { endpointName, model, trafficStartedAt } = await endpointWithNewVersion(h, 'capacity', RPS);
    // Autoscaled: 100 req/s per instance is the target, so at 80 the baseline keeps 2, and with half the
    // traffic gone (40 per instance) target tracking would shrink it to 1. Autoscaled only once the
    // simulation's window holds a whole window of traffic: a partial one reads as 40 and shrinks it at once.
    await untilTrafficFillsWindow(trafficStartedAt, SIMULATION_WINDOW_MS);
    await trackInvocations(h.aws, endpointName, { min: 1, max: 6, targetPerMinute: 6000 });
    const scalingBefore = await scalingOf(h.aws, endpointName);
    h.emulator.control.clearLoad();
    const sampler = sampleEndpoint(h, endpointName);
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
      assert.ok(
        l.peakLoadPerInstance <= l.capacityPerInstance,
        `${l.variantName} peaked at ${l.peakLoadPerInstance.toFixed(1)} req/s per instance on ${l.peakInstances}, capacity ${l.capacityPerInstance}`,
      );
      assert.equal(l.shedRequests, 0, `${l.variantName} shed requests`);
    }
    // The baseline kept its 2 instances while the ramp fleet served, whatever its traffic.
    for (const s of samples.filter((x) => x.variants.some((v) => v.name === 'canary'))) {
      const baseline = s.variants.find((v) => v.name === 'AllTraffic')!;
      assert.ok(baseline.desired >= 2 && baseline.instances >= 2, `the baseline shrank during the rollout: ${JSON.stringify(s)}`);
    }
    assert.equal((await handle.query(canaryStatusQuery)).canaryInstances, 2);
    const ep = await describeEndpoint(h.aws.sagemaker, endpointName);
    assert.equal(ep.EndpointConfigName, result.endpointConfigName);
    assert.deepEqual(
      ep.ProductionVariants?.map((v) => [v.VariantName, v.CurrentInstanceCount]),
      [['AllTraffic', 2]],
    );
    // The promoted variant keeps the baseline's scaling exactly (its MinCapacity put back).
    const scalingAfter = await scalingOf(h.aws, endpointName);
    assert.deepEqual(scalingAfter.targets, scalingBefore.targets);
    assert.deepEqual(scalingAfter.policies, scalingBefore.policies);
  });

  it('promotes from the last gated step straight to the final config: the canary never serves 100% on the ramp config', async () => {
    const { endpointName, model } = await endpointWithNewVersion(h, 'cap-promote', RPS);
    // Scaled out to 4 after its deploy (its config still says 2).
    await h.aws.sagemaker.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: endpointName,
        DesiredWeightsAndCapacities: [{ VariantName: 'AllTraffic', DesiredInstanceCount: 4 }],
      }),
    );
    await eventually(
      () => describeEndpoint(h.aws.sagemaker, endpointName),
      (ep) => ep.EndpointStatus === 'InService' && ep.ProductionVariants?.[0]?.CurrentInstanceCount === 4,
    );
    const sampler = sampleEndpoint(h, endpointName);
    const handle = await startCanary(h, canaryInput(endpointName, model, { steps: [5, 50, 100] }));
    const result = await handle.result();
    const samples = await sampler.stop();
    h.emulator.control.stopTraffic(endpointName);

    const ramp = samples.filter((x) => x.variants.some((v) => v.name === 'canary'));
    assert.ok(
      ramp.some((x) => share(x, 'canary') === 50),
      'the 50% step was observed',
    );
    for (const x of ramp) assert.ok(share(x, 'canary') < 100, `the canary served 100% on the ramp config: ${JSON.stringify(x)}`);
    // The canary ran the 2 instances 50 % of 4 needs, never the 4 an in-place 100 % would have needed.
    assert.equal(Math.max(...ramp.map((x) => x.variants.find((v) => v.name === 'canary')!.desired)), 2);
    const status = await handle.query(canaryStatusQuery);
    assert.deepEqual([status.phase, status.canaryWeight, status.stepIndex, status.canaryInstances], ['succeeded', 100, 2, 4]);
    const ep = await describeEndpoint(h.aws.sagemaker, endpointName);
    assert.equal(ep.EndpointConfigName, result.endpointConfigName);
    assert.deepEqual(
      ep.ProductionVariants?.map((v) => [v.VariantName, v.CurrentInstanceCount]),
      [['AllTraffic', 4]],
    );
  });

  it('rolls back an autoscaled baseline that target tracking could not shrink, with its scaling exactly as before', async () => {
    const { endpointName, model, v1, trafficStartedAt } = await endpointWithNewVersion(h, 'cap-rb-scaled', RPS);
    await h.aws.sagemaker.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: endpointName,
        DesiredWeightsAndCapacities: [{ VariantName: 'AllTraffic', DesiredInstanceCount: 3 }],
      }),
    );
    await eventually(
      () => describeEndpoint(h.aws.sagemaker, endpointName),
      (ep) => ep.EndpointStatus === 'InService' && ep.ProductionVariants?.[0]?.CurrentInstanceCount === 3,
    );
    // 60 req/s per instance is the target: 3 instances at 53 hold, at 27 (half the traffic gone) they would shrink to 2.
    await untilTrafficFillsWindow(trafficStartedAt, SIMULATION_WINDOW_MS);
    await trackInvocations(h.aws, endpointName, { min: 1, max: 6, targetPerMinute: 3600 });
    const scalingBefore = await scalingOf(h.aws, endpointName);
    const sampler = sampleEndpoint(h, endpointName);
    const handle = await startCanary(h, canaryInput(endpointName, model, { steps: [50, 100], bake: '60s' }));
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('baking', 50), 60_000);
    // Long enough for the simulation (250 ms ticks over a 2 s window) to act on the halved traffic.
    await new Promise((r) => setTimeout(r, 3000));
    await handle.signal(abortSignal, { by: 'test', reason: 'capacity rollback' });
    assert.equal((await failureOf(handle.result())).type, 'Aborted');
    const samples = await sampler.stop();
    h.emulator.control.stopTraffic(endpointName);

    for (const s of samples.filter((x) => x.variants.some((v) => v.name === 'canary'))) {
      const baseline = s.variants.find((v) => v.name === 'AllTraffic')!;
      assert.ok(baseline.desired >= 3, `the baseline shrank during the rollout: ${JSON.stringify(s)}`);
      if (share(s, 'AllTraffic') === 100) assert.ok(baseline.instances >= 3, `baseline took 100% on ${baseline.instances} instance(s): ${JSON.stringify(s)}`);
    }
    assert.equal((await describeEndpoint(h.aws.sagemaker, endpointName)).EndpointConfigName, v1.endpointConfigName);
    const scalingAfter = await scalingOf(h.aws, endpointName);
    assert.deepEqual(scalingAfter.targets, scalingBefore.targets);
    assert.deepEqual(scalingAfter.policies, scalingBefore.policies);
  });

  it('rolls back by restoring the baseline count first, then the weights, then the config keeping that count', async () => {
    const { endpointName, model, v1 } = await endpointWithNewVersion(h, 'cap-rollback', RPS);
    // Scaled out after its deploy (the config still says 2): the rollout must give back 3, not 2.
    await h.aws.sagemaker.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: endpointName,
        DesiredWeightsAndCapacities: [{ VariantName: 'AllTraffic', DesiredInstanceCount: 3 }],
      }),
    );
    await eventually(
      () => describeEndpoint(h.aws.sagemaker, endpointName),
      (ep) => ep.EndpointStatus === 'InService',
    );
    const handle = await startCanary(h, canaryInput(endpointName, model, { steps: [10, 50, 100], bake: '60s' }));
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('baking', 10));
    // As target tracking does when the baseline's traffic falls: it shrinks the baseline.
    await h.aws.sagemaker.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: endpointName,
        DesiredWeightsAndCapacities: [{ VariantName: 'AllTraffic', DesiredInstanceCount: 1 }],
      }),
    );
    await eventually(
      () => describeEndpoint(h.aws.sagemaker, endpointName),
      (ep) => ep.EndpointStatus === 'InService' && ep.ProductionVariants?.[0]?.CurrentInstanceCount === 1,
    );
    const sampler = sampleEndpoint(h, endpointName);
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
    assert.deepEqual(
      ep.ProductionVariants?.map((v) => [v.VariantName, v.DesiredInstanceCount, v.CurrentInstanceCount]),
      [['AllTraffic', 3, 3]],
    );
  });
});
