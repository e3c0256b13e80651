import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SageMakerClient, type SageMakerClientConfig } from '@aws-sdk/client-sagemaker';

/**
 * How modelship reaches AWS. Everything not given here comes from the AWS SDK's standard sources:
 * region from AWS_REGION / the profile, credentials from the default provider chain (environment,
 * profiles, SSO, web identity, instance/container roles), and endpoint overrides from AWS_ENDPOINT_URL
 * and AWS_ENDPOINT_URL_<SERVICE>. Pointing `endpoint` at the local emulator is the only difference
 * between a test run and production.
 */
export interface AwsConfig {
  region?: string;
  /** One endpoint URL for every AWS service modelship calls (the local emulator serves them all). */
  endpoint?: string;
  /** Attempts per AWS call, including the SDK's own retries. @default the SDK's (3) */
  maxAttempts?: number;
  /** @default the SDK's default provider chain */
  credentials?: SageMakerClientConfig['credentials'];
}

export interface AwsClients {
  sagemaker: SageMakerClient;
  autoscaling: ApplicationAutoScalingClient;
  cloudwatch: CloudWatchClient;
}

export function createAwsClients(config: AwsConfig = {}): AwsClients {
  const common = {
    region: config.region,
    endpoint: config.endpoint,
    maxAttempts: config.maxAttempts,
    credentials: config.credentials,
  };
  return {
    sagemaker: new SageMakerClient(common),
    autoscaling: new ApplicationAutoScalingClient(common),
    cloudwatch: new CloudWatchClient(common),
  };
}

export function destroyAwsClients(clients: AwsClients): void {
  for (const client of Object.values(clients)) client.destroy();
}
