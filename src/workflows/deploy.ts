import * as wf from '@temporalio/workflow';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../activities';
import { deployInputSchema, STAGES, type DeployInput, type DeployRequest } from '../domain/deploy/input';
import { type DeployResult } from '../domain/deploy/status';
import { parseDuration } from '../domain/duration';
import { deployCleanupRequest, deployRefusal, deployResources, deployScalingRule, type DeployScalingRule } from '../domain/deploy/plan';
import { endpointMismatches, type EndpointSummary } from '../domain/endpoint';
import { modelName } from '../domain/names';
import type { Owner } from '../domain/ownership';
import { resolvePollPolicy, type ResolvedPollPolicy } from '../domain/polling';
import { failure, FAILURE, invalidInput, rolledBack } from '../domain/failures';
import { validate } from '../domain/validation';
import { awsActivities, pollingActivities, undoActivities } from './activity-options';
import { DeployState } from './deploy-state';
import { requireOurs, runOwner, withOriginalTags } from './ownership';
import { reportsCancelled } from './cancelled';
import { rootMessage, Saga } from './saga';

import { approveSignal, rejectSignal, deployStatusQuery } from './messages';
// Re-exported for code that imported them from here; messages.ts is their one definition.
export { approveSignal, rejectSignal, deployStatusQuery };

const aws = awsActivities();

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

/** One deploy run: its request, state, wait and undo proxies, shared by the steps below. */
interface DeployRun {
  req: DeployRequest;
  state: DeployState;
  poll: ResolvedPollPolicy;
  /** Waits: attempts are polls, bounded by inServiceTimeout. */
  waits: wf.ActivityInterfaceFor<Activities>;
  /** Compensation and cleanup, bounded overall (older histories retry them without end). */
  undo: wf.ActivityInterfaceFor<Activities>;
}

/** What the deploy made on the endpoint, for promotion and the result. */
interface Deployed {
  sageMakerModel: string;
  configName: string;
  previousConfig?: string;
  endpointArn: string;
  scalingRule?: DeployScalingRule;
}

async function runDeploy(input: DeployInput, holder: { state?: DeployState }): Promise<DeployResult> {
  const run = start(input, holder);
  await refuseExistingEndpoint(run);
  const registered = await register(run);
  await stageAndAwaitApproval(run, registered.version);
  const deployed = await deployToEndpoint(run, registered);
  return promote(run, registered, deployed);
}

/** Validates the input and sets up the run's state, handlers and activity proxies. */
function start(input: DeployInput, holder: { state?: DeployState }): DeployRun {
  const checked = validate(deployInputSchema, input);
  if (!checked.ok) throw invalidInput('deploy', checked.issues);
  const req = checked.value;
  const state = new DeployState(req);
  holder.state = state;
  wf.setHandler(deployStatusQuery, () => state.status);
  wf.setHandler(approveSignal, (d) => state.decide('approved', d));
  wf.setHandler(rejectSignal, (d) => state.decide('rejected', d));
  const poll = resolvePollPolicy(req.poll);
  const waits = pollingActivities(poll, parseDuration(req.inServiceTimeout));
  const { undo } = undoActivities<Activities>(parseDuration(req.inServiceTimeout));
  return { req, state, poll, waits, undo };
}

/** MLflow's `create` mode: an existing endpoint is refused before anything is registered. */
async function refuseExistingEndpoint({ req }: DeployRun): Promise<void> {
  if (req.mode === 'create' && (await aws.describeEndpoint(req.endpointName))) refuse(req, { endpointExists: true });
}

/** 1. Registers the version (the run id makes the registration idempotent across retries). */
async function register({ req, state }: DeployRun) {
  state.step('registering');
  const registered = await aws.registerModelVersion({
    model: req.model.name,
    image: req.model.image,
    modelDataUrl: req.model.modelDataUrl,
    description: req.model.description,
    metadata: { ...req.model.metadata, 'modelship:workflow-id': wf.workflowInfo().workflowId },
    idempotencyToken: wf.workflowInfo().runId,
  });
  state.registered(registered.version, registered.ref);
  return registered;
}
type Registered = Awaited<ReturnType<typeof register>>;

/** 2. Stages the version and waits for a human (or auto-approve); a rejection or timeout sets it Rejected. */
async function stageAndAwaitApproval({ req, state }: DeployRun, version: number): Promise<void> {
  state.step('staging');
  await stage(req, version, STAGES.staging, 'PendingApproval');
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
    throw failure(
      FAILURE.ApprovalRejected,
      `version ${version} was rejected by ${approval.by ?? 'an operator'}${approval.reason ? `: ${approval.reason}` : ''}`,
    );
  }
  await aws.setModelApproval(req.model.name, version, 'Approved', approval.reason ?? `approved by ${approval.by ?? 'modelship'}`);
}

