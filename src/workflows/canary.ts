import * as wf from '@temporalio/workflow';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../activities';
import type { ModelVersion } from '../activities/registry';
import {
  canaryInputSchema,
  canaryModelRef,
  canaryModelRefIssues,
  withResolvedModelRef,
  type CanaryInput,
  type CanaryRefInput,
  type CanaryRequest,
  type ResolvedModelRefRecord,
} from '../domain/canary/input';
import {
  canaryCleanupRequest,
  canaryInstancesAt,
  capacityNow,
  capacityRefusal,
  finalConfigFor,
  nextStepAbove,
  planCanaryLayout,
  refuseVersion,
  weightsAt,
  type CanaryLayout,
} from '../domain/canary/plan';
import { canaryScalingFrom, withMinCapacity } from '../domain/canary/scaling';
import { inRequestOrder } from '../domain/cleanup';
import type { CanaryResult } from '../domain/canary/status';
import { parseDuration } from '../domain/duration';
import { endpointMismatches, type VariantScaling } from '../domain/endpoint';
import { evaluateGate, firstWholeWindowAt, ingestionDelayMs, judgedWindow } from '../domain/gate';
import { resolvePollPolicy } from '../domain/polling';
import { failure, FAILURE, invalidInput, isFailureType, rolledBack, type FailureType } from '../domain/failures';
import { validate } from '../domain/validation';
import { nextWindowStart } from '../domain/windows';
import { awsActivities, pollingActivities, UNDO, undoActivities } from './activity-options';
import { requireOurs, runOwner, withOriginalTags } from './ownership';
import { CanaryState } from './canary-state';
import { reportsCancelled } from './cancelled';
import { rootMessage, Saga } from './saga';

import { pauseSignal, resumeSignal, abortSignal, promoteSignal, approveStepSignal, setWeightUpdate, canaryStatusQuery } from './messages';
// Re-exported for code that imported them from here; messages.ts is their one definition.
export { pauseSignal, resumeSignal, abortSignal, promoteSignal, approveStepSignal, setWeightUpdate, canaryStatusQuery };

const aws = awsActivities();
/**
 * Compensation and cleanup activities retried WITHOUT a bound (UNDO): only for runs started before patches
 * `bounded-compensation` and `canary-bounded-undo`, whose histories used it. New code uses `run.undo`.
 */
const unboundedUndo = wf.proxyActivities<Activities>(UNDO);
const notifier = wf.proxyActivities<Activities>({ startToCloseTimeout: '15s', retry: { maximumAttempts: 3 } });

/** Everything one rollout's phases share: what was asked, what was read, what was planned, what to undo. */
interface CanaryRun {
  req: CanaryRequest;
  state: CanaryState;
  version: ModelVersion;
  plan: CanaryLayout;
  saga: Saga;
  /** Compensation and cleanup activities, bounded overall (unbounded in runs started before the patch). */
  undo: wf.ActivityInterfaceFor<Activities>;
  /**
   * For the baseline's count restore and the registry calls of rollback and cleanup: `undo` (bounded) since
   * patch `canary-bounded-undo`; runs started before it used the unbounded proxy there, and still do.
   */
  lateUndo: wf.ActivityInterfaceFor<Activities>;
  /** Whether those steps are bounded (patch `canary-bounded-undo`): a step that gives up is reported, not thrown. */
  boundedLateUndo: boolean;
  /**
   * A rollback restores the original config while the endpoint is on a config this run moved it to (ramp
   * or final), whoever created it (patch `restore-from-moved-config`; older runs: while on a config whose
   * tags say this run created it).
   */
  restoreFromMoved?: boolean;
  /** Activities whose attempts are polls (awaitEndpointInService), bounded by inServiceTimeout. */
  waits: wf.ActivityInterfaceFor<Activities>;
  /** How long those waits tolerate OutOfService (poll.outOfService). */
  outOfServiceMs: number;
  notify: (event: string, extra?: Record<string, unknown>) => Promise<void>;
  modelRef?: ResolvedModelRefRecord;
  /**
   * The canary's count follows its weight, shifts wait out an autoscaler's Updating, promote goes straight
   * to the final config and rollback restores the baseline's count first (patch `canary-capacity`; runs
   * started before it keep the canary at canary.instanceCount).
   */
  capacity: boolean;
  /** The final config promote built (its count is known only then). */
  final?: { name: string; variants: CanaryLayout['finalVariants'] };
  /**
   * The baseline's autoscaling when the rollout started (patch `canary-scaling`): the canary variant gets a
   * target and policies derived from it while it serves (src/domain/canary/scaling.ts). Undefined when the
   * baseline is not autoscaled, or in runs started before the patch.
   */
  baselineScaling?: VariantScaling;
  /** The canary's own scaling as last registered (its MinCapacity follows the weight). */
  canaryScaling?: VariantScaling;
  /**
   * The step at 100 % is the promotion itself (patch `canary-promote-at-100`): after the last gated step
   * below 100 the endpoint moves straight to the final config; the canary never serves 100 % on the ramp
   * config. Runs started before it shift to 100 % in place first.
   */
  promoteAt100: boolean;
  /**
   * The autoscaled baseline's MinCapacity raised to its live count for the rollout (patch
   * `canary-pins-baseline`), so target tracking cannot shrink it as its traffic falls; put back exactly on
   * promote (once the final config serves) and on rollback.
   */
  baselinePin?: { resourceId: string; original: number; pinned: number };
}

/** How a step's bake ended: gate passed or operator promoted ('next'), promote --full ('full'). */
type StepOutcome = 'next' | 'full';

/**
 * Canary rollout: moves an endpoint from its current (baseline) variant to a new model version through
 * traffic steps (default 5 → 25 → 50 → 100%), baking at each step and judging the canary against the
 * baseline with CloudWatch metrics. A failing gate, an abort, an AWS error or a missed deadline sends all
 * traffic back to the baseline at once and removes the canary. Operators steer with signals (pause,
 * resume, promote, abort, approve) and the `setWeight` update; `status` shows every gate and action.
 */
