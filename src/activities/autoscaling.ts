import type { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';

/** Application Auto Scaling activities for SageMaker variants. (Being written: issue 5.) */
export function createAutoScalingActivities(_autoscaling: ApplicationAutoScalingClient) {
  return {};
}
