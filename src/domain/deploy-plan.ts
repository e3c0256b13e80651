/**
 * The plan of a register → stage → deploy run: what it would register, name, create and move, computed
 * from the registry and the endpoint as they are. Pure: no AWS calls, no Temporal. The names come from
 * the same functions, with the same spec, as the deploy workflow's.
 */
import { change, describeVariant, type PlannedChange, type RegistryVersionFacts } from './change-plan';
import { STAGES, type DeployRequest } from './deploy';
import type { EndpointSummary, VariantSpec } from './endpoint';
import { endpointConfigName, modelName } from './names';

export interface DeployFacts {
  endpoint: EndpointSummary | null;
  /** The model package group (the registered model) exists. */
  groupExists: boolean;
  versions: RegistryVersionFacts[];
  /** Of the model and endpoint config the run would create, the ones that already exist. */
  existing: { model: boolean; config: boolean };
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
  approval: { auto: boolean; timeout: string };
  stage: string;
  /** Versions archived when the new one is staged (they held Staging). `<model>/<version>`. */
  archivedWhenStaged: string[];
  /** Versions archived once the endpoint serves the new one (they held `stage`), as the result reports them. */
  archived: string[];
  changes: PlannedChange[];
  notes: string[];
}

/** The next version number of a model package group. */
export function nextVersion(versions: RegistryVersionFacts[]): number {
  return versions.reduce((max, v) => Math.max(max, v.version), 0) + 1;
}

/** The SageMaker model, variants and endpoint config a deploy of `version` creates (as the workflow builds them). */
export function deployResources(req: DeployRequest, version: number): { sageMakerModelName: string; variants: VariantSpec[]; endpointConfigName: string } {
  const sageMakerModelName = modelName(req.model.name, version);
  const variants: VariantSpec[] = [
    { variantName: req.variantName, modelName: sageMakerModelName, instanceType: req.instanceType, instanceCount: req.instanceCount, weight: 1 },
  ];
  return { sageMakerModelName, variants, endpointConfigName: endpointConfigName(req.endpointName, `v${version}`, variants) };
}

export function planDeploy(req: DeployRequest, facts: DeployFacts): DeployPlan {
  const model = req.model.name;
  const version = nextVersion(facts.versions);
  const { sageMakerModelName, variants, endpointConfigName: configName } = deployResources(req, version);
  const ref = (v: number) => `${model}/${v}`;
  const changes: PlannedChange[] = [];
  const notes: string[] = [`version ${version} is predicted: a registration of ${model} made before this run's would take it`];

  if (!facts.groupExists) changes.push(change('create', 'model package group', model));
  changes.push(change('create', 'model version', ref(version), `image ${req.model.image}, artifacts ${req.model.modelDataUrl}; approval PendingManualApproval`));
  changes.push(change('update', 'model version', ref(version), `stage None → Staging (PendingApproval)`));
  const archivedWhenStaged = req.archiveExisting ? facts.versions.filter((v) => v.stage === STAGES.staging).map((v) => v.version) : [];
  for (const v of archivedWhenStaged) changes.push(change('update', 'model version', ref(v), 'stage Staging → Archived (Superseded)'));
  if (req.autoApprove) changes.push(change('update', 'model version', ref(version), 'approval → Approved (autoApprove)'));
  else {
    changes.push(change('update', 'model version', ref(version), `approval → Approved when approved (waits up to ${req.approvalTimeout})`));
    notes.push(`waits for \`modelship approve ${req.endpointName}\` (up to ${req.approvalTimeout}); a rejection or timeout sets the version Rejected and changes nothing below`);
  }

  changes.push(
    facts.existing.model
      ? change('keep', 'model', sageMakerModelName, 'exists already: reused if its container is the same, otherwise the deploy fails')
      : change('create', 'model', sageMakerModelName, `image ${req.model.image}`)
  );
  changes.push(
    facts.existing.config
      ? change('keep', 'endpoint config', configName, 'exists already with this spec: reused')
      : change('create', 'endpoint config', configName, variants.map(describeVariant).join('; '))
  );
  const ep = facts.endpoint;
  if (ep) {
    changes.push(change('update', 'endpoint', req.endpointName, `from ${ep.configName ?? '(none)'} to ${configName}`));
    if (ep.status !== 'InService') notes.push(`endpoint ${req.endpointName} is ${ep.status}: the run waits for InService before changing it${ep.status === 'Failed' ? ', and fails, since a Failed endpoint never gets there' : ''}`);
  } else {
    changes.push(change('create', 'endpoint', req.endpointName, `on ${configName}`));
  }

  changes.push(change('update', 'model version', ref(version), `stage Staging → ${req.stage} (Deployed), once the endpoint serves it`));
  const archived = req.archiveExisting
    ? facts.versions.filter((v) => v.stage === req.stage && !archivedWhenStaged.includes(v.version)).map((v) => v.version)
    : [];
  for (const v of archived) changes.push(change('update', 'model version', ref(v), `stage ${req.stage} → Archived (Superseded)`));
  notes.push(`if the endpoint does not end up serving ${configName}, the run deletes what it created, leaves the endpoint on its previous config and records DeploymentFailed on version ${version}`);

  return {
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
    approval: { auto: req.autoApprove, timeout: req.approvalTimeout },
    stage: req.stage,
    archivedWhenStaged: archivedWhenStaged.map(ref),
    archived: archived.map(ref),
    changes,
    notes,
  };
}