export async function canaryRollout(input: CanaryInput | CanaryRefInput): Promise<CanaryResult> {
  const { req, modelRef } = await validInput(input);
  const state = new CanaryState(req);
  state.status.modelRef = modelRef;
  handleOperatorControls(state);
  const run = await prepare(req, state, modelRef);
  try {
    await startRamp(run);
    let outcome = await bakeAndJudge(run);
    while (outcome === 'next' && !promotesNext(run)) {
      await shiftToNextStep(run);
      outcome = await bakeAndJudge(run);
    }
    if (outcome === 'next' && run.promoteAt100 && state.status.canaryWeight < 100) await awaitPromotionStep(run);
    await promote(run);
  } catch (err) {
    throw await rollBack(run, err);
  }
  const result = await cleanUp(run);
  // An update accepted late (promote won the race) is answered, not dropped with the run.
  state.settleWeight('the rollout was promoted before the weight could be applied');
  await wf.condition(wf.allHandlersFinished);
  return result;
}

/** Operators' signals and the setWeight update only record intent; the phases act on it. */
function handleOperatorControls(state: CanaryState): void {
  wf.setHandler(canaryStatusQuery, () => state.status);
  wf.setHandler(pauseSignal, (p) => state.pause(p));
  wf.setHandler(resumeSignal, (p) => state.resume(p));
  wf.setHandler(abortSignal, (p) => state.abort(p));
  wf.setHandler(promoteSignal, (p) => state.promote(p));
  wf.setHandler(approveStepSignal, (p) => state.approve(p));
  wf.setHandler(
    setWeightUpdate,
    async (p) => {
      const ticket = state.setWeight(p);
      await wf.condition(() => state.weightOutcome(ticket) !== undefined);
      const notApplied = state.weightOutcome(ticket);
      if (notApplied) throw ApplicationFailure.nonRetryable(`weight ${p.weight}% was not applied: ${notApplied}`, FAILURE.WeightNotApplied);
      return state.status;
    },
    { validator: (p) => state.validateSetWeight(p) },
  );
}

/** 1. Prepare: the version must be approved, and the endpoint must serve one variant (the baseline). */
async function prepare(req: CanaryRequest, state: CanaryState, modelRef?: ResolvedModelRefRecord): Promise<CanaryRun> {
  state.phase('preparing');
  const version = await aws.getModelVersion(req.model.name, req.model.version);
  const notApproved = refuseVersion(req, version);
  if (notApproved) throw ApplicationFailure.nonRetryable(notApproved.reason, notApproved.type);
  const poll = resolvePollPolicy(req.poll);
  const waits = pollingActivities(poll, parseDuration(req.inServiceTimeout));
  const endpoint = await waits.awaitEndpointInService(req.endpointName, poll.outOfServiceMs);
  const config = await aws.describeEndpointConfig(endpoint.configName!);
  const capacity = wf.patched('canary-capacity');
  // The canary variant carries the baseline variant's settings (VolumeSizeInGB, start-up timeouts, …). Runs
  // started before this patch built it without them, and named their ramp config for that.
  const variantSettings = wf.patched('canary-variant-settings');
  const planned = planCanaryLayout(req, { version, endpoint, config }, { capacity, variantSettings });
  if (!planned.ok) throw ApplicationFailure.nonRetryable(planned.refusal.reason, planned.refusal.type);
  state.status.baselineVariant = planned.plan.baseline.variantName;
  const notify = async (event: string, extra?: Record<string, unknown>) => {
    if (req.webhookUrl) await notifier.notifyWebhook(req.webhookUrl, state.event(event, extra));
  };
  const { undo: boundedUndo } = undoActivities<Activities>(parseDuration(req.inServiceTimeout));
  // The baseline's count restore and the registry calls of rollback and cleanup are bounded too (runs
  // started before this patch retry them without end, as their histories did).
  const boundedLateUndo = wf.patched('canary-bounded-undo');
  const baselineScaling =
    capacity && wf.patched('canary-scaling') ? (await aws.describeVariantScaling(req.endpointName, [planned.plan.baseline.variantName]))[0] : undefined;
  const promoteAt100 = capacity && wf.patched('canary-promote-at-100');
  return {
    req,
    state,
    version,
    plan: planned.plan,
    saga: new Saga(),
    undo: boundedUndo,
    lateUndo: boundedLateUndo ? boundedUndo : unboundedUndo,
    boundedLateUndo,
    waits,
    outOfServiceMs: poll.outOfServiceMs,
    notify,
    modelRef,
    capacity,
    baselineScaling,
    promoteAt100,
  };
}

