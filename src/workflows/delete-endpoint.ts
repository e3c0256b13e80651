import * as wf from '@temporalio/workflow';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../activities';
import { configsToDelete, endpointConfigsOf, modelsToDelete } from '../domain/delete/plan';
import { deleteInputSchema, type DeleteInput } from '../domain/delete/input';
import { type DeleteResult, type DeleteStatus, type DeleteStep } from '../domain/delete/status';
import { parseDuration } from '../domain/duration';
import type { EndpointConfigSummary, VariantScaling } from '../domain/endpoint';
import { resolvePollPolicy } from '../domain/polling';
import { SEARCH_ATTRIBUTES } from '../domain/search-attributes';
import { failure, FAILURE, invalidInput, rolledBack } from '../domain/failures';
import { validate } from '../domain/validation';
import { awsActivities, pollingActivities, undoActivities } from './activity-options';
import { reportsCancelled } from './cancelled';
import { rootMessage } from './saga';

import { deleteStatusQuery } from './messages';
// Re-exported for code that imported it from here; messages.ts is their one definition.
export { deleteStatusQuery };

const aws = awsActivities();

/**
 * Deletes an endpoint: its scaling policies and scalable targets first (modelship never relies on
 * DeleteEndpoint deregistering them, which needs a permission the caller may lack), then the endpoint,
 * then, unless kept, the endpoint configs and models its ownership tags say it owns and nothing still uses. Whatever is already gone
 * counts as deleted, so running it again is a no-op that succeeds.
 */
export async function deleteSageMakerEndpoint(input: DeleteInput): Promise<DeleteResult> {
  const checked = validate(deleteInputSchema, input);
  if (!checked.ok) {
    throw invalidInput('delete', checked.issues);
  }
  const req = checked.value;
  const name = req.endpointName;
  const status: DeleteStatus = { step: 'validating', endpointName: name, endpointConfigs: [], scalingRemoved: [], deleted: [], kept: [] };
  wf.setHandler(deleteStatusQuery, () => status);
  wf.upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.endpoint, value: name },
    { key: SEARCH_ATTRIBUTES.pipeline, value: 'delete' },
  ]);
  const step = (s: DeleteStep) => {
    status.step = s;
    wf.upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.step, value: s }]);
  };
  const waits = pollingActivities(resolvePollPolicy(req.poll), parseDuration(req.deleteTimeout));
  // The scaling restore is bounded (twice deleteTimeout): one that keeps failing ends the run as
  // RollbackIncomplete naming what is left. Runs started before the patch retry it without end.
  const guard = undoActivities<Activities>(parseDuration(req.deleteTimeout), 'delete-bounded-scaling-restore');

  try {
    step('reading');
    const endpoint = await aws.describeEndpoint(name);
    status.endpointConfigs = endpointConfigsOf(endpoint);

    // 1. Scaling first: targets left behind would refuse DeleteEndpoint for a caller without the
    //    DeregisterScalableTarget permission, and outlive the endpoint otherwise
    //    (https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-delete-with-scaling.html).
    step('removing-scaling');
    // The endpoint's own variants' targets, read by resource id: the cost follows the endpoint, never the
    // account (runs recorded before this patch called describeEndpointScaling, which listed every target).
    const scaling = wf.patched('delete-scaling-by-variants')
      ? await aws.describeVariantScaling(name, endpoint?.variants.map((v) => v.variantName) ?? [])
      : await aws.describeEndpointScaling(name);
    await withScalingGuard(name, scaling, guard, async () => {
      await aws.deleteScalingPolicies(scaling);
      await aws.deregisterScalableTargets(scaling);
      status.scalingRemoved = scaling.map((s) => s.variantName);

      if (endpoint) {
        step('deleting-endpoint');
        // Waits for an Updating endpoint to settle: AWS refuses to delete one in progress.
        await waits.deleteEndpoint(name);
        step('waiting-deleted');
        await waits.awaitEndpointDeleted(name);
        status.deleted.push({ kind: 'endpoint', name });
      }
    });

    if (req.deleteConfigsAndModels && wf.patched('delete-by-ownership-tags')) {
      // What goes is decided by ownership tags (never by name prefix, never by listing the account): the
      // shared cleanup every pipeline uses (src/activities/cleanup.ts).
      step('deleting-configs');
      const cleaned = await aws.cleanUpEndpointResources({ endpointName: name, scope: { kind: 'owned', configs: status.endpointConfigs } });
      for (const c of cleaned.deletedEndpointConfigs) status.deleted.push({ kind: 'endpoint-config', name: c });
      step('deleting-models');
      for (const m of cleaned.deletedModels) status.deleted.push({ kind: 'model', name: m });
      status.kept.push(...cleaned.kept);
    } else if (req.deleteConfigsAndModels) {
      // Histories recorded before 'delete-by-ownership-tags' replay the name-prefix cleanup.
      step('deleting-configs');
      const named = await aws.listEndpointConfigNames(`${name}-`);
      const configs = configsToDelete(name, named, status.endpointConfigs, await aws.endpointConfigsInUse(name));
      status.kept.push(...configs.kept);
      const deletedConfigs: EndpointConfigSummary[] = [];
      for (const configName of configs.delete) {
        const config = await aws.describeEndpointConfig(configName);
        if (!config) continue;
        await aws.deleteEndpointConfig(configName);
        deletedConfigs.push(config);
        status.deleted.push({ kind: 'endpoint-config', name: configName });
      }

      step('deleting-models');
      const models = modelsToDelete(deletedConfigs, deletedConfigs.length ? await aws.modelsUsedByEndpointConfigs() : {});
      status.kept.push(...models.kept);
      for (const model of models.delete) {
        if (await aws.deleteModel(model)) status.deleted.push({ kind: 'model', name: model });
      }
    }
  } catch (caught) {
    const notRestored = caught instanceof ScalingNotRestored ? caught : undefined;
    const err = notRestored ? notRestored.failure : caught;
    const failedAt = status.step;
    status.error = rootMessage(err);
    step('failed');
    if (err instanceof ApplicationFailure && err.type === FAILURE.InvalidInput) throw err;
    const cancelled = reportsCancelled(err);
    if (notRestored) {
      // The endpoint is still there, without the autoscaling this run removed: an operator must put it back.
      throw rolledBack({
        what: `deleting ${name} ${cancelled ? 'was cancelled' : 'failed'} while ${failedAt}`,
        reason: status.error,
        rolledBack: [],
        rollbackFailures: [
          `restore autoscaling of ${notRestored.scaling.map((s) => s.variantName).join(', ')} (the targets and policies to register are in the details): ${rootMessage(notRestored.restoreError)}`,
        ],
        type: cancelled ? FAILURE.Cancelled : FAILURE.DeleteFailed,
        details: { failedAt, deleted: status.deleted, snapshot: notRestored.scaling },
      });
    }
    throw failure(
      cancelled ? FAILURE.Cancelled : FAILURE.DeleteFailed,
      `deleting ${name} ${cancelled ? 'was cancelled' : 'failed'} while ${failedAt}: ${status.error}. Deleted so far: ${status.deleted.map((d) => `${d.kind} ${d.name}`).join(', ') || 'nothing'}` +
        ' (running the delete again continues from there)',
      { failedAt, deleted: status.deleted },
    );
  }

  step('succeeded');
  const deleted = (kind: string) => status.deleted.filter((d) => d.kind === kind).map((d) => d.name);
  return {
    endpointName: name,
    endpointDeleted: deleted('endpoint').length > 0,
    scalingRemoved: status.scalingRemoved,
    deletedEndpointConfigs: deleted('endpoint-config'),
    deletedModels: deleted('model'),
    kept: status.kept,
  };
}