/**
 * 3. Model, config, endpoint (created, or moved to the new config), each undo registered before its step;
 * then waits until the endpoint really serves the version. On failure, what this run made is undone.
 */
async function deployToEndpoint(run: DeployRun, registered: Registered): Promise<Deployed> {
  const { req, state } = run;
  const saga = new Saga();
  try {
    const target = await readTarget(run, registered.version);
    const owner = runOwner(req.endpointName);
    // Newer runs undo only what the ownership tags say they made (older histories replay the name-based undo).
    const ownedOnly = wf.patched('undo-only-owned');
    // Newer runs restore an existing endpoint while it is on the config this run moved it to (whoever
    // created it), and skip that restore once an undo found another actor's change, as the other
    // endpoint-moving undos are skipped; older histories restore only from a config this run's tags are on.
    const fromMoved = ownedOnly && wf.patched('restore-from-moved-config');
    const step = { run, saga, owner, ownedOnly, fromMoved, target };
    await createModel(step, registered);
    await createEndpointConfig(step);
    if (target.existing) await moveEndpoint(step, target.existing);
    else await createEndpoint(step);
    const endpointArn = await awaitServing(step);
    if (target.scalingRule?.restore.length) {
      state.step('restoring-scaling');
      await aws.registerScalableTargets(target.scalingRule.restore);
      await aws.putScalingPolicies(target.scalingRule.restore);
    }
    return {
      sageMakerModel: target.resources.sageMakerModelName,
      configName: target.resources.endpointConfigName,
      previousConfig: target.previousConfig,
      endpointArn,
      scalingRule: target.scalingRule,
    };
  } catch (err) {
    throw await compensate(run, saga, registered.version, err);
  }
}

/**
 * What the deploy will make, from the endpoint as it is: the plan's own functions (deployRefusal,
 * deployResources, deployScalingRule), so `modelship plan deploy` shows what runs.
 */
async function readTarget({ req, state, waits, poll }: DeployRun, version: number) {
  const { endpointName } = req;
  // An existing endpoint must be settled first: a Failed one cannot be updated, an Updating one not yet.
  const existing = (await aws.describeEndpoint(endpointName)) ? await waits.awaitEndpointInService(endpointName, poll.outOfServiceMs) : null;
  const previousConfig = existing?.configName;
  state.status.previousEndpointConfigName = previousConfig;
  if (existing && req.mode === 'create') refuse(req, { endpointExists: true });
  // Reading the current config is a step older histories lack: the patch keeps their replay deterministic.
  const previous = previousConfig && wf.patched('deploy-reads-previous-config') ? await aws.describeEndpointConfig(previousConfig) : null;
  refuse(req, { endpointExists: !!existing, previousConfig: previous });
  // `add` keeps the endpoint's variants and config-level settings and appends the new variant; `replace`
  // keeps a same-named variant's live instance count (older histories, without the patch, built it with
  // the given count or 1). The config name hashes everything the config holds, so a changed option never
  // reuses an older config.
  const keepsLiveCount = wf.patched('replace-keeps-live-count');
  // An autoscaled variant whose instance type or name the deploy changes: its scaling is removed before
  // UpdateEndpoint and put back after, as the update pipeline does (older histories went straight on).
  const scalingSafe = !!previous && wf.patched('deploy-autoscaling-safe');
  // `replace` keeps the replaced variant's settings and the replaced config's own (older histories built
  // the new config from the input alone, dropping them); one whose instance pool runs another model is refused.
  const keepsSettings = !!previous && wf.patched('deploy-replace-keeps-settings');
  if (keepsSettings) refuse(req, { endpointExists: true, previousConfig: previous }, { newModel: modelName(req.model.name, version) });
  const resources = deployResources(req, version, previous, keepsLiveCount ? existing : null, { renameKeepsFleet: scalingSafe, keepsSettings });
  const scalingRule =
    scalingSafe && previous
      ? deployScalingRule(
          endpointName,
          previous,
          resources.variants,
          await aws.describeVariantScaling(
            endpointName,
            previous.variants.map((v) => v.variantName),
          ),
        )
      : undefined;
  const instanceCount = resources.variants.find((v) => v.variantName === req.variantName)!.instanceCount;
  return { existing, previousConfig, resources, scalingRule, instanceCount };
}

interface DeployStep {
  run: DeployRun;
  saga: Saga;
  owner: Owner;
  ownedOnly: boolean;
  /** The restore undo goes by the config this run moved the endpoint to (patch restore-from-moved-config). */
  fromMoved: boolean;
  target: Awaited<ReturnType<typeof readTarget>>;
}

