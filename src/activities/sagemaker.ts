import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  paginateListTags,
  paginateListEndpointConfigs,
  paginateListEndpoints,
  ListTagsCommand,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  type DescribeEndpointCommandOutput,
  type ProductionVariantInstanceType,
  type SageMakerClient,
  type VariantPropertyType,
} from '@aws-sdk/client-sagemaker';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { EndpointConfigSummary, EndpointSummary, VariantSpec, VariantWeightAndCapacity } from '../domain/endpoint';
import { modelUseTags } from '../domain/cleanup';
import { FAILURE } from '../domain/failures';
import { isOwnedBy, OWNERSHIP_TAGS, userTags, withOwnershipTags, type CreatedResource, type Owner, type Tag } from '../domain/ownership';
import { DEFAULT_OUT_OF_SERVICE_MS } from '../domain/polling';
import { isEndpointConfigNotFound, isSageMakerAlreadyExists, isSageMakerNotFound } from './aws-errors';

export interface ModelSpec {
  name: string;
  image: string;
  modelDataUrl: string;
  executionRoleArn: string;
  environment?: Record<string, string>;
  vpcConfig?: { SecurityGroupIds: string[]; Subnets: string[] };
  enableNetworkIsolation?: boolean;
  tags?: Array<{ Key: string; Value: string }>;
  /** Tagged onto the model (modelship:endpoint, modelship:run); undo and cleanup read it back. */
  owner?: Owner;
}

/** What a compensation moves an endpoint back to, and from which config(s) it may do so. */
/** An UpdateEndpoint: the endpoint, the config it moves to, and which live variant properties it keeps. */
export interface EndpointUpdate {
  endpointName: string;
  endpointConfigName: string;
  /** Keep the live desired counts and weights of same-named variants (UpdateEndpoint RetainAllVariantProperties). */
  retainAllVariantProperties?: boolean;
  /** With retainAllVariantProperties: the properties taken from the new config anyway. */
  excludeRetainedVariantProperties?: VariantPropertyType[];
}

export interface EndpointRestore {
  endpointName: string;
  /** The config the endpoint was on before this run moved it. */
  to: string;
  /**
   * The config(s) this run moved the endpoint to (whoever created them): the restore acts only while the
   * endpoint is on, or updating to, one of them.
   */
  from: string | string[];
  /** Keep the live desired counts and weights of same-named variants (UpdateEndpoint RetainAllVariantProperties). */
  retainAllVariantProperties?: boolean;
  /** The run's owner: a ConcurrentChange names who made the config the endpoint was found on. */
  owner?: Owner;
}

/** An undo/cleanup of a resource this run may have created: deleted only if its tags say it is ours. */
export interface OwnedResourceRef {
  name: string;
  owner: Owner;
}

/** `deleted`, already `gone`, or `leftAlone` because its tags do not say `owner` made it. */
export type OwnedDeletion = { deleted: true } | { gone: true } | { leftAlone: string };

/** How a model runs, apart from its image and artifacts: what a new version of it must keep. */
export type ModelSettings = Pick<ModelSpec, 'environment' | 'vpcConfig' | 'enableNetworkIsolation' | 'tags'>;

/**
 * SageMaker hosting activities. Each one is one step that is safe to repeat: "already exists" with the
 * same spec and "already gone" count as success, because a retried attempt may follow one whose AWS call
 * succeeded but whose result was lost.
 */
