import * as wf from '@temporalio/workflow';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../activities';
import { deployInputSchema, sageMakerHostingOptions, STAGES, type DeployInput } from '../domain/deploy/input';
import { type DeployResult } from '../domain/deploy/status';
import { parseDuration } from '../domain/duration';
import { deployCleanupRequest, deployResources, deployScalingRule, type DeployScalingRule } from '../domain/deploy/plan';
import { endpointMismatches } from '../domain/endpoint';
import { modelName } from '../domain/names';
import { resolvePollPolicy } from '../domain/polling';
import { failure, FAILURE, invalidInput, rolledBack } from '../domain/failures';
import { validate } from '../domain/validation';
import { AWS_CALL, pollingOptions, undoActivities } from './activity-options';
import { DeployState } from './deploy-state';
import { requireOurs, runOwner } from './ownership';
import { reportsCancelled } from './cancelled';
import { rootMessage, Saga } from './saga';

import { approveSignal, rejectSignal, deployStatusQuery } from './messages';
// Re-exported for code that imported them from here; messages.ts is their one definition.
export { approveSignal, rejectSignal, deployStatusQuery };

const aws = wf.proxyActivities<Activities>(AWS_CALL);

/**
 * register → stage → deploy: registers a model version, stages it, waits for approval, then creates the
 * SageMaker model, endpoint config and endpoint (or moves an existing endpoint to the new config) and
 * waits until the endpoint really serves it. On failure, what this run created is removed, the endpoint
 * is left on its previous config, and the registry records the failure.
 */
export async function deployModel(input: DeployInput): Promise<DeployResult> {
  const run: { state?: DeployState } = {};
  return failWithType(runDeploy(input, run), () => run.state?.status.step ?? 'validating');
}

/**
 * Every way the pipeline ends in failure surfaces as an ApplicationFailure with a type (InvalidInput,
 * ApprovalRejected, DeploymentFailed, …) so CI can tell a refused input from a rolled-back deployment
 * from AWS being unreachable. Errors that escaped the steps' own handling become `PipelineFailed`.
 */
async function failWithType<T>(run: Promise<T>, step: () => string): Promise<T> {
  try {
    return await run;
  } catch (err) {
    if (err instanceof ApplicationFailure || wf.isCancellation(err)) throw err;
    throw failure(FAILURE.PipelineFailed, `failed while ${step()}: ${rootMessage(err)}`);
  }
}