/** 2. Start the ramp: both variants in one new config, baseline at its weight, canary at the first step. */
async function startRamp(run: CanaryRun): Promise<void> {
  const { req, state, plan, saga } = run;
  const { endpointName } = req;
  const newModel = plan.sageMakerModelName;
  const rampConfig = plan.rampEndpointConfigName;
  state.phase('starting');
  await run.notify('started', { steps: req.steps });
  // Ownership tags on what this run creates; newer runs undo only what the tags say they made, and
  // restore only from this run's configs (older histories replay the name-based undo).
  const owner = runOwner(endpointName);
  const ownedOnly = wf.patched('undo-only-owned');
  run.restoreFromMoved = ownedOnly && wf.patched('restore-from-moved-config');
  const { undo } = run;
  saga.add(`delete model ${newModel}`, async () => {
    // The version may already serve elsewhere (a staging endpoint made it): only a model this run made goes.
    if (ownedOnly) return undo.deleteModelIfOwned({ name: newModel, owner });
    if (!(await usedByOtherEndpoints(endpointName, newModel))) await undo.deleteModel(newModel);
  });
  // The new version runs as the baseline's model does: same environment, network and tags. Runs
  // started before this patch create the model without them, as they did.
  const settings = wf.patched('canary-keeps-model-settings') ? await aws.modelSettings(plan.baseline.modelName) : {};
  // A model of this version made by someone else (same container, checked by createModel) is used as is.
  await aws.createModel({
    ...settings,
    name: newModel,
    image: run.version.image,
    modelDataUrl: run.version.modelDataUrl,
    executionRoleArn: req.executionRoleArn,
    ...(ownedOnly ? { owner } : {}),
  });
  saga.add(`delete endpoint config ${rampConfig}`, () =>
    ownedOnly ? undo.deleteEndpointConfigIfOwned({ name: rampConfig, owner }) : undo.deleteEndpointConfig(rampConfig),
  );
  const ramp = await aws.createEndpointConfig(
    rampConfig,
    plan.rampVariants,
    await withOriginalTags(aws, plan.configExtra, plan.original.name),
    ownedOnly ? owner : undefined,
  );
  if (ownedOnly) requireOurs(ramp, `endpoint config ${rampConfig}`, owner);
  // Undone last to first: the baseline's count, then the weights, then the config. The config is restored
  // with RetainAllVariantProperties, so the baseline keeps the count it has live instead of the original
  // config's stale InitialInstanceCount ("To retain the variant properties of an endpoint when updating it,
  // set RetainAllVariantProperties to true", https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html).
  saga.add(`restore endpoint ${endpointName} to ${plan.original.name}`, () => restoreOriginal(run, ownedOnly ? owner : undefined), { movesEndpoint: true });
  saga.add(
    `send all traffic to ${plan.baseline.variantName}`,
    async () => {
      const ep = await undo.describeEndpoint(endpointName);
      if (ep?.configName === rampConfig) await undo.updateEndpointWeightsAndCapacities(endpointName, weightsAt(plan, 0));
    },
    { movesEndpoint: true },
  );
  if (run.capacity) {
    saga.add(`restore ${plan.baseline.variantName} to ${plan.baseline.instanceCount} instance(s)`, () => restoreBaselineCapacity(run), { movesEndpoint: true });
  }
  if (await holdOutsideWindow(req, state, run.notify)) throw abortedFailure(state);
  await pinBaseline(run);
  await aws.updateEndpoint({ endpointName, endpointConfigName: rampConfig });
  const ramped = await run.waits.awaitEndpointInService(endpointName, run.outOfServiceMs);
  expectServing(run, ramped, req.steps[0]);
  state.status.stepIndex = 0;
  state.status.canaryWeight = req.steps[0];
  if (run.capacity) state.status.canaryInstances = variantOf(ramped, plan.canary.variantName)?.currentInstanceCount;
  await scaleCanaryLikeBaseline(run, ownedOnly ? owner : undefined);
}

/**
 * 2b. An autoscaled baseline: the canary gets its own scalable target and the baseline's target-tracking
 * policies while it serves, so it grows with its traffic as the baseline would (MinCapacity: what its
 * weight needs). Removed first on rollback, and before promote leaves the ramp config.
 */
async function scaleCanaryLikeBaseline(run: CanaryRun, owner: ReturnType<typeof runOwner> | undefined): Promise<void> {
  const { req, plan, state } = run;
  const scaling = canaryScalingFrom(run.baselineScaling, {
    endpointName: req.endpointName,
    canaryVariant: plan.canary.variantName,
    minCapacity: state.status.canaryInstances ?? plan.canary.instanceCount,
    owner,
  });
  if (!scaling) return;
  // Registered before the calls, as every undo is: a register whose response was lost still gets removed.
  run.saga.add(`remove the autoscaling of ${plan.canary.variantName}`, () => removeCanaryScaling(run, run.undo));
  await aws.registerScalableTargets([scaling]);
  await aws.putScalingPolicies([scaling]);
  run.canaryScaling = scaling;
}

/**
 * Deletes the canary's policies and deregisters its target: UpdateEndpoint refuses to remove a variant
 * that is a registered scalable target (https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-scaling-update.html).
 */
async function removeCanaryScaling(run: CanaryRun, via: wf.ActivityInterfaceFor<Activities>): Promise<void> {
  const scaling =
    run.canaryScaling ??
    canaryScalingFrom(run.baselineScaling, { endpointName: run.req.endpointName, canaryVariant: run.plan.canary.variantName, minCapacity: 1 });
  if (!scaling) return;
  await via.deleteScalingPolicies([scaling]);
  await via.deregisterScalableTargets([scaling]);
}

/**
 * 2c. An autoscaled baseline keeps its live capacity until the rollout has finished: its target's
 * MinCapacity is raised to its live count (never above its MaxCapacity), so target tracking cannot shrink it
 * while its traffic moves to the canary. It keeps its policies, MaxCapacity, suspended state and tags. Its
 * exact MinCapacity is put back last on rollback, and on promote once the final config serves (cleanUp).
 */
async function pinBaseline(run: CanaryRun): Promise<void> {
  const { req, plan } = run;
  const target = run.baselineScaling;
  if (!target || !wf.patched('canary-pins-baseline')) return;
  const pinned = Math.min(plan.baseline.instanceCount, target.maxCapacity);
  if (pinned <= target.minCapacity) return;
  run.baselinePin = { resourceId: target.resourceId, original: target.minCapacity, pinned };
  // Undone last: once traffic is back on the baseline and the endpoint on its original config.
  run.saga.addLast(`put back MinCapacity ${target.minCapacity} on the scalable target of ${plan.baseline.variantName}`, () => unpinBaseline(run));
  await aws.setScalableTargetMinCapacity({ resourceId: target.resourceId, minCapacity: pinned });
  // AWS moves a capacity below the new minimum up to it, the endpoint Updating meanwhile (RegisterScalableTarget).
  await run.waits.awaitEndpointInService(req.endpointName, run.outOfServiceMs);
}