async function createModel({ run, saga, owner, ownedOnly, target }: DeployStep, registered: Registered): Promise<void> {
  const { req, state, undo } = run;
  const name = target.resources.sageMakerModelName;
  state.step('creating-model');
  saga.add(`delete model ${name}`, () => (ownedOnly ? undo.deleteModelIfOwned({ name, owner }) : undo.deleteModel(name)));
  const model = await aws.createModel({
    name,
    image: registered.image,
    modelDataUrl: registered.modelDataUrl,
    executionRoleArn: req.executionRoleArn,
    environment: req.model.environment,
    vpcConfig: target.resources.vpcConfig,
    tags: target.resources.tags,
    owner,
  });
  if (ownedOnly) requireOurs(model, `model ${name}`, owner);
  state.created({ kind: 'model', name });
}

async function createEndpointConfig({ run, saga, owner, ownedOnly, target }: DeployStep): Promise<void> {
  const { state, undo } = run;
  const { endpointConfigName: name, variants, configExtra } = target.resources;
  state.step('creating-endpoint-config');
  saga.add(`delete endpoint config ${name}`, () => (ownedOnly ? undo.deleteEndpointConfigIfOwned({ name, owner }) : undo.deleteEndpointConfig(name)));
  // Onto an existing endpoint, the config keeps the user tags of the one it replaces (the input's win).
  const extra = target.previousConfig ? await withOriginalTags(aws, configExtra, target.previousConfig) : configExtra;
  const config = await aws.createEndpointConfig(name, variants, extra, owner);
  if (ownedOnly) requireOurs(config, `endpoint config ${name}`, owner);
  state.created({ kind: 'endpoint-config', name });
}

/**
 * Moves an existing endpoint to the new config. An autoscaled variant whose type or name changes has its
 * scaling removed first (AWS refuses the update otherwise) and put back after it serves.
 */
