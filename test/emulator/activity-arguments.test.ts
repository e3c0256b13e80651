/** Activity arguments are recorded in history: the object form runs, and so does the positional form older runs scheduled. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateEndpointCommand, DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { createSageMakerActivities } from '../../src/activities/sagemaker';
import { createConfig, createModel, waitForStatus, withEmulator, FAST_TIMINGS } from '../support/emulator';

test('updateEndpoint takes an object, and still the positional arguments of runs recorded before it', async () => {
  await withEmulator({ timings: FAST_TIMINGS }, async (env) => {
    const sm = createSageMakerActivities(env.sm);
    await createModel(env.sm, 'm1');
    for (const [name, count] of [
      ['c1', 1],
      ['c2', 3],
      ['c3', 2],
    ] as const) {
      await createConfig(env.sm, name, [{ VariantName: 'blue', ModelName: 'm1', InitialInstanceCount: count }]);
    }
    await env.sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' }));
    await waitForStatus(env.sm, 'ep', 'InService');
    const live = async () => {
      const ep = await env.sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' }));
      return [ep.EndpointConfigName, ep.ProductionVariants?.[0]?.DesiredInstanceCount];
    };

    // Object form, retaining the live count (1) instead of c2's 3.
    await sm.updateEndpoint({ endpointName: 'ep', endpointConfigName: 'c2', retainAllVariantProperties: true });
    await waitForStatus(env.sm, 'ep', 'InService');
    assert.deepEqual(await live(), ['c2', 1]);

    // Positional form (name, config, retain, exclude): the count is taken from c3 as excluded.
    await sm.updateEndpoint('ep', 'c3', true, ['DesiredInstanceCount']);
    await waitForStatus(env.sm, 'ep', 'InService');
    assert.deepEqual(await live(), ['c3', 2]);
  });
});