/**
 * The baseline's original MinCapacity back (left alone if someone changed it since, or the target is gone).
 * Only once the variant has carried all the traffic for a whole ingested metric period (gate.metricPeriod
 * plus gate.ingestionDelay): its invocations per instance from the ramp, when it carried a share, would
 * otherwise let target tracking shrink the fleet that now carries everything.
 */
async function unpinBaseline(run: CanaryRun): Promise<{ leftAlone: string } | undefined> {
  const pin = run.baselinePin;
  if (!pin) return undefined;
  await wf.sleep(parseDuration(run.req.gate.metricPeriod) + ingestionDelayMs(run.req.gate));
  const result = await run.undo.setScalableTargetMinCapacity({ resourceId: pin.resourceId, minCapacity: pin.original, expected: pin.pinned });
  run.baselinePin = undefined;
  return result;
}

/**
 * 3a. Bake the current step, then judge it; repeat while the gate is inconclusive and allows it. Honours
 * abort, promote, pause and setWeight (a new weight is a new step: baked and judged from the start).
 *
 * The progress deadline counts the time the step bakes, not pauses: a pause stops the clock (and the
 * bake window starts again after it, as the metrics of a paused window say nothing new), it does not
 * give the step a fresh deadline.
 */
async function bakeAndJudge(run: CanaryRun): Promise<StepOutcome> {
  const { req, state } = run;
  await run.notify('step', { step: state.status.stepIndex, weight: state.status.canaryWeight });
  const bakeMs = parseDuration(req.bake);
  const deadlineMs = parseDuration(req.progressDeadline);
  const deadlineExceeded = () => fail(`step ${state.status.canaryWeight}% made no progress within ${req.progressDeadline}`, FAILURE.ProgressDeadlineExceeded);
  // Runs started before this patch judge each bake window alone, right after it ends.
  const gateWindow = wf.patched('canary-gate-window');
  let progressMs = 0;
  let inconclusive = 0;
  // Evidence at this weight accumulates over re-measurements, so a quiet endpoint can still pass; a new
  // weight or a pause starts it again.
  let evidenceStart: number | undefined;
  for (;;) {
    const measurementStart = Date.now();
    const evidenceFrom = (evidenceStart ??= measurementStart);
    let baked = 0;
    let rebake = false;
    while (baked < bakeMs && !rebake) {
      if (state.abortedBy) throw abortedFailure(state);
      if (state.promotion) return takePromotion(state);
      if (state.pendingWeight !== undefined) {
        await applySetWeight(run);
        progressMs = 0;
        inconclusive = 0;
        evidenceStart = undefined;
        rebake = true;
      } else if (state.status.paused) {
        await holdWhilePaused(run);
        evidenceStart = undefined;
        rebake = true;
      } else {
        state.phase('baking');
        const budget = Math.min(bakeMs - baked, deadlineMs - progressMs);
        if (budget <= 0) throw deadlineExceeded();
        const t0 = Date.now();
        await wf.condition(() => state.interrupted, budget);
        baked += Date.now() - t0;
        progressMs += Date.now() - t0;
      }
    }
    if (rebake) continue;
    state.phase('judging');
    const verdict = gateWindow ? await judgeIngested(run, evidenceFrom) : await judge(run, { start: measurementStart, end: Date.now() });
    if (verdict === 'fail') throw fail(`gate failed at ${state.status.canaryWeight}%: ${state.status.gates.at(-1)!.reasons.join('; ')}`, FAILURE.GateFailed);
    // What operators asked while the gate was judged comes first: a pause holds the step (its pass
    // stands), a new weight is applied before the rollout moves on, a promote asks for what a pass gives.
    if (verdict === 'pass' && state.status.paused) await holdWhilePaused(run);
    if (state.abortedBy) throw abortedFailure(state);
    if (state.pendingWeight !== undefined) continue;
    if (verdict === 'pass') return state.promotion ? takePromotion(state) : 'next';
    inconclusive++;
    if (req.gate.onInconclusive === 'fail' || (req.gate.onInconclusive === 'wait' && inconclusive >= req.gate.maxInconclusive)) {
      throw fail(
        `gate inconclusive at ${state.status.canaryWeight}% ${inconclusive} time(s): ${state.status.gates.at(-1)!.reasons.join('; ')}`,
        FAILURE.GateInconclusive,
      );
    }
    if (req.gate.onInconclusive === 'pause') {
      state.pause({ by: 'gate', reason: 'inconclusive: waiting for an operator' });
      // The operator's resume starts the evidence again, as any pause does.
    }
    if (progressMs >= deadlineMs) throw deadlineExceeded();
  }
}

/** An operator's setWeight: shifted in place, and the update answered either way. */
async function applySetWeight(run: CanaryRun): Promise<void> {
  try {
    await shiftTo(run, run.state.pendingWeight!);
    run.state.settleWeight();
  } catch (err) {
    run.state.settleWeight(rootMessage(err));
    throw err;
  }
}

/** Waits out a pause (until resume, its own end, abort or a new weight). */
async function holdWhilePaused(run: CanaryRun): Promise<void> {
  const { state } = run;
  state.phase('paused');
  await run.notify('paused', { until: state.status.pausedUntil });
  const until = state.pausedUntil;
  const resumed = () => !state.status.paused || !!state.abortedBy || state.pendingWeight !== undefined;
  if (until) await wf.condition(resumed, Math.max(1, until - Date.now()));
  else await wf.condition(resumed);
  if (state.status.paused && state.pausedUntil === until && until !== undefined && Date.now() >= until) state.unpause();
  if (!state.status.paused) await run.notify('resumed');
}

/**
 * 3b. Judge once the bake's metrics have arrived: waits out the ingestion delay, then judges the evidence
 * window (see judgedWindow): whole metric periods from after the weight took effect to now minus the
 * ingestion delay. The wait lasts until at least one whole period is in (a bake shorter than the period
 * plus the StartTime boundary would otherwise have none). No whole period of evidence is inconclusive,
 * never a pass.
 */
