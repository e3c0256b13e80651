/**
 * The canary's undo and cleanup steps are bounded (twice inServiceTimeout each): a step that keeps failing
 * ends the run, naming what is left, instead of retrying forever while holding the endpoint's workflow id.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { abortSignal, canaryStatusQuery } from '../../src/workflows/canary';
import { canaryInput, endpointWithNewVersion, phaseIs, startCanary } from '../support/canary';
import { createHarness, eventually, failureOf, within, type Harness } from '../support/harness';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => h?.close());

describe('canary: every undo and cleanup step is bounded', () => {
  it('a rollback whose baseline restore and registry record keep failing ends as RollbackIncomplete instead of retrying forever', async () => {
    const { endpointName, model } = await endpointWithNewVersion(h, 'cbound');
    try {
      // Bound: twice inServiceTimeout (10 s) per undo step.
      const handle = await startCanary(h, canaryInput(endpointName, model, { bake: '60s', inServiceTimeout: '5s' }));
      await eventually(() => handle.query(canaryStatusQuery), phaseIs('baking', 10));
      h.emulator.control.setFaults([
        { kind: 'serverError', operations: ['SageMaker.DescribeEndpoint'] },
        { kind: 'serverError', operations: ['SageMaker.UpdateModelPackage'] },
      ]);
      await handle.signal(abortSignal, { by: 'test', reason: 'bounded undo' });
      const failure = await within(120_000, failureOf(handle.result()), () => handle.terminate('test: compensation did not end'));
      assert.equal(failure.type, 'RollbackIncomplete', failure.message);
      const { rollbackFailures } = failure.details?.[0] as { rollbackFailures: string[] };
      assert.ok(
        rollbackFailures.some((f) => /^restore AllTraffic to 2 instance\(s\): /.test(f)),
        rollbackFailures.join('; '),
      );
      assert.ok(
        rollbackFailures.some((f) => /^set version 2 to .*\/CanaryAborted in the registry: /.test(f)),
        rollbackFailures.join('; '),
      );
    } finally {
      h.emulator.control.setFaults([]);
      h.emulator.control.stopTraffic(endpointName);
    }
  });

  it('a promoted rollout whose registry record keeps failing ends, typed, instead of retrying forever', async () => {
    const { endpointName, model } = await endpointWithNewVersion(h, 'cboundok');
    // Only the cleanup writes to the registry on a successful rollout.
    h.emulator.control.setFaults([{ kind: 'serverError', operations: ['SageMaker.UpdateModelPackage'] }]);
    try {
      const handle = await startCanary(h, canaryInput(endpointName, model, { inServiceTimeout: '5s' }));
      const failure = await within(120_000, failureOf(handle.result()), () => handle.terminate('test: cleanup did not end'));
      assert.equal(failure.type, 'InfrastructureFailed', failure.message);
      assert.match(
        failure.message,
        new RegExp(`on ${endpointName} was promoted .*but setting version 2 to Production/Deployed in the registry did not finish`),
      );
      const after = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
      assert.equal(
        after.EndpointConfigName,
        (failure.details?.[0] as { endpointConfigName: string }).endpointConfigName,
        'the endpoint serves the final config',
      );
    } finally {
      h.emulator.control.setFaults([]);
      h.emulator.control.stopTraffic(endpointName);
    }
  });
});
