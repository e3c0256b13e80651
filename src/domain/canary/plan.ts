/**
 * The plan of a canary rollout: the variants, the ramp and final configs, the weights per step, the gate,
 * what is removed afterwards and what the registry records, or the refusal the rollout would end with.
 * Pure: no AWS calls, no Temporal. Built the way the canary workflow builds its configs, so the names match.
 */
import type { CanaryRequest, GateConfig } from './input';
import { change, describeVariant, type PlannedChange, type Planned, type PlanRefusal, type RegistryVersionFacts } from '../change-plan';
import { inRequestOrder, modelUseTags, planCleanup, type CleanupCandidate, type CleanupFacts, type CleanupRequest, type KeptResource } from '../cleanup';
import type { EndpointConfigSummary, EndpointSummary, VariantScaling, VariantSpec } from '../endpoint';
import { canaryScalingFrom } from './scaling';
import { endpointConfigName, modelName } from '../names';
import { OWNERSHIP_TAGS } from '../ownership';
import { FAILURE, type FailureType } from '../failures';

export interface CanaryFacts {
  /** The version to roll out, as the registry has it; null when it does not exist. */
  version: RegistryVersionFacts | null;
  endpoint: EndpointSummary | null;
  /** The config the endpoint serves (null if it is gone). */
  config: EndpointConfigSummary | null;
  /**
   * What the promoted rollout's cleanup reads about the original config and the baseline model (by their
   * ownership and model-use tags, as `cleanUpEndpointResources` does); null with keepSuperseded.
   */
  cleanup: CleanupFacts | null;
  /** Every version of the model (for what the promotion archives). */
  versions: RegistryVersionFacts[];
  /** The SageMaker model of the new version exists already. */
  modelExists: boolean;
  /** The baseline variant's autoscaling (target and policies), or null when it has none. */
  baselineScaling?: VariantScaling | null;
}

export interface CanaryStepPlan {
  /** 1-based, as `status` shows steps. */
  step: number;
  canaryWeight: number;
  baselineWeight: number;
  /** Waits for `modelship approve` before traffic shifts to this step. */
  waitsForApproval: boolean;
  /**
   * How traffic gets there: the ramp config (first step), an in-place weight shift, or (the 100 % step after
   * the first) the final config: that step is the promotion, never an in-place 100 % on the ramp config.
   */
  via: 'UpdateEndpoint' | 'UpdateEndpointWeightsAndCapacities';
  /** The 100 % step after the first: UpdateEndpoint to the final config, no bake or gate on it. */
  promotes: boolean;
  /**
   * Instances the canary runs at this step (see {@link canaryInstancesAt}), raised and InService before the
   * weight rises; at the promoting step, the final variant's count. From the baseline's live count at plan
   * time; an autoscaled baseline that grows raises it.
   */
  canaryInstances: number;
}

/** The capacity rule's inputs: what the canary's count follows (docs/canary-capacity.md). */
export interface CanaryCapacity {
  /** The baseline's live desired instance count when the rollout started: it carried 100 % then. */
  baselineInstances: number;
  /** canary.instanceCount: the canary never runs fewer. */
  floor: number;
  /** canary.maxInstanceCount: a step that needs more is refused. */
  ceiling?: number;
}

export interface CanaryPlan {
  kind: 'canary';
  endpointName: string;
  model: string;
  version: number;
  baseline: VariantSpec;
  canary: VariantSpec;
  sageMakerModelName: string;
  originalEndpointConfigName: string;
  rampEndpointConfigName: string;
  rampVariants: VariantSpec[];
  steps: CanaryStepPlan[];
  bake: string;
  progressDeadline: string;
  gate: GateConfig;
  finalEndpointConfigName: string;
  finalVariants: VariantSpec[];
  /** Removed after a successful rollout, in the order the result's `removed` lists them. */
  removed: string[];
  kept: KeptResource[];
  /** Versions archived when the new one becomes Production (`<model>/<version>`). */
  archived: string[];
  /** The `model.ref` the version was resolved from, when the input named one. */
  modelRef?: { ref: string; pinned: string; moving: boolean };
  changes: PlannedChange[];
  notes: string[];
}

/**
 * What a canary rollout builds, decided from what it read: the variants, the ramp and final configs and
 * the steps. The workflow runs exactly this (so `plan canary` cannot drift from what runs); planCanary
 * adds the changes, cleanup and notes around it.
 */
