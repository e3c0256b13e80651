/** Shared test helpers: an emulator per test with tiny timings, SDK clients pointed at it, polling. */
import {
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  SageMakerClient,
  type DescribeEndpointCommandOutput,
  type ProductionVariant,
} from '@aws-sdk/client-sagemaker';
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator';

export const TEST_TIMINGS = { endpointCreateMs: 50, endpointUpdateMs: 50, endpointDeleteMs: 30, weightsUpdateMs: 30 };

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface TestEnv {
  emu: Emulator;
  sm: SageMakerClient;
  aas: ApplicationAutoScalingClient;
  close(): Promise<void>;
}

/** Starts an emulator with test timings (overridable) and clients with maxAttempts 1 unless given. */
export async function startTestEnv(options: EmulatorOptions = {}, clientOptions: { maxAttempts?: number } = {}): Promise<TestEnv> {
  const emu = await startEmulator({ ...options, timings: { ...TEST_TIMINGS, ...options.timings } });
  const common = { endpoint: emu.url, region: 'us-east-1', credentials, maxAttempts: clientOptions.maxAttempts ?? 1 };
  const sm = new SageMakerClient(common);
  const aas = new ApplicationAutoScalingClient(common);
  return {
    emu,
    sm,
    aas,
    close: async () => {
      sm.destroy();
      aas.destroy();
      await emu.close();
    },
  };
}

export function sageMakerClient(url: string, maxAttempts = 1): SageMakerClient {
  return new SageMakerClient({ endpoint: url, region: 'us-east-1', credentials, maxAttempts });
}

/** Polls DescribeEndpoint until the status matches (or throws after timeoutMs). */
export async function waitForStatus(
  sm: SageMakerClient,
  endpointName: string,
  status: string,
  timeoutMs = 10_000,
): Promise<DescribeEndpointCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  let last: string | undefined;
  for (;;) {
    const out = await sm.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
    last = out.EndpointStatus;
    if (last === status) return out;
    if (Date.now() > deadline) throw new Error(`endpoint ${endpointName} still ${last}, wanted ${status}`);
    await sleep(20);
  }
}

/** Polls until DescribeEndpoint says the endpoint is gone. */
export async function waitForGone(sm: SageMakerClient, endpointName: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await sm.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
    } catch (e) {
      if ((e as Error).name === 'ValidationException') return;
      throw e;
    }
    if (Date.now() > deadline) throw new Error(`endpoint ${endpointName} still exists`);
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `fn`, expecting it to reject; returns the error for assertions. */
export async function rejection(fn: () => Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number; attempts?: number }; $fault?: string }> {
  try {
    await fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to fail');
}

export const ARN_PREFIX = 'arn:aws:sagemaker:us-east-1:123456789012';

export const ROLE = 'arn:aws:iam::123456789012:role/SageMakerRole';

/** Creates a model serving `image`. */
export async function createModel(sm: SageMakerClient, name: string, image = `123456789012.dkr.ecr.us-east-1.amazonaws.com/${name}:1`): Promise<void> {
  await sm.send(new CreateModelCommand({ ModelName: name, ExecutionRoleArn: ROLE, PrimaryContainer: { Image: image } }));
}

/** Creates an endpoint config; each variant defaults to ml.m5.large x1, weight 1. */
export async function createConfig(
  sm: SageMakerClient,
  name: string,
  variants: (Partial<ProductionVariant> & { VariantName: string; ModelName: string })[],
): Promise<void> {
  await sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: variants.map((v) => ({ InstanceType: 'ml.m5.large', InitialInstanceCount: 1, ...v })),
    }),
  );
}
