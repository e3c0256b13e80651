import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

/** CloudWatch activities: per-variant metrics and alarms for the canary gate. (Being written: issue 4.) */
export function createCloudWatchActivities(_cloudwatch: CloudWatchClient) {
  return {};
}
