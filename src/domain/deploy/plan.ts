/**
 * The plan of a register → stage → deploy run: what it would register, name, create and move, computed
 * from the registry and the endpoint as they are. Pure: no AWS calls, no Temporal. The names come from
 * the same functions, with the same spec, as the deploy workflow's.
 */
import { change, describeVariant, type Planned, type PlannedChange, type PlanRefusal, type RegistryVersionFacts } from '../change-plan';
import { planCleanup, type CleanupFacts, type CleanupRequest, type KeptResource } from '../cleanup';
import { sageMakerHostingOptions, STAGES, type DeployRequest } from './input';
import { perVariantPolicies, variantResourceId, type EndpointConfigSummary, type EndpointSummary, type VariantScaling, type VariantSpec } from '../endpoint';
import { variantSettingsRefusal } from '../canary/plan';
import { endpointConfigName, modelName } from '../names';
import { FAILURE } from '../failures';

export interface DeployFacts {
  endpoint: EndpointSummary | null;
  /** The config the endpoint serves now (its variants and config-level settings carry over). */
  previousConfig: EndpointConfigSummary | null;
  /**
   * For `archive: false` on an existing endpoint: what the deploy's cleanup reads about the superseded config
   * and its models (by their ownership and model-use tags, as `cleanUpEndpointResources` does), else null.
   */
  cleanup: CleanupFacts | null;
  /** The model package group (the registered model) exists. */
  groupExists: boolean;
  versions: RegistryVersionFacts[];
  /** Of the model and endpoint config the run would create, the ones that already exist. */
  existing: { model: boolean; config: boolean };
  /** The scalable targets of the previous config's variants, with their policies (none when not autoscaled). */
  scaling?: VariantScaling[];
}

export interface DeployPlan {
  kind: 'deploy';
  endpointName: string;
  model: string;
  /**
   * The version the registration would get. Predicted: SageMaker numbers a group's versions in order, so a
   * registration made meanwhile, or a deleted newest version, moves it.
   */
  version: number;
  versionPredicted: true;
  sageMakerModelName: string;
  endpointConfigName: string;
  variants: VariantSpec[];
  /** Create the endpoint, or move the existing one (UpdateEndpoint) from `previousEndpointConfigName`. */
  endpointAction: 'create' | 'update';
  previousEndpointConfigName?: string;
  mode: 'create' | 'replace' | 'add';
  /** Config-level fields of the new config (data capture, async inference, tags). */
  configExtra?: Record<string, unknown>;
  approval: { auto: boolean; timeout: string };
  stage: string;
  /** Versions archived when the new one is staged (they held Staging). `<model>/<version>`. */
  archivedWhenStaged: string[];
  /** Versions archived once the endpoint serves the new one (they held `stage`), as the result reports them. */
  archived: string[];
  /** Superseded config and models deleted after the deploy (`archive: false`), as the result's `removed`. */
  removed: string[];
  kept: KeptResource[];
  changes: PlannedChange[];
  notes: string[];
}

/** The next version number of a model package group. */
export function nextVersion(versions: RegistryVersionFacts[]): number {
  return versions.reduce((max, v) => Math.max(max, v.version), 0) + 1;
}

/**
 * The SageMaker model, variants, config-level fields and endpoint config a deploy of `version` creates, as
 * the workflow builds them: `add` keeps the current config's variants and settings, and the config name
 * hashes everything the config holds. `endpoint` is the endpoint as it is (its live counts set the new
 * variant's count, see deployInstanceCount), or null when there is none.
 */
export function deployResources(
  req: DeployRequest,
  version: number,
  previous: EndpointConfigSummary | null,
  endpoint: EndpointSummary | null,
  o: { renameKeepsFleet?: boolean; keepsSettings?: boolean } = { renameKeepsFleet: true, keepsSettings: true },
): {
  sageMakerModelName: string;
  variants: VariantSpec[];
  configExtra: Record<string, unknown>;
  endpointConfigName: string;
  /** CreateModel's VpcConfig, and the user's tags for the model and endpoint. */
  vpcConfig: ReturnType<typeof sageMakerHostingOptions>['vpcConfig'];
  tags: ReturnType<typeof sageMakerHostingOptions>['tags'];
} {
  const sageMakerModelName = modelName(req.model.name, version);
  const instanceCount = deployInstanceCount(req, endpoint, o);
  const replaced = o.keepsSettings && req.mode !== 'add' ? previous?.variants.find((v) => v.variantName === req.variantName) : undefined;
  const newVariant: VariantSpec = {
    ...carriedVariantSettings(replaced),
    variantName: req.variantName,
    modelName: sageMakerModelName,
    instanceType: req.instanceType,
    instanceCount,
    weight: 1,
  };
  const hosting = sageMakerHostingOptions(req, previous?.extra);
  const add = req.mode === 'add' && previous;
  // `replace` keeps the replaced config's own settings (KmsKeyId, AsyncInferenceConfig, …) as `add` and the
  // canary do, unless the input sets them (hosting.configExtra wins).
  const configExtra = req.mode === 'add' || o.keepsSettings ? { ...previous?.extra, ...hosting.configExtra } : hosting.configExtra;
  const variants = add ? [...previous.variants, { ...newVariant, weight: req.addWeight ?? 0 }] : [newVariant];
  const spec = Object.keys(configExtra).length ? { variants, extra: configExtra } : variants;
  return {
    sageMakerModelName,
    variants,
    configExtra,
    endpointConfigName: endpointConfigName(req.endpointName, `v${version}`, spec),
    vpcConfig: hosting.vpcConfig,
    tags: hosting.tags,
  };
}