async function moveEndpoint({ run, saga, owner, ownedOnly, fromMoved, target }: DeployStep, existing: EndpointSummary): Promise<void> {
  const { req, state, undo } = run;
  const { endpointName } = req;
  const configName = target.resources.endpointConfigName;
  const deregister = target.scalingRule?.deregister ?? [];
  if (deregister.length) {
    state.step('removing-scaling');
    // Undone newest first: this runs after the endpoint is back on its config, which has those variants.
    saga.add(`restore autoscaling of ${deregister.map((s) => s.variantName).join(', ')}`, async () => {
      await undo.registerScalableTargets(deregister);
      await undo.putScalingPolicies(deregister);
    });
  }
  saga.add(
    `restore endpoint ${endpointName} to ${existing.configName}`,
    () =>
      // Only while the endpoint is on the config this run moved it to: another actor's change is left alone.
      fromMoved
        ? undo.restoreEndpointConfig({ endpointName, to: existing.configName!, from: configName, retainAllVariantProperties: false, owner })
        : ownedOnly
          ? undo.restoreEndpointConfig(endpointName, existing.configName!, false, owner)
          : undo.restoreEndpointConfig(endpointName, existing.configName!),
    { movesEndpoint: fromMoved },
  );
  if (deregister.length) {
    const restore = target.scalingRule!.restore;
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
  await aws.updateEndpoint({ endpointName, endpointConfigName: configName, retainAllVariantProperties: req.mode === 'add' });
}

async function createEndpoint({ run, saga, owner, ownedOnly, target }: DeployStep): Promise<void> {
  const { req, state, undo } = run;
  const name = req.endpointName;
  state.step('creating-endpoint');
  saga.add(`delete endpoint ${name}`, async () => {
    // An endpoint another actor created under this name meanwhile is theirs: left alone.
    if (ownedOnly) return undo.deleteEndpointIfOwned({ name, owner });
    await undo.deleteEndpoint(name);
    await undo.awaitEndpointDeleted(name);
  });
  const created = await aws.createEndpoint(name, target.resources.endpointConfigName, target.resources.tags, owner);
  if (ownedOnly) requireOurs(created, `endpoint ${name}`, owner);
  state.created({ kind: 'endpoint', name });
}

/** Waits for InService and checks that the endpoint serves the new config and variant; returns its ARN. */
async function awaitServing({ run, target }: DeployStep): Promise<string> {
  const { req, state, waits, poll } = run;
  state.step('waiting-in-service');
  const ep = await waits.awaitEndpointInService(req.endpointName, poll.outOfServiceMs);
  state.step('verifying');
  const configName = target.resources.endpointConfigName;
  const problems = endpointMismatches(ep, { configName, variants: [{ variantName: req.variantName, instanceCount: target.instanceCount }] });
  if (problems.length) {
    throw failure(FAILURE.DeploymentRolledBack, `endpoint ${req.endpointName} does not serve version ${state.status.version}: ${problems.join('; ')}`);
  }
  return ep.arn;
}

/** Undoes what this run made, records the failure in the registry, and returns the failure to throw. */
async function compensate({ req, state, undo }: DeployRun, saga: Saga, version: number, err: unknown): Promise<ApplicationFailure> {
  const failedAt = state.status.step;
  state.step('compensating');
  const reason = rootMessage(err);
  const { done, failed, concurrent } = await saga.compensate();
  await wf.CancellationScope.nonCancellable(() =>
    undo.transitionModelStage({ model: req.model.name, version, stage: STAGES.staging, status: 'DeploymentFailed', description: reason }),
  );
  state.status.error = reason;
  state.step('failed');
  const cancelled = reportsCancelled(err);
  return rolledBack({
    what: `deploying version ${version} to ${req.endpointName} ${cancelled ? 'was cancelled' : 'failed'} while ${failedAt}`,
    reason,
    rolledBack: done,
    rollbackFailures: failed,
    concurrentChanges: concurrent,
    type: cancelled ? FAILURE.Cancelled : FAILURE.DeploymentFailed,
    details: { failedAt },
  });
}

/** 4. The endpoint serves the version: now the registry may say so, and superseded resources may go. */
async function promote({ req, state, undo }: DeployRun, registered: Registered, deployed: Deployed): Promise<DeployResult> {
  const { endpointName } = req;
  const { version } = registered;
  const { sageMakerModel, configName, previousConfig, scalingRule } = deployed;
  state.step('promoting');
  const archived = await stage(req, version, req.stage, 'Deployed', `serving on endpoint ${endpointName}`);
  // MLflow's archive=False: the superseded config and models go, once nothing else uses them.
  const removed: string[] = [];
  if (req.archive === false && previousConfig && req.mode !== 'add' && wf.patched('cleanup-by-ownership-tags')) {
    // The shared cleanup (src/activities/cleanup.ts): the superseded config, and the models it names, go
    // only when their ownership tags say this endpoint owns them and no config that stays names them.
    // It reads by tag, never by listing the account's endpoints.
    const cleaned = await undo.cleanUpEndpointResources(deployCleanupRequest(endpointName, previousConfig, configName, sageMakerModel));
    removed.push(...cleaned.deletedEndpointConfigs, ...cleaned.deletedModels);
  } else if (req.archive === false && previousConfig && req.mode !== 'add') {
    removed.push(...(await accountScanCleanup(undo, endpointName, previousConfig, sageMakerModel)));
  }
  state.step('succeeded');
  return {
    endpointName,
    endpointArn: deployed.endpointArn,
    endpointConfigName: configName,
    previousEndpointConfigName: previousConfig,
    sageMakerModelName: sageMakerModel,
    modelPackageArn: registered.ref,
    version,
    archived: archived.map((v) => `${req.model.name}/${v}`),
    removed,
    ...(scalingRule?.deregister.length
      ? { autoscaling: { restored: scalingRule.restore.map((s) => s.variantName), notRestored: scalingRule.notRestored } }
      : {}),
  };
}

/** Histories recorded before 'cleanup-by-ownership-tags' replay the account-wide in-use check. */
async function accountScanCleanup(
  undo: wf.ActivityInterfaceFor<Activities>,
  endpointName: string,
  previousConfig: string,
  sageMakerModel: string,
): Promise<string[]> {
  const removed: string[] = [];
  const othersConfigs = (await undo.endpointConfigsInUse(endpointName)).map((u) => u.configName);
  const old = await undo.describeEndpointConfig(previousConfig);
  if (!othersConfigs.includes(previousConfig) && (await undo.deleteEndpointConfig(previousConfig))) removed.push(previousConfig);
  for (const m of new Set(old?.variants.map((v) => v.modelName) ?? [])) {
    if (m !== sageMakerModel && (await undo.configsUsingModel(othersConfigs, m)).length === 0 && (await undo.deleteModel(m))) removed.push(m);
  }
  return removed;
}

function stage(req: DeployRequest, version: number, stage: typeof STAGES.staging | typeof STAGES.production, status: string, description?: string) {
  return aws.transitionModelStage({ model: req.model.name, version, stage, status, description, archiveExisting: req.archiveExisting });
}

/** Throws the plan's refusal (deployRefusal), if any. */
function refuse(req: DeployRequest, endpoint: Parameters<typeof deployRefusal>[1], keepsSettingsFor?: Parameters<typeof deployRefusal>[2]): void {
  const refusal = deployRefusal(req, endpoint, keepsSettingsFor);
  if (refusal) throw failure(refusal.type, refusal.reason);
}
