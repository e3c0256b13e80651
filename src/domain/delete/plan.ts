/**
 * Which endpoint configs and models go with the endpoint.
 * Pure: no AWS calls, no Temporal.
 */
import { change, type Planned, type PlannedChange } from '../change-plan';
import type { EndpointConfigSummary, EndpointSummary, VariantScaling } from '../endpoint';
import type { DeleteRequest } from './input';
import { planCleanup, type CleanupFacts, type KeptResource } from '../cleanup';

/** Input of the endpoint delete pipeline. */

export type { KeptResource };

/**
 * Histories recorded before 'delete-by-ownership-tags' only (they replay the name-prefix cleanup).
 * The endpoint's configs: the ones it serves or is moving to, and the ones modelship named for it
 * (`<endpoint>-…`, as `endpointConfigName` builds them). A config that another endpoint serves is kept, and
 * so is one named for a longer endpoint name that shares the prefix (`churn-prod-…` is not `churn`'s).
 */
export function configsToDelete(
  endpointName: string,
  named: string[],
  referenced: string[],
  /** Current and pending configs of the other endpoints. */
  inUse: Array<{ endpointName: string; configName: string }>,
): { delete: string[]; kept: KeptResource[] } {
  const others = [...new Set(inUse.map((u) => u.endpointName))].filter((e) => e !== endpointName);
  const owner = (config: string) => others.filter((e) => e.startsWith(`${endpointName}-`) && config.startsWith(`${e}-`)).sort((a, b) => b.length - a.length)[0];
  const kept: KeptResource[] = [];
  const out: string[] = [];
  for (const config of [...new Set([...referenced, ...named])].sort()) {
    const user = inUse.find((u) => u.configName === config && u.endpointName !== endpointName);
    const longer = referenced.includes(config) ? undefined : owner(config);
    if (user) kept.push({ kind: 'endpoint-config', name: config, reason: `endpoint ${user.endpointName} uses it` });
    else if (longer) kept.push({ kind: 'endpoint-config', name: config, reason: `named for endpoint ${longer}` });
    else out.push(config);
  }
  return { delete: out, kept };
}

/** Histories recorded before 'delete-by-ownership-tags' only. The models of the deleted configs that no remaining config uses. */
export function modelsToDelete(
  deleted: EndpointConfigSummary[],
  /** Model name → a remaining config that uses it. */
  usedBy: Record<string, string>,
): { delete: string[]; kept: KeptResource[] } {
  const models = [...new Set(deleted.flatMap((c) => c.variants.map((v) => v.modelName)))].sort();
  return {
    delete: models.filter((m) => !usedBy[m]),
    kept: models.filter((m) => usedBy[m]).map((m) => ({ kind: 'model' as const, name: m, reason: `endpoint config ${usedBy[m]} uses it` })),
  };
}

/**
 * The configs an endpoint serves or is moving to, read before it is deleted: the ones its own cleanup
 * may remove (the delete pipeline and its plan both start from these).
 */
export function endpointConfigsOf(endpoint: Pick<EndpointSummary, 'configName' | 'pendingConfigName'> | null): string[] {
  return [...new Set([endpoint?.configName, endpoint?.pendingConfigName].filter((c): c is string => !!c))];
}

/** What AWS holds for a delete plan. */
export interface DeleteFacts {
  endpoint: EndpointSummary | null;
  /** Every scalable target (with its policies) registered for a variant of the endpoint. */
  scaling: VariantScaling[];
  /**
   * What the delete's cleanup reads (the endpoint's own configs and models found by their ownership tags,
   * and the configs tagged as naming its models), the same read the pipeline makes: null when configs and
   * models are kept.
   */
  cleanup: CleanupFacts | null;
}

export interface DeletePlan {
  kind: 'delete';
  endpointName: string;
  /** False when the endpoint is already gone (its leftovers are still cleaned up). */
  endpointDeleted: boolean;
  /** The configs the endpoint serves or is moving to. */
  endpointConfigs: string[];
  /** Variants whose policies and scalable targets are removed, with what is removed. */
  scalingRemoved: string[];
  scaling: VariantScaling[];
  deletedEndpointConfigs: string[];
  deletedModels: string[];
  kept: KeptResource[];
  changes: PlannedChange[];
  notes: string[];
}

/** What the delete pipeline would remove, decided the way it decides (`planCleanup`, by ownership tags). */
export function planDelete(req: DeleteRequest, facts: DeleteFacts): Planned<DeletePlan> {
  const name = req.endpointName;
  const ep = facts.endpoint;
  const endpointConfigs = endpointConfigsOf(ep);
  const changes: PlannedChange[] = [];
  const notes: string[] = [];
  for (const s of facts.scaling) {
    for (const p of s.policies) changes.push(change('delete', 'scaling policy', p.policyName, `${p.policyType} on ${s.resourceId}`));
    changes.push(change('delete', 'scalable target', s.resourceId, `min ${s.minCapacity}, max ${s.maxCapacity}`));
  }
  if (ep) {
    changes.push(change('delete', 'endpoint', name, `${ep.status}, on ${endpointConfigs.join(' → ') || '(no config)'}`));
    if (ep.status !== 'InService' && ep.status !== 'Failed' && ep.status !== 'OutOfService' && ep.status !== 'Deleting') {
      notes.push(`endpoint ${name} is ${ep.status}: the delete waits for it to settle first`);
    }
  } else {
    notes.push(`endpoint ${name} does not exist: only its leftovers are removed`);
  }
  const kept: KeptResource[] = [];
  let deletedConfigs: string[] = [];
  let deletedModels: string[] = [];
  if (req.deleteConfigsAndModels && facts.cleanup) {
    // Decided as the pipeline decides (planCleanup), once the endpoint is gone: nothing is in use by it then.
    const cleanup = planCleanup({ endpointName: name, scope: { kind: 'owned', configs: endpointConfigs } }, { ...facts.cleanup, inUse: [], inUseModels: [] });
    kept.push(...cleanup.kept);
    deletedConfigs = cleanup.deleteConfigs;
    deletedModels = cleanup.deleteModels;
    for (const c of deletedConfigs) changes.push(change('delete', 'endpoint config', c));
    for (const m of deletedModels) changes.push(change('delete', 'model', m));
  } else {
    notes.push('deleteConfigsAndModels is false: endpoint configs and models stay');
  }
  for (const k of kept) changes.push(change('keep', k.kind === 'model' ? 'model' : 'endpoint config', k.name, k.reason));
  return {
    ok: true,
    plan: {
      kind: 'delete',
      endpointName: name,
      endpointDeleted: !!ep,
      endpointConfigs,
      scalingRemoved: facts.scaling.map((s) => s.variantName),
      scaling: facts.scaling,
      deletedEndpointConfigs: deletedConfigs,
      deletedModels,
      kept,
      changes,
      notes,
    },
  };
}