export interface CanaryLayout {
  baseline: VariantSpec;
  canary: VariantSpec;
  sageMakerModelName: string;
  original: EndpointConfigSummary;
  /**
   * The original config's own settings (DataCaptureConfig, KmsKeyId, AsyncInferenceConfig, …), carried
   * verbatim to the ramp and final configs: a rollout changes the model, not how the endpoint is run.
   */
  configExtra: Record<string, unknown>;
  rampEndpointConfigName: string;
  rampVariants: VariantSpec[];
  steps: CanaryStepPlan[];
  finalEndpointConfigName: string;
  finalVariants: VariantSpec[];
  /** Set when the canary's capacity follows its weight (runs since the `canary-capacity` patch, and `plan`). */
  capacity?: CanaryCapacity;
  /** What the final config's name is built from, so promote can name it for the count it then needs. */
  finalNaming: { endpointName: string; suffix: string };
}

/**
 * Instances the canary needs to carry `weight` % of the traffic that `baselineInstances` carried at 100 %:
 * ceil(baselineInstances × weight / 100), never below the floor. Each canary instance then carries no more
 * than a baseline instance did, so a canary never serves above the capacity the baseline was sized for.
 */
export function canaryInstancesAt(weight: number, capacity: CanaryCapacity): number {
  // Rounded to 1e-9 first: 3 × 10 / 100 must be 0.3 → 1, not 0.30000000000000004 → 1 by luck elsewhere.
  const share = Math.round(((capacity.baselineInstances * weight) / 100) * 1e9) / 1e9;
  return Math.max(capacity.floor, Math.ceil(share));
}

/**
 * Why the canary cannot have the instances it needs at `weight` (above its ceiling), or undefined. The
 * message names the field and the rule.
 */
export function capacityRefusal(weight: number, capacity: CanaryCapacity): string | undefined {
  const needed = canaryInstancesAt(weight, capacity);
  if (capacity.ceiling === undefined || needed <= capacity.ceiling) return undefined;
  return (
    `canary.maxInstanceCount: must be at least ${needed}, the instances the canary needs at ${weight}% ` +
    `(ceil(${capacity.baselineInstances} baseline instances × ${weight} / 100)); got ${capacity.ceiling}`
  );
}

/**
 * The capacity the rule reads at a shift: the baseline's count at the start, or more if it scaled out
 * meanwhile (its traffic grew). A baseline the autoscaler shrank as its weight fell does not lower it.
 */
export function capacityNow(capacity: CanaryCapacity, baselineLiveInstances: number | undefined): CanaryCapacity {
  return { ...capacity, baselineInstances: Math.max(capacity.baselineInstances, baselineLiveInstances ?? 0) };
}

/**
 * The final config for a promotion whose variant runs `instanceCount` instances: max(the canary's verified
 * count at 100 %, the baseline's live count), as the workflow computes it. Named like planCanaryLayout names it.
 */
export function finalConfigFor(layout: CanaryLayout, instanceCount: number): { name: string; variants: VariantSpec[] } {
  const variants = layout.finalVariants.map((v) => ({ ...v, instanceCount }));
  const spec = Object.keys(layout.configExtra).length ? { variants, extra: layout.configExtra } : variants;
  return { name: endpointConfigName(layout.finalNaming.endpointName, layout.finalNaming.suffix, spec), variants };
}

/** The refusal a version gets before anything else is read: it must exist and be Approved. */
export function refuseVersion(req: CanaryRequest, v: RegistryVersionFacts | null): PlanRefusal | undefined {
  if (!v) return { type: FAILURE.VersionNotFound, reason: `${req.model.name} has no version ${req.model.version}` };
  if (v.approval !== 'Approved')
    return { type: FAILURE.VersionNotApproved, reason: `${req.model.name} version ${v.version} is ${v.approval}; only an Approved version can be rolled out` };
  return undefined;
}

/**
 * The ProductionVariant fields the canary sets itself; every other field of the baseline variant
 * (VolumeSizeInGB, ContainerStartupHealthCheckTimeoutInSeconds, RoutingConfig, …) is carried verbatim.
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html
 */
export const CANARY_SET_VARIANT_FIELDS = ['VariantName', 'ModelName', 'InstanceType', 'InitialInstanceCount', 'InitialVariantWeight'] as const;

