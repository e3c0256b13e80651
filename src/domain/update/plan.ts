/**
 * The endpoint update pipeline's plan: what the new endpoint config holds, and whether the
 * Application Auto Scaling update rule (https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-scaling-update.html) forces the
 * variants' scaling off during the update and back on afterwards. Pure: no AWS calls, no Temporal.
 */
import { change, describeVariant, type Planned, type PlannedChange, type PlanRefusal } from '../change-plan';
import type { EndpointConfigSummary, EndpointSummary, ExpectedEndpoint, VariantScaling, VariantSpec, VariantWeightAndCapacity } from '../endpoint';
import { endpointConfigName } from '../names';
import { FAILURE } from '../failures';
import { describeIssues, type InputIssue } from '../validation';
import type { UpdateRequest } from './input';

/** What AWS reports about the endpoint when the plan is made. */
export interface UpdateFacts {
  /** DescribeEndpoint, InService. */
  endpoint: EndpointSummary;
  /** DescribeEndpointConfig of the config the endpoint serves. */
  config: EndpointConfigSummary;
  /** Scalable targets (with their policies) of the endpoint's variants. */
  scaling: VariantScaling[];
}

export type RetainedVariantProperty = 'DesiredInstanceCount' | 'DesiredWeight';

export interface UpdatePlan {
  endpointName: string;
  currentConfigName: string;
  /** The config to create and move the endpoint to. */
  newConfigName: string;
  variants: VariantSpec[];
  /** Config-level fields copied from the current config. */
  configExtra?: Record<string, unknown>;
  /** One line per change, for people. */
  changes: string[];
  /** Nothing differs from what the endpoint runs: the pipeline succeeds without touching it. */
  unchanged: boolean;
  /** Models the new config names that the current one does not: they must exist before anything changes. */
  newModels: string[];
  /** Whether AWS would refuse the update while targets are registered, and why. */
  autoscalingRule: { applies: boolean; reasons: string[] };
  /** Scaling to remove before the update (the snapshot put back if anything fails). */
  deregister: VariantScaling[];
  /** Scaling to register again after the update: as before (min, max, suspended state, policies). */
  restore: VariantScaling[];
  /** Autoscaled variants the update removes: there is nothing to re-register. */
  notRestored: Array<{ variantName: string; reason: string }>;
  /** Instance counts to raise before the update. */
  raise: VariantWeightAndCapacity[];
  /** The raised variants' counts before the raise: put back if the update fails. */
  capacityBefore: VariantWeightAndCapacity[];
  /**
   * Every variant's live desired count and weight before the update: set again after a failed update's
   * restore, which (retaining live values, or taking the old config's initial ones) would not restore them.
   */
  liveBefore: VariantWeightAndCapacity[];
  retainAllVariantProperties: boolean;
  /** Properties the new config decides even though the others are retained (counts/weights asked for). */
  excludeRetainedVariantProperties: RetainedVariantProperty[];
  /** What the endpoint must report afterwards. */
  expected: ExpectedEndpoint;
}

// AWS: an endpoint config holds 1 to 10 production variants.
const MAX_VARIANTS = 10;

/**
 * Computes the update. The new config copies the current one (same variant names, models, instance types
 * and every other field) with the asked-for changes; instance counts and weights start from what the
 * variants run now, so the result is the same whether SageMaker retains the live values or takes the
 * config's. Returns named issues for an update that cannot be done.
 */
