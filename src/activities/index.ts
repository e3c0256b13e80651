import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { createRegistryActivities } from './registry-activities';
import { createSageMakerActivities } from './sagemaker';
import { SageMakerModelRegistry } from './sagemaker-registry';
import type { ModelRegistry } from './registry';

export interface ActivityClients {
  sagemaker: SageMakerClient;
  /** @default SageMaker Model Registry through `sagemaker` */
  registry?: ModelRegistry;
}

/** Every activity modelship's workflows call, bound to the given AWS clients. */
export function createActivities(clients: ActivityClients) {
  return {
    ...createSageMakerActivities(clients.sagemaker),
    ...createRegistryActivities(clients.registry ?? new SageMakerModelRegistry(clients.sagemaker)),
  };
}

export type Activities = ReturnType<typeof createActivities>;