/**
 * Why the baseline variant's settings cannot be carried to a variant serving `newModel`, or undefined. An
 * instance pool's ModelNameOverride runs another model than the variant's on that pool ("The name of a
 * SageMaker model to use for this instance pool instead of the model specified for the production variant",
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InstancePool.html): carried as it is, the
 * canary and the promoted variant would serve the baseline's model there, and modelship cannot know which
 * model of the new version belongs on that pool.
 */
export function variantSettingsRefusal(baseline: VariantSpec, newModel: string): string | undefined {
  const pools = (baseline.extra?.InstancePools as Array<{ InstanceType?: string; ModelNameOverride?: string }> | undefined) ?? [];
  const overridden = pools.filter((p) => p.ModelNameOverride !== undefined && p.ModelNameOverride !== newModel);
  if (!overridden.length) return undefined;
  return (
    `variant ${baseline.variantName} runs ${overridden.map((p) => `${p.ModelNameOverride} on its ${p.InstanceType ?? '(no type)'} pool`).join(', ')} ` +
    `(InstancePools ModelNameOverride): a canary would carry that model instead of ${newModel}; roll the version out with the update pipeline, naming a model per pool`
  );
}

/**
 * @param options.capacity the canary's count follows its weight (the `canary-capacity` rule). Off only for
 *   runs started before it, which keep `canary.instanceCount` at every weight.
 * @param options.variantSettings the canary variant carries the baseline variant's settings (the
 *   `canary-variant-settings` rule). Off only for runs started before it, whose canary had none of them.
 */
export function planCanaryLayout(
  req: CanaryRequest,
  facts: Pick<CanaryFacts, 'version' | 'endpoint' | 'config'>,
  options: { capacity?: boolean; variantSettings?: boolean } = {},
): Planned<CanaryLayout> {
  const { capacity: followsWeight = true, variantSettings = true } = options;
  const refuse = (type: FailureType, reason: string): Planned<CanaryLayout> => ({ ok: false, refusal: { type, reason } });
  const { endpointName } = req;
  const model = req.model.name;
  const versionRefusal = refuseVersion(req, facts.version);
  if (versionRefusal) return { ok: false, refusal: versionRefusal };
  const v = facts.version!;
  const ep = facts.endpoint;
  if (!ep) return refuse(FAILURE.EndpointNotFound, `endpoint ${endpointName} does not exist`);
  if (ep.status === 'Failed') return refuse(FAILURE.EndpointFailed, `endpoint ${endpointName} failed: ${ep.failureReason ?? 'no FailureReason given'}`);
  const original = facts.config;
  if (!original || original.variants.length !== 1) {
    return refuse(
      FAILURE.EndpointNotReady,
      `endpoint ${endpointName} serves ${original?.variants.length ?? 0} variants; a canary starts from an endpoint serving one`,
    );
  }
  const live = ep.variants[0];
  const baseline: VariantSpec = { ...original.variants[0], instanceCount: live?.desiredInstanceCount ?? original.variants[0].instanceCount };
  if (req.canary.variantName === baseline.variantName) {
    return refuse(FAILURE.InvalidInput, `invalid canary input: canary.variantName: must differ from the baseline variant ${baseline.variantName}`);
  }
  // The final variant keeps the baseline's instance type (and its autoscaling), so a canary judged on
  // another type would not be the fleet that gets promoted.
  if (req.canary.instanceType !== undefined && req.canary.instanceType !== baseline.instanceType) {
    return refuse(
      FAILURE.InvalidInput,
      `invalid canary input: canary.instanceType: must be the baseline's instance type ${baseline.instanceType} (the canary is promoted onto the baseline's type; change the type with the update pipeline); got ${req.canary.instanceType}`,
    );
  }
  const newModel = modelName(model, v.version);
  if (baseline.modelName === newModel) return refuse(FAILURE.AlreadyServing, `endpoint ${endpointName} already serves ${model} version ${v.version}`);
  const settingsRefusal = variantSettings ? variantSettingsRefusal(baseline, newModel) : undefined;
  if (settingsRefusal) return refuse(FAILURE.EndpointNotReady, `endpoint ${endpointName}: ${settingsRefusal}`);

  const first = req.steps[0];
  const configExtra = original.extra ?? {};
  // Config names hash everything the config holds, so a config with other settings is never reused.
  const spec = (variants: VariantSpec[]) => (Object.keys(configExtra).length ? { variants, extra: configExtra } : variants);
  const capacity: CanaryCapacity | undefined = followsWeight
    ? {
        baselineInstances: baseline.instanceCount,
        floor: req.canary.instanceCount,
        ...(req.canary.maxInstanceCount !== undefined ? { ceiling: req.canary.maxInstanceCount } : {}),
      }
    : undefined;
  if (capacity) {
    // The ceiling must let the canary carry 100 %, else the rollout could never finish within capacity.
    const tooFew = capacityRefusal(100, capacity);
    if (tooFew) return refuse(FAILURE.InvalidInput, `invalid canary input: ${tooFew}`);
  }
  const countAt = (w: number) => (capacity ? canaryInstancesAt(w, capacity) : req.canary.instanceCount);
  // The canary runs on the fleet the baseline runs on (storage, start-up and download timeouts, routing,
  // AMI, …), so it is judged on what gets promoted: the final variant keeps them too (it is the baseline's).
  const carried = variantSettings && baseline.extra && Object.keys(baseline.extra).length ? { extra: baseline.extra } : {};
  const canary: VariantSpec = {
    ...carried,
    variantName: req.canary.variantName,
    modelName: newModel,
    instanceType: baseline.instanceType,
    instanceCount: countAt(first),
    weight: first,
  };
  const rampVariants = [{ ...baseline, weight: 100 - first }, canary];
  // The final variant carries 100 %: as many instances as the canary had at 100 % or the baseline has.
  const finalCount = capacity ? Math.max(baseline.instanceCount, countAt(100)) : baseline.instanceCount;
  const finalVariants: VariantSpec[] = [{ ...baseline, modelName: newModel, weight: 1, instanceCount: finalCount }];
  const steps: CanaryStepPlan[] = req.steps.map((w, i) => {
    // After the last gated step below 100 the rollout promotes straight to the final config (the workflow's
    // `canary-promote-at-100` rule): the 100 % step is the promotion, not an in-place shift.
    const promotes = i > 0 && w === 100 && followsWeight;
    return {
      step: i + 1,
      canaryWeight: w,
      baselineWeight: 100 - w,
      // The first step starts with the ramp config; approvals hold only later shifts (and the promotion).
      waitsForApproval: i > 0 && req.approvalSteps.includes(w),
      via: i === 0 || promotes ? 'UpdateEndpoint' : 'UpdateEndpointWeightsAndCapacities',
      promotes,
      canaryInstances: promotes ? finalCount : countAt(w),
    };
  });
  return {
    ok: true,
    plan: {
      baseline,
      canary,
      sageMakerModelName: newModel,
      original,
      configExtra,
      rampEndpointConfigName: endpointConfigName(endpointName, `canary-v${v.version}`, spec(rampVariants)),
      rampVariants,
      steps,
      finalEndpointConfigName: endpointConfigName(endpointName, `v${v.version}`, spec(finalVariants)),
      finalVariants,
      ...(capacity ? { capacity } : {}),
      finalNaming: { endpointName, suffix: `v${v.version}` },
    },
  };
}

