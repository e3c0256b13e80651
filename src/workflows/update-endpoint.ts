import * as wf from '@temporalio/workflow';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../activities';
import { parseDuration } from '../domain/duration';
import { endpointMismatches, type VariantScaling } from '../domain/endpoint';
import { resolvePollPolicy, type ResolvedPollPolicy } from '../domain/polling';
import type { Owner } from '../domain/ownership';
import { invalidUpdate, modelFields, planUpdate, updateRefusal, type UpdatePlan } from '../domain/update/plan';
import { updateInputSchema, type UpdateInput, type UpdateRequest } from '../domain/update/input';
import { type UpdateResult } from '../domain/update/status';
import { failure, FAILURE, refused, rolledBack } from '../domain/failures';
import { validate, type InputIssue } from '../domain/validation';
import { awsActivities, pollingActivities, undoActivities } from './activity-options';
import { requireOurs, runOwner, withOriginalTags } from './ownership';
import { reportsCancelled } from './cancelled';
import { rootMessage, Saga } from './saga';
import { UpdateState } from './update-endpoint-state';

import { updateStatusQuery } from './messages';
// Re-exported for code that imported it from here; messages.ts is their one definition.
export { updateStatusQuery };

const aws = awsActivities();
/** Waits inside compensation: an endpoint still updating must be waited out, however long it takes. */
const UNDO_WAIT_DEADLINE = '24h';

/**
 * Changes an endpoint's variants (model, instance type, count, weight; variants added or removed) through
 * a new endpoint config, following AWS's procedure for autoscaled endpoints: when an autoscaled variant's
 * instance type changes or it is removed, its scaling policies and target are removed first and put back
 * after the update. If anything fails after that, the endpoint is left on its previous config with its
 * original scaling registered again.
 */
export async function updateSageMakerEndpoint(input: UpdateInput): Promise<UpdateResult> {
  const run: { state?: UpdateState } = {};
  try {
    return await runUpdate(input, run);
  } catch (err) {
    if (err instanceof ApplicationFailure || wf.isCancellation(err)) throw err;
    throw failure(FAILURE.PipelineFailed, `failed while ${run.state?.status.step ?? 'validating'}: ${rootMessage(err)}`);
  }
}

function invalid(issues: InputIssue[]): ApplicationFailure {
  return refused(invalidUpdate(issues));
}

/** Throws the plan's refusal (updateRefusal), if any. */
function refuse(refusal: ReturnType<typeof updateRefusal>): void {
  if (refusal) throw refused(refusal);
}

/** One update run: its request, state and activity proxies, shared by the steps below. */
interface UpdateRun {
  req: UpdateRequest;
  name: string;
  state: UpdateState;
  poll: ResolvedPollPolicy;
  /** Waits: attempts are polls, bounded by inServiceTimeout. */
  waits: wf.ActivityInterfaceFor<Activities>;
  /** Compensation steps, bounded overall (older histories retry them without end). */
  undo: wf.ActivityInterfaceFor<Activities>;
  /** Waits inside compensation, within the same bound (older histories: up to UNDO_WAIT_DEADLINE). */
  undoWaits: wf.ActivityInterfaceFor<Activities>;
}

async function runUpdate(input: UpdateInput, holder: { state?: UpdateState }): Promise<UpdateResult> {
  const run = start(input, holder);
  const plan = await planFromEndpoint(run);
  const result = resultOf(run.name, plan);
  if (plan.unchanged) {
    run.state.step('succeeded');
    return result;
  }
  await requireModels(run, plan);
  await applyPlan(run, plan);
  await restoreScalingAfterUpdate(run, plan);
  run.state.step('succeeded');
  return result;
}

/** Validates the input and sets up the run's state, handlers and activity proxies. */
function start(input: UpdateInput, holder: { state?: UpdateState }): UpdateRun {
  const checked = validate(updateInputSchema, input);
  if (!checked.ok) throw invalid(checked.issues);
  const req = checked.value;
  const state = new UpdateState(req);
  holder.state = state;
  wf.setHandler(updateStatusQuery, () => state.status);
  const poll = resolvePollPolicy(req.poll);
  const waits = pollingActivities(poll, parseDuration(req.inServiceTimeout));
  const { undo, boundMs } = undoActivities<Activities>(parseDuration(req.inServiceTimeout));
  const undoWaits = pollingActivities(poll, boundMs ?? parseDuration(UNDO_WAIT_DEADLINE));
  return { req, name: req.endpointName, state, poll, waits, undo, undoWaits };
}

