import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import {
  CreateEndpointConfigCommand,
  DescribeEndpointCommand,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { PutScalingPolicyCommand, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import { EmulatorControlClient } from '../../src/emulator';
import { capacityPerInstance, vcpusOf } from '../../src/emulator/capacity';
import { deployEndpoint, startTestBed, variantDimensions, waitForStatus, withEmulator, type TestEnv } from '../support/emulator';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function metric(bed: TestEnv, endpointName: string, variantName: string, metricName: string, stat: string): Promise<number | undefined> {
  const r = await bed.cw.send(
    new GetMetricDataCommand({
      StartTime: new Date(Date.now() - 600_000),
      EndTime: new Date(Date.now() + 1000),
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: {
            Metric: { Namespace: 'AWS/SageMaker', MetricName: metricName, Dimensions: variantDimensions(endpointName, variantName) },
            Period: 3600,
            Stat: stat,
          },
        },
      ],
    }),
  );
  return r.MetricDataResults![0]!.Values![0];
}

describe('instance capacity', () => {
  let bed: TestEnv;
  before(async () => {
    bed = await startTestBed();
  });
  after(() => bed.close());

  it('has documented defaults per instance type (150 requests/s per vCPU) that a setting overrides', () => {
    assert.deepEqual(['ml.t2.medium', 'ml.m5.large', 'ml.c5.xlarge', 'ml.g5.12xlarge'].map(vcpusOf), [2, 2, 4, 48]);
    assert.equal(capacityPerInstance('ml.m5.large', { instanceCapacityRps: {} }), 300);
    assert.equal(capacityPerInstance('ml.m5.large', { instanceCapacityRps: { 'ml.m5.large': 40 } }), 40);
    assert.equal(bed.emu.control.settings().instanceCapacityRps['ml.m5.large'], undefined);
    assert.throws(() => bed.emu.control.setSettings({ instanceCapacityRps: { 'ml.m5.large': 0 } }), /instanceCapacityRps\.ml\.m5\.large must be a number > 0/);
    assert.throws(() => bed.emu.control.setSettings({ instanceCapacityRps: [] as unknown as Record<string, number> }), /instanceCapacityRps must be an object/);
  });

  it('serves within capacity untouched, and records the peak load per instance', async () => {
    bed.emu.control.setSettings({ instanceCapacityRps: { 'ml.m5.large': 100 } });
    await deployEndpoint(bed, 'roomy', [{ variantName: 'blue', image: 'img/ok', weight: 1, instances: 2 }]);
    bed.emu.control.startTraffic({ endpointName: 'roomy', rps: 120 });
    await sleep(2500);
    bed.emu.control.stopTraffic('roomy');
    const load = bed.emu.control.load().find((l) => l.endpointName === 'roomy')!;
    assert.equal(load.capacityPerInstance, 100);
    assert.equal(load.peakInstances, 2);
    assert.ok(load.peakLoadPerInstance > 45 && load.peakLoadPerInstance <= 70, `peak ${load.peakLoadPerInstance} req/s per instance at 120 rps on 2`);
    assert.deepEqual([load.overloadedRequests, load.shedRequests], [0, 0]);
    assert.equal(await metric(bed, 'roomy', 'blue', 'Invocation5XXErrors', 'Sum'), 0);
  });

  it('above capacity: ModelLatency rises and a share of requests get a 5xx, visible in CloudWatch and the control API', async () => {
    bed.emu.control.setSettings({ instanceCapacityRps: { 'ml.m5.large': 50 } });
    bed.emu.control.setBehaviours({ 'img/fast': { latencyMs: 5 } });
    await deployEndpoint(bed, 'hot', [{ variantName: 'blue', image: 'img/fast', weight: 1, instances: 1 }]);
    bed.emu.control.startTraffic({ endpointName: 'hot', rps: 150 });
    await sleep(3000);
    bed.emu.control.stopTraffic('hot');
    // An HTTP caller meets the overload too (the window still holds the last seconds' traffic).
    const answers = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        bed.runtime.send(new InvokeEndpointCommand({ EndpointName: 'hot', Body: '{"instances":[[1]]}', ContentType: 'application/json' })),
      ),
    );
    assert.ok(
      answers.some((a) => a.status === 'rejected' && /above their capacity/.test(String(a.reason))),
      'some HTTP calls are shed',
    );

    const loads = await new EmulatorControlClient(bed.emu.url).load();
    const load = loads.find((l) => l.endpointName === 'hot' && l.variantName === 'blue')!;
    assert.equal(load.capacityPerInstance, 50);
    assert.ok(load.peakLoadPerInstance > 100, `peak ${load.peakLoadPerInstance} req/s on 1 instance at 150 rps`);
    assert.ok(load.overloadedRequests > 0 && load.shedRequests > 0);
    const invocations = (await metric(bed, 'hot', 'blue', 'Invocations', 'Sum'))!;
    const errors = (await metric(bed, 'hot', 'blue', 'Invocation5XXErrors', 'Sum'))!;
    assert.ok(errors / invocations > 0.2 && errors / invocations < 0.8, `5xx share ${errors}/${invocations}`);
    const p99Us = (await metric(bed, 'hot', 'blue', 'ModelLatency', 'p99'))!;
    assert.ok(p99Us > 5000 * 2, `p99 ModelLatency ${p99Us} us is well above the model's own 5 ms`);

    bed.emu.control.clearLoad();
    assert.equal(bed.emu.control.load().length, 0);
  });

  it('more instances carry the same traffic within capacity (a capacity change takes effect when the update completes)', async () => {
    bed.emu.control.setSettings({ instanceCapacityRps: { 'ml.m5.large': 60 } });
    await deployEndpoint(bed, 'grow', [{ variantName: 'blue', image: 'img/ok', weight: 1, instances: 1 }]);
    await bed.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({ EndpointName: 'grow', DesiredWeightsAndCapacities: [{ VariantName: 'blue', DesiredInstanceCount: 3 }] }),
    );
    await waitForStatus(bed.sm, 'grow', 'InService', 5000);
    bed.emu.control.startTraffic({ endpointName: 'grow', rps: 120 });
    await sleep(2500);
    bed.emu.control.stopTraffic('grow');
    const load = bed.emu.control.load().find((l) => l.endpointName === 'grow')!;
    assert.equal(load.peakInstances, 3);
    assert.ok(load.peakLoadPerInstance <= 60, `peak ${load.peakLoadPerInstance} on 3 instances`);
    assert.equal(load.shedRequests, 0);
  });

  it('keeps the peak beside the capacity of the instance type it was served on, when the variant moves to another type', async () => {
    bed.emu.control.setSettings({ instanceCapacityRps: { 'ml.m5.large': 50, 'ml.c5.xlarge': 200 } });
    await deployEndpoint(bed, 'retype', [{ variantName: 'blue', image: 'img/ok', weight: 1, instances: 1 }]);
    bed.emu.control.startTraffic({ endpointName: 'retype', rps: 80 });
    await sleep(2300);
    bed.emu.control.stopTraffic('retype');
    await bed.sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'retype-c5',
        ProductionVariants: [{ VariantName: 'blue', ModelName: 'retype-blue', InstanceType: 'ml.c5.xlarge', InitialInstanceCount: 1, InitialVariantWeight: 1 }],
      }),
    );
    await bed.sm.send(new UpdateEndpointCommand({ EndpointName: 'retype', EndpointConfigName: 'retype-c5' }));
    await waitForStatus(bed.sm, 'retype', 'InService', 5000);
    // More requests per instance than before, but well within the bigger type's capacity.
    bed.emu.control.startTraffic({ endpointName: 'retype', rps: 120 });
    await sleep(2300);
    bed.emu.control.stopTraffic('retype');

    const load = bed.emu.control.load().find((l) => l.endpointName === 'retype')!;
    assert.deepEqual([load.instanceType, load.capacityPerInstance], ['ml.c5.xlarge', 200], 'what the variant serves on now');
    // The overload on ml.m5.large is the peak: judged against 200 it would look like 40 % of capacity.
    assert.deepEqual([load.peakInstanceType, load.peakCapacityPerInstance, load.peakInstances], ['ml.m5.large', 50, 1]);
    assert.ok(load.peakLoadPerInstance > 50 && load.peakLoadPerInstance <= 90, `peak ${load.peakLoadPerInstance} req/s at 80 rps on 1 ml.m5.large`);
    assert.ok(load.peakAt! < Date.now() - 2000, 'seen before the update');
  });

  it('forgets every peak on reset and puts the capacity settings back', () => {
    bed.emu.control.reset();
    assert.deepEqual(bed.emu.control.load(), []);
    assert.deepEqual(bed.emu.control.settings().instanceCapacityRps, {});
  });
});

