import * as wf from '@temporalio/workflow';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../activities';
import { canaryInputSchema, canaryModelRef, canaryModelRefSchema, type ActorInput, type CanaryInput, type CanaryRefInput, type PauseInput, type PromoteInput, type ResolvedModelRefRecord, type SetWeightInput } from '../domain/canary/input';
import { type CanaryResult, type CanaryStatus } from '../domain/canary/status';
import { parseDuration } from '../domain/duration';
import { endpointMismatches, type VariantSpec } from '../domain/endpoint';
import { evaluateGate } from '../domain/gate';
import { endpointConfigName, modelName } from '../domain/names';
import { resolvePollPolicy } from '../domain/polling';
import { describeIssues, INVALID_INPUT, validate } from '../domain/validation';
import { nextWindowStart } from '../domain/windows';
import { AWS_CALL, pollingOptions, UNDO } from './activity-options';
import { CanaryState } from './canary-state';
import { rootMessage, Saga } from './saga';

export const pauseSignal = wf.defineSignal<[PauseInput?]>('pause');
export const resumeSignal = wf.defineSignal<[ActorInput?]>('resume');
export const abortSignal = wf.defineSignal<[ActorInput?]>('abort');
export const promoteSignal = wf.defineSignal<[PromoteInput?]>('promote');
export const approveStepSignal = wf.defineSignal<[ActorInput?]>('approve');
export const setWeightUpdate = wf.defineUpdate<CanaryStatus, [SetWeightInput]>('setWeight');
export const canaryStatusQuery = wf.defineQuery<CanaryStatus>('status');

const aws = wf.proxyActivities<Activities>(AWS_CALL);
const undo = wf.proxyActivities<Activities>(UNDO);
const notifier = wf.proxyActivities<Activities>({ startToCloseTimeout: '15s', retry: { maximumAttempts: 3 } });

/**
 * Canary rollout: moves an endpoint from its current (baseline) variant to a new model version through
 * traffic steps (default 5 → 25 → 50 → 100%), baking at each step and judging the canary against the
 * baseline with CloudWatch metrics. A failing gate, an abort, an AWS error or a missed deadline sends all
 * traffic back to the baseline at once and removes the canary. Operators steer with signals (pause,
 * resume, promote, abort, approve) and the `setWeight` update; `status` shows every gate and action.
 */
