/**
 * The plan of a canary rollout: the variants, the ramp and final configs, the weights per step, the gate,
 * what is removed afterwards and what the registry records, or the refusal the rollout would end with.
 * Pure: no AWS calls, no Temporal. Built the way the canary workflow builds its configs, so the names match.
 */
import type { CanaryRequest, GateConfig } from './input';
import { change, describeVariant, type PlannedChange, type Planned, type PlanRefusal, type RegistryVersionFacts } from '../change-plan';
import type { KeptResource } from '../delete-plan';
import type { EndpointConfigSummary, EndpointSummary, VariantSpec } from '../endpoint';
import { endpointConfigName, modelName } from '../names';
import { FAILURE, type FailureType } from '../failures';

export interface CanaryFacts {
  /** The version to roll out, as the registry has it; null when it does not exist. */
  version: RegistryVersionFacts | null;
  endpoint: EndpointSummary | null;
  /** The config the endpoint serves (null if it is gone). */
  config: EndpointConfigSummary | null;
  /** Current and pending configs of every other endpoint, with the models they serve. */
  otherEndpoints: Array<{ endpointName: string; configName: string; models: string[] }>;
  /** Every version of the model (for what the promotion archives). */
  versions: RegistryVersionFacts[];
  /** The SageMaker model of the new version exists already. */
  modelExists: boolean;
}

export interface CanaryStepPlan {
  /** 1-based, as `status` shows steps. */
  step: number;
  canaryWeight: number;
  baselineWeight: number;
  /** Waits for `modelship approve` before traffic shifts to this step. */
  waitsForApproval: boolean;
  /** How traffic gets there: the ramp config (first step) or an in-place weight shift. */
  via: 'UpdateEndpoint' | 'UpdateEndpointWeightsAndCapacities';
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
}

/** The refusal a version gets before anything else is read: it must exist and be Approved. */
export function refuseVersion(req: CanaryRequest, v: RegistryVersionFacts | null): PlanRefusal | undefined {
  if (!v) return { type: FAILURE.VersionNotFound, reason: `${req.model.name} has no version ${req.model.version}` };
  if (v.approval !== 'Approved') return { type: FAILURE.VersionNotApproved, reason: `${req.model.name} version ${v.version} is ${v.approval}; only an Approved version can be rolled out` };
  return undefined;
}

export function planCanaryLayout(req: CanaryRequest, facts: Pick<CanaryFacts, 'version' | 'endpoint' | 'config'>): Planned<CanaryLayout> {
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
    return refuse(FAILURE.EndpointNotReady, `endpoint ${endpointName} serves ${original?.variants.length ?? 0} variants; a canary starts from an endpoint serving one`);
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
      `invalid canary input: canary.instanceType: must be the baseline's instance type ${baseline.instanceType} (the canary is promoted onto the baseline's type; change the type with the update pipeline); got ${req.canary.instanceType}`
    );
  }
  const newModel = modelName(model, v.version);
  if (baseline.modelName === newModel) return refuse(FAILURE.AlreadyServing, `endpoint ${endpointName} already serves ${model} version ${v.version}`);

  const first = req.steps[0];
  const configExtra = original.extra ?? {};
  // Config names hash everything the config holds, so a config with other settings is never reused.
  const spec = (variants: VariantSpec[]) => (Object.keys(configExtra).length ? { variants, extra: configExtra } : variants);
  const canary: VariantSpec = {
    variantName: req.canary.variantName,
    modelName: newModel,
    instanceType: baseline.instanceType,
    instanceCount: req.canary.instanceCount,
    weight: first,
  };
  const rampVariants = [{ ...baseline, weight: 100 - first }, canary];
  const finalVariants: VariantSpec[] = [{ ...baseline, modelName: newModel, weight: 1 }];
  const steps: CanaryStepPlan[] = req.steps.map((w, i) => ({
    step: i + 1,
    canaryWeight: w,
    baselineWeight: 100 - w,
    // The first step starts with the ramp config; approvals hold only later shifts.
    waitsForApproval: i > 0 && req.approvalSteps.includes(w),
    via: i === 0 ? 'UpdateEndpoint' : 'UpdateEndpointWeightsAndCapacities',
  }));
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
    },
  };
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
      : change('create', 'model', newModel, `${model} version ${v.version}`)
  );
  changes.push(change('create', 'endpoint config', rampConfig, rampVariants.map(describeVariant).join('; ')));
  changes.push(change('update', 'endpoint', endpointName, `from ${original.name} to ${rampConfig} (canary ${first}%)`));
  for (const s of steps.slice(1)) {
    const gate = `after the gate passes at ${steps[s.step - 2].canaryWeight}%${s.waitsForApproval ? ' and an approval' : ''}`;
    changes.push(change('update', 'endpoint weights', endpointName, `${baseline.variantName} ${s.baselineWeight} / ${canary.variantName} ${s.canaryWeight}, ${gate}`));
  }
  changes.push(change('create', 'endpoint config', finalConfig, `${finalVariants.map(describeVariant).join('; ')}, after the gate passes at 100%`));
  changes.push(change('update', 'endpoint', endpointName, `from ${rampConfig} to ${finalConfig}`));
  changes.push(change('update', 'model version', `${model}/${v.version}`, `stage ${v.stage} → Production (Deployed)`));
  const archived = facts.versions.filter((x) => x.stage === 'Production' && x.version !== v.version).map((x) => `${model}/${x.version}`);
  for (const a of archived) changes.push(change('update', 'model version', a, 'stage Production → Archived (Superseded)'));

  const removed: string[] = [];
  const kept: KeptResource[] = [];
  if (req.keepSuperseded) {
    notes.push(`keepSuperseded: ${rampConfig}, ${original.name} and ${baseline.modelName} stay`);
  } else {
    const configUser = facts.otherEndpoints.find((o) => o.configName === original.name);
    const modelUser = facts.otherEndpoints.find((o) => o.models.includes(baseline.modelName));
    removed.push(rampConfig);
    if (configUser) kept.push({ kind: 'endpoint-config', name: original.name, reason: `endpoint ${configUser.endpointName} uses it` });
    else removed.push(original.name);
    if (modelUser) kept.push({ kind: 'model', name: baseline.modelName, reason: `endpoint ${modelUser.endpointName} serves it` });
    else removed.push(baseline.modelName);
    changes.push(change('delete', 'endpoint config', rampConfig));
    changes.push(configUser ? change('keep', 'endpoint config', original.name, kept[0].reason) : change('delete', 'endpoint config', original.name));
    changes.push(modelUser ? change('keep', 'model', baseline.modelName, kept.at(-1)!.reason) : change('delete', 'model', baseline.modelName));
  }
  if (ep.status !== 'InService') notes.push(`endpoint ${endpointName} is ${ep.status}: the rollout waits for InService first, and plans from the config it then serves`);
  if (req.approvalSteps.includes(first)) notes.push(`approval step ${first}% is the first step: the rollout starts it without waiting`);
  if (req.windows) notes.push(`outside the allowed windows (${req.windows.timezone}) the rollout holds before each traffic shift`);
  if (req.gate.dryRun) notes.push('dry-run gate: verdicts are recorded, a failing gate does not roll back');
  notes.push(
    `a failing gate, an abort or an error sends all traffic back to ${baseline.variantName}, restores ${original.name}, removes the canary ` +
      `and sets version ${v.version} Rejected (CanaryRolledBack; an abort leaves it Approved)`
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