describe('autoscaling simulation with capacity', () => {
  it('scales a variant out on invocations per instance with the endpoint Updating meanwhile, then serves within capacity', async () => {
    const timings = { endpointCreateMs: 30, endpointUpdateMs: 30, endpointDeleteMs: 30, weightsUpdateMs: 600 };
    await withEmulator({ autoscalingSimulation: { intervalMs: 100 }, timings }, async (bed) => {
      bed.emu.control.setSettings({ instanceCapacityRps: { 'ml.m5.large': 60 } });
      await deployEndpoint(bed, 'scaled', [{ variantName: 'blue', image: 'img/ok', weight: 1, instances: 1 }]);
      const id = {
        ServiceNamespace: 'sagemaker' as const,
        ResourceId: 'endpoint/scaled/variant/blue',
        ScalableDimension: 'sagemaker:variant:DesiredInstanceCount' as const,
      };
      await bed.aas.send(new RegisterScalableTargetCommand({ ...id, MinCapacity: 1, MaxCapacity: 4 }));
      await bed.aas.send(
        new PutScalingPolicyCommand({
          ...id,
          PolicyName: 'track',
          PolicyType: 'TargetTrackingScaling',
          TargetTrackingScalingPolicyConfiguration: {
            TargetValue: 60,
            PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
            DisableScaleIn: true,
          },
        }),
      );
      bed.emu.control.startTraffic({ endpointName: 'scaled', rps: 100 });
      // AWS: a scaling activity is a capacity update; the endpoint is Updating, Desired ahead of Current.
      let updating: { status?: string; desired?: number; current?: number } | undefined;
      const deadline = Date.now() + 8000;
      while (!updating && Date.now() < deadline) {
        const ep = await bed.sm.send(new DescribeEndpointCommand({ EndpointName: 'scaled' }));
        const v = ep.ProductionVariants![0]!;
        if (ep.EndpointStatus === 'Updating') updating = { status: ep.EndpointStatus, desired: v.DesiredInstanceCount, current: v.CurrentInstanceCount };
        await sleep(30);
      }
      assert.ok(updating, 'the endpoint went Updating while the autoscaler scaled it');
      assert.equal(updating.current, 1);
      assert.ok(updating.desired! > 1, `desired ${updating.desired}`);
      await assert.rejects(
        bed.sm.send(
          new UpdateEndpointWeightsAndCapacitiesCommand({ EndpointName: 'scaled', DesiredWeightsAndCapacities: [{ VariantName: 'blue', DesiredWeight: 1 }] }),
        ),
        /Cannot update in-progress endpoint/,
      );
      await waitForStatus(bed.sm, 'scaled', 'InService', 5000);
      bed.emu.control.clearLoad();
      await sleep(2500);
      bed.emu.control.stopTraffic('scaled');
      const load = bed.emu.control.load().find((l) => l.endpointName === 'scaled')!;
      assert.ok(load.peakInstances! >= 2 && load.peakLoadPerInstance <= 60, `after scaling out: ${JSON.stringify(load)}`);
    });
  });
});