/**
 * The settings a `replace` carries from the same-named variant it replaces (VolumeSizeInGB,
 * ContainerStartupHealthCheckTimeoutInSeconds, ModelDataDownloadTimeoutInSeconds, RoutingConfig,
 * ManagedInstanceScaling, CoreDumpConfig, …), as the canary carries the baseline's: UpdateEndpoint builds
 * the new fleet from the new config alone, so a setting left out is dropped. ServerlessConfig is not
 * carried: the deploy's variant is instance-based (its input sets InstanceType, which AWS refuses beside
 * ServerlessConfig). https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html
 */
export function carriedVariantSettings(replaced: VariantSpec | undefined): Pick<VariantSpec, 'extra'> {
  const { ServerlessConfig: _serverless, ...extra } = replaced?.extra ?? {};
  return Object.keys(extra).length ? { extra } : {};
}

/**
 * Why a deploy would not go on with the endpoint as it is, or undefined: mode "create" meets an existing
 * endpoint, or mode "add" names a variant the endpoint's config already has. The plan and the workflow
 * refuse through this one function (the workflow before registering, and again once the endpoint settled).
 */
export function deployRefusal(
  req: Pick<DeployRequest, 'endpointName' | 'mode' | 'variantName'>,
  endpoint: { endpointExists: boolean; previousConfig?: EndpointConfigSummary | null },
  keepsSettingsFor?: { newModel: string },
): PlanRefusal | undefined {
  if (endpoint.endpointExists && req.mode === 'create') {
    return { type: FAILURE.EndpointExists, reason: `endpoint ${req.endpointName} already exists and mode is "create"; use mode "replace" or "add"` };
  }
  if (endpoint.endpointExists && req.mode === 'add' && endpoint.previousConfig?.variants.some((v) => v.variantName === req.variantName)) {
    return { type: FAILURE.InvalidInput, reason: `endpoint ${req.endpointName} already has a variant ${req.variantName}; mode "add" needs a new variantName` };
  }
  // A replaced variant's settings are carried (carriedVariantSettings): not an instance pool that runs another model.
  const replaced = req.mode !== 'add' ? endpoint.previousConfig?.variants.find((v) => v.variantName === req.variantName) : undefined;
  const settings = keepsSettingsFor && replaced ? variantSettingsRefusal(replaced, keepsSettingsFor.newModel) : undefined;
  if (settings)
    return { type: FAILURE.EndpointNotReady, reason: `endpoint ${req.endpointName}: ${settings.replace('a canary would carry', 'the deploy would carry')}` };
  return undefined;
}