export function planUpdate(req: UpdateRequest, facts: UpdateFacts, o: { refuseConfigInUse?: boolean } = { refuseConfigInUse: true }): Planned<UpdatePlan> {
  const { endpoint, config, scaling } = facts;
  const issues: InputIssue[] = [];
  const names = config.variants.map((v) => v.variantName);
  const has = (name: string) => names.includes(name);
  const list = names.join(', ');
  const live = (name: string) => endpoint.variants.find((v) => v.variantName === name);
  const scalingOf = (name: string) => scaling.find((s) => s.variantName === name);

  req.change.forEach((c, i) => {
    if (!has(c.variantName)) {
      issues.push({
        field: `change.${i}.variantName`,
        rule: `endpoint ${endpoint.name} has no variant ${c.variantName} (it has ${list}); use add for a new variant`,
      });
      return;
    }
    const target = scalingOf(c.variantName);
    if (target && c.instanceCount !== undefined && (c.instanceCount < target.minCapacity || c.instanceCount > target.maxCapacity)) {
      issues.push({
        field: `change.${i}.instanceCount`,
        rule: `must be within the variant's autoscaling range ${target.minCapacity}-${target.maxCapacity}; got ${c.instanceCount}`,
      });
    }
  });
  req.add.forEach((a, i) => {
    if (has(a.variantName)) issues.push({ field: `add.${i}.variantName`, rule: `endpoint ${endpoint.name} already has variant ${a.variantName}; use change` });
  });
  req.remove.forEach((r, i) => {
    if (!has(r)) issues.push({ field: `remove.${i}`, rule: `endpoint ${endpoint.name} has no variant ${r} (it has ${list})` });
  });
  const kept = config.variants.filter((v) => !req.remove.includes(v.variantName));
  if (kept.length + req.add.length === 0) {
    issues.push({
      field: 'remove',
      rule: `cannot remove every variant of endpoint ${endpoint.name}: an endpoint serves at least one (delete the endpoint instead)`,
    });
  }
  if (kept.length + req.add.length > MAX_VARIANTS) {
    issues.push({ field: 'add', rule: `an endpoint config holds at most ${MAX_VARIANTS} variants; this update would give ${kept.length + req.add.length}` });
  }
  for (const [name, count] of Object.entries(req.raiseCapacityDuringUpdate ?? {})) {
    const field = `raiseCapacityDuringUpdate.${name}`;
    if (!kept.some((v) => v.variantName === name)) {
      issues.push({ field, rule: `must name a variant the endpoint keeps (${kept.map((v) => v.variantName).join(', ') || 'none'})` });
      continue;
    }
    const now = live(name)?.desiredInstanceCount;
    if (now !== undefined && count < now)
      issues.push({ field, rule: `must be at least the ${now} instances the variant runs now (it raises capacity); got ${count}` });
    const target = scalingOf(name);
    if (target && count > target.maxCapacity) {
      issues.push({ field, rule: `must be at most the variant's autoscaling MaxCapacity ${target.maxCapacity}; got ${count}` });
    }
  }
  if (issues.length) return { ok: false, refusal: invalidUpdate(issues) };

  const raise = new Map(Object.entries(req.raiseCapacityDuringUpdate ?? {}));
  const changes: string[] = [];
  const variants: VariantSpec[] = kept.map((current) => {
    const name = current.variantName;
    const change = req.change.find((c) => c.variantName === name);
    const running: VariantSpec = {
      ...current,
      instanceCount: raise.get(name) ?? live(name)?.desiredInstanceCount ?? current.instanceCount,
      weight: live(name)?.desiredWeight ?? current.weight,
    };
    const next: VariantSpec = {
      ...running,
      ...(change?.modelName !== undefined ? { modelName: change.modelName } : {}),
      ...(change?.instanceType !== undefined ? { instanceType: change.instanceType } : {}),
      ...(change?.instanceCount !== undefined ? { instanceCount: change.instanceCount } : {}),
      ...(change?.weight !== undefined ? { weight: change.weight } : {}),
    };
    for (const key of ['modelName', 'instanceType', 'instanceCount', 'weight'] as const) {
      if (change?.[key] !== undefined && next[key] !== running[key]) changes.push(`${name}: ${key} ${running[key]} → ${next[key]}`);
    }
    return next;
  });
  for (const a of req.add) {
    variants.push({ variantName: a.variantName, modelName: a.modelName, instanceType: a.instanceType, instanceCount: a.instanceCount, weight: a.weight });
    changes.push(`${a.variantName}: added (${a.modelName} on ${a.instanceCount} × ${a.instanceType}, weight ${a.weight})`);
  }
  for (const r of req.remove) changes.push(`${r}: removed`);

  // The AWS update rule: UpdateEndpoint is refused while a variant whose instance type changes, or which is
  // removed, is a registered scalable target. A model-only change is allowed with scaling in place.
  const reasons: string[] = [];
  const deregister: VariantScaling[] = [];
  const restore: VariantScaling[] = [];
  const notRestored: UpdatePlan['notRestored'] = [];
  for (const s of scaling) {
    const before = config.variants.find((v) => v.variantName === s.variantName);
    const after = variants.find((v) => v.variantName === s.variantName);
    if (!before) continue;
    if (!after) {
      reasons.push(`variant ${s.variantName} is autoscaled and is removed`);
      deregister.push(s);
      notRestored.push({ variantName: s.variantName, reason: 'the update removes the variant, so its scalable target and policies are not re-created' });
    } else if (after.instanceType !== before.instanceType) {
      reasons.push(`variant ${s.variantName} is autoscaled and its instance type changes from ${before.instanceType} to ${after.instanceType}`);
      deregister.push(s);
      restore.push(s);
    }
  }

  const exclude: RetainedVariantProperty[] = [];
  if (req.retainAllVariantProperties) {
    if (req.change.some((c) => c.instanceCount !== undefined)) exclude.push('DesiredInstanceCount');
    if (req.change.some((c) => c.weight !== undefined)) exclude.push('DesiredWeight');
  }
  const askedFor = (v: VariantSpec) => req.change.find((c) => c.variantName === v.variantName) ?? req.add.find((a) => a.variantName === v.variantName);
  const configExtra = config.extra;
  const newConfigName = endpointConfigName(endpoint.name, 'update', { variants, configExtra });
  // The asked-for spec is the config the endpoint serves (an earlier update made it), only its live counts or
  // weights differ: AWS refuses UpdateEndpoint to the config an endpoint already uses ("To update an endpoint,
  // you must create a new EndpointConfig", https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html).
  if (o.refuseConfigInUse && changes.length && newConfigName === config.name) {
    return {
      ok: false,
      refusal: invalidUpdate([
        {
          field: 'change',
          rule:
            `endpoint ${endpoint.name} already serves config ${config.name}, which holds exactly this spec; only its live values differ ` +
            `(${changes.join('; ')}), and AWS refuses UpdateEndpoint to the config an endpoint uses: set live counts and weights in place ` +
            '(UpdateEndpointWeightsAndCapacities), or change something the config holds',
        },
      ]),
    };
  }
  return {
    ok: true,
    plan: {
      endpointName: endpoint.name,
      currentConfigName: config.name,
      newConfigName,
      variants,
      ...(configExtra ? { configExtra } : {}),
      changes,
      unchanged: changes.length === 0,
      newModels: [...new Set(variants.map((v) => v.modelName).filter((m) => !config.variants.some((c) => c.modelName === m)))],
      autoscalingRule: { applies: deregister.length > 0, reasons },
      deregister,
      restore,
      notRestored,
      raise: [...raise].map(([variantName, count]) => ({ variantName, instanceCount: count })),
      capacityBefore: [...raise.keys()].flatMap((variantName) => {
        const count = live(variantName)?.desiredInstanceCount;
        return count === undefined ? [] : [{ variantName, instanceCount: count }];
      }),
      liveBefore: endpoint.variants.flatMap((v) =>
        v.desiredInstanceCount === undefined && v.desiredWeight === undefined
          ? []
          : [
              {
                variantName: v.variantName,
                ...(v.desiredInstanceCount !== undefined ? { instanceCount: v.desiredInstanceCount } : {}),
                ...(v.desiredWeight !== undefined ? { weight: v.desiredWeight } : {}),
              },
            ],
      ),
      retainAllVariantProperties: req.retainAllVariantProperties,
      excludeRetainedVariantProperties: exclude,
      expected: {
        configName: newConfigName,
        variants: variants.map((v) => {
          const asked = askedFor(v);
          return {
            variantName: v.variantName,
            ...(asked?.instanceCount !== undefined ? { instanceCount: v.instanceCount } : {}),
            ...(asked?.weight !== undefined ? { weight: v.weight } : {}),
          };
        }),
      },
    },
  };
}

