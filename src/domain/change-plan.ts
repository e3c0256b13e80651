/**
 * What a plan (`modelship plan …`, or `--plan` on a pipeline command) reports: each change a pipeline would
 * make in SageMaker, Application Auto Scaling and the model registry, in the order the pipeline makes it.
 * Pure data, shared by the four pipelines' plans.
 */
import type { FailureType } from './failures';
import type { InputIssue } from './validation';

export type ChangeAction = 'create' | 'update' | 'delete' | 'keep';

export type PlannedResource =
  | 'model package group'
  | 'model version'
  | 'model'
  | 'endpoint config'
  | 'endpoint'
  | 'endpoint weights'
  | 'endpoint capacity'
  | 'scalable target'
  | 'scaling policy';

export interface PlannedChange {
  action: ChangeAction;
  resource: PlannedResource;
  name: string;
  /** What changes, for people: from/to, sizes, why something is kept. */
  detail?: string;
}

/** A plan the pipeline would not carry out: it would refuse (or fail) before changing anything. */
export interface PlanRefusal {
  /** The failure type the workflow would end with (InvalidInput, VersionNotApproved, AlreadyServing, …). */
  type: FailureType;
  reason: string;
  issues?: InputIssue[];
}

export type Planned<T> = { ok: true; plan: T } | { ok: false; refusal: PlanRefusal };

/** A registry version as a plan needs it. */
export interface RegistryVersionFacts {
  version: number;
  stage: string;
  approval: string;
}

export const change = (action: ChangeAction, resource: PlannedResource, name: string, detail?: string): PlannedChange =>
  detail === undefined ? { action, resource, name } : { action, resource, name, detail };

/** `2 × ml.m5.large`-style description of a variant, for change details. */
export function describeVariant(v: { variantName: string; modelName: string; instanceType: string; instanceCount: number; weight: number }): string {
  return `${v.variantName}: ${v.modelName} on ${v.instanceCount} × ${v.instanceType}, weight ${v.weight}`;
}
