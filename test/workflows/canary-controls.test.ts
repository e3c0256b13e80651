/**
 * The canary's operator controls interleaved with its phases, on the real engine against the emulator:
 * a control that arrives while the rollout judges, shifts or holds does what it says, and nothing an
 * operator asked is dropped or left hanging. Emulator faults (slow GetMetricData, slow weight changes)
 * hold the rollout in the phase under test.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CanaryInput } from '../../src/domain/canary/input';
import { describeEndpoint } from '../../src/inventory';
import { abortSignal, approveStepSignal, canaryStatusQuery, pauseSignal, promoteSignal, resumeSignal, setWeightUpdate } from '../../src/workflows/canary';
import { assertRestored, canaryInput, endpointWithNewVersion, phaseIs, startCanary } from '../support/canary';
import { createHarness, eventually, failureOf, type Harness } from '../support/harness';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => h?.close());
afterEach(() => {
  h.emulator.control.setFaults([]);
  h.emulator.control.setBehaviours({});
});

const slowJudging = (ms: number) => h.emulator.control.setFaults([{ kind: 'latency', ms, operations: ['GetMetricData'] }]);
const weightsOf = async (endpointName: string) =>
  (await describeEndpoint(h.aws.sagemaker, endpointName)).ProductionVariants?.map((v) => [v.VariantName, v.CurrentWeight]);

describe('canary operator controls, interleaved', () => {
  it('pause during judge: the step holds at its weight instead of shifting to the next one', async () => {
    const { endpointName, model, v1 } = await endpointWithNewVersion(h, 'pause-judge');
    slowJudging(3000);
    const handle = await startCanary(h, canaryInput(endpointName, model, { bake: '2s' }));
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('judging', 10));
    await handle.signal(pauseSignal, { by: 'alice' });
    const paused = await eventually(() => handle.query(canaryStatusQuery), phaseIs('paused'));
    assert.equal(paused.canaryWeight, 10, 'paused at the judged step');
    assert.deepEqual(
      paused.gates.map((g) => [g.weight, g.verdict]),
      [[10, 'pass']],
    );
    assert.deepEqual(await weightsOf(endpointName), [
      ['AllTraffic', 90],
      ['canary', 10],
    ]);
    await handle.signal(abortSignal, { by: 'alice' });
    assert.equal((await failureOf(handle.result())).type, 'Aborted');
    h.emulator.control.stopTraffic(endpointName);
    await assertRestored(h, endpointName, model, v1.endpointConfigName);
  });

  it('setWeight during bake: applied in place and answered with the new weight; the step bakes again', async () => {
    const { endpointName, model } = await endpointWithNewVersion(h, 'weight-bake');
    const handle = await startCanary(h, canaryInput(endpointName, model, { bake: '60s' }));
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('baking', 10));
    const status = await handle.executeUpdate(setWeightUpdate, { args: [{ weight: 30, by: 'bob' }] });
    assert.equal(status.canaryWeight, 30);
    assert.deepEqual(await weightsOf(endpointName), [
      ['AllTraffic', 70],
      ['canary', 30],
    ]);
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('baking', 30));
    await handle.signal(abortSignal, { by: 'bob' });
    await failureOf(handle.result());
    h.emulator.control.stopTraffic(endpointName);
  });

  it('setWeight during a judge that fails: the update is answered "not applied", never left hanging', async () => {
    const { endpointName, model, canaryImage } = await endpointWithNewVersion(h, 'weight-judge');
    h.emulator.control.setBehaviours({ [canaryImage]: { errorRate: 0.4 } });
    slowJudging(3000);
    const handle = await startCanary(h, canaryInput(endpointName, model, { bake: '2s' }));
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('judging', 10));
    await assert.rejects(handle.executeUpdate(setWeightUpdate, { args: [{ weight: 30, by: 'bob' }] }), (err: Error) => {
      assert.match(String((err.cause as Error | undefined)?.message), /weight 30% was not applied: the rollout is rolling back: gate failed at 10%/);
      return true;
    });
    assert.equal((await failureOf(handle.result())).type, 'GateFailed');
    h.emulator.control.stopTraffic(endpointName);
  });

  it('promote during hold: the rollout starts at once instead of waiting for the window', async () => {
    const { endpointName, model } = await endpointWithNewVersion(h, 'promote-hold');
    const hour = new Date().getUTCHours();
    const from = (hour + 2) % 24 === 23 ? 1 : (hour + 2) % 24;
    const hh = (n: number) => `${String(n).padStart(2, '0')}:00`;
    const windows: CanaryInput['windows'] = {
      timezone: 'UTC',
      allowed: [{ days: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'], from: hh(from), to: hh(from + 1) }],
    };
    const handle = await startCanary(h, canaryInput(endpointName, model, { bake: '60s', windows }));
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('holding'));
    await handle.signal(promoteSignal, { by: 'carol', reason: 'change approved out of hours' });
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('baking', 10));
    assert.deepEqual(await weightsOf(endpointName), [
      ['AllTraffic', 90],
      ['canary', 10],
    ]);
    await handle.signal(abortSignal, { by: 'carol' });
    await failureOf(handle.result());
    h.emulator.control.stopTraffic(endpointName);
  });

  it('abort during shift: the shift finishes, then everything goes back to the baseline', async () => {
    const { endpointName, model, v1 } = await endpointWithNewVersion(h, 'abort-shift');
    h.emulator.control.setFaults([{ kind: 'slowTransitions', factor: 20, transitions: ['weights'], endpoints: [endpointName] }]);
    const handle = await startCanary(h, canaryInput(endpointName, model, { bake: '2s' }));
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('shifting'));
    await handle.signal(abortSignal, { by: 'dave', reason: 'incident' });
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, 'Aborted');
    const status = await handle.query(canaryStatusQuery);
    assert.deepEqual(
      status.gates.map((g) => g.weight),
      [10],
      'no step judged after the abort',
    );
    h.emulator.control.stopTraffic(endpointName);
    await assertRestored(h, endpointName, model, v1.endpointConfigName);
  });

  it('approve after an off-plan setWeight releases the step that is actually next', async () => {
    const { endpointName, model } = await endpointWithNewVersion(h, 'approve-off-plan');
    const handle = await startCanary(h, canaryInput(endpointName, model, { bake: '60s', approvalSteps: [100] }));
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('baking', 10));
    await handle.executeUpdate(setWeightUpdate, { args: [{ weight: 60, by: 'erin' }] });
    await handle.signal(approveStepSignal, { by: 'erin' });
    await handle.signal(promoteSignal, { by: 'erin' });
    // 100% is the step after 60%, and it is the promotion: the approval given at 60% lets the promote go
    // there (to the final config) without waiting.
    await handle.result();
    h.emulator.control.stopTraffic(endpointName);
    const status = await handle.query(canaryStatusQuery);
    assert.equal(status.actions.find((a) => a.action === 'approve')?.detail, 'step 100%');
    assert.deepEqual([status.phase, status.canaryWeight], ['succeeded', 100]);
  });

  it('a pause stops the progress deadline but does not restart it: the step still has to pass within it', async () => {
    const { endpointName, model } = await endpointWithNewVersion(h, 'deadline-pause');
    // Each bake needs 4 s of a 6 s deadline; 2.5 s baked before the pause leave 3.5 s, too little for
    // the bake that starts again after it.
    const handle = await startCanary(h, canaryInput(endpointName, model, { bake: '4s', progressDeadline: '6s' }));
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('baking', 10));
    await new Promise((r) => setTimeout(r, 2500));
    await handle.signal(pauseSignal, { by: 'frank', duration: '8s' });
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('paused'));
    await handle.signal(resumeSignal, { by: 'frank' });
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, 'ProgressDeadlineExceeded');
    const status = await handle.query(canaryStatusQuery);
    assert.deepEqual(status.gates, [], 'the step was never judged');
    h.emulator.control.stopTraffic(endpointName);
  });

  it('a long pause is not counted against the progress deadline', async () => {
    const { endpointName, model } = await endpointWithNewVersion(h, 'long-pause');
    const handle = await startCanary(h, canaryInput(endpointName, model, { steps: [10, 100], bake: '1500ms', progressDeadline: '4s' }));
    await eventually(() => handle.query(canaryStatusQuery), phaseIs('baking', 10));
    await handle.signal(pauseSignal, { by: 'gina', duration: '5s' });
    const result = await handle.result();
    assert.deepEqual(
      result.gates.map((g) => [g.weight, g.verdict]),
      [[10, 'pass']],
    );
    h.emulator.control.stopTraffic(endpointName);
  });
});