/** Plans from what the endpoint runs now (the same planUpdate as `plan update`); a changing endpoint is waited for first. */
async function planFromEndpoint({ req, name, state, waits, poll }: UpdateRun): Promise<UpdatePlan> {
  state.step('planning');
  refuse(updateRefusal(name, await aws.describeEndpoint(name)));
  const current = await waits.awaitEndpointInService(name, poll.outOfServiceMs);
  const config = await aws.describeEndpointConfig(current.configName!);
  refuse(updateRefusal(name, current, config));
  const scaling = await aws.describeVariantScaling(
    name,
    config!.variants.map((v) => v.variantName),
  );
  // Newer runs refuse a spec that names the config the endpoint serves (older histories sent UpdateEndpoint
  // to it, which AWS refuses).
  const refuseConfigInUse = wf.patched('update-refuses-config-in-use');
  const planned = planUpdate(req, { endpoint: current, config: config!, scaling }, { refuseConfigInUse });
  if (!planned.ok) throw refused(planned.refusal);
  state.planned(planned.plan);
  return planned.plan;
}

function resultOf(name: string, plan: UpdatePlan): UpdateResult {
  return {
    endpointName: name,
    changed: !plan.unchanged,
    endpointConfigName: plan.unchanged ? plan.currentConfigName : plan.newConfigName,
    previousEndpointConfigName: plan.currentConfigName,
    changes: plan.changes,
    autoscaling: { restored: plan.restore.map((s) => s.variantName), notRestored: plan.notRestored },
  };
}

/** Every model the new config names must exist: a missing one is an input error, named by its field. */
async function requireModels({ req }: UpdateRun, plan: UpdatePlan): Promise<void> {
  const missing = await aws.missingModels(plan.newModels);
  if (missing.length) throw invalid(modelFields(req, missing));
}

/**
 * Steps 1–6, each undo registered before its step: scaling off, capacity raised, the new config, the
 * endpoint moved and verified. On failure the endpoint goes back to its config with its scaling.
 */
async function applyPlan(run: UpdateRun, plan: UpdatePlan): Promise<void> {
  const saga = new Saga();
  try {
    if (plan.autoscalingRule.applies) await removeScaling(run, saga, plan);
    if (plan.raise.length) await raiseCapacity(run, saga, plan);
    await awaitUnchangedEndpoint(run, plan);
    run.state.step('creating-endpoint-config');
    const owner = runOwner(run.name);
    // Newer runs undo only what the ownership tags say they made and restore only from this run's config
    // (older histories replay the name-based undo). The patch marker follows the step's search attribute,
    // as recorded histories have it.
    const ownedOnly = wf.patched('undo-only-owned');
    // Newer runs restore while the endpoint is on the config this run moved it to, whoever created it (an
    // update back to an earlier spec reuses that spec's config); older histories restore only from a
    // config this run's tags are on.
    const fromMoved = ownedOnly && wf.patched('restore-from-moved-config');
    // Newer runs set every variant's count and weight back to what was live before the update once the
    // endpoint is back on its config (older histories replay the restore alone, which kept the update's).
    const liveCounts = wf.patched('update-undo-restores-live-counts');
    await createEndpointConfig(run, saga, plan, owner, ownedOnly);
    await moveEndpoint(run, saga, plan, owner, { ownedOnly, fromMoved, liveCounts });
  } catch (err) {
    throw await compensate(run, saga, plan, err);
  }
}

/**
 * 1. AWS refuses the update while these variants are scalable targets: remove policies and targets, after
 *    recording them (the snapshot) and registering their restoration.
 */