/**
 * Runs the removal of the endpoint's scaling and of the endpoint itself; if that fails or is cancelled
 * while the endpoint is still there (not gone, not Deleting), the endpoint must not stay without its
 * autoscaling: the snapshot (targets, tags, scheduled actions, policies, the step policies' alarm links) is
 * put back before the failure goes on. Deregistering deleted the scheduled actions and DeleteScalingPolicy
 * took the policies' ARNs out of their alarms, so the snapshot is the only copy
 * (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DeregisterScalableTarget.html,
 * https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DeleteScalingPolicy.html).
 */
async function withScalingGuard(
  name: string,
  scaling: VariantScaling[],
  via: { undo: wf.ActivityInterfaceFor<Activities>; boundMs?: number },
  removal: () => Promise<void>,
): Promise<void> {
  try {
    await removal();
  } catch (err) {
    if (scaling.length) {
      const { undo } = via;
      try {
        await wf.CancellationScope.nonCancellable(async () => {
          const now = await undo.describeEndpoint(name);
          if (now && now.status !== 'Deleting') {
            await undo.registerScalableTargets(scaling);
            await undo.putScalingPolicies(scaling);
          }
        });
      } catch (restoreError) {
        // Bounded (patch `delete-bounded-scaling-restore`): the restore gave up. Older runs let it go on.
        if (via.boundMs === undefined) throw restoreError;
        throw new ScalingNotRestored(err, restoreError, scaling);
      }
    }
    throw err;
  }
}

/** The removal failed (`failure`) and putting the scaling back gave up too (`restoreError`). */
class ScalingNotRestored extends Error {
  constructor(
    readonly failure: unknown,
    readonly restoreError: unknown,
    readonly scaling: VariantScaling[],
  ) {
    super(`the autoscaling removed before the failure could not be put back: ${rootMessage(restoreError)}`);
  }
}