/** An update input that breaks a rule (InvalidInput), naming each field and rule. */
export function invalidUpdate(issues: InputIssue[]): PlanRefusal {
  return { type: FAILURE.InvalidInput, reason: `invalid update input: ${describeIssues(issues)}`, issues };
}

/**
 * Why an update cannot start from what AWS holds, or undefined; the plan and the workflow refuse alike.
 * `config` is left out until the endpoint was read (undefined), and null when its config is gone.
 */
export function updateRefusal(name: string, endpoint: EndpointSummary | null, config?: EndpointConfigSummary | null): PlanRefusal | undefined {
  if (!endpoint) return invalidUpdate([{ field: 'endpointName', rule: `no endpoint named ${name} exists` }]);
  if (config === null) return { type: FAILURE.UpdateFailed, reason: `endpoint ${name} serves config ${endpoint.configName}, which no longer exists` };
  return undefined;
}

/** Where the model names of the request are, for naming the field of a model that does not exist. */
export function modelFields(req: UpdateRequest, models: string[]): InputIssue[] {
  return models.map((model) => {
    const c = req.change.findIndex((x) => x.modelName === model);
    const field = c >= 0 ? `change.${c}.modelName` : `add.${req.add.findIndex((x) => x.modelName === model)}.modelName`;
    return { field, rule: `no SageMaker model named ${model} exists; create it first` };
  });
}