async function removeScaling({ state, undo }: UpdateRun, saga: Saga, plan: UpdatePlan): Promise<void> {
  state.step('removing-scaling');
  state.snapshotTaken(plan.deregister);
  saga.add(`restore autoscaling of ${variantsOf(plan.deregister)}`, async () => {
    await restoreScaling(undo, plan.deregister);
    state.scaling('restored');
  });
  await aws.deleteScalingPolicies(plan.deregister);
  await aws.deregisterScalableTargets(plan.deregister);
  state.scaling('removed');
}

/** 2. Autoscaling cannot add capacity during the update: raise it now if asked to. */
async function raiseCapacity({ name, state, waits, undo, undoWaits, poll }: UpdateRun, saga: Saga, plan: UpdatePlan): Promise<void> {
  state.step('raising-capacity');
  saga.add(
    `restore instance counts of ${plan.capacityBefore.map((c) => c.variantName).join(', ')}`,
    async () => {
      await undo.updateEndpointWeightsAndCapacities(name, plan.capacityBefore);
      await undoWaits.awaitEndpointInService(name, poll.outOfServiceMs);
    },
    { movesEndpoint: true },
  );
  await waits.updateEndpointWeightsAndCapacities(name, plan.raise);
}

/** 3. UpdateEndpoint needs an InService endpoint, still on the config the plan was made from. */
async function awaitUnchangedEndpoint({ name, state, waits, poll }: UpdateRun, plan: UpdatePlan): Promise<void> {
  state.step('waiting-in-service');
  const settled = await waits.awaitEndpointInService(name, poll.outOfServiceMs);
  // Already on the new config: this run's own move, if this step ever runs again after it (a worker that
  // died before the task recording the move ended, were that task to include this wait). Defensive: the
  // wait is a regular activity, recorded before the move. The move is not repeated. (The name hashes the
  // config's content: a config another run made with the same content is not ours, and step 5's ownership
  // check refuses it.)
  const ownMoveRepeated = settled.configName === plan.newConfigName && wf.patched('update-own-move-repeated');
  if (settled.configName !== plan.currentConfigName && !ownMoveRepeated) {
    throw failure(FAILURE.ConcurrentChange, `endpoint ${name} moved from ${plan.currentConfigName} to ${settled.configName} while the update was prepared`);
  }
}

/** 4–5. The new config: the current one (read while planning) with the changes and its user tags, tagged as this run's. */
async function createEndpointConfig({ state, undo }: UpdateRun, saga: Saga, plan: UpdatePlan, owner: Owner, ownedOnly: boolean): Promise<void> {
  saga.add(`delete endpoint config ${plan.newConfigName}`, () =>
    ownedOnly ? undo.deleteEndpointConfigIfOwned({ name: plan.newConfigName, owner }) : undo.deleteEndpointConfig(plan.newConfigName),
  );
  const extra = await withOriginalTags(aws, plan.configExtra, plan.currentConfigName);
  const created = await aws.createEndpointConfig(plan.newConfigName, plan.variants, extra, ownedOnly ? owner : undefined);
  if (ownedOnly) requireOurs(created, `endpoint config ${plan.newConfigName}`, owner);
  state.created(plan.newConfigName);
}

/**
 * 6. UpdateEndpoint, then verify (don't trust InService: SageMaker rolls a failed update back by itself).
 *    The undo (registered first, run first) moves the endpoint back while scaling is still off, so that
 *    AWS's rule cannot block the way back either, then sets the counts and weights live before the update.
 */