async function runDeploy(input: DeployInput, run: { state?: DeployState }): Promise<DeployResult> {
  const checked = validate(deployInputSchema, input);
  if (!checked.ok) {
    throw invalidInput('deploy', checked.issues);
  }
  const req = checked.value;
  const { endpointName, variantName } = req;
  const state = new DeployState(req);
  run.state = state;
  wf.setHandler(deployStatusQuery, () => state.status);
  wf.setHandler(approveSignal, (d) => state.decide('approved', d));
  wf.setHandler(rejectSignal, (d) => state.decide('rejected', d));
  const poll = resolvePollPolicy(req.poll);
  const waits = wf.proxyActivities<Activities>(pollingOptions(poll, parseDuration(req.inServiceTimeout)));
  // Compensation and cleanup steps are bounded overall (older histories retry them without end).
  const { undo } = undoActivities<Activities>(parseDuration(req.inServiceTimeout));

  // MLflow's `create` mode: an existing endpoint is refused before anything is registered.
  if (req.mode === 'create' && (await aws.describeEndpoint(endpointName))) throw endpointExists(endpointName);

  // 1. Register the version (the run id makes the registration idempotent across retries).
  state.step('registering');
  const registered = await aws.registerModelVersion({
    model: req.model.name,
    image: req.model.image,
    modelDataUrl: req.model.modelDataUrl,
    description: req.model.description,
    metadata: { ...req.model.metadata, 'modelship:workflow-id': wf.workflowInfo().workflowId },
    idempotencyToken: wf.workflowInfo().runId,
  });
  const { version } = registered;
  state.registered(version, registered.ref);
  const stageIt = (stage: typeof STAGES.staging | typeof STAGES.production, status: string, description?: string) =>
    aws.transitionModelStage({ model: req.model.name, version, stage, status, description, archiveExisting: req.archiveExisting });

  // 2. Stage it, and wait for a human (or auto-approve).
  state.step('staging');
  await stageIt(STAGES.staging, 'PendingApproval');
  state.step('awaiting-approval');
  if (req.autoApprove) state.decide('auto', { by: 'modelship', reason: 'autoApprove' });
  else if (!(await wf.condition(() => state.decided, parseDuration(req.approvalTimeout)))) {
    await aws.setModelApproval(req.model.name, version, 'Rejected', `no approval within ${req.approvalTimeout}`);
    state.step('failed');
    throw failure(FAILURE.ApprovalTimedOut, `version ${version} was not approved within ${req.approvalTimeout}`);
  }
  const approval = state.status.approval!;
  if (approval.decision === 'rejected') {
    await aws.setModelApproval(req.model.name, version, 'Rejected', approval.reason ?? `rejected by ${approval.by ?? 'an operator'}`);
    state.step('failed');
    throw failure(FAILURE.ApprovalRejected, `version ${version} was rejected by ${approval.by ?? 'an operator'}${approval.reason ? `: ${approval.reason}` : ''}`);
  }
  await aws.setModelApproval(req.model.name, version, 'Approved', approval.reason ?? `approved by ${approval.by ?? 'modelship'}`);

  // 3. Deploy: model, config, endpoint (create or update), each undo registered before its step.
  const saga = new Saga();
  const sageMakerModel = modelName(req.model.name, version);
  let configName: string;
  let instanceCount: number;
  let previousConfig: string | undefined;
  let endpointArn: string;
  let scalingRule: DeployScalingRule | undefined;
  try {
    // An existing endpoint must be settled first: a Failed one cannot be updated, an Updating one not yet.
    const existing = (await aws.describeEndpoint(endpointName)) ? await waits.awaitEndpointInService(endpointName, poll.outOfServiceMs) : null;
    previousConfig = existing?.configName;
    state.status.previousEndpointConfigName = previousConfig;
    if (existing && req.mode === 'create') throw endpointExists(endpointName);
    // Reading the current config is a step older histories lack: the patch keeps their replay deterministic.
    const previous = previousConfig && wf.patched('deploy-reads-previous-config') ? await aws.describeEndpointConfig(previousConfig) : null;
    const hosting = sageMakerHostingOptions(req, previous?.extra);
    if (req.mode === 'add' && previous?.variants.some((v) => v.variantName === variantName)) {
      throw failure(FAILURE.InvalidInput, `endpoint ${endpointName} already has a variant ${variantName}; mode "add" needs a new variantName`);
    }
    // The same function as `modelship plan deploy`: `add` keeps the endpoint's variants and config-level
    // settings and appends the new variant; `replace` keeps a same-named variant's live instance count
    // (older histories, without the patch, built it with the given count or 1). The config name hashes
    // everything the config holds, so a changed option never reuses an older config.
    const keepsLiveCount = wf.patched('replace-keeps-live-count');
    // An autoscaled variant whose instance type or name the deploy changes: its scaling is removed before
    // UpdateEndpoint and put back after, as the update pipeline does (older histories went straight on).
    const scalingSafe = !!previous && wf.patched('deploy-autoscaling-safe');
    const resources = deployResources(req, version, previous, keepsLiveCount ? existing : null, { renameKeepsFleet: scalingSafe });
    const { variants, configExtra } = resources;
    scalingRule =
      scalingSafe && previous
        ? deployScalingRule(endpointName, previous, variants, await aws.describeVariantScaling(endpointName, previous.variants.map((v) => v.variantName)))
        : undefined;
    configName = resources.endpointConfigName;
    instanceCount = variants.find((v) => v.variantName === variantName)!.instanceCount;

    // Ownership tags on everything this run creates; newer runs undo only what the tags say they made
    // (older histories replay the name-based undo).
    const owner = runOwner(endpointName);
    const undoOwnedOnly = wf.patched('undo-only-owned');
    // Newer runs restore an existing endpoint while it is on the config this run moved it to (whoever
    // created it), and skip that restore once an undo found another actor's change, as the other
    // endpoint-moving undos are skipped; older histories restore only from a config this run's tags are on.
    const fromMoved = undoOwnedOnly && wf.patched('restore-from-moved-config');
    state.step('creating-model');
    saga.add(`delete model ${sageMakerModel}`, () =>
      undoOwnedOnly ? undo.deleteModelIfOwned({ name: sageMakerModel, owner }) : undo.deleteModel(sageMakerModel)
    );
    const model = await aws.createModel({
      name: sageMakerModel,
      image: registered.image,
      modelDataUrl: registered.modelDataUrl,
      executionRoleArn: req.executionRoleArn,
      environment: req.model.environment,
      vpcConfig: hosting.vpcConfig,
      tags: hosting.tags,
      owner,
    });
    if (undoOwnedOnly) requireOurs(model, `model ${sageMakerModel}`, owner);
    state.created({ kind: 'model', name: sageMakerModel });

    state.step('creating-endpoint-config');
    saga.add(`delete endpoint config ${configName}`, () =>
      undoOwnedOnly ? undo.deleteEndpointConfigIfOwned({ name: configName, owner }) : undo.deleteEndpointConfig(configName)
    );
    const config = await aws.createEndpointConfig(configName, variants, configExtra, owner);
    if (undoOwnedOnly) requireOurs(config, `endpoint config ${configName}`, owner);
    state.created({ kind: 'endpoint-config', name: configName });

    if (existing) {
      const deregister = scalingRule?.deregister ?? [];
      if (deregister.length) {
        state.step('removing-scaling');
        // Undone newest first: this runs after the endpoint is back on its config, which has those variants.
        saga.add(`restore autoscaling of ${deregister.map((s) => s.variantName).join(', ')}`, async () => {
          await undo.registerScalableTargets(deregister);
          await undo.putScalingPolicies(deregister);
        });
      }
      const movedTo = configName;
      saga.add(
        `restore endpoint ${endpointName} to ${existing.configName}`,
        () =>
          // Only while the endpoint is on this run's config: another actor's change meanwhile is left alone.
          fromMoved
            ? undo.restoreEndpointConfig({ endpointName, to: existing.configName!, from: movedTo, retainAllVariantProperties: false, owner })
            : undoOwnedOnly
              ? undo.restoreEndpointConfig(endpointName, existing.configName!, false, owner)
              : undo.restoreEndpointConfig(endpointName, existing.configName!),
        { movesEndpoint: fromMoved }
      );
      if (deregister.length) {
        const restore = scalingRule!.restore;
        // Scaling put on the new config's variants goes before the endpoint moves back: UpdateEndpoint
        // refuses to change the type of, or remove, an autoscaled variant.
        if (restore.length) {
          saga.add(`remove the autoscaling of ${restore.map((s) => s.variantName).join(', ')} on ${configName}`, async () => {
            await undo.deleteScalingPolicies(restore);
            await undo.deregisterScalableTargets(restore);
          });
        }
        await aws.deleteScalingPolicies(deregister);
        await aws.deregisterScalableTargets(deregister);
      }
      state.step('updating-endpoint');
      // In `add` mode the existing variants keep their live weights and instance counts.
      await aws.updateEndpoint(endpointName, configName, req.mode === 'add');
    } else {
      state.step('creating-endpoint');
      saga.add(`delete endpoint ${endpointName}`, async () => {
        // An endpoint another actor created under this name meanwhile is theirs: left alone.
        if (undoOwnedOnly) return undo.deleteEndpointIfOwned({ name: endpointName, owner });
        await undo.deleteEndpoint(endpointName);
        await undo.awaitEndpointDeleted(endpointName);
      });
      const created = await aws.createEndpoint(endpointName, configName, hosting.tags, owner);
      if (undoOwnedOnly) requireOurs(created, `endpoint ${endpointName}`, owner);
      state.created({ kind: 'endpoint', name: endpointName });
    }

    state.step('waiting-in-service');
    const ep = await waits.awaitEndpointInService(endpointName, poll.outOfServiceMs);
    endpointArn = ep.arn;

    state.step('verifying');
    const problems = endpointMismatches(ep, { configName, variants: [{ variantName, instanceCount }] });
    if (problems.length) {
      throw failure(FAILURE.DeploymentRolledBack, `endpoint ${endpointName} does not serve version ${version}: ${problems.join('; ')}`);
    }
    if (scalingRule?.restore.length) {
      state.step('restoring-scaling');
      await aws.registerScalableTargets(scalingRule.restore);
      await aws.putScalingPolicies(scalingRule.restore);
    }
  } catch (err) {
    const failedAt = state.status.step;
    state.step('compensating');
    const reason = rootMessage(err);
    const { done, failed, concurrent } = await saga.compensate();
    await wf.CancellationScope.nonCancellable(() =>
      undo.transitionModelStage({ model: req.model.name, version, stage: STAGES.staging, status: 'DeploymentFailed', description: reason })
    );
    state.status.error = reason;
    state.step('failed');
    const cancelled = reportsCancelled(err);
    throw rolledBack({
      what: `deploying version ${version} to ${endpointName} ${cancelled ? 'was cancelled' : 'failed'} while ${failedAt}`,
      reason,
      rolledBack: done,
      rollbackFailures: failed,
      concurrentChanges: concurrent,
      type: cancelled ? FAILURE.Cancelled : FAILURE.DeploymentFailed,
      details: { failedAt },
    });
  }

  // 4. The endpoint serves the version: now the registry may say so.
  state.step('promoting');
  const archived = await stageIt(req.stage, 'Deployed', `serving on endpoint ${endpointName}`);
  // MLflow's archive=False: the superseded config and models go, once nothing else uses them.
  const removed: string[] = [];
  if (req.archive === false && previousConfig && req.mode !== 'add' && wf.patched('cleanup-by-ownership-tags')) {
    // The shared cleanup (src/activities/cleanup.ts): the superseded config, and the models it names, go
    // only when their ownership tags say this endpoint owns them and no config that stays names them.
    // It reads by tag, never by listing the account's endpoints.
    const cleaned = await undo.cleanUpEndpointResources(deployCleanupRequest(endpointName, previousConfig, configName, sageMakerModel));
    removed.push(...cleaned.deletedEndpointConfigs, ...cleaned.deletedModels);
  } else if (req.archive === false && previousConfig && req.mode !== 'add') {
    // Histories recorded before 'cleanup-by-ownership-tags' replay the account-wide in-use check.
    const othersConfigs = (await undo.endpointConfigsInUse(endpointName)).map((u) => u.configName);
    const old = await undo.describeEndpointConfig(previousConfig);
    if (!othersConfigs.includes(previousConfig) && (await undo.deleteEndpointConfig(previousConfig))) removed.push(previousConfig);
    for (const m of new Set(old?.variants.map((v) => v.modelName) ?? [])) {
      if (m !== sageMakerModel && (await undo.configsUsingModel(othersConfigs, m)).length === 0 && (await undo.deleteModel(m))) removed.push(m);
    }
  }
  state.step('succeeded');
  return {
    endpointName,
    endpointArn,
    endpointConfigName: configName,
    previousEndpointConfigName: previousConfig,
    sageMakerModelName: sageMakerModel,
    modelPackageArn: registered.ref,
    version,
    archived: archived.map((v) => `${req.model.name}/${v}`),
    removed,
    ...(scalingRule?.deregister.length ? { autoscaling: { restored: scalingRule.restore.map((s) => s.variantName), notRestored: scalingRule.notRestored } } : {}),
  };
}

function endpointExists(endpointName: string): ApplicationFailure {
  return failure(FAILURE.EndpointExists, `endpoint ${endpointName} already exists and mode is "create"; use mode "replace" or "add"`);
}