async function judgeIngested(run: CanaryRun, evidenceStart: number): Promise<'pass' | 'fail' | 'inconclusive'> {
  const { req, state } = run;
  // Runs recorded before this patch judged a window whose end was not rounded to the period, right after
  // the ingestion delay.
  const wholePeriods = wf.patched('gate-window-whole-periods');
  const delay = ingestionDelayMs(req.gate);
  const wait = wholePeriods ? Math.max(delay, firstWholeWindowAt(evidenceStart, req.gate) - Date.now()) : delay;
  if (wait > 0) await wf.condition(() => !!state.abortedBy, wait);
  if (state.abortedBy) throw abortedFailure(state);
  const window = judgedWindow(evidenceStart, Date.now(), req.gate, { wholePeriods });
  if (window) return judge(run, window);
  const none = (variantName: string) => ({ variantName, invocations: 0, errors5xx: 0, errors4xx: 0 });
  const now = new Date().toISOString();
  state.gate({
    step: state.status.stepIndex,
    weight: state.status.canaryWeight,
    at: now,
    window: { start: new Date(evidenceStart).toISOString(), end: now },
    baseline: none(run.plan.baseline.variantName),
    canary: none(run.plan.canary.variantName),
    alarmsInAlarm: [],
    verdict: 'inconclusive',
    reasons: [`no whole ${req.gate.metricPeriod} metric period has been ingested since the weight took effect`],
    dryRun: req.gate.dryRun,
  });
  return 'inconclusive';
}

