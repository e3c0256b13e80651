/** What the delete pipeline reports while it runs (status query) and when it ends (result). */
import type { KeptResource } from '../cleanup';

export const DELETE_STEPS = [
  'validating',
  'reading',
  'removing-scaling',
  'deleting-endpoint',
  'waiting-deleted',
  'deleting-configs',
  'deleting-models',
  'succeeded',
  'failed',
] as const;
export type DeleteStep = (typeof DELETE_STEPS)[number];

export interface DeleteStatus {
  step: DeleteStep;
  endpointName: string;
  /** The config the endpoint served (and the one it was moving to), read before it was deleted. */
  endpointConfigs: string[];
  /** Variants whose scalable targets (and policies) were removed. */
  scalingRemoved: string[];
  deleted: Array<{ kind: 'endpoint' | 'endpoint-config' | 'model'; name: string }>;
  kept: KeptResource[];
  error?: string;
}

export interface DeleteResult {
  endpointName: string;
  /** False when the endpoint was already gone. */
  endpointDeleted: boolean;
  scalingRemoved: string[];
  deletedEndpointConfigs: string[];
  deletedModels: string[];
  kept: KeptResource[];
}