/**
 * The plan as a list of changes, in the order the update pipeline makes them: scaling off, capacity
 * raised, the new config, the endpoint moved, scaling back on.
 */
export function updatePlanChanges(plan: UpdatePlan): PlannedChange[] {
  if (plan.unchanged) return [];
  const out: PlannedChange[] = [];
  for (const s of plan.deregister) {
    for (const p of s.policies) out.push(change('delete', 'scaling policy', p.policyName, `${p.policyType} on ${s.resourceId}`));
    out.push(change('delete', 'scalable target', s.resourceId, `min ${s.minCapacity}, max ${s.maxCapacity}`));
  }
  for (const r of plan.raise) {
    const before = plan.capacityBefore.find((c) => c.variantName === r.variantName)?.instanceCount;
    out.push(
      change('update', 'endpoint capacity', `${plan.endpointName}/${r.variantName}`, `${before ?? '?'} → ${r.instanceCount} instances before the update`),
    );
  }
  out.push(change('create', 'endpoint config', plan.newConfigName, plan.variants.map(describeVariant).join('; ')));
  const retain = plan.retainAllVariantProperties
    ? `, retaining live counts and weights${plan.excludeRetainedVariantProperties.length ? ` except ${plan.excludeRetainedVariantProperties.join(', ')}` : ''}`
    : '';
  out.push(change('update', 'endpoint', plan.endpointName, `from ${plan.currentConfigName} to ${plan.newConfigName}${retain}`));
  for (const s of plan.restore) {
    const suspended = Object.entries(s.suspendedState ?? {})
      .filter(([, on]) => on)
      .map(([k]) => k);
    out.push(
      change(
        'create',
        'scalable target',
        s.resourceId,
        `min ${s.minCapacity}, max ${s.maxCapacity}${suspended.length ? `, suspended ${suspended.join(', ')}` : ''}, as before`,
      ),
    );
    for (const p of s.policies) out.push(change('create', 'scaling policy', p.policyName, `${p.policyType} on ${s.resourceId}, as before`));
  }
  return out;
}