export function planDeploy(req: DeployRequest, facts: DeployFacts): Planned<DeployPlan> {
  const model = req.model.name;
  const ep = facts.endpoint;
  const mode = req.mode ?? 'replace';
  const version = nextVersion(facts.versions);
  const refusal = deployRefusal(req, { endpointExists: !!ep, previousConfig: ep ? facts.previousConfig : null }, { newModel: modelName(model, version) });
  if (refusal) return { ok: false, refusal };
  const previous = ep ? facts.previousConfig : null;
  const { sageMakerModelName, variants, configExtra, endpointConfigName: configName } = deployResources(req, version, previous, ep);
  const ref = (v: number) => `${model}/${v}`;
  const changes: PlannedChange[] = [];
  const notes: string[] = [`version ${version} is predicted: a registration of ${model} made before this run's would take it`];

  if (!facts.groupExists) changes.push(change('create', 'model package group', model));
  changes.push(
    change('create', 'model version', ref(version), `image ${req.model.image}, artifacts ${req.model.modelDataUrl}; approval PendingManualApproval`),
  );
  changes.push(change('update', 'model version', ref(version), `stage None → Staging (PendingApproval)`));
  const archivedWhenStaged = req.archiveExisting ? facts.versions.filter((v) => v.stage === STAGES.staging).map((v) => v.version) : [];
  for (const v of archivedWhenStaged) changes.push(change('update', 'model version', ref(v), 'stage Staging → Archived (Superseded)'));
  if (req.autoApprove) changes.push(change('update', 'model version', ref(version), 'approval → Approved (autoApprove)'));
  else {
    changes.push(change('update', 'model version', ref(version), `approval → Approved when approved (waits up to ${req.approvalTimeout})`));
    notes.push(
      `waits for \`modelship approve ${req.endpointName}\` (up to ${req.approvalTimeout}); a rejection or timeout sets the version Rejected and changes nothing below`,
    );
  }

  changes.push(
    facts.existing.model
      ? change('keep', 'model', sageMakerModelName, 'exists already: reused if its container is the same, otherwise the deploy fails')
      : change('create', 'model', sageMakerModelName, `image ${req.model.image}`),
  );
  changes.push(
    facts.existing.config
      ? change('keep', 'endpoint config', configName, 'exists already with this spec: reused')
      : change('create', 'endpoint config', configName, variants.map(describeVariant).join('; ')),
  );
  if (ep) {
    const retain = mode === 'add' ? ', the existing variants keeping their live weights and counts' : '';
    const rule = previous ? deployScalingRule(req.endpointName, previous, variants, facts.scaling ?? []) : undefined;
    for (const [i, s] of (rule?.deregister ?? []).entries()) {
      changes.push(
        change(
          'delete',
          'scalable target',
          s.resourceId,
          `${rule!.reasons[i]}: its policies and target removed before UpdateEndpoint (AWS refuses the update otherwise)`,
        ),
      );
    }
    changes.push(change('update', 'endpoint', req.endpointName, `from ${ep.configName ?? '(none)'} to ${configName}${retain}`));
    for (const s of rule?.restore ?? []) {
      changes.push(
        change(
          'create',
          'scalable target',
          s.resourceId,
          `min ${s.minCapacity}, max ${s.maxCapacity}, policies ${s.policies.map((p) => p.policyName).join(', ') || '(none)'}, once the endpoint serves ${configName}`,
        ),
      );
    }
    for (const n of rule?.notRestored ?? []) notes.push(`autoscaling of ${n.variantName} is not restored: ${n.reason}`);
    if (ep.status !== 'InService')
      notes.push(
        `endpoint ${req.endpointName} is ${ep.status}: the run waits for InService before changing it${ep.status === 'Failed' ? ', and fails, since a Failed endpoint never gets there' : ''}`,
      );
  } else {
    changes.push(change('create', 'endpoint', req.endpointName, `on ${configName}`));
  }

  changes.push(change('update', 'model version', ref(version), `stage Staging → ${req.stage} (Deployed), once the endpoint serves it`));
  const archived = req.archiveExisting
    ? facts.versions.filter((v) => v.stage === req.stage && !archivedWhenStaged.includes(v.version)).map((v) => v.version)
    : [];
  for (const v of archived) changes.push(change('update', 'model version', ref(v), `stage ${req.stage} → Archived (Superseded)`));

  // archive: false (MLflow's): the superseded config and its models go, by the shared cleanup rule, as the
  // endpoint will be once it serves the new config.
  const removed: string[] = [];
  const kept: KeptResource[] = [];
  if (req.archive === false && ep?.configName && mode !== 'add' && facts.cleanup) {
    const cleanup = planCleanup(deployCleanupRequest(req.endpointName, ep.configName, configName, sageMakerModelName), {
      ...facts.cleanup,
      inUse: [configName],
      inUseModels: [sageMakerModelName],
    });
    removed.push(...cleanup.deleteConfigs, ...cleanup.deleteModels);
    kept.push(...cleanup.kept);
    for (const c of cleanup.deleteConfigs) changes.push(change('delete', 'endpoint config', c));
    for (const m of cleanup.deleteModels) changes.push(change('delete', 'model', m));
    for (const k of kept) changes.push(change('keep', k.kind === 'model' ? 'model' : 'endpoint config', k.name, k.reason));
  }
  notes.push(
    `if the endpoint does not end up serving ${configName}, the run deletes what it created, leaves the endpoint on its previous config and records DeploymentFailed on version ${version}`,
  );

  return {
    ok: true,
    plan: {
      kind: 'deploy',
      endpointName: req.endpointName,
      model,
      version,
      versionPredicted: true,
      sageMakerModelName,
      endpointConfigName: configName,
      variants,
      endpointAction: ep ? 'update' : 'create',
      ...(ep?.configName ? { previousEndpointConfigName: ep.configName } : {}),
      mode,
      ...(Object.keys(configExtra).length ? { configExtra } : {}),
      approval: { auto: req.autoApprove, timeout: req.approvalTimeout },
      stage: req.stage,
      archivedWhenStaged: archivedWhenStaged.map(ref),
      archived: archived.map(ref),
      removed,
      kept,
      changes,
      notes,
    },
  };
}

