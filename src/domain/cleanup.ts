/**
 * Which endpoint configs and models a cleanup may delete: the one rule the delete pipeline and every
 * cleanup of superseded resources (deploy's `archive: false`, a promoted canary) share. Pure: the facts
 * come from the cleanup activity (src/activities/cleanup.ts), which reads them by tag, never by listing
 * the account.
 *
 * A resource goes only when
 * - its ownership tags say this endpoint owns it (`modelship:endpoint` = the endpoint; names decide
 *   nothing: anyone can make `churn-prod-manual`, and names past 63 characters are cut);
 * - the endpoint does not serve it or move to it (a config), and no config that stays names it (a model);
 * - the run did not ask to keep it (what it just deployed).
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListTags.html
 */
import { OWNERSHIP_TAGS, type Tag } from './ownership';

/**
 * Tag every endpoint config modelship creates carries once per model it names (`modelship:model:<model>`):
 * GetResources on that key finds the configs that use a model, however many configs the account holds.
 * Models are shared between endpoints (`<group>-v<version>` is one model for every endpoint serving that
 * version), so a model's users are not only its own endpoint's configs.
 * https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html
 */
export const MODEL_USE_TAG_PREFIX = 'modelship:model:';

export function modelUseTagKey(model: string): string {
  return `${MODEL_USE_TAG_PREFIX}${model}`;
}

/** The model-use tags of a config naming `models` (one per distinct model). */
export function modelUseTags(models: string[]): Tag[] {
  return [...new Set(models)].sort().map((m) => ({ Key: modelUseTagKey(m), Value: 'serves' }));
}

export interface CleanupRequest {
  endpointName: string;
  /**
   * `owned`: every config and model whose tags say the endpoint owns them (the delete pipeline).
   * `superseded`: only these configs and models (what a deploy or canary replaced), and the models those
   * configs name.
   */
  scope:
    | { kind: 'owned'; /** Also considered (and reported when kept): the configs the endpoint served before it was deleted. */ configs?: string[] }
    | { kind: 'superseded'; configs: string[]; models?: string[] };
  /** Names never deleted, whatever their tags (what the run leaves serving). */
  keep?: string[];
}

/** A config or model as the cleanup activity found it. */
export interface CleanupCandidate {
  kind: 'endpoint-config' | 'model';
  name: string;
  tags: Tag[];
  /** Configs: the models its variants name. */
  models?: string[];
  /**
   * Models: its ownership tags give it to another endpoint, which no longer exists. Such a model (shared
   * while both endpoints served its version) passes to the endpoints whose configs name it, so the last
   * one's delete removes it instead of orphaning it.
   */
  ownerGone?: string;
}

export interface CleanupFacts {
  endpointName: string;
  /** The configs the endpoint serves or is moving to (none once it is gone). */
  inUse: string[];
  /** Models the in-use configs name. */
  inUseModels: string[];
  candidates: CleanupCandidate[];
  /** Candidate model → configs found naming it (by their model-use tag), lower-cased as ARNs spell them. */
  modelUsers: Record<string, string[]>;
  /** Resources found by tag whose exact name could not be read back (see the activity). */
  unresolved?: KeptResource[];
}

export interface KeptResource {
  kind: 'endpoint-config' | 'model';
  name: string;
  reason: string;
}

export interface CleanupPlan {
  /** Configs first: a model must outlive every config that names it. */
  deleteConfigs: string[];
  deleteModels: string[];
  kept: KeptResource[];
}

/**
 * What a cleanup deleted, in the order its request names the resources: its configs, then its models, each
 * followed by any other it deleted (a model a superseded config named). Configs come before models, as they
 * are deleted. Pipelines report `removed` in this order, so a run and its plan list the same names alike.
 */
export function inRequestOrder(req: CleanupRequest, deletedConfigs: string[], deletedModels: string[]): string[] {
  const configs = req.scope.configs ?? [];
  const models = req.scope.kind === 'superseded' ? (req.scope.models ?? []) : [];
  const ordered = (named: string[], deleted: string[]) => [
    ...named.filter((n, i) => named.indexOf(n) === i && deleted.includes(n)),
    ...deleted.filter((d) => !named.includes(d)),
  ];
  return [...ordered(configs, deletedConfigs), ...ordered(models, deletedModels)];
}

/** Whether the cleanup may consider deleting this candidate at all (before the in-use checks). */
export function deletable(c: CleanupCandidate, endpointName: string): boolean {
  return ownedBy(c.tags, endpointName) || !!c.ownerGone;
}

export function ownedBy(tags: Tag[], endpointName: string): boolean {
  return tags.some((t) => t.Key === OWNERSHIP_TAGS.endpoint && t.Value === endpointName);
}

/** SageMaker ARNs spell names in lower case, so a name found through an ARN is compared case-blind. */
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function planCleanup(req: CleanupRequest, facts: CleanupFacts): CleanupPlan {
  const keep = new Set(req.keep ?? []);
  const kept: KeptResource[] = [...(facts.unresolved ?? [])];
  const notOurs = `its tags do not say endpoint ${facts.endpointName} owns it (${OWNERSHIP_TAGS.endpoint})`;
  const deleteConfigs: string[] = [];
  const configs = facts.candidates.filter((c) => c.kind === 'endpoint-config').sort((a, b) => a.name.localeCompare(b.name));
  for (const c of configs) {
    if (keep.has(c.name)) kept.push({ kind: 'endpoint-config', name: c.name, reason: 'this run leaves it serving' });
    else if (facts.inUse.some((u) => same(u, c.name))) kept.push({ kind: 'endpoint-config', name: c.name, reason: `endpoint ${facts.endpointName} uses it` });
    else if (!ownedBy(c.tags, facts.endpointName)) kept.push({ kind: 'endpoint-config', name: c.name, reason: notOurs });
    else deleteConfigs.push(c.name);
  }
  const gone = (config: string) => deleteConfigs.some((d) => same(d, config));
  // Configs that stay and name a model: the endpoint's own, the kept candidates, and any found by tag.
  const staying = (model: string): string | undefined => {
    if (facts.inUseModels.includes(model)) return facts.inUse[0];
    const candidate = configs.find((c) => !gone(c.name) && c.models?.includes(model));
    if (candidate) return candidate.name;
    return (facts.modelUsers[model] ?? []).find((u) => !gone(u));
  };
  const deleteModels: string[] = [];
  const models = facts.candidates.filter((c) => c.kind === 'model').sort((a, b) => a.name.localeCompare(b.name));
  for (const m of models) {
    const user = staying(m.name);
    if (keep.has(m.name)) kept.push({ kind: 'model', name: m.name, reason: 'this run leaves it serving' });
    else if (user) kept.push({ kind: 'model', name: m.name, reason: `endpoint config ${user} uses it` });
    else if (!ownedBy(m.tags, facts.endpointName) && !m.ownerGone) kept.push({ kind: 'model', name: m.name, reason: notOurs });
    else deleteModels.push(m.name);
  }
  return { deleteConfigs, deleteModels, kept };
}
