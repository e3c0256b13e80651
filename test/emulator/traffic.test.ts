import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { EmulatorControlClient } from '../../src/emulator';
import { deployEndpoint, FAST_TIMINGS, startTestBed, variantDimensions, withEmulator, type TestEnv } from '../support/emulator';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function invocations(bed: TestEnv, endpointName: string, variantName: string): Promise<number> {
  const r = await bed.cw.send(
    new GetMetricDataCommand({
      StartTime: new Date(Date.now() - 600_000),
      EndTime: new Date(Date.now() + 1000),
      MetricDataQueries: [
        {
          Id: 'inv',
          MetricStat: {
            Metric: { Namespace: 'AWS/SageMaker', MetricName: 'Invocations', Dimensions: variantDimensions(endpointName, variantName) },
            Period: 3600,
            Stat: 'Sum',
          },
        },
      ],
    }),
  );
  return r.MetricDataResults![0]!.Values![0] ?? 0;
}

describe('traffic generator', () => {
  let bed: TestEnv;
  before(async () => {
    bed = await startTestBed({ behaviours: { 'img/flaky': { errorRate: 1 } } });
  });
  after(() => bed.close());

  it('invokes an endpoint at the configured rate and stops on request', async () => {
    await deployEndpoint(bed, 'steady', [{ variantName: 'blue', image: 'img/ok', weight: 1 }]);
    bed.emu.control.startTraffic({ endpointName: 'steady', rps: 50 });
    await sleep(1000);
    assert.equal(bed.emu.control.stopTraffic('steady'), true);
    const sent = await invocations(bed, 'steady', 'blue');
    assert.ok(sent >= 40 && sent <= 60, `sent ${sent} in 1 s at 50 rps`);
    await sleep(200);
    assert.equal(await invocations(bed, 'steady', 'blue'), sent);
    assert.deepEqual(bed.emu.control.traffic(), []);
  });

  it('counts model errors and sends to the target variant', async () => {
    await deployEndpoint(bed, 'targeted', [
      { variantName: 'blue', image: 'img/ok', weight: 1 },
      { variantName: 'green', image: 'img/flaky', weight: 0 },
    ]);
    bed.emu.control.startTraffic({ endpointName: 'targeted', rps: 100, targetVariant: 'green' });
    await sleep(300);
    const [status] = bed.emu.control.traffic();
    bed.emu.control.stopAllTraffic();
    assert.ok(status!.sent > 0);
    assert.equal(status!.modelErrors, status!.sent);
    assert.equal(await invocations(bed, 'targeted', 'blue'), 0);
  });

  it('waits quietly for an endpoint that does not serve yet', async () => {
    bed.emu.control.startTraffic({ endpointName: 'later', rps: 100 });
    await sleep(200);
    assert.ok(bed.emu.control.traffic()[0]!.rejected > 0);
    await deployEndpoint(bed, 'later', [{ variantName: 'blue', image: 'img/ok', weight: 1 }]);
    await sleep(200);
    bed.emu.control.stopAllTraffic();
    assert.ok((await invocations(bed, 'later', 'blue')) > 0);
  });

  it('is driven over the control API', async () => {
    await deployEndpoint(bed, 'remote', [{ variantName: 'blue', image: 'img/ok', weight: 1 }]);
    const control = new EmulatorControlClient(bed.emu.url);
    const started = await control.startTraffic({ endpointName: 'remote', rps: 20 });
    assert.equal(started.rps, 20);
    assert.deepEqual(
      (await control.traffic()).map((t) => t.endpointName),
      ['remote'],
    );
    await assert.rejects(control.startTraffic({ endpointName: 'remote', rps: -1 }), /rps must be a number > 0/);
    assert.equal(await control.stopTraffic('remote'), true);
    assert.equal(await control.stopTraffic('remote'), false);
    assert.deepEqual(await control.traffic(), []);
  });
});

describe('traffic from emulator options', () => {
  it('starts with the emulator, serves once the endpoint is InService and stops on close', async () => {
    const emu = await withEmulator({ timings: FAST_TIMINGS, traffic: [{ endpointName: 'demo', rps: 50 }] }, async (bed) => {
      await deployEndpoint(bed, 'demo', [{ variantName: 'blue', image: 'img/ok', weight: 1 }]);
      await sleep(300);
      assert.ok((await invocations(bed, 'demo', 'blue')) > 0);
      return bed.emu;
    });
    assert.deepEqual(emu.control.traffic(), []);
  });
});