/** The cleanup a deploy with `archive: false` runs once the endpoint serves `configName`. */
export function deployCleanupRequest(endpointName: string, previousConfig: string, configName: string, sageMakerModelName: string): CleanupRequest {
  return { endpointName, scope: { kind: 'superseded', configs: [previousConfig] }, keep: [configName, sageMakerModelName] };
}

/** What a deploy onto an autoscaled endpoint must do around its UpdateEndpoint (see deployScalingRule). */
export interface DeployScalingRule {
  /** Snapshots of the targets to remove before UpdateEndpoint (and to put back if the deploy fails). */
  deregister: VariantScaling[];
  /** What to register once the endpoint serves the new config: the same targets, or moved to the new variant. */
  restore: VariantScaling[];
  /** Why the rule applies, one line per variant. */
  reasons: string[];
  /** Scaling that does not come back after a successful deploy, and why. */
  notRestored: Array<{ variantName: string; reason: string }>;
}

/**
 * AWS refuses an UpdateEndpoint that changes the instance type of an autoscaled variant, or removes one
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-scaling-update.html). A deploy `replace` can do
 * both: a new `instanceType`, or a new `variantName`. Then the target goes first and comes back after:
 * - same variant, new type: the same target, policies (and their alarms) and scheduled actions;
 * - the endpoint's one variant replaced under a new name: its target, scheduled actions and target-tracking
 *   policies on invocations per instance move to the new variant (that metric is per variant); step and
 *   customized-metric policies name the old variant's dimensions and are not moved (reported);
 * - a variant removed otherwise: not restored (reported).
 * A model-only change keeps its scaling in place: AWS allows it.
 */
export function deployScalingRule(
  endpointName: string,
  previous: EndpointConfigSummary,
  variants: VariantSpec[],
  scaling: VariantScaling[],
): DeployScalingRule {
  const rule: DeployScalingRule = { deregister: [], restore: [], reasons: [], notRestored: [] };
  for (const s of scaling) {
    const before = previous.variants.find((v) => v.variantName === s.variantName);
    if (!before) continue;
    const after = variants.find((v) => v.variantName === s.variantName);
    if (after) {
      if (after.instanceType === before.instanceType) continue;
      rule.reasons.push(`variant ${s.variantName} is autoscaled and its instance type changes from ${before.instanceType} to ${after.instanceType}`);
      rule.deregister.push(s);
      rule.restore.push(s);
      continue;
    }
    rule.deregister.push(s);
    if (previous.variants.length === 1 && variants.length === 1) {
      const to = variants[0].variantName;
      rule.reasons.push(`variant ${s.variantName} is autoscaled and is replaced by ${to}`);
      const moved = perVariantPolicies(s.policies);
      const left = s.policies.filter((p) => !moved.some((m) => m.policyName === p.policyName));
      rule.restore.push({ ...s, variantName: to, resourceId: variantResourceId(endpointName, to), policies: moved });
      if (left.length) {
        rule.notRestored.push({
          variantName: s.variantName,
          reason: `policies ${left.map((p) => p.policyName).join(', ')} watch ${s.variantName}'s own metrics and are not moved to ${to}`,
        });
      }
    } else {
      rule.reasons.push(`variant ${s.variantName} is autoscaled and is removed`);
      rule.notRestored.push({ variantName: s.variantName, reason: 'the deploy removes the variant, so its scalable target and policies are not re-created' });
    }
  }
  return rule;
}

/**
 * The instance count of the variant a deploy creates. An explicit `instanceCount` wins. Otherwise a
 * `replace` onto an endpoint that already serves a variant of this name keeps that variant's live
 * desired count: UpdateEndpoint builds the new fleet from the config's InitialInstanceCount, so a
 * default of 1 would shrink a fleet that autoscaling (or an operator) had grown, under full traffic.
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html
 */
export function deployInstanceCount(
  req: Pick<DeployRequest, 'instanceCount' | 'mode' | 'variantName'>,
  endpoint: EndpointSummary | null,
  o: { renameKeepsFleet?: boolean } = {},
): number {
  if (req.instanceCount !== undefined) return req.instanceCount;
  if (endpoint && req.mode !== 'add') {
    const count = (v: EndpointSummary['variants'][number] | undefined) => v?.desiredInstanceCount ?? v?.currentInstanceCount ?? 0;
    const live = endpoint.variants.find((v) => v.variantName === req.variantName);
    if (live && count(live) > 0) return count(live);
    // A replace under a new variant name: the one new variant takes all the traffic the endpoint's variants
    // carried together, so it gets their instances together, not 1.
    const fleet = endpoint.variants.reduce((sum, v) => sum + count(v), 0);
    if (!live && o.renameKeepsFleet && fleet > 0) return fleet;
  }
  return 1;
}