async function moveEndpoint(
  { name, state, waits, undo, undoWaits, poll }: UpdateRun,
  saga: Saga,
  plan: UpdatePlan,
  owner: Owner,
  { ownedOnly, fromMoved, liveCounts }: { ownedOnly: boolean; fromMoved: boolean; liveCounts: boolean },
): Promise<void> {
  state.step('updating-endpoint');
  if (liveCounts && plan.liveBefore.length) {
    // Runs after the restore below (undos run newest first). The restore alone is not exact: with
    // RetainAllVariantProperties it keeps the live counts and weights, which are the update's once it
    // landed; without, it takes the old config's InitialInstanceCount/InitialVariantWeight, not what ran
    // (autoscaling may have changed it); excluding properties (ExcludeRetainedVariantProperties) also
    // takes the config's initial values. So the values read before the update are set again in place.
    // https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html
    // https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_VariantProperty.html
    saga.add(
      `restore instance counts and weights of ${plan.liveBefore.map((v) => v.variantName).join(', ')} to what ran before the update`,
      async () => {
        await undo.updateEndpointWeightsAndCapacities(name, plan.liveBefore);
        await undoWaits.awaitEndpointInService(name, poll.outOfServiceMs);
      },
      { movesEndpoint: true },
    );
  }
  saga.add(
    `restore endpoint ${name} to ${plan.currentConfigName}`,
    () =>
      fromMoved
        ? undo.restoreEndpointConfig({
            endpointName: name,
            to: plan.currentConfigName,
            from: plan.newConfigName,
            retainAllVariantProperties: plan.retainAllVariantProperties,
            owner,
          })
        : ownedOnly
          ? undo.restoreEndpointConfig(name, plan.currentConfigName, plan.retainAllVariantProperties, owner)
          : undo.restoreEndpointConfig(name, plan.currentConfigName, plan.retainAllVariantProperties),
    { movesEndpoint: true },
  );
  await aws.updateEndpoint({
    endpointName: name,
    endpointConfigName: plan.newConfigName,
    retainAllVariantProperties: plan.retainAllVariantProperties,
    excludeRetainedVariantProperties: plan.excludeRetainedVariantProperties,
  });
  state.step('waiting-updated');
  const updated = await waits.awaitEndpointInService(name, poll.outOfServiceMs);
  state.step('verifying');
  const problems = endpointMismatches(updated, plan.expected);
  if (problems.length) {
    throw failure(FAILURE.UpdateRolledBack, `endpoint ${name} was not updated: ${problems.join('; ')}`);
  }
}

/** Moves the endpoint back and restores its scaling; returns the failure to throw. */
async function compensate({ name, state }: UpdateRun, saga: Saga, plan: UpdatePlan, err: unknown): Promise<ApplicationFailure> {
  const failedAt = state.status.step;
  state.step('compensating');
  const reason = rootMessage(err);
  const { done, failed, concurrent } = await saga.compensate();
  if (plan.autoscalingRule.applies && state.status.scaling !== 'restored') state.scaling('restore-failed');
  state.failed(reason);
  const cancelled = reportsCancelled(err);
  return rolledBack({
    what: `updating ${name} ${cancelled ? 'was cancelled' : 'failed'} while ${failedAt}`,
    reason,
    rolledBack: done,
    rollbackFailures: failed,
    concurrentChanges: concurrent,
    type: cancelled ? FAILURE.Cancelled : FAILURE.UpdateFailed,
    details: { failedAt, snapshot: state.status.snapshot },
  });
}

/**
 * 7. Registers the targets again and re-attaches their policies. The update has happened, so there is no
 *    going back: retried patiently, and not even a cancel may leave autoscaling off.
 */
async function restoreScalingAfterUpdate({ name, state, undo }: UpdateRun, plan: UpdatePlan): Promise<void> {
  if (plan.restore.length) {
    state.step('restoring-scaling');
    try {
      await wf.CancellationScope.nonCancellable(() => restoreScaling(undo, plan.restore));
    } catch (err) {
      state.scaling('restore-failed');
      state.failed(rootMessage(err));
      throw failure(
        FAILURE.RollbackIncomplete,
        `endpoint ${name} now serves ${plan.newConfigName}, but autoscaling of ${variantsOf(plan.restore)} could NOT be restored ` +
          `(needs an operator; the targets and policies to register are in the details): ${rootMessage(err)}`,
        { snapshot: plan.restore },
      );
    }
  }
  if (plan.autoscalingRule.applies) state.scaling('restored');
}

async function restoreScaling(undo: wf.ActivityInterfaceFor<Activities>, scaling: VariantScaling[]): Promise<void> {
  await undo.registerScalableTargets(scaling);
  await undo.putScalingPolicies(scaling);
}

function variantsOf(scaling: VariantScaling[]): string {
  return scaling.map((s) => s.variantName).join(', ');
}