export async function canaryRollout(input: CanaryInput | CanaryRefInput): Promise<CanaryResult> {
  const { named, modelRef } = await resolveModelRef(input);
  const checked = validate(canaryInputSchema, named);
  if (!checked.ok) {
    throw ApplicationFailure.nonRetryable(`invalid canary input: ${describeIssues(checked.issues)}`, INVALID_INPUT, ...checked.issues);
  }
  const req = checked.value;
  const { endpointName } = req;
  const state = new CanaryState(req);
  state.status.modelRef = modelRef;
  wf.setHandler(canaryStatusQuery, () => state.status);
  wf.setHandler(pauseSignal, (p) => state.pause(p));
  wf.setHandler(resumeSignal, (p) => state.resume(p));
  wf.setHandler(abortSignal, (p) => state.abort(p));
  wf.setHandler(promoteSignal, (p) => state.promote(p));
  wf.setHandler(approveStepSignal, (p) => state.approve(p));
  wf.setHandler(
    setWeightUpdate,
    async (p) => {
      state.setWeight(p);
      await wf.condition(() => state.pendingWeight === undefined);
      return state.status;
    },
    { validator: (p) => state.validateSetWeight(p) }
  );
  const waits = wf.proxyActivities<Activities>(pollingOptions(resolvePollPolicy(req.poll), parseDuration(req.inServiceTimeout)));
  const notify = async (event: string, extra?: Record<string, unknown>) => {
    if (req.webhookUrl) await notifier.notifyWebhook(req.webhookUrl, state.event(event, extra));
  };
  const fail = (message: string, type: string) => ApplicationFailure.nonRetryable(message, type);

  // 1. The version must be approved, and the endpoint must serve one variant: the baseline.
  state.phase('preparing');
  const version = await aws.getModelVersion(req.model.name, req.model.version);
  if (version.approval !== 'Approved') {
    throw fail(`${req.model.name} version ${version.version} is ${version.approval}; only an Approved version can be rolled out`, 'VersionNotApproved');
  }
  const current = await waits.awaitEndpointInService(endpointName);
  const original = await aws.describeEndpointConfig(current.configName!);
  if (!original || original.variants.length !== 1) {
    throw fail(`endpoint ${endpointName} serves ${original?.variants.length ?? 0} variants; a canary starts from an endpoint serving one`, 'EndpointNotReady');
  }
  const live = current.variants[0];
  const baseline: VariantSpec = { ...original.variants[0], instanceCount: live?.desiredInstanceCount ?? original.variants[0].instanceCount };
  const canaryName = req.canary.variantName;
  if (canaryName === baseline.variantName) {
    throw ApplicationFailure.nonRetryable(`invalid canary input: canary.variantName: must differ from the baseline variant ${baseline.variantName}`, INVALID_INPUT);
  }
  state.status.baselineVariant = baseline.variantName;
  const newModel = modelName(req.model.name, version.version);
  if (baseline.modelName === newModel) {
    throw fail(`endpoint ${endpointName} already serves ${req.model.name} version ${version.version}`, 'AlreadyServing');
  }
  const canary: VariantSpec = {
    variantName: canaryName,
    modelName: newModel,
    instanceType: req.canary.instanceType ?? baseline.instanceType,
    instanceCount: req.canary.instanceCount,
    weight: req.steps[0],
  };
  const rampVariants = [{ ...baseline, weight: 100 - req.steps[0] }, canary];
  const rampConfig = endpointConfigName(endpointName, `canary-v${version.version}`, rampVariants);
  const weightsAt = (w: number) => [
    { variantName: baseline.variantName, weight: 100 - w },
    { variantName: canaryName, weight: w },
  ];

  const saga = new Saga();
  const removed: string[] = [];
  let finalConfig: string;
  try {
    // 2. Both variants in one new config: baseline at its weight, canary at the first step.
    state.phase('starting');
    await notify('started', { steps: req.steps });
    saga.add(`delete model ${newModel}`, async () => {
      // The version may already serve elsewhere (a staging endpoint): only this rollout's use is undone.
      if (!(await usedByOtherEndpoints(newModel))) await undo.deleteModel(newModel);
    });
    await aws.createModel({ name: newModel, image: version.image, modelDataUrl: version.modelDataUrl, executionRoleArn: req.executionRoleArn });
    saga.add(`delete endpoint config ${rampConfig}`, () => undo.deleteEndpointConfig(rampConfig));
    await aws.createEndpointConfig(rampConfig, rampVariants);
    saga.add(`restore endpoint ${endpointName} to ${original.name}`, () => undo.restoreEndpointConfig(endpointName, original.name));
    saga.add(`send all traffic to ${baseline.variantName}`, async () => {
      const ep = await undo.describeEndpoint(endpointName);
      if (ep?.configName === rampConfig) await undo.updateEndpointWeightsAndCapacities(endpointName, weightsAt(0));
    });
    if (await holdOutsideWindow(req, state, notify)) throw abortedFailure(state);
    await aws.updateEndpoint(endpointName, rampConfig);
    const started = await waits.awaitEndpointInService(endpointName);
    expectServing(started, rampConfig, req.steps[0]);
    state.status.stepIndex = 0;
    state.status.canaryWeight = req.steps[0];

    // 3. Ramp: bake and judge each step, then shift to the next.
    let index = 0;
    for (;;) {
      await notify('step', { step: index, weight: state.status.canaryWeight });
      const outcome = await bakeAndJudge();
      if (outcome === 'full' || state.status.canaryWeight === 100) break;
      // The next step above the current weight (an operator's setWeight may have moved it off the plan).
      const next = req.steps.findIndex((s) => s > state.status.canaryWeight);
      if (await holdOutsideWindow(req, state, notify)) throw abortedFailure(state);
      if (req.approvalSteps.includes(req.steps[next]) && !(await awaitApproval(req.steps[next]))) throw abortedFailure(state);
      await shiftTo(req.steps[next]);
      index = next;
      state.status.stepIndex = index;
    }
    if (state.status.canaryWeight !== 100) await shiftTo(100);

    // 4. Promote: one variant again, with the baseline's name and capacity, serving the new model.
    state.phase('finalizing');
    const finalVariants: VariantSpec[] = [{ ...baseline, modelName: newModel, weight: 1 }];
    finalConfig = endpointConfigName(endpointName, `v${version.version}`, finalVariants);
    saga.add(`delete endpoint config ${finalConfig}`, () => undo.deleteEndpointConfig(finalConfig));
    await aws.createEndpointConfig(finalConfig, finalVariants);
    await aws.updateEndpoint(endpointName, finalConfig);
    const promoted = await waits.awaitEndpointInService(endpointName);
    const problems = endpointMismatches(promoted, { configName: finalConfig, variants: [{ variantName: baseline.variantName }] });
    if (problems.length) throw fail(`promoting ${endpointName} to version ${version.version} failed: ${problems.join('; ')}`, 'EndpointDrift');
  } catch (err) {
    // 5. Roll back: all traffic to the baseline at once, canary removed, version rejected.
    const reason = rootMessage(err);
    state.status.error = reason;
    state.phase('rolling-back');
    const { done, failed } = await saga.compensate();
    const aborted = !!state.abortedBy || wf.isCancellation(err);
    await wf.CancellationScope.nonCancellable(async () => {
      // The registry records the outcome. An operator's abort is no verdict on the model: it stays
      // Approved so `retry` can roll it out again; every other failure rejects the version.
      await undo.transitionModelStage({ model: req.model.name, version: version.version, stage: version.stage, status: aborted ? 'CanaryAborted' : 'CanaryRolledBack', description: reason });
      if (!aborted) await undo.setModelApproval(req.model.name, version.version, 'Rejected', `canary on ${endpointName} rolled back: ${reason}`);
      await notify(aborted ? 'aborted' : 'rolled-back', { reason, rolledBack: done, rollbackFailures: failed });
    });
    state.phase('rolled-back');
    if (wf.isCancellation(err)) throw err;
    const type = failed.length ? 'RollbackIncomplete' : err instanceof ApplicationFailure && err.type ? err.type : 'CanaryFailed';
    throw ApplicationFailure.nonRetryable(
      `canary of ${req.model.name} v${version.version} on ${endpointName} rolled back: ${reason}` +
        (failed.length ? `. ROLLBACK INCOMPLETE, needs an operator: ${failed.join('; ')}` : ''),
      type,
      { reason, rolledBack: done, rollbackFailures: failed, gates: state.status.gates }
    );
  }

  // 6. The registry names what serves, then superseded resources go once nothing uses them.
  await undo.transitionModelStage({ model: req.model.name, version: version.version, stage: 'Production', status: 'Deployed', archiveExisting: true, description: `serving on endpoint ${endpointName}` });
  if (!req.keepSuperseded) {
    state.phase('cleaning-up');
    // The ramp config is this run's own; the original config and model may serve other endpoints too.
    const othersConfigs = (await undo.endpointConfigsInUse(endpointName)).map((u) => u.configName);
    if (await undo.deleteEndpointConfig(rampConfig)) removed.push(rampConfig);
    if (!othersConfigs.includes(original.name) && (await undo.deleteEndpointConfig(original.name))) removed.push(original.name);
    const oldModelElsewhere = (await undo.configsUsingModel(othersConfigs, baseline.modelName)).length > 0;
    if (!oldModelElsewhere && (await undo.deleteModel(baseline.modelName))) removed.push(baseline.modelName);
  }
  state.phase('succeeded');
  await notify('completed', { endpointConfigName: finalConfig });
  return { endpointName, version: version.version, endpointConfigName: finalConfig, gates: state.status.gates, removed, modelRef };

  /** Whether an endpoint other than this one serves `model` (one pass over the account's endpoints). */
  async function usedByOtherEndpoints(model: string): Promise<boolean> {
    const configs = (await undo.endpointConfigsInUse(endpointName)).map((u) => u.configName);
    return (await undo.configsUsingModel(configs, model)).length > 0;
  }

  /** Shifts traffic in place and checks the endpoint really took it. */
  async function shiftTo(weight: number): Promise<void> {
    state.phase('shifting');
    await aws.updateEndpointWeightsAndCapacities(endpointName, weightsAt(weight));
    expectServing(await waits.awaitEndpointInService(endpointName), rampConfig, weight);
    state.status.canaryWeight = weight;
  }

  /** Verify, don't trust InService: the config and both weights must be what was asked. */
  function expectServing(ep: Parameters<typeof endpointMismatches>[0], config: string, weight: number): void {
    const problems = endpointMismatches(ep, { configName: config, variants: weightsAt(weight) });
    if (problems.length) throw fail(`endpoint ${endpointName} is not serving the canary at ${weight}%: ${problems.join('; ')}`, 'EndpointDrift');
  }

  /**
   * Bakes the current step, honouring pause, promote, abort and setWeight, then judges it. Returns 'next'
   * when the gate passes or an operator promotes, 'full' for promote --full; throws on fail or abort.
   */
  async function bakeAndJudge(): Promise<'next' | 'full'> {
    const bakeMs = parseDuration(req.bake);
    const deadlineMs = parseDuration(req.progressDeadline);
    let progressMs = 0;
    let inconclusive = 0;
    for (;;) {
      const windowStart = Date.now();
      let baked = 0;
      while (baked < bakeMs) {
        if (state.abortedBy) throw abortedFailure(state);
        if (state.promotion) return takePromotion();
        if (state.pendingWeight !== undefined) {
          try {
            await shiftTo(state.pendingWeight);
          } finally {
            state.pendingWeight = undefined;
          }
          // A new weight is a new step: bake and judge it from the start.
          return bakeAndJudge();
        }
        if (state.status.paused) {
          state.phase('paused');
          await notify('paused', { until: state.status.pausedUntil });
          const until = state.pausedUntil;
          const resumed = () => !state.status.paused || !!state.abortedBy || state.pendingWeight !== undefined;
          if (until) await wf.condition(resumed, Math.max(1, until - Date.now()));
          else await wf.condition(resumed);
          if (state.status.paused && state.pausedUntil === until && until !== undefined && Date.now() >= until) state.unpause();
          if (!state.status.paused) await notify('resumed');
          // A pause interrupts the bake window: measure again from the start.
          return bakeAndJudge();
        }
        state.phase('baking');
        const t0 = Date.now();
        const budget = Math.min(bakeMs - baked, deadlineMs - progressMs);
        if (budget <= 0) throw fail(`step ${state.status.canaryWeight}% made no progress within ${req.progressDeadline}`, 'ProgressDeadlineExceeded');
        await wf.condition(() => state.interrupted, budget);
        baked += Date.now() - t0;
        progressMs += Date.now() - t0;
      }
      state.phase('judging');
      const result = await judge(windowStart);
      if (result === 'pass') return 'next';
      if (result === 'fail') throw fail(`gate failed at ${state.status.canaryWeight}%: ${state.status.gates.at(-1)!.reasons.join('; ')}`, 'GateFailed');
      inconclusive++;
      if (req.gate.onInconclusive === 'fail' || (req.gate.onInconclusive === 'wait' && inconclusive >= req.gate.maxInconclusive)) {
        throw fail(`gate inconclusive at ${state.status.canaryWeight}% ${inconclusive} time(s): ${state.status.gates.at(-1)!.reasons.join('; ')}`, 'GateInconclusive');
      }
      if (req.gate.onInconclusive === 'pause') state.pause({ by: 'gate', reason: 'inconclusive: waiting for an operator' });
      if (progressMs >= deadlineMs) throw fail(`step ${state.status.canaryWeight}% made no progress within ${req.progressDeadline}`, 'ProgressDeadlineExceeded');
    }
  }

  /** Reads both variants' metrics over the bake window and records the verdict. */
  async function judge(windowStart: number): Promise<'pass' | 'fail' | 'inconclusive'> {
    const end = Date.now();
    const [metrics, alarmsInAlarm] = await Promise.all([
      aws.getVariantMetrics({ endpointName, variantNames: [baseline.variantName, canaryName], start: windowStart, end, periodSeconds: parseDuration(req.gate.metricPeriod) / 1000 }),
      aws.alarmsInAlarm(req.gate.alarms),
    ]);
    const [base, can] = metrics;
    const { verdict, reasons } = evaluateGate(base, can, req.gate, alarmsInAlarm);
    state.gate({
      step: state.status.stepIndex,
      weight: state.status.canaryWeight,
      at: new Date(end).toISOString(),
      window: { start: new Date(windowStart).toISOString(), end: new Date(end).toISOString() },
      baseline: base,
      canary: can,
      alarmsInAlarm,
      verdict,
      reasons,
      dryRun: req.gate.dryRun,
    });
    return req.gate.dryRun ? 'pass' : verdict;
  }

  function takePromotion(): 'next' | 'full' {
    const p = state.promotion!;
    state.promotion = undefined;
    return p;
  }

  async function awaitApproval(weight: number): Promise<boolean> {
    state.phase('awaiting-approval');
    await notify('awaiting-approval', { nextWeight: weight });
    await wf.condition(() => state.approved.has(weight) || !!state.promotion || !!state.abortedBy);
    if (state.promotion === 'next') state.promotion = undefined;
    return !state.abortedBy;
  }
}