export function createSageMakerActivities(sagemaker: SageMakerClient) {
  async function describeEndpoint(endpointName: string): Promise<EndpointSummary | null> {
    try {
      return summarize(await sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName })));
    } catch (err) {
      if (isSageMakerNotFound(err)) return null;
      throw err;
    }
  }

  async function describeEndpointConfig(name: string): Promise<EndpointConfigSummary | null> {
    try {
      const out = await sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));
      const { EndpointConfigName, EndpointConfigArn, ProductionVariants, CreationTime, $metadata, ...configExtra } = out;
      return {
        name: out.EndpointConfigName!,
        variants: (out.ProductionVariants ?? []).map((v) => {
          const { VariantName, ModelName, InstanceType, InitialInstanceCount, InitialVariantWeight, ...extra } = v;
          return {
            variantName: v.VariantName!,
            modelName: v.ModelName!,
            instanceType: v.InstanceType!,
            instanceCount: v.InitialInstanceCount ?? 1,
            weight: v.InitialVariantWeight ?? 1, // AWS: InitialVariantWeight defaults to 1.0
            ...(Object.keys(extra).length ? { extra } : {}),
          };
        }),
        ...(Object.keys(configExtra).length ? { extra: configExtra } : {}),
      };
    } catch (err) {
      if (isSageMakerNotFound(err)) return null;
      throw err;
    }
  }

  async function tagsOf(arn: string): Promise<Tag[]> {
    const tags: Tag[] = [];
    for await (const page of paginateListTags({ client: sagemaker }, { ResourceArn: arn })) {
      for (const t of page.Tags ?? []) tags.push({ Key: t.Key!, Value: t.Value ?? '' });
    }
    return tags;
  }

  /** already-ours when the tags say this endpoint owns it (a retry of our own create), else foreign. */
  async function outcomeOf(arn: string, owner: Owner | undefined): Promise<CreatedResource> {
    if (!owner) return { arn, outcome: 'already-ours' };
    return { arn, outcome: isOwnedBy(await tagsOf(arn), owner, { sameRun: false }) ? 'already-ours' : 'foreign' };
  }

  /** The ARN of a model / endpoint config / endpoint by name, or null when it does not exist. */
  async function arnOf(kind: 'model' | 'endpoint-config' | 'endpoint', name: string): Promise<string | null> {
    try {
      if (kind === 'model') return (await sagemaker.send(new DescribeModelCommand({ ModelName: name }))).ModelArn!;
      if (kind === 'endpoint-config') return (await sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }))).EndpointConfigArn!;
      return (await sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }))).EndpointArn!;
    } catch (err) {
      if (isSageMakerNotFound(err)) return null;
      throw err;
    }
  }

  /** null when `ref.owner`'s run made the resource, else why it is left alone (or that it is gone). */
  async function notThisRuns(kind: 'model' | 'endpoint-config' | 'endpoint', ref: OwnedResourceRef): Promise<OwnedDeletion | null> {
    const arn = await arnOf(kind, ref.name);
    if (!arn) return { gone: true };
    if (isOwnedBy(await tagsOf(arn), ref.owner, { sameRun: true })) return null;
    return { leftAlone: `its tags do not say run ${ref.owner.run} of endpoint ${ref.owner.endpoint} created it` };
  }

  /**
   * The configs the owner's endpoint serves or is updating to (none while it is Deleting or gone). AWS: "You
   * must not delete an EndpointConfig in use by an endpoint that is live or while the UpdateEndpoint or
   * CreateEndpoint operations are being performed on the endpoint"
   * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DeleteEndpointConfig.html).
   */
  async function configsInUseBy(endpointName: string): Promise<string[]> {
    const ep = await describeEndpoint(endpointName);
    if (!ep || ep.status === 'Deleting') return [];
    return [...new Set([ep.configName, ep.pendingConfigName].filter((c): c is string => !!c))];
  }

  /** Refuses (non-retryable) to delete what the endpoint still serves: a failed restore stops these deletions. */
  function stillInUse(what: string, endpointName: string, configName: string): ApplicationFailure {
    return ApplicationFailure.nonRetryable(
      `${what} not deleted: endpoint ${endpointName} still uses it (config ${configName}); it goes once the endpoint is off it`,
      FAILURE.ResourceConflict,
    );
  }

  /** Whether `owner`'s run created config `name` (its ownership tags say so). */
  async function configMadeByRun(name: string, owner: Owner): Promise<{ made: boolean; tags: Tag[] }> {
    const arn = await arnOf('endpoint-config', name);
    const tags = arn ? await tagsOf(arn) : [];
    return { made: isOwnedBy(tags, owner, { sameRun: true }), tags };
  }

  return {
    describeEndpoint,
    describeEndpointConfig,

    /**
     * The user tags of endpoint config `name` (userTags: no `aws:` or `modelship:` ones), for a config made
     * from it to keep: DescribeEndpointConfig does not return tags, ListTags on its ARN does
     * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListTags.html). None when it is gone.
     */
    async endpointConfigUserTags(name: string): Promise<Tag[]> {
      const arn = await arnOf('endpoint-config', name);
      return arn ? userTags(await tagsOf(arn)) : [];
    },

    /**
     * Shifts weights and/or desired instance counts in place. A retry after an accepted call finds the
     * desired values already set and does nothing; an endpoint still Updating is waited for.
     */
    async updateEndpointWeightsAndCapacities(endpointName: string, desired: VariantWeightAndCapacity[]): Promise<void> {
      const ep = await describeEndpoint(endpointName);
      if (!ep) throw ApplicationFailure.nonRetryable(`endpoint ${endpointName} does not exist`, FAILURE.EndpointNotFound);
      const already = desired.every((d) => {
        const v = ep.variants.find((x) => x.variantName === d.variantName);
        return v && (d.weight === undefined || v.desiredWeight === d.weight) && (d.instanceCount === undefined || v.desiredInstanceCount === d.instanceCount);
      });
      if (already) return;
      const stuck = cannotSettle(ep, { failedIsStuck: true });
      if (stuck) throw stuck;
      if (ep.status !== 'InService') throw notReady(`endpoint ${endpointName} is ${ep.status}; waiting to change weights`);
      await sagemaker.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: endpointName,
          DesiredWeightsAndCapacities: desired.map((d) => ({
            VariantName: d.variantName,
            DesiredWeight: d.weight,
            DesiredInstanceCount: d.instanceCount,
          })),
        }),
      );
    },

    /** Which of `configNames` have a variant serving `modelName`. */
    async configsUsingModel(configNames: string[], modelName: string): Promise<string[]> {
      const users: string[] = [];
      for (const name of configNames) {
        if ((await describeEndpointConfig(name))?.variants.some((v) => v.modelName === modelName)) users.push(name);
      }
      return users;
    },

    /**
     * The container environment, VPC, network isolation and user tags of `modelName` (tags that AWS or
     * modelship own, `aws:` and `modelship:`, are left out: they describe that model, not its settings).
     */
    async modelSettings(modelName: string): Promise<ModelSettings> {
      const m = await sagemaker.send(new DescribeModelCommand({ ModelName: modelName }));
      const tags = (await sagemaker.send(new ListTagsCommand({ ResourceArn: m.ModelArn }))).Tags ?? [];
      const userTags = tags.filter((t) => !/^(aws|modelship):/i.test(t.Key ?? '')).map((t) => ({ Key: t.Key!, Value: t.Value ?? '' }));
      const env = m.PrimaryContainer?.Environment ?? m.Containers?.[0]?.Environment;
      const vpc = m.VpcConfig;
      return {
        ...(env && Object.keys(env).length ? { environment: env } : {}),
        ...(vpc?.SecurityGroupIds && vpc.Subnets ? { vpcConfig: { SecurityGroupIds: vpc.SecurityGroupIds, Subnets: vpc.Subnets } } : {}),
        ...(m.EnableNetworkIsolation ? { enableNetworkIsolation: true } : {}),
        ...(userTags.length ? { tags: userTags } : {}),
      };
    },

    async createModel(spec: ModelSpec): Promise<CreatedResource> {
      try {
        const out = await sagemaker.send(
          new CreateModelCommand({
            ModelName: spec.name,
            ExecutionRoleArn: spec.executionRoleArn,
            PrimaryContainer: { Image: spec.image, ModelDataUrl: spec.modelDataUrl, Environment: spec.environment },
            VpcConfig: spec.vpcConfig,
            EnableNetworkIsolation: spec.enableNetworkIsolation || undefined,
            Tags: withOwnershipTags(spec.tags, spec.owner),
          }),
        );
        return { arn: out.ModelArn!, outcome: 'created' };
      } catch (err) {
        if (!isSageMakerAlreadyExists(err)) throw err;
        const existing = await sagemaker.send(new DescribeModelCommand({ ModelName: spec.name }));
        const c = existing.PrimaryContainer;
        if (c?.Image !== spec.image || c?.ModelDataUrl !== spec.modelDataUrl) {
          throw ApplicationFailure.nonRetryable(
            `model ${spec.name} already exists with a different container (${c?.Image}, ${c?.ModelDataUrl})`,
            FAILURE.ResourceConflict,
          );
        }
        return outcomeOf(existing.ModelArn!, spec.owner);
      }
    },

    /** `extra`: config-level fields copied from another config (DataCaptureConfig, KmsKeyId, …). */
    async createEndpointConfig(name: string, variants: VariantSpec[], extra: Record<string, unknown> = {}, owner?: Owner): Promise<CreatedResource> {
      // One tag per model it names, so a cleanup finds a model's users by tag (src/domain/cleanup.ts).
      extra = { ...extra, Tags: [...((extra.Tags as Tag[] | undefined) ?? []), ...modelUseTags(variants.map((v) => v.modelName))] };
      try {
        const tags = withOwnershipTags(extra.Tags as Tag[] | undefined, owner);
        const out = await sagemaker.send(
          new CreateEndpointConfigCommand({
            ...extra,
            ...(tags ? { Tags: tags } : {}),
            EndpointConfigName: name,
            ProductionVariants: variants.map((v) => ({
              ...v.extra,
              VariantName: v.variantName,
              ModelName: v.modelName,
              InstanceType: v.instanceType as ProductionVariantInstanceType,
              InitialInstanceCount: v.instanceCount,
              InitialVariantWeight: v.weight,
            })),
          }),
        );
        return { arn: out.EndpointConfigArn!, outcome: 'created' };
      } catch (err) {
        if (!isSageMakerAlreadyExists(err)) throw err;
        // Config names carry a hash of their variants, so an existing one with this name holds this spec.
        const existing = await sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));
        return outcomeOf(existing.EndpointConfigArn!, owner);
      }
    },

    async createEndpoint(
      endpointName: string,
      endpointConfigName: string,
      tags?: Array<{ Key: string; Value: string }>,
      owner?: Owner,
    ): Promise<CreatedResource> {
      try {
        const out = await sagemaker.send(
          new CreateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: endpointConfigName, Tags: withOwnershipTags(tags, owner) }),
        );
        return { arn: out.EndpointArn!, outcome: 'created' };
      } catch (err) {
        // "When you call CreateEndpoint, a load call is made to DynamoDB to verify that your endpoint
        // configuration exists ... If the dependent entities are not yet in DynamoDB, this causes a validation
        // error ... So retry logic is recommended": right after CreateEndpointConfig the config can be "not
        // found". Retried within the activity's attempts (AWS_CALL: about 2.5 minutes), so a config that
        // really is missing still ends the step. https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html
        if (isEndpointConfigNotFound(err)) {
          throw ApplicationFailure.retryable(
            `CreateEndpoint does not see endpoint config ${endpointConfigName} yet (SageMaker reads it eventually consistently): ${(err as Error).message}`,
            FAILURE.EndpointConfigNotVisible,
          );
        }
        if (!isSageMakerAlreadyExists(err)) throw err;
        const existing = await describeEndpoint(endpointName);
        if (existing && targetConfig(existing) === endpointConfigName) {
          const found = await outcomeOf(existing.arn, owner);
          if (found.outcome === 'already-ours') return found;
        }
        throw ApplicationFailure.nonRetryable(
          `endpoint ${endpointName} already exists on config ${existing?.configName}; refusing to take it over`,
          FAILURE.ResourceConflict,
        );
      }
    },

    /**
     * Moves the endpoint to `endpointConfigName` (UpdateEndpoint). The positional form is what runs recorded
     * before the object form scheduled: their activity inputs are in history and may still be retried.
     */
    async updateEndpoint(update: EndpointUpdate | string, configName?: string, retain = false, exclude: VariantPropertyType[] = []): Promise<void> {
      const {
        endpointName,
        endpointConfigName,
        retainAllVariantProperties = false,
        excludeRetainedVariantProperties = [],
      }: EndpointUpdate = typeof update === 'string'
        ? { endpointName: update, endpointConfigName: configName!, retainAllVariantProperties: retain, excludeRetainedVariantProperties: exclude }
        : update;
      const before = await describeEndpoint(endpointName);
      // A retry after an accepted update finds the endpoint already moving to (or on) the new config.
      if (before && targetConfig(before) === endpointConfigName) return;
      await sagemaker.send(
        new UpdateEndpointCommand({
          EndpointName: endpointName,
          EndpointConfigName: endpointConfigName,
          RetainAllVariantProperties: retainAllVariantProperties,
          ExcludeRetainedVariantProperties: excludeRetainedVariantProperties.length
            ? excludeRetainedVariantProperties.map((p) => ({ VariantPropertyType: p }))
            : undefined,
        }),
      );
    },

    /**
     * One poll of an endpoint that should settle in InService. Throws a benign retryable failure while it
     * is still changing, so Temporal's retry policy is the poll loop (retries are not written to history).
     */
    async awaitEndpointInService(endpointName: string, outOfServiceMs = DEFAULT_OUT_OF_SERVICE_MS): Promise<EndpointSummary> {
      const ep = await describeEndpoint(endpointName);
      if (!ep) throw ApplicationFailure.nonRetryable(`endpoint ${endpointName} does not exist`, FAILURE.EndpointNotFound);
      if (ep.status === 'InService') return ep;
      const stuck = cannotSettle(ep, { failedIsStuck: true });
      if (stuck) throw stuck;
      if (ep.status === 'OutOfService') throw outOfService(ep, outOfServiceMs);
      throw notReady(`endpoint ${endpointName} is ${ep.status}`);
    },

    /** One poll of an endpoint being deleted; succeeds once DescribeEndpoint no longer finds it. */
    async awaitEndpointDeleted(endpointName: string): Promise<void> {
      const ep = await describeEndpoint(endpointName);
      if (ep) throw notReady(`endpoint ${endpointName} is ${ep.status}`);
    },

    async deleteEndpoint(endpointName: string): Promise<boolean> {
      const ep = await describeEndpoint(endpointName);
      if (!ep) return false;
      if (ep.status === 'Deleting') return true;
      // UpdateRollbackFailed does not settle by itself (a Failed endpoint is deleted: AWS accepts that).
      const stuck = cannotSettle(ep, { failedIsStuck: false });
      if (stuck) throw stuck;
      // AWS refuses to delete an endpoint while it is Creating or Updating: wait for it to settle.
      if (ep.status !== 'InService' && ep.status !== 'Failed' && ep.status !== 'OutOfService') {
        throw notReady(`endpoint ${endpointName} is ${ep.status}; waiting to delete it`);
      }
      try {
        await sagemaker.send(new DeleteEndpointCommand({ EndpointName: endpointName }));
      } catch (err) {
        if (!isSageMakerNotFound(err)) throw err;
      }
      return true;
    },

    async deleteEndpointConfig(name: string): Promise<boolean> {
      try {
        await sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: name }));
        return true;
      } catch (err) {
        if (isSageMakerNotFound(err)) return false;
        throw err;
      }
    },

    /** Names of endpoint configs whose name starts with `prefix` (ListEndpointConfigs, every page). */
    async listEndpointConfigNames(prefix: string): Promise<string[]> {
      const names: string[] = [];
      for await (const page of paginateListEndpointConfigs({ client: sagemaker }, { NameContains: prefix, MaxResults: 100 })) {
        names.push(...(page.EndpointConfigs ?? []).map((c) => c.EndpointConfigName!).filter((n) => n.startsWith(prefix)));
      }
      return names.sort();
    },

    /** The current and pending configs of every endpoint but `exceptEndpoint`. */
    async endpointConfigsInUse(exceptEndpoint: string): Promise<Array<{ endpointName: string; configName: string }>> {
      const out: Array<{ endpointName: string; configName: string }> = [];
      for await (const page of paginateListEndpoints({ client: sagemaker }, { MaxResults: 100 })) {
        for (const e of page.Endpoints ?? []) {
          if (e.EndpointName === exceptEndpoint) continue;
          const ep = await describeEndpoint(e.EndpointName!);
          for (const configName of new Set([ep?.configName, ep?.pendingConfigName])) {
            if (configName) out.push({ endpointName: e.EndpointName!, configName });
          }
        }
      }
      return out;
    },

    /**
     * Model name → one endpoint config that names it, over every config in the account: a model that any
     * config still names must not be deleted (an endpoint could be moved back to that config).
     */
    async modelsUsedByEndpointConfigs(): Promise<Record<string, string>> {
      const usedBy: Record<string, string> = {};
      for await (const page of paginateListEndpointConfigs({ client: sagemaker }, { MaxResults: 100 })) {
        for (const c of page.EndpointConfigs ?? []) {
          const config = await describeEndpointConfig(c.EndpointConfigName!);
          for (const v of config?.variants ?? []) usedBy[v.modelName] ??= config!.name;
        }
      }
      return usedBy;
    },

    /** Which of `names` are not SageMaker models (checked before anything is changed). */
    async missingModels(names: string[]): Promise<string[]> {
      const missing: string[] = [];
      for (const name of names) {
        try {
          await sagemaker.send(new DescribeModelCommand({ ModelName: name }));
        } catch (err) {
          if (!isSageMakerNotFound(err)) throw err;
          missing.push(name);
        }
      }
      return missing;
    },

    /**
     * Undo of createModel: deletes the model only if this run's ownership tags are on it and the owner's
     * endpoint does not serve it (nor is updating to a config that names it).
     */
    async deleteModelIfOwned(ref: OwnedResourceRef): Promise<OwnedDeletion> {
      const skip = await notThisRuns('model', ref);
      if (skip) return skip;
      for (const configName of await configsInUseBy(ref.owner.endpoint)) {
        if ((await describeEndpointConfig(configName))?.variants.some((v) => v.modelName === ref.name)) {
          throw stillInUse(`model ${ref.name}`, ref.owner.endpoint, configName);
        }
      }
      await sagemaker.send(new DeleteModelCommand({ ModelName: ref.name })).catch((err) => {
        if (!isSageMakerNotFound(err)) throw err;
      });
      return { deleted: true };
    },

    /**
     * Undo of createEndpointConfig: deletes the config only if this run's ownership tags are on it and the
     * owner's endpoint neither serves it nor is updating to it.
     */
    async deleteEndpointConfigIfOwned(ref: OwnedResourceRef): Promise<OwnedDeletion> {
      const skip = await notThisRuns('endpoint-config', ref);
      if (skip) return skip;
      if ((await configsInUseBy(ref.owner.endpoint)).includes(ref.name)) throw stillInUse(`endpoint config ${ref.name}`, ref.owner.endpoint, ref.name);
      await sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: ref.name })).catch((err) => {
        if (!isSageMakerNotFound(err)) throw err;
      });
      return { deleted: true };
    },

    /**
     * Undo of createEndpoint: deletes the endpoint only if this run's ownership tags are on it (an endpoint
     * another actor created meanwhile under the same name is left alone), waiting while it settles.
     */
    async deleteEndpointIfOwned(ref: OwnedResourceRef): Promise<OwnedDeletion> {
      const ep = await describeEndpoint(ref.name);
      if (!ep) return { gone: true };
      if (!isOwnedBy(await tagsOf(ep.arn), ref.owner, { sameRun: true })) {
        return { leftAlone: `its tags do not say run ${ref.owner.run} of endpoint ${ref.owner.endpoint} created it` };
      }
      if (ep.status === 'Deleting') throw notReady(`endpoint ${ref.name} is Deleting`);
      const stuck = cannotSettle(ep, { failedIsStuck: false });
      if (stuck) throw stuck;
      // AWS refuses to delete an endpoint while it is Creating or Updating: wait for it to settle.
      if (ep.status !== 'InService' && ep.status !== 'Failed' && ep.status !== 'OutOfService') {
        throw notReady(`endpoint ${ref.name} is ${ep.status}; waiting to delete it`);
      }
      await sagemaker.send(new DeleteEndpointCommand({ EndpointName: ref.name })).catch((err) => {
        if (!isSageMakerNotFound(err)) throw err;
      });
      throw notReady(`endpoint ${ref.name} is being deleted`);
    },

    async deleteModel(name: string): Promise<boolean> {
      try {
        await sagemaker.send(new DeleteModelCommand({ ModelName: name }));
        return true;
      } catch (err) {
        if (isSageMakerNotFound(err)) return false;
        throw err;
      }
    },

    /**
     * Compensation for an endpoint update: waits until the endpoint settles and, if it ended on one of the
     * configs this run moved it to (`from`), updates it back to `to` and waits again. Retried until it holds.
     *
     * It restores only from `from`, whoever created that config: an update that flips a change back reuses
     * the config an earlier run made for the same spec (config names hash the spec), and that is still this
     * run's move. An endpoint found on any other config was moved there by another actor meanwhile: it is
     * left alone (ConcurrentChange, non-retryable), naming the config found and who made it (`owner`).
     *
     * The positional form (endpointName, endpointConfigName, retainAllVariantProperties, owner) is what
     * workflow code before patch `restore-from-moved-config` schedules: with `owner`, it restores only from a
     * config that owner's run created (its tags); without, from any config.
     */
    async restoreEndpointConfig(
      restore: EndpointRestore | string,
      endpointConfigName?: string,
      retainAllVariantProperties = false,
      owner?: Owner,
    ): Promise<void> {
      const r: EndpointRestore & { legacy?: boolean } =
        typeof restore === 'string' ? { endpointName: restore, to: endpointConfigName!, from: [], retainAllVariantProperties, owner, legacy: true } : restore;
      const { endpointName, to } = r;
      const ep = await describeEndpoint(endpointName);
      if (!ep) return;
      if (ep.status === 'UpdateRollbackFailed') throw rollbackFailed(ep);
      if (ep.status !== 'InService') throw notReady(`endpoint ${endpointName} is ${ep.status}; waiting to restore ${to}`);
      if (ep.configName === to) return;
      const found = ep.configName ?? '(none)';
      const concurrent = (why: string) =>
        ApplicationFailure.nonRetryable(
          `endpoint ${endpointName} is on config ${found}, ${why}: another actor changed it meanwhile, ` +
            `so it is left there instead of being restored to ${to}`,
          FAILURE.ConcurrentChange,
          { endpointName, found, expected: to },
        );
      if (r.legacy) {
        if (r.owner && ep.configName) {
          const { made, tags } = await configMadeByRun(ep.configName, r.owner);
          if (!made) throw concurrent(`which this run did not create (${madeBy(tags)})`);
        }
      } else {
        const from = typeof r.from === 'string' ? [r.from] : r.from;
        if (!ep.configName || !from.includes(ep.configName)) {
          const moved = `this run moved it to ${from.join(' or ')}`;
          if (!r.owner || !ep.configName) throw concurrent(`not the config ${moved}`);
          const { made, tags } = await configMadeByRun(ep.configName, r.owner);
          throw concurrent(
            made ? `which this run created but did not move it to (${moved})` : `which this run did not create, nor move it to (${moved}; ${madeBy(tags)})`,
          );
        }
      }
      await sagemaker.send(
        new UpdateEndpointCommand({
          EndpointName: endpointName,
          EndpointConfigName: to,
          RetainAllVariantProperties: r.retainAllVariantProperties || undefined,
        }),
      );
      throw notReady(`endpoint ${endpointName} is being restored to ${to}`);
    },
  };
}

