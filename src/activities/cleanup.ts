/**
 * THE cleanup of an endpoint's configs and models, used by every pipeline (delete, deploy's
 * `archive: false`, a promoted canary): read the facts by tag, decide with `planCleanup`
 * (src/domain/cleanup.ts), delete configs before models. It never lists or describes the account's
 * endpoints or configs: what it reads is the endpoint, its own resources (found through their ownership
 * tags) and, per model it could delete, the configs tagged as naming that model. Its cost grows with what
 * the endpoint owns, not with the account.
 *
 * Safe to repeat: whatever is already gone counts as deleted, and a second run finds nothing to do.
 */
import { DescribeEndpointConfigCommand, DescribeModelCommand, paginateListTags, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import {
  deletable,
  modelUseTagKey,
  ownedBy,
  planCleanup,
  type CleanupCandidate,
  type CleanupFacts,
  type CleanupRequest,
  type KeptResource,
} from '../domain/cleanup';
import { OWNERSHIP_TAGS, type Tag } from '../domain/ownership';
import { isSageMakerNotFound } from './aws-errors';
import { createSageMakerActivities } from './sagemaker';
import { findTagged } from './tagging';

export interface CleanupResult {
  deletedEndpointConfigs: string[];
  deletedModels: string[];
  kept: KeptResource[];
}

export function createCleanupActivities(sagemaker: SageMakerClient, tagging: ResourceGroupsTaggingAPIClient) {
  const sm = createSageMakerActivities(sagemaker);

  async function tagsOf(arn: string): Promise<Tag[]> {
    const tags: Tag[] = [];
    for await (const page of paginateListTags({ client: sagemaker }, { ResourceArn: arn })) {
      for (const t of page.Tags ?? []) tags.push({ Key: t.Key!, Value: t.Value ?? '' });
    }
    return tags;
  }

  /** A model's candidate entry (with its tags), or null when no model has this name. */
  async function modelCandidate(name: string, tags?: Tag[]): Promise<CleanupCandidate | null> {
    try {
      const m = await sagemaker.send(new DescribeModelCommand({ ModelName: name }));
      return { kind: 'model', name: m.ModelName ?? name, tags: tags ?? (await tagsOf(m.ModelArn!)) };
    } catch (err) {
      if (isSageMakerNotFound(err)) return null;
      throw err;
    }
  }

  async function configCandidate(name: string, tags?: Tag[]): Promise<CleanupCandidate | null> {
    try {
      const c = await sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));
      const models = (c.ProductionVariants ?? []).map((v) => v.ModelName!).filter(Boolean);
      return { kind: 'endpoint-config', name: c.EndpointConfigName ?? name, models, tags: tags ?? (await tagsOf(c.EndpointConfigArn!)) };
    } catch (err) {
      if (isSageMakerNotFound(err)) return null;
      throw err;
    }
  }

  async function readCleanupFacts(req: CleanupRequest): Promise<CleanupFacts> {
    const name = req.endpointName;
    const ep = await sm.describeEndpoint(name);
    const inUse = [...new Set([ep?.configName, ep?.pendingConfigName].filter((c): c is string => !!c))];
    const inUseModels: string[] = [];
    for (const c of inUse) inUseModels.push(...((await sm.describeEndpointConfig(c))?.variants.map((v) => v.modelName) ?? []));

    const candidates: CleanupCandidate[] = [];
    const unresolved: KeptResource[] = [];
    const has = (kind: CleanupCandidate['kind'], n: string) => candidates.some((c) => c.kind === kind && c.name.toLowerCase() === n.toLowerCase());
    if (req.scope.kind === 'owned') {
      const owned = await findTagged(tagging, [{ Key: OWNERSHIP_TAGS.endpoint, Values: [name] }], ['sagemaker:endpoint-config', 'sagemaker:model']);
      for (const r of owned.filter((o) => o.type === 'endpoint-config')) {
        // SageMaker spells names in lower case inside ARNs; the endpoint's own configs give the real spelling.
        const real = inUse.find((u) => u.toLowerCase() === r.arnName) ?? r.arnName;
        const c = await configCandidate(real, r.tags);
        if (c) candidates.push(c);
        else unresolved.push({ kind: 'endpoint-config', name: r.arnName, reason: unresolvedReason(r.arn) });
      }
      for (const config of req.scope.configs ?? []) {
        if (has('endpoint-config', config)) continue;
        const c = await configCandidate(config);
        if (c) candidates.push(c);
      }
      const named = [...new Set(candidates.flatMap((c) => c.models ?? []))];
      for (const r of owned.filter((o) => o.type === 'model')) {
        const real = named.find((m) => m.toLowerCase() === r.arnName) ?? r.arnName;
        const m = await modelCandidate(real, r.tags);
        if (m) candidates.push(m);
        else unresolved.push({ kind: 'model', name: r.arnName, reason: unresolvedReason(r.arn) });
      }
      // The models its configs name that are not its own: reported as kept, never deleted.
      for (const model of named) {
        if (has('model', model)) continue;
        const m = await modelCandidate(model);
        if (m) candidates.push(m);
      }
    } else {
      for (const config of req.scope.configs) {
        if (has('endpoint-config', config)) continue;
        const c = await configCandidate(config);
        if (c) candidates.push(c);
      }
      const models = [...(req.scope.models ?? []), ...candidates.flatMap((c) => c.models ?? [])];
      for (const model of new Set(models)) {
        if (has('model', model)) continue;
        const m = await modelCandidate(model);
        if (m) candidates.push(m);
      }
    }

    // A model another endpoint's tags own, named by this endpoint's configs: it passes on once that endpoint is gone.
    for (const m of candidates.filter((c) => c.kind === 'model' && !ownedBy(c.tags, name))) {
      const owner = m.tags.find((t) => t.Key === OWNERSHIP_TAGS.endpoint)?.Value;
      if (owner && owner !== name && !(await sm.describeEndpoint(owner))) m.ownerGone = owner;
    }
    // Who else names a model it could delete: the configs tagged as naming it (any endpoint's).
    const modelUsers: Record<string, string[]> = {};
    for (const m of candidates.filter((c) => c.kind === 'model' && deletable(c, name))) {
      const users = await findTagged(tagging, [{ Key: modelUseTagKey(m.name) }], ['sagemaker:endpoint-config']);
      modelUsers[m.name] = users.map((u) => u.arnName);
    }
    return { endpointName: name, inUse, inUseModels, candidates, modelUsers, unresolved };
  }

  return {
    readCleanupFacts,

    /** Deletes the endpoint's configs and models that `planCleanup` allows; see the module comment. */
    async cleanUpEndpointResources(req: CleanupRequest): Promise<CleanupResult> {
      const plan = planCleanup(req, await readCleanupFacts(req));
      const deletedEndpointConfigs: string[] = [];
      const deletedModels: string[] = [];
      for (const c of plan.deleteConfigs) if (await sm.deleteEndpointConfig(c)) deletedEndpointConfigs.push(c);
      for (const m of plan.deleteModels) if (await sm.deleteModel(m)) deletedModels.push(m);
      return { deletedEndpointConfigs, deletedModels, kept: plan.kept };
    },
  };
}

function unresolvedReason(arn: string): string {
  return (
    `found by its ownership tags (${arn}) but no resource has that name: SageMaker spells names in lower case inside ARNs, ` +
    'so its real name has capitals; delete it by hand'
  );
}
