import type { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { createAutoScalingActivities } from './autoscaling';
import { createCleanupActivities } from './cleanup';
import { createCloudWatchActivities } from './cloudwatch';
import { createNotifyActivities } from './notify';
import { createRegistryActivities } from './registry-activities';
import { createSageMakerActivities } from './sagemaker';
import { SageMakerModelRegistry } from './sagemaker-registry';
import type { ModelRegistry } from './registry';

export interface ActivityClients {
  sagemaker: SageMakerClient;
  autoscaling: ApplicationAutoScalingClient;
  cloudwatch: CloudWatchClient;
  tagging: ResourceGroupsTaggingAPIClient;
  /** @default SageMaker Model Registry through `sagemaker` */
  registry?: ModelRegistry;
}

/** Every activity modelship's workflows call, bound to the given AWS clients: one module per service. */
export function createActivities(clients: ActivityClients) {
  const sagemaker = createSageMakerActivities(clients.sagemaker);
  const endpointVariants = async (name: string) => (await sagemaker.describeEndpoint(name))?.variants.map((v) => v.variantName) ?? null;
  return {
    ...sagemaker,
    ...createAutoScalingActivities(clients.autoscaling, clients.cloudwatch, endpointVariants),
    ...createCloudWatchActivities(clients.cloudwatch),
    ...createCleanupActivities(clients.sagemaker, clients.tagging),
    ...createRegistryActivities(clients.registry ?? new SageMakerModelRegistry(clients.sagemaker)),
    ...createNotifyActivities(),
  };
}

export type Activities = ReturnType<typeof createActivities>;