/** Who made a config, by its ownership tags, for a ConcurrentChange message. */
function madeBy(tags: Tag[]): string {
  const run = tags.find((t) => t.Key === OWNERSHIP_TAGS.run)?.Value;
  return run ? `${OWNERSHIP_TAGS.run} ${run}` : 'no modelship ownership tags';
}

function notReady(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: FAILURE.EndpointNotReady, category: ApplicationFailureCategory.BENIGN });
}

/**
 * A status the endpoint will not leave by itself, so that waiting for it to settle would only run out the
 * deadline: UpdateRollbackFailed always, Failed where the step needs an endpoint that works (a Failed
 * endpoint cannot be updated, but it can be deleted). undefined for any other status.
 */
function cannotSettle(ep: EndpointSummary, o: { failedIsStuck: boolean }): ApplicationFailure | undefined {
  if (ep.status === 'UpdateRollbackFailed') return rollbackFailed(ep);
  if (o.failedIsStuck && ep.status === 'Failed') {
    return ApplicationFailure.nonRetryable(`endpoint ${ep.name} failed: ${ep.failureReason ?? 'no FailureReason given'}`, FAILURE.EndpointFailed, ep);
  }
  return undefined;
}

/**
 * UpdateRollbackFailed does not pass by itself: "Both the rolling deployment and auto-rollback failed. Your
 * endpoint is in service with a mix of the old and new endpoint configurations"
 * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html). Waiting for
 * InService would only run out the deadline, so the wait ends at once and says an operator must look.
 */