/** Both variants' metrics over `window`, and the verdict recorded. */
async function judge(run: CanaryRun, window: { start: number; end: number }): Promise<'pass' | 'fail' | 'inconclusive'> {
  const { req, state, plan } = run;
  const { start: windowStart, end } = window;
  const [metrics, alarmsInAlarm] = await Promise.all([
    aws.getVariantMetrics({
      endpointName: req.endpointName,
      variantNames: [plan.baseline.variantName, plan.canary.variantName],
      start: windowStart,
      end,
      periodSeconds: parseDuration(req.gate.metricPeriod) / 1000,
    }),
    aws.alarmsInAlarm(req.gate.alarms),
  ]);
  const [base, can] = metrics;
  const { verdict, reasons } = evaluateGate(base, can, req.gate, alarmsInAlarm);
  state.gate({
    step: state.status.stepIndex,
    weight: state.status.canaryWeight,
    at: new Date().toISOString(),
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

/** 3c. Shift to the planned step above the live weight, after the window and any approval allow it. */
async function shiftToNextStep(run: CanaryRun): Promise<void> {
  const { req, state } = run;
  const next = nextStepAbove(req.steps, state.status.canaryWeight)!;
  if (await holdOutsideWindow(req, state, run.notify)) throw abortedFailure(state);
  if (req.approvalSteps.includes(next) && !(await awaitApproval(run, next))) throw abortedFailure(state);
  await shiftTo(run, next);
  state.status.stepIndex = req.steps.indexOf(next);
}

/**
 * Whether the rollout promotes after the current step: no planned step is above it, or (patch
 * `canary-promote-at-100`) only the 100 % step, which is the promotion itself.
 */
function promotesNext(run: CanaryRun): boolean {
  const next = nextStepAbove(run.req.steps, run.state.status.canaryWeight);
  return next === undefined || (run.promoteAt100 && next === 100);
}

/** 3d. The 100 % step is the promotion: it waits for the allowed window and its approval as a shift would. */
async function awaitPromotionStep(run: CanaryRun): Promise<void> {
  const { req, state } = run;
  if (await holdOutsideWindow(req, state, run.notify)) throw abortedFailure(state);
  if (req.approvalSteps.includes(100) && !(await awaitApproval(run, 100))) throw abortedFailure(state);
}

async function awaitApproval(run: CanaryRun, weight: number): Promise<boolean> {
  const { state } = run;
  state.phase('awaiting-approval');
  state.awaitingApprovalFor = weight;
  await run.notify('awaiting-approval', { nextWeight: weight });
  await wf.condition(() => state.approved.has(weight) || !!state.promotion || !!state.abortedBy);
  state.awaitingApprovalFor = undefined;
  if (state.promotion === 'next') state.promotion = undefined;
  return !state.abortedBy;
}

/**
 * Shifts traffic in place and checks the endpoint really took it. The canary first gets the instances the
 * new weight needs, InService, so it never carries more than it has capacity for. Both calls wait out an
 * endpoint that is Updating because the autoscaler is scaling it, within the run's polling options
 * (inServiceTimeout): a scale-out is not a failed canary.
 */
async function shiftTo(run: CanaryRun, weight: number): Promise<void> {
  run.state.phase('shifting');
  if (run.capacity) await raiseCanaryCapacity(run, weight);
  await (run.capacity ? run.waits : aws).updateEndpointWeightsAndCapacities(run.req.endpointName, weightsAt(run.plan, weight));
  expectServing(run, await run.waits.awaitEndpointInService(run.req.endpointName, run.outOfServiceMs), weight);
  run.state.status.canaryWeight = weight;
}

/**
 * The canary's desired count for `weight`: at least ceil(baseline count × weight / 100) (capacityNow: the
 * baseline's count at the start, or its live count if it scaled out since), raised with
 * UpdateEndpointWeightsAndCapacities and verified InService. Above canary.maxInstanceCount the rollout stops.
 */
async function raiseCanaryCapacity(run: CanaryRun, weight: number): Promise<void> {
  const { req, plan, state } = run;
  let ep = await run.waits.awaitEndpointInService(req.endpointName, run.outOfServiceMs);
  const capacity = capacityNow(plan.capacity!, variantOf(ep, plan.baseline.variantName)?.desiredInstanceCount);
  const refusal = capacityRefusal(weight, capacity);
  if (refusal) throw fail(`cannot shift ${plan.canary.variantName} to ${weight}%: ${refusal}`, FAILURE.CanaryFailed);
  const needed = canaryInstancesAt(weight, capacity);
  if (run.canaryScaling && needed > run.canaryScaling.minCapacity) {
    // Its target's MinCapacity first: the autoscaler must not shrink the canary below what the new weight
    // needs. AWS moves a capacity below a new minimum up to it (RegisterScalableTarget), so wait that out.
    run.canaryScaling = withMinCapacity(run.canaryScaling, needed);
    await aws.registerScalableTargets([run.canaryScaling]);
    ep = await run.waits.awaitEndpointInService(req.endpointName, run.outOfServiceMs);
  }
  const live = variantOf(ep, plan.canary.variantName)?.currentInstanceCount ?? 0;
  if (live >= needed) {
    state.status.canaryInstances = live;
    return;
  }
  await run.waits.updateEndpointWeightsAndCapacities(req.endpointName, [{ variantName: plan.canary.variantName, instanceCount: needed }]);
  const scaled = await run.waits.awaitEndpointInService(req.endpointName, run.outOfServiceMs);
  const got = variantOf(scaled, plan.canary.variantName)?.currentInstanceCount ?? 0;
  if (got < needed) {
    throw fail(
      `${plan.canary.variantName} runs ${got} instance(s) but needs ${needed} before its weight rises to ${weight}%` +
        (scaled.failureReason ? ` (SageMaker: ${scaled.failureReason})` : ''),
      FAILURE.CanaryFailed,
    );
  }
  state.status.canaryInstances = got;
}

/** Rollback's first step: the baseline gets back the count it had at the start before traffic returns to it. */
async function restoreBaselineCapacity(run: CanaryRun): Promise<void> {
  const { req, plan, lateUndo: undo } = run;
  const ep = await undo.describeEndpoint(req.endpointName);
  if (ep?.configName !== plan.rampEndpointConfigName) return;
  const desired = variantOf(ep, plan.baseline.variantName)?.desiredInstanceCount ?? 0;
  if (desired < plan.baseline.instanceCount) {
    await undo.updateEndpointWeightsAndCapacities(req.endpointName, [{ variantName: plan.baseline.variantName, instanceCount: plan.baseline.instanceCount }]);
  }
  await undo.awaitEndpointInService(req.endpointName);
}

function variantOf(ep: { variants: Array<{ variantName: string; currentInstanceCount?: number; desiredInstanceCount?: number }> }, variantName: string) {
  return ep.variants.find((v) => v.variantName === variantName);
}

/**
 * 4. Promote: one variant again, with the baseline's name, serving the new model. From the last gated step
 * straight to the final config (no in-place 100 % on a canary fleet sized for less): the ramp fleet keeps
 * serving at its weights while SageMaker builds the final one. Its count is the larger of the canary's
 * verified count at 100 % and the baseline's (live, or at the start if the autoscaler shrank it since).
 */
async function promote(run: CanaryRun): Promise<void> {
  const { req, state, plan, saga } = run;
  if (!run.capacity && state.status.canaryWeight !== 100) await shiftTo(run, 100);
  state.phase('finalizing');
  let finalPlanned = { name: plan.finalEndpointConfigName, variants: plan.finalVariants };
  if (run.capacity) {
    const ep = await run.waits.awaitEndpointInService(req.endpointName, run.outOfServiceMs);
    const canaryAt100 = state.status.canaryWeight === 100 ? (variantOf(ep, plan.canary.variantName)?.currentInstanceCount ?? 0) : 0;
    const baselineLive = variantOf(ep, plan.baseline.variantName)?.desiredInstanceCount ?? 0;
    finalPlanned = finalConfigFor(plan, Math.max(canaryAt100, baselineLive, plan.baseline.instanceCount));
  }
  run.final = finalPlanned;
  const finalConfig = finalPlanned.name;
  const ownedOnly = wf.patched('undo-only-owned');
  const owner = runOwner(req.endpointName);
  saga.add(`delete endpoint config ${finalConfig}`, () =>
    ownedOnly ? run.undo.deleteEndpointConfigIfOwned({ name: finalConfig, owner }) : unboundedUndo.deleteEndpointConfig(finalConfig),
  );
  // Saga order: the endpoint leaves the final config (restored to the original) BEFORE the final config's
  // undo runs, which never deletes a config the endpoint serves or is updating to.
  if (ownedOnly) saga.add(`restore endpoint ${req.endpointName} to ${plan.original.name}`, () => restoreOriginal(run, owner), { movesEndpoint: true });
  const final = await aws.createEndpointConfig(
    finalConfig,
    finalPlanned.variants,
    await withOriginalTags(aws, plan.configExtra, plan.original.name),
    ownedOnly ? owner : undefined,
  );
  if (ownedOnly) requireOurs(final, `endpoint config ${finalConfig}`, owner);
  // The final config has no canary variant; the final variant keeps the baseline's name and so its scaling.
  if (run.canaryScaling) await removeCanaryScaling(run, aws);
  await aws.updateEndpoint({ endpointName: req.endpointName, endpointConfigName: finalConfig });
  const promoted = await run.waits.awaitEndpointInService(req.endpointName, run.outOfServiceMs);
  const problems = endpointMismatches(promoted, { configName: finalConfig, variants: [{ variantName: plan.baseline.variantName }] });
  if (problems.length) throw fail(`promoting ${req.endpointName} to version ${run.version.version} failed: ${problems.join('; ')}`, FAILURE.EndpointDrift);
  if (run.promoteAt100) {
    // The 100 % step is done: the new version serves all traffic, on the final variant.
    state.status.stepIndex = req.steps.length - 1;
    state.status.canaryWeight = 100;
    state.status.canaryInstances = variantOf(promoted, plan.baseline.variantName)?.currentInstanceCount;
  }
}

/**
 * 5. Roll back: all traffic to the baseline at once, canary removed, version rejected (left Approved
 * after an operator's abort). Returns the failure the run ends with.
 */
async function rollBack(run: CanaryRun, err: unknown): Promise<unknown> {
  const { req, state, version } = run;
  const reason = rootMessage(err);
  state.status.error = reason;
  state.settleWeight(`the rollout is rolling back: ${reason}`);
  state.phase('rolling-back');
  const { done, failed, concurrent } = await run.saga.compensate();
  const aborted = !!state.abortedBy || wf.isCancellation(err);
  // Only what the canary showed (a gate, a deadline, SageMaker refusing its container) judges the model;
  // an AWS or infrastructure error says nothing about it.
  const infrastructure = !aborted && !isVerdictOnModel(err);
  const stageStatus = aborted ? 'CanaryAborted' : infrastructure ? 'CanaryInfrastructureFailure' : 'CanaryRolledBack';
  // A registry call that gives up (bounded, patch `canary-bounded-undo`) is one more thing left undone.
  const record = async (what: string, call: () => Promise<unknown>) => {
    if (!run.boundedLateUndo) return void (await call());
    try {
      await call();
    } catch (e) {
      failed.push(`${what}: ${rootMessage(e)}`);
    }
  };
  await wf.CancellationScope.nonCancellable(async () => {
    // The registry records the outcome. An abort or an infrastructure failure is no verdict on the
    // model: it stays Approved so `retry` can roll it out again; a verdict rejects the version.
    const undo = run.lateUndo;
    await record(`set version ${version.version} to ${version.stage}/${stageStatus} in the registry`, () =>
      undo.transitionModelStage({ model: req.model.name, version: version.version, stage: version.stage, status: stageStatus, description: reason }),
    );
    if (!aborted && !infrastructure) {
      await record(`set version ${version.version} Rejected in the registry`, () =>
        undo.setModelApproval(req.model.name, version.version, 'Rejected', `canary on ${req.endpointName} rolled back: ${reason}`),
      );
    }
    await run.notify(aborted ? 'aborted' : 'rolled-back', {
      reason,
      infrastructure,
      rolledBack: done,
      rollbackFailures: failed,
      ...(concurrent.length ? { concurrentChanges: concurrent } : {}),
    });
  });
  state.status.rolledBack = done;
  state.status.rollbackFailures = failed;
  state.phase('rolled-back');
  // Not cancellable: a cancelled run still answers its pending updates and reports what it rolled back.
  await wf.CancellationScope.nonCancellable(() => wf.condition(wf.allHandlersFinished));
  // A cancel reports itself as Cancelled with the rollback record, as deploy, update and delete do (runs
  // started before patch `cancelled-reports-cancelled` ended with the bare cancellation).
  const cancelled = reportsCancelled(err);
  if (wf.isCancellation(err) && !cancelled) return err;
  return rolledBack({
    what: `canary of ${req.model.name} v${version.version} on ${req.endpointName} ${cancelled ? 'was cancelled and rolled back' : 'rolled back'}`,
    reason,
    rolledBack: done,
    rollbackFailures: failed,
    concurrentChanges: concurrent,
    type: cancelled
      ? FAILURE.Cancelled
      : infrastructure
        ? FAILURE.InfrastructureFailed
        : err instanceof ApplicationFailure && isFailureType(err.type)
          ? err.type
          : FAILURE.CanaryFailed,
    listRolledBack: false,
    details: { gates: state.status.gates },
  });
}

/**
 * 6. Clean up: the registry names what serves, then superseded resources go once nothing uses them. Its
 * steps are bounded (patch `canary-bounded-undo`): one that gives up ends the promoted rollout as
 * InfrastructureFailed, naming the step left for an operator.
 */
async function cleanUp(run: CanaryRun): Promise<CanaryResult> {
  const progress = { doing: 'recording the promotion in the registry' };
  if (!run.boundedLateUndo) return cleanUpSteps(run, progress);
  try {
    return await cleanUpSteps(run, progress);
  } catch (err) {
    if (wf.isCancellation(err)) throw err;
    const { req, version } = run;
    const finalConfig = run.final?.name ?? run.plan.finalEndpointConfigName;
    run.state.status.error = rootMessage(err);
    throw failure(
      FAILURE.InfrastructureFailed,
      `canary of ${req.model.name} v${version.version} on ${req.endpointName} was promoted (the endpoint serves ${finalConfig}), ` +
        `but ${progress.doing} did not finish: ${rootMessage(err)}. Left for an operator: ${progress.doing}`,
      { promoted: true, endpointConfigName: finalConfig, left: progress.doing },
    );
  }
}

async function cleanUpSteps(run: CanaryRun, progress: { doing: string }): Promise<CanaryResult> {
  const { req, state, plan, version } = run;
  const { endpointName } = req;
  const removed: string[] = [];
  if (run.baselinePin) {
    progress.doing = `putting back MinCapacity ${run.baselinePin.original} on the scalable target of ${plan.baseline.variantName}`;
    await unpinBaseline(run);
  }
  progress.doing = `setting version ${version.version} to Production/Deployed in the registry`;
  await run.lateUndo.transitionModelStage({
    model: req.model.name,
    version: version.version,
    stage: 'Production',
    status: 'Deployed',
    archiveExisting: true,
    description: `serving on endpoint ${endpointName}`,
  });
  const finalConfig = run.final?.name ?? plan.finalEndpointConfigName;
  if (!req.keepSuperseded && wf.patched('canary-cleanup-by-tags')) {
    state.phase('cleaning-up');
    progress.doing = `removing the superseded configs and models of ${endpointName}`;
    // The shared cleanup (src/activities/cleanup.ts): the ramp config, the original config and the
    // baseline model go only when their ownership tags say this endpoint owns them and no config that
    // stays names them (a hand-made original is kept). It reads by tag, never by listing the account.
    const request = canaryCleanupRequest(endpointName, plan, finalConfig);
    const cleaned = await run.undo.cleanUpEndpointResources(request);
    removed.push(...inRequestOrder(request, cleaned.deletedEndpointConfigs, cleaned.deletedModels));
  } else if (!req.keepSuperseded) {
    state.phase('cleaning-up');
    // Histories recorded before 'canary-cleanup-by-tags' replay the account-wide in-use check.
    // The ramp config is this run's own; the original config and model may serve other endpoints too.
    const undo = unboundedUndo;
    const othersConfigs = (await undo.endpointConfigsInUse(endpointName)).map((u) => u.configName);
    if (await undo.deleteEndpointConfig(plan.rampEndpointConfigName)) removed.push(plan.rampEndpointConfigName);
    if (!othersConfigs.includes(plan.original.name) && (await undo.deleteEndpointConfig(plan.original.name))) removed.push(plan.original.name);
    const oldModelElsewhere = (await undo.configsUsingModel(othersConfigs, plan.baseline.modelName)).length > 0;
    if (!oldModelElsewhere && (await undo.deleteModel(plan.baseline.modelName))) removed.push(plan.baseline.modelName);
  }
  state.phase('succeeded');
  progress.doing = 'notifying the webhook';
  await run.notify('completed', { endpointConfigName: finalConfig });
  return { endpointName, version: version.version, endpointConfigName: finalConfig, gates: state.status.gates, removed, modelRef: run.modelRef };
}

/** Validates the input (after resolving a `model.ref`), as the CLI did before starting the run. */
async function validInput(input: CanaryInput | CanaryRefInput): Promise<{ req: CanaryRequest; modelRef?: ResolvedModelRefRecord }> {
  const { named, modelRef } = await resolveModelRef(input);
  const checked = validate(canaryInputSchema, named);
  if (!checked.ok) {
    throw invalidInput('canary', checked.issues);
  }
  return { req: checked.value, modelRef };
}

/**
 * `model: { ref }` (e.g. `models:/churn@champion`) is resolved to one version before anything else, so a
 * moving reference cannot change under a running rollout and the run records what it rolled out.
 */
async function resolveModelRef(input: CanaryInput | CanaryRefInput): Promise<{ named: unknown; modelRef?: ResolvedModelRefRecord }> {
  const ref = canaryModelRef(input);
  if (ref === undefined) return { named: input };
  const issues = canaryModelRefIssues(input.model);
  if (issues) throw invalidInput('canary', issues);
  const resolved = await aws.resolveModelRef(ref).catch((err: unknown) => {
    // A reference that names nothing is an input error, typed so CI can tell it from a failed rollout.
    throw ApplicationFailure.nonRetryable(`model.ref ${ref} did not resolve: ${rootMessage(err)}`, FAILURE.ModelRefUnresolved);
  });
  return withResolvedModelRef(input, ref, resolved);
}

/**
 * Back to the original config; with `owner`, only while the endpoint is on a config this run moved it to,
 * the ramp or (once promote built it) the final config, whoever created it (else ConcurrentChange). Runs
 * before patch `restore-from-moved-config`: only from a config whose tags say this run created it.
 */
function restoreOriginal(run: CanaryRun, owner: ReturnType<typeof runOwner> | undefined): Promise<void> {
  const { endpointName } = run.req;
  const to = run.plan.original.name;
  if (owner && run.restoreFromMoved) {
    const from = [run.plan.rampEndpointConfigName, ...(run.final ? [run.final.name] : [])];
    return run.undo.restoreEndpointConfig({ endpointName, to, from, retainAllVariantProperties: run.capacity, owner });
  }
  return owner ? run.undo.restoreEndpointConfig(endpointName, to, run.capacity, owner) : unboundedUndo.restoreEndpointConfig(endpointName, to, run.capacity);
}

/** Whether an endpoint other than this one serves `model` (one pass over the account's endpoints; older histories only). */
async function usedByOtherEndpoints(endpointName: string, model: string): Promise<boolean> {
  const configs = (await unboundedUndo.endpointConfigsInUse(endpointName)).map((u) => u.configName);
  return (await unboundedUndo.configsUsingModel(configs, model)).length > 0;
}

/** Verify, don't trust InService: the config and both weights must be what was asked. */
function expectServing(run: CanaryRun, ep: Parameters<typeof endpointMismatches>[0], weight: number): void {
  const problems = endpointMismatches(ep, { configName: run.plan.rampEndpointConfigName, variants: weightsAt(run.plan, weight) });
  if (problems.length) throw fail(`endpoint ${run.req.endpointName} is not serving the canary at ${weight}%: ${problems.join('; ')}`, FAILURE.EndpointDrift);
}

function takePromotion(state: CanaryState): StepOutcome {
  const p = state.promotion!;
  state.promotion = undefined;
  return p;
}

/** Holds while outside the allowed windows; returns true if aborted meanwhile. Promote overrides a hold. */
async function holdOutsideWindow(req: CanaryRequest, state: CanaryState, notify: CanaryRun['notify']): Promise<boolean> {
  if (!req.windows) return false;
  const opens = nextWindowStart(Date.now(), req.windows);
  if (opens <= Date.now()) return false;
  state.phase('holding');
  await notify('holding', { until: new Date(opens).toISOString() });
  await wf.condition(() => !!state.abortedBy || !!state.promotion, opens - Date.now());
  if (state.promotion === 'next') state.promotion = undefined;
  return !!state.abortedBy;
}

/** Failures that are the canary's verdict on the model (thrown by this workflow from what it observed). */
const MODEL_VERDICTS: readonly string[] = [FAILURE.GateFailed, FAILURE.GateInconclusive, FAILURE.ProgressDeadlineExceeded, FAILURE.EndpointDrift];

function isVerdictOnModel(err: unknown): boolean {
  return err instanceof ApplicationFailure && MODEL_VERDICTS.includes(err.type ?? '');
}

function fail(message: string, type: FailureType): ApplicationFailure {
  return failure(type, message);
}

function abortedFailure(state: CanaryState): ApplicationFailure {
  const by = state.abortedBy ?? {};
  return failure(FAILURE.Aborted, `aborted by ${by.by ?? 'an operator'}${by.reason ? `: ${by.reason}` : ''}`);
}
