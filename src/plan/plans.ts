/**
 * Plan mode: what a pipeline would change, made from what AWS holds now, without changing anything. Each
 * function validates the input with the pipeline's own schema, reads the state (read-state.ts) and hands
 * it to the pure plan of src/domain (the same functions and names the workflows use).
 */
import type { AwsClients } from '../aws';
import { canaryInputSchema, canaryModelRef, canaryModelRefIssues, withResolvedModelRef } from '../domain/canary/input';
import { planCanary, type CanaryPlan } from '../domain/canary/plan';
import type { PlannedChange, Planned, PlanRefusal } from '../domain/change-plan';
import { deleteInputSchema } from '../domain/delete/input';
import { planDelete, type DeletePlan } from '../domain/delete/plan';
import { deployInputSchema } from '../domain/deploy/input';
import { planDeploy, type DeployPlan } from '../domain/deploy/plan';
import { modelFields, planUpdate, updatePlanChanges, updateRefusal, type UpdatePlan } from '../domain/update/plan';
import { updateInputSchema } from '../domain/update/input';
import { FAILURE } from '../domain/failures';
import { describeIssues, validate, type InputIssue } from '../domain/validation';
import { createStateReader, readCanaryFacts, readDeleteFacts, readDeployFacts, type StateReader } from './read-state';

export const PLAN_KINDS = ['deploy', 'canary', 'update', 'delete'] as const;
export type PlanKind = (typeof PLAN_KINDS)[number];

/** planUpdate's plan; its one-line-per-variant `changes` are `variantChanges` here. */
export type UpdatePipelinePlan = Omit<UpdatePlan, 'changes'> & { kind: 'update'; changes: PlannedChange[]; variantChanges: string[]; notes: string[] };
export type PipelinePlan = DeployPlan | CanaryPlan | UpdatePipelinePlan | DeletePlan;

function invalid(kind: string, issues: InputIssue[]): { ok: false; refusal: PlanRefusal } {
  return { ok: false, refusal: { type: FAILURE.InvalidInput, reason: `invalid ${kind} input: ${describeIssues(issues)}`, issues } };
}

export async function planDeployRun(input: unknown, reader: StateReader): Promise<Planned<DeployPlan>> {
  const checked = validate(deployInputSchema, input);
  if (!checked.ok) return invalid('deploy', checked.issues);
  return planDeploy(checked.value, await readDeployFacts(reader, checked.value));
}

/** A `model: { ref }` is resolved first, as the rollout resolves it; the plan names the version it resolves to now. */
export async function planCanaryRun(input: unknown, reader: StateReader): Promise<Planned<CanaryPlan>> {
  let named = input;
  let modelRef: CanaryPlan['modelRef'];
  const ref = input && typeof input === 'object' ? canaryModelRef(input) : undefined;
  if (ref !== undefined) {
    const issues = canaryModelRefIssues((input as { model: unknown }).model);
    if (issues) return invalid('canary', issues);
    try {
      ({ named, modelRef } = withResolvedModelRef(input as object, ref, await reader.activities.resolveModelRef(ref)));
    } catch (err) {
      return {
        ok: false,
        refusal: { type: FAILURE.ModelRefUnresolved, reason: `model.ref ${ref} did not resolve: ${err instanceof Error ? err.message : String(err)}` },
      };
    }
  }
  const checked = validate(canaryInputSchema, named);
  if (!checked.ok) return invalid('canary', checked.issues);
  const planned = planCanary(checked.value, await readCanaryFacts(reader, checked.value));
  if (!planned.ok || !modelRef) return planned;
  const notes = modelRef.moving
    ? [`${modelRef.ref} names ${modelRef.pinned} now; it is a moving reference, resolved again when the rollout starts`, ...planned.plan.notes]
    : planned.plan.notes;
  return { ok: true, plan: { ...planned.plan, modelRef, notes } };
}

/** The update pipeline's own planning step (planUpdate on the same reads), and its model check. */
export async function planUpdateRun(input: unknown, reader: StateReader): Promise<Planned<UpdatePipelinePlan>> {
  const checked = validate(updateInputSchema, input);
  if (!checked.ok) return invalid('update', checked.issues);
  const req = checked.value;
  const name = req.endpointName;
  const aws = reader.activities;
  const endpoint = await aws.describeEndpoint(name);
  const noEndpoint = updateRefusal(name, endpoint);
  if (noEndpoint || !endpoint) return { ok: false, refusal: noEndpoint! };
  if (endpoint.status === 'Failed')
    return { ok: false, refusal: { type: FAILURE.EndpointFailed, reason: `endpoint ${name} failed: ${endpoint.failureReason ?? 'no FailureReason given'}` } };
  const config = endpoint.configName ? await aws.describeEndpointConfig(endpoint.configName) : null;
  const configGone = updateRefusal(name, endpoint, config);
  if (configGone || !config) return { ok: false, refusal: configGone! };
  const scaling = await aws.describeVariantScaling(
    name,
    config.variants.map((v) => v.variantName),
  );
  const planned = planUpdate(req, { endpoint, config, scaling });
  if (!planned.ok) return planned;
  const plan = planned.plan;
  const notes: string[] = [];
  if (!plan.unchanged) {
    const missing = await aws.missingModels(plan.newModels);
    if (missing.length) return invalid('update', modelFields(req, missing));
  } else notes.push(`endpoint ${name} already runs what was asked: the update succeeds without changing anything`);
  if (endpoint.status !== 'InService')
    notes.push(`endpoint ${name} is ${endpoint.status}: the update waits for InService first, and plans again from what it then runs`);
  for (const r of plan.autoscalingRule.reasons) notes.push(`autoscaling rule applies: ${r}; its scaling is removed for the update`);
  for (const n of plan.notRestored) notes.push(`${n.variantName}: ${n.reason}`);
  if (plan.restore.length) notes.push('if the update fails, the endpoint goes back to its config and the removed scaling is registered again');
  const { changes: variantChanges, ...rest } = plan;
  return { ok: true, plan: { kind: 'update', ...rest, variantChanges, changes: updatePlanChanges(plan), notes } };
}

export async function planDeleteRun(input: unknown, reader: StateReader): Promise<Planned<DeletePlan>> {
  const checked = validate(deleteInputSchema, input);
  if (!checked.ok) return invalid('delete', checked.issues);
  return planDelete(checked.value, await readDeleteFacts(reader, checked.value));
}

/** The plan of one pipeline run: what it would change in AWS and the registry, or why it would refuse. */
export async function makePlan(kind: PlanKind, input: unknown, clients: AwsClients): Promise<Planned<PipelinePlan>> {
  const reader = createStateReader(clients);
  switch (kind) {
    case 'deploy':
      return planDeployRun(input, reader);
    case 'canary':
      return planCanaryRun(input, reader);
    case 'update':
      return planUpdateRun(input, reader);
    case 'delete':
      return planDeleteRun(input, reader);
  }
}