/**
 * The cleanup a promoted rollout runs (scope `superseded`): the ramp config, the original config and the
 * baseline model, each deleted only if its ownership tags give it to the endpoint and no config that stays
 * names it. What the rollout leaves serving is kept whatever the tags say: the new model and, when known,
 * the final config.
 */
export function canaryCleanupRequest(
  endpointName: string,
  layout: Pick<CanaryLayout, 'rampEndpointConfigName' | 'original' | 'baseline' | 'sageMakerModelName'>,
  finalConfig?: string,
): CleanupRequest {
  return {
    endpointName,
    scope: { kind: 'superseded', configs: [layout.rampEndpointConfigName, layout.original.name], models: [layout.baseline.modelName] },
    keep: [layout.sageMakerModelName, ...(finalConfig ? [finalConfig] : [])],
  };
}

/**
 * The cleanup facts read before the rollout, with the ramp config it will create: at plan time the config
 * does not exist yet, so it is added as the rollout will make it (owned by the endpoint, naming both models,
 * with their model-use tags). A ramp config that exists already (a leftover) is taken as read.
 */
export function withRampConfig(facts: CleanupFacts, layout: Pick<CanaryLayout, 'rampEndpointConfigName' | 'rampVariants'>): CleanupFacts {
  const name = layout.rampEndpointConfigName;
  if (facts.candidates.some((c) => c.kind === 'endpoint-config' && c.name.toLowerCase() === name.toLowerCase())) return facts;
  const models = layout.rampVariants.map((v) => v.modelName);
  const ramp: CleanupCandidate = {
    kind: 'endpoint-config',
    name,
    tags: [{ Key: OWNERSHIP_TAGS.endpoint, Value: facts.endpointName }, ...modelUseTags(models)],
    models,
  };
  return { ...facts, candidates: [...facts.candidates, ramp] };
}

