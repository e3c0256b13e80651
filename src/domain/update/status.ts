/** What the update pipeline reports while it runs (status query) and when it ends (result). */
import type { VariantScaling } from '../endpoint';
import type { UpdatePlan } from './plan';

export const UPDATE_STEPS = [
  'validating',
  'planning',
  'removing-scaling',
  'raising-capacity',
  'waiting-in-service',
  'creating-endpoint-config',
  'updating-endpoint',
  'waiting-updated',
  'verifying',
  'restoring-scaling',
  'compensating',
  'succeeded',
  'failed',
] as const;
export type UpdateStep = (typeof UPDATE_STEPS)[number];

/** Where the variants' autoscaling is: on as before, removed for the update, or registered again. */
export type ScalingState = 'untouched' | 'removed' | 'restored' | 'restore-failed';

export interface UpdateStatus {
  step: UpdateStep;
  endpointName: string;
  plan?: UpdatePlan;
  /** The targets and policies removed for the update, as they were: what is put back. */
  snapshot?: VariantScaling[];
  scaling: ScalingState;
  /** What this run created (the new endpoint config). */
  created: Array<{ kind: 'endpoint-config'; name: string }>;
  error?: string;
}

export interface UpdateResult {
  endpointName: string;
  /** False when the endpoint already ran what was asked: nothing was changed. */
  changed: boolean;
  endpointConfigName: string;
  previousEndpointConfigName: string;
  changes: string[];
  autoscaling: {
    /** Variants whose targets and policies were removed for the update and registered again. */
    restored: string[];
    notRestored: Array<{ variantName: string; reason: string }>;
  };
}
