/**
 * Reads what a plan is made from: the endpoint, its configs, scaling targets and policies, and the
 * registry, through the same activities the pipelines use (plain async functions here, outside Temporal)
 * and the real AWS SDK. Reads only: nothing here creates, updates or deletes anything.
 */
import { DescribeModelPackageGroupCommand } from '@aws-sdk/client-sagemaker';
import { createActivities, type Activities } from '../activities';
import { isRegistryNotFound } from '../activities/aws-errors';
import type { ModelRegistry, ModelVersion } from '../activities/registry';
import { SageMakerModelRegistry } from '../activities/sagemaker-registry';
import type { AwsClients } from '../aws';
import type { CanaryRequest } from '../domain/canary/input';
import { canaryCleanupRequest, planCanaryLayout, type CanaryFacts } from '../domain/canary/plan';
import type { RegistryVersionFacts } from '../domain/change-plan';
import type { DeleteFacts } from '../domain/delete/plan';
import type { DeleteRequest } from '../domain/delete/input';
import type { DeployRequest } from '../domain/deploy/input';
import { deployCleanupRequest, deployResources, nextVersion, type DeployFacts } from '../domain/deploy/plan';
import { modelName } from '../domain/names';

export interface StateReader {
  clients: AwsClients;
  activities: Activities;
  registry: Pick<ModelRegistry, 'getVersion' | 'listVersions'>;
}

export function createStateReader(clients: AwsClients, registry?: Pick<ModelRegistry, 'getVersion' | 'listVersions'>): StateReader {
  return { clients, activities: createActivities(clients), registry: registry ?? new SageMakerModelRegistry(clients.sagemaker) };
}

const versionFacts = (v: ModelVersion): RegistryVersionFacts => ({ version: v.version, stage: v.stage, approval: v.approval });

async function groupExists(r: StateReader, group: string): Promise<boolean> {
  try {
    await r.clients.sagemaker.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: group }));
    return true;
  } catch (err) {
    if (isRegistryNotFound(err)) return false;
    throw err;
  }
}

async function versionsOf(r: StateReader, group: string): Promise<RegistryVersionFacts[]> {
  return (await groupExists(r, group)) ? (await r.registry.listVersions(group)).map(versionFacts) : [];
}

export async function readDeployFacts(r: StateReader, req: DeployRequest): Promise<DeployFacts> {
  const exists = await groupExists(r, req.model.name);
  const versions = exists ? (await r.registry.listVersions(req.model.name)).map(versionFacts) : [];
  const endpoint = await r.activities.describeEndpoint(req.endpointName);
  const previousConfig = endpoint?.configName ? await r.activities.describeEndpointConfig(endpoint.configName) : null;
  const names = deployResources(req, nextVersion(versions), previousConfig, endpoint);
  return {
    endpoint,
    previousConfig,
    // The deploy's own read for `archive: false` (by tags), never a listing of the account.
    cleanup:
      req.archive === false && endpoint?.configName && req.mode !== 'add'
        ? await r.activities.readCleanupFacts(deployCleanupRequest(req.endpointName, endpoint.configName, names.endpointConfigName, names.sageMakerModelName))
        : null,
    groupExists: exists,
    scaling: previousConfig
      ? await r.activities.describeVariantScaling(
          req.endpointName,
          previousConfig.variants.map((v) => v.variantName),
        )
      : [],
    versions,
    existing: {
      model: (await r.activities.missingModels([names.sageMakerModelName])).length === 0,
      config: (await r.activities.describeEndpointConfig(names.endpointConfigName)) !== null,
    },
  };
}

export async function readCanaryFacts(r: StateReader, req: CanaryRequest): Promise<CanaryFacts> {
  let version: RegistryVersionFacts | null = null;
  try {
    version = versionFacts(await r.registry.getVersion(req.model.name, req.model.version));
  } catch (err) {
    if (!isRegistryNotFound(err)) throw err;
  }
  const endpoint = await r.activities.describeEndpoint(req.endpointName);
  const config = endpoint?.configName ? await r.activities.describeEndpointConfig(endpoint.configName) : null;
  const layout = planCanaryLayout(req, { version, endpoint, config });
  return {
    version,
    endpoint,
    config,
    // The rollout's own cleanup read (by tags) of the original config and the baseline model, never a
    // listing of the account. The ramp config does not exist yet: planCanary adds it as it will be made.
    cleanup:
      layout.ok && !req.keepSuperseded
        ? await r.activities.readCleanupFacts(canaryCleanupRequest(req.endpointName, layout.plan, layout.plan.finalEndpointConfigName))
        : null,
    versions: version ? await versionsOf(r, req.model.name) : [],
    modelExists: (await r.activities.missingModels([modelName(req.model.name, req.model.version)])).length === 0,
    baselineScaling:
      config?.variants.length === 1 ? ((await r.activities.describeVariantScaling(req.endpointName, [config.variants[0].variantName]))[0] ?? null) : null,
  };
}

export async function readDeleteFacts(r: StateReader, req: DeleteRequest): Promise<DeleteFacts> {
  const name = req.endpointName;
  const endpoint = await r.activities.describeEndpoint(name);
  const served = [...new Set([endpoint?.configName, endpoint?.pendingConfigName].filter((c): c is string => !!c))];
  return {
    endpoint,
    // As the pipeline reads it: the endpoint's own variants, by resource id, never every target of the account.
    scaling: await r.activities.describeVariantScaling(name, endpoint?.variants.map((v) => v.variantName) ?? []),
    // The pipeline's own read (by ownership tags), never a listing of the account.
    cleanup: req.deleteConfigsAndModels ? await r.activities.readCleanupFacts({ endpointName: name, scope: { kind: 'owned', configs: served } }) : null,
  };
}