/** Both variants' weights with `canaryWeight` percent on the canary. */
export function weightsAt(layout: Pick<CanaryLayout, 'baseline' | 'canary'>, canaryWeight: number): Array<{ variantName: string; weight: number }> {
  return [
    { variantName: layout.baseline.variantName, weight: 100 - canaryWeight },
    { variantName: layout.canary.variantName, weight: canaryWeight },
  ];
}

/** The planned step after `weight` (which an operator's setWeight may have put between two steps). */
export function nextStepAbove(steps: number[], weight: number): number | undefined {
  return steps.find((s) => s > weight);
}

export function planCanary(req: CanaryRequest, facts: CanaryFacts): Planned<CanaryPlan> {
  const layout = planCanaryLayout(req, facts);
  if (!layout.ok) return layout;
  const { endpointName } = req;
  const model = req.model.name;
  const v = facts.version!;
  const ep = facts.endpoint!;
  const { baseline, canary, original, rampVariants, steps, finalVariants } = layout.plan;
  const rampConfig = layout.plan.rampEndpointConfigName;
  const finalConfig = layout.plan.finalEndpointConfigName;
  const newModel = layout.plan.sageMakerModelName;
  const first = req.steps[0];

  const changes: PlannedChange[] = [];
  const notes: string[] = [];
  changes.push(
    facts.modelExists
      ? change('keep', 'model', newModel, 'exists already: reused if its container is the same')
      : change('create', 'model', newModel, `${model} version ${v.version}`),
  );
  changes.push(change('create', 'endpoint config', rampConfig, rampVariants.map(describeVariant).join('; ')));
  changes.push(change('update', 'endpoint', endpointName, `from ${original.name} to ${rampConfig} (canary ${first}%)`));
  const baselineTarget = facts.baselineScaling;
  const pinned = baselineTarget ? Math.min(baseline.instanceCount, baselineTarget.maxCapacity) : 0;
  if (baselineTarget && pinned > baselineTarget.minCapacity) {
    changes.push(
      change(
        'update',
        'scalable target',
        baselineTarget.resourceId,
        `MinCapacity ${baselineTarget.minCapacity} → ${pinned} (its live count) while the canary serves, so the autoscaler keeps ${baseline.variantName}'s capacity; ${baselineTarget.minCapacity} again after promote or rollback`,
      ),
    );
  }
  const canaryScaling = canaryScalingFrom(facts.baselineScaling ?? undefined, {
    endpointName,
    canaryVariant: canary.variantName,
    minCapacity: canary.instanceCount,
  });
  if (canaryScaling) {
    changes.push(
      change(
        'create',
        'scalable target',
        canaryScaling.resourceId,
        `min ${canaryScaling.minCapacity} (raised with each step's count), max ${canaryScaling.maxCapacity}; ` +
          `target tracking ${canaryScaling.policies.map((p) => p.policyName).join(', ')} copied from ${baseline.variantName}; removed before promote and on rollback`,
      ),
    );
  } else if (facts.baselineScaling) {
    notes.push(`${baseline.variantName} is autoscaled without a target-tracking policy on invocations per instance: the canary gets no autoscaling of its own`);
  }
  for (const s of steps.slice(1).filter((x) => !x.promotes)) {
    const prev = steps[s.step - 2];
    const gate = `after the gate passes at ${prev.canaryWeight}%${s.waitsForApproval ? ' and an approval' : ''}`;
    if (s.canaryInstances > prev.canaryInstances) {
      changes.push(
        change(
          'update',
          'endpoint capacity',
          endpointName,
          `${canary.variantName} ${prev.canaryInstances} → ${s.canaryInstances} instance(s), InService before its weight rises to ${s.canaryWeight}%`,
        ),
      );
    }
    changes.push(
      change('update', 'endpoint weights', endpointName, `${baseline.variantName} ${s.baselineWeight} / ${canary.variantName} ${s.canaryWeight}, ${gate}`),
    );
  }
  // The 100 % step is the promotion: after the last gated step below it, straight to the final config.
  const promoting = steps.find((s) => s.promotes);
  const lastGated = promoting ? steps[promoting.step - 2] : steps.at(-1)!;
  const promoteAfter = `after the gate passes at ${lastGated.canaryWeight}%${promoting?.waitsForApproval ? ' and an approval' : ''}`;
  changes.push(change('create', 'endpoint config', finalConfig, `${finalVariants.map(describeVariant).join('; ')}, ${promoteAfter}`));
  changes.push(
    change(
      'update',
      'endpoint',
      endpointName,
      `from ${rampConfig} to ${finalConfig}${promoting ? ` (the 100% step: ${canary.variantName} never serves 100% on ${rampConfig})` : ''}`,
    ),
  );
  changes.push(change('update', 'model version', `${model}/${v.version}`, `stage ${v.stage} → Production (Deployed)`));
  const archived = facts.versions.filter((x) => x.stage === 'Production' && x.version !== v.version).map((x) => `${model}/${x.version}`);
  for (const a of archived) changes.push(change('update', 'model version', a, 'stage Production → Archived (Superseded)'));

  const removed: string[] = [];
  const kept: KeptResource[] = [];
  if (req.keepSuperseded) {
    notes.push(`keepSuperseded: ${rampConfig}, ${original.name} and ${baseline.modelName} stay`);
  } else {
    // The shared cleanup rule, judged as the endpoint will be once it serves the final config.
    const request = canaryCleanupRequest(endpointName, layout.plan, finalConfig);
    const cleanup = planCleanup(request, {
      ...withRampConfig(facts.cleanup ?? { endpointName, inUse: [], inUseModels: [], candidates: [], modelUsers: {} }, layout.plan),
      inUse: [finalConfig],
      inUseModels: [newModel],
    });
    removed.push(...inRequestOrder(request, cleanup.deleteConfigs, cleanup.deleteModels));
    kept.push(...cleanup.kept);
    for (const c of inRequestOrder(request, cleanup.deleteConfigs, [])) changes.push(change('delete', 'endpoint config', c));
    for (const m of inRequestOrder(request, [], cleanup.deleteModels)) changes.push(change('delete', 'model', m));
    for (const k of kept) changes.push(change('keep', k.kind === 'model' ? 'model' : 'endpoint config', k.name, k.reason));
  }
  const configSettings = Object.keys(layout.plan.configExtra).filter((k) => k !== 'Tags');
  if (configSettings.length) notes.push(`the ramp and final configs keep ${original.name}'s ${configSettings.join(', ')}`);
  const variantSettings = Object.keys(canary.extra ?? {});
  if (variantSettings.length) notes.push(`${canary.variantName} and the final variant keep ${baseline.variantName}'s ${variantSettings.join(', ')}`);
  if (ep.status !== 'InService')
    notes.push(`endpoint ${endpointName} is ${ep.status}: the rollout waits for InService first, and plans from the config it then serves`);
  if (req.approvalSteps.includes(first)) notes.push(`approval step ${first}% is the first step: the rollout starts it without waiting`);
  if (req.windows) notes.push(`outside the allowed windows (${req.windows.timezone}) the rollout holds before each traffic shift`);
  if (req.gate.dryRun) notes.push('dry-run gate: verdicts are recorded, a failing gate does not roll back');
  notes.push(
    `capacity: the canary runs at least ceil(${baseline.instanceCount} baseline instances × weight / 100) instances` +
      ` (floor ${req.canary.instanceCount}${req.canary.maxInstanceCount !== undefined ? `, ceiling ${req.canary.maxInstanceCount}` : ''}); ` +
      `${baseline.variantName} keeps its ${baseline.instanceCount} until the rollout ends`,
  );
  notes.push(
    `a failing gate, an abort or an error restores ${baseline.variantName} to ${baseline.instanceCount} instance(s), then sends all traffic back to it, ` +
      `restores ${original.name} (keeping the live instance count), removes the canary ` +
      `and sets version ${v.version} Rejected (CanaryRolledBack; an abort leaves it Approved)`,
  );

  return {
    ok: true,
    plan: {
      kind: 'canary',
      endpointName,
      model,
      version: v.version,
      baseline,
      canary,
      sageMakerModelName: newModel,
      originalEndpointConfigName: original.name,
      rampEndpointConfigName: rampConfig,
      rampVariants,
      steps,
      bake: req.bake,
      progressDeadline: req.progressDeadline,
      gate: req.gate,
      finalEndpointConfigName: finalConfig,
      finalVariants,
      removed,
      kept,
      archived,
      changes,
      notes,
    },
  };
}