/**
 * `model: { ref }` (e.g. `models:/churn@champion`) is resolved to one version before anything else, so a
 * moving reference cannot change under a running rollout and the run records what it rolled out.
 */
async function resolveModelRef(input: CanaryInput | CanaryRefInput): Promise<{ named: unknown; modelRef?: ResolvedModelRefRecord }> {
  const ref = canaryModelRef(input);
  if (ref === undefined) return { named: input };
  const checked = validate(canaryModelRefSchema, input.model);
  if (!checked.ok) {
    const issues = checked.issues.map((i) => ({ ...i, field: i.field === '(input)' ? 'model' : `model.${i.field}` }));
    throw ApplicationFailure.nonRetryable(`invalid canary input: ${describeIssues(issues)}`, INVALID_INPUT, ...issues);
  }
  const resolved = await aws.resolveModelRef(ref).catch((err: unknown) => {
    // A reference that names nothing is an input error, typed so CI can tell it from a failed rollout.
    throw ApplicationFailure.nonRetryable(`model.ref ${ref} did not resolve: ${rootMessage(err)}`, 'ModelRefUnresolved');
  });
  return {
    named: { ...input, model: { name: resolved.version.model, version: resolved.version.version } },
    modelRef: { ref, pinned: resolved.pinned, moving: resolved.moving },
  };
}

/** Holds while outside the allowed windows; returns true if aborted meanwhile. Promote overrides a hold. */
async function holdOutsideWindow(req: { windows?: Parameters<typeof nextWindowStart>[1] }, state: CanaryState, notify: (e: string, x?: Record<string, unknown>) => Promise<void>): Promise<boolean> {
  if (!req.windows) return false;
  const opens = nextWindowStart(Date.now(), req.windows);
  if (opens <= Date.now()) return false;
  state.phase('holding');
  await notify('holding', { until: new Date(opens).toISOString() });
  await wf.condition(() => !!state.abortedBy || !!state.promotion, opens - Date.now());
  if (state.promotion === 'next') state.promotion = undefined;
  return !!state.abortedBy;
}

function abortedFailure(state: CanaryState): ApplicationFailure {
  const by = state.abortedBy ?? {};
  return ApplicationFailure.nonRetryable(`aborted by ${by.by ?? 'an operator'}${by.reason ? `: ${by.reason}` : ''}`, 'Aborted');
}
