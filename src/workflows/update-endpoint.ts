import * as wf from '@temporalio/workflow';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../activities';
import { parseDuration } from '../domain/duration';
import { endpointMismatches, type VariantScaling } from '../domain/endpoint';
import { resolvePollPolicy } from '../domain/polling';
import { modelFields, planUpdate } from '../domain/update/plan';
import { updateInputSchema, type UpdateInput } from '../domain/update/input';
import { type UpdateResult } from '../domain/update/status';
import { failure, FAILURE, invalidInput, rolledBack } from '../domain/failures';
import { validate, type InputIssue } from '../domain/validation';
import { AWS_CALL, pollingOptions, undoActivities } from './activity-options';
import { requireOurs, runOwner } from './ownership';
import { reportsCancelled } from './cancelled';
import { rootMessage, Saga } from './saga';
import { UpdateState } from './update-endpoint-state';

import { updateStatusQuery } from './messages';
// Re-exported for code that imported it from here; messages.ts is their one definition.
export { updateStatusQuery };

const aws = wf.proxyActivities<Activities>(AWS_CALL);
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
  return invalidInput('update', issues);
}

async function runUpdate(input: UpdateInput, run: { state?: UpdateState }): Promise<UpdateResult> {
  const checked = validate(updateInputSchema, input);
  if (!checked.ok) throw invalid(checked.issues);
  const req = checked.value;
  const name = req.endpointName;
  const state = new UpdateState(req);
  run.state = state;
  wf.setHandler(updateStatusQuery, () => state.status);
  const poll = resolvePollPolicy(req.poll);
  const waits = wf.proxyActivities<Activities>(pollingOptions(poll, parseDuration(req.inServiceTimeout)));
  // Compensation and cleanup steps are bounded overall, and so are the waits inside compensation (older
  // histories retry their undo steps without end and wait up to UNDO_WAIT_DEADLINE).
  const { undo, boundMs } = undoActivities<Activities>(parseDuration(req.inServiceTimeout));
  const undoWaits = wf.proxyActivities<Activities>(pollingOptions(poll, boundMs ?? parseDuration(UNDO_WAIT_DEADLINE)));

  // Plan from what the endpoint runs now; an endpoint still changing is waited for first.
  state.step('planning');
  if (!(await aws.describeEndpoint(name))) throw invalid([{ field: 'endpointName', rule: `no endpoint named ${name} exists` }]);
  const current = await waits.awaitEndpointInService(name, poll.outOfServiceMs);
  const config = await aws.describeEndpointConfig(current.configName!);
  if (!config) throw failure(FAILURE.UpdateFailed, `endpoint ${name} serves config ${current.configName}, which no longer exists`);
  const scaling = await aws.describeVariantScaling(name, config.variants.map((v) => v.variantName));
  const planned = planUpdate(req, { endpoint: current, config, scaling });
  if (!planned.ok) throw invalid(planned.issues);
  const plan = planned.value;
  state.planned(plan);
  const result: UpdateResult = {
    endpointName: name,
    changed: !plan.unchanged,
    endpointConfigName: plan.unchanged ? plan.currentConfigName : plan.newConfigName,
    previousEndpointConfigName: plan.currentConfigName,
    changes: plan.changes,
    autoscaling: { restored: plan.restore.map((s) => s.variantName), notRestored: plan.notRestored },
  };
  if (plan.unchanged) {
    state.step('succeeded');
    return result;
  }
  const missing = await aws.missingModels(plan.newModels);
  if (missing.length) throw invalid(modelFields(req, missing));

  const saga = new Saga();
  try {
    if (plan.autoscalingRule.applies) {
      // 1. AWS refuses the update while these variants are scalable targets: remove policies and targets,
      //    after recording them (the snapshot) and registering their restoration.
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
    if (plan.raise.length) {
      // 2. Autoscaling cannot add capacity during the update: raise it now if asked to.
      state.step('raising-capacity');
      saga.add(
        `restore instance counts of ${plan.capacityBefore.map((c) => c.variantName).join(', ')}`,
        async () => {
          await undo.updateEndpointWeightsAndCapacities(name, plan.capacityBefore);
          await undoWaits.awaitEndpointInService(name, poll.outOfServiceMs);
        },
        { movesEndpoint: true }
      );
      await waits.updateEndpointWeightsAndCapacities(name, plan.raise);
    }
    // 3. UpdateEndpoint needs an InService endpoint, still on the config the plan was made from.
    state.step('waiting-in-service');
    const settled = await waits.awaitEndpointInService(name, poll.outOfServiceMs);
    if (settled.configName !== plan.currentConfigName) {
      throw failure(FAILURE.ConcurrentChange, `endpoint ${name} moved from ${plan.currentConfigName} to ${settled.configName} while the update was prepared`);
    }
    // 4–5. The new config: the current one (read while planning) with the changes.
    state.step('creating-endpoint-config');
    // Ownership tags on the new config; newer runs undo only what the tags say they made and restore only
    // from this run's config (older histories replay the name-based undo).
    const owner = runOwner(name);
    const ownedOnly = wf.patched('undo-only-owned');
    // Newer runs restore while the endpoint is on the config this run moved it to, whoever created it (an
    // update back to an earlier spec reuses that spec's config); older histories restore only from a
    // config this run's tags are on.
    const fromMoved = ownedOnly && wf.patched('restore-from-moved-config');
    saga.add(`delete endpoint config ${plan.newConfigName}`, () =>
      ownedOnly ? undo.deleteEndpointConfigIfOwned({ name: plan.newConfigName, owner }) : undo.deleteEndpointConfig(plan.newConfigName)
    );
    const created = await aws.createEndpointConfig(plan.newConfigName, plan.variants, plan.configExtra, ownedOnly ? owner : undefined);
    if (ownedOnly) requireOurs(created, `endpoint config ${plan.newConfigName}`, owner);
    state.created(plan.newConfigName);
    // 6. UpdateEndpoint; the undo (registered first, run first) moves the endpoint back while scaling is
    //    still off, so that AWS's rule cannot block the way back either.
    state.step('updating-endpoint');
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
      { movesEndpoint: true }
    );
    await aws.updateEndpoint(name, plan.newConfigName, plan.retainAllVariantProperties, plan.excludeRetainedVariantProperties);
    state.step('waiting-updated');
    const updated = await waits.awaitEndpointInService(name, poll.outOfServiceMs);
    // Verify, don't trust InService: SageMaker rolls a failed update back by itself.
    state.step('verifying');
    const problems = endpointMismatches(updated, plan.expected);
    if (problems.length) {
      throw failure(FAILURE.UpdateRolledBack, `endpoint ${name} was not updated: ${problems.join('; ')}`);
    }
  } catch (err) {
    const failedAt = state.status.step;
    state.step('compensating');
    const reason = rootMessage(err);
    const { done, failed, concurrent } = await saga.compensate();
    if (plan.autoscalingRule.applies && state.status.scaling !== 'restored') state.scaling('restore-failed');
    state.failed(reason);
    const cancelled = reportsCancelled(err);
    throw rolledBack({
      what: `updating ${name} ${cancelled ? 'was cancelled' : 'failed'} while ${failedAt}`,
      reason,
      rolledBack: done,
      rollbackFailures: failed,
      concurrentChanges: concurrent,
      type: cancelled ? FAILURE.Cancelled : FAILURE.UpdateFailed,
      details: { failedAt, snapshot: state.status.snapshot },
    });
  }

  // 7. Register the targets again and re-attach their policies. The update has happened, so there is no
  //    going back: retried patiently, and not even a cancel may leave autoscaling off.
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
        { snapshot: plan.restore }
      );
    }
  }
  if (plan.autoscalingRule.applies) state.scaling('restored');
  state.step('succeeded');
  return result;
}

async function restoreScaling(undo: wf.ActivityInterfaceFor<Activities>, scaling: VariantScaling[]): Promise<void> {
  await undo.registerScalableTargets(scaling);
  await undo.putScalingPolicies(scaling);
}

function variantsOf(scaling: VariantScaling[]): string {
  return scaling.map((s) => s.variantName).join(', ');
}