function rollbackFailed(ep: EndpointSummary): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `endpoint ${ep.name} is UpdateRollbackFailed: ${ep.failureReason ?? 'no FailureReason given'}. ` +
      'It serves a mix of the old and new configs and will not settle by itself; an operator must look ' +
      '(see https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-rolling.html)',
    FAILURE.EndpointFailed,
    ep,
  );
}

/**
 * OutOfService: "Endpoint is not available to take incoming requests"; AWS documents no cause and no
 * duration (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html). The wait
 * says so while it lasts (the poll's message is the pending activity's last failure, which progress output
 * shows) and fails once it has lasted `boundMs` since the endpoint last changed (LastModifiedTime).
 */
function outOfService(ep: EndpointSummary, boundMs: number): ApplicationFailure {
  const since = ep.lastModifiedTime ? Date.parse(ep.lastModifiedTime) : Date.now();
  const what = `endpoint ${ep.name} is OutOfService (not available to take incoming requests) since ${new Date(since).toISOString()}`;
  if (Date.now() - since < boundMs) return notReady(`${what}; waiting up to ${formatMs(boundMs)} (poll.outOfService) for it to serve again`);
  return ApplicationFailure.nonRetryable(
    `${what}, longer than ${formatMs(boundMs)} (poll.outOfService); it does not serve and AWS gives no reason: an operator must look`,
    FAILURE.EndpointOutOfService,
    ep,
  );
}

function formatMs(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}

/** The config an endpoint is on, or is moving to while an update is in flight. */
function targetConfig(ep: EndpointSummary): string | undefined {
  return ep.pendingConfigName ?? ep.configName;
}

function summarize(out: DescribeEndpointCommandOutput): EndpointSummary {
  return {
    name: out.EndpointName!,
    arn: out.EndpointArn!,
    status: out.EndpointStatus!,
    configName: out.EndpointConfigName,
    pendingConfigName: out.PendingDeploymentSummary?.EndpointConfigName,
    failureReason: out.FailureReason,
    ...(out.LastModifiedTime ? { lastModifiedTime: out.LastModifiedTime.toISOString() } : {}),
    variants: (out.ProductionVariants ?? []).map((v) => ({
      variantName: v.VariantName!,
      currentWeight: v.CurrentWeight,
      desiredWeight: v.DesiredWeight,
      currentInstanceCount: v.CurrentInstanceCount,
      desiredInstanceCount: v.DesiredInstanceCount,
      images: (v.DeployedImages ?? []).map((i) => i.SpecifiedImage!).filter(Boolean),
    })),
  };
}
