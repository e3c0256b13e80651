/** Emulator, real SDK clients and endpoint set-up shared by the CloudWatch, runtime and traffic tests. */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator';

const clientConfig = (url: string) => ({
  endpoint: url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
});

export interface TestBed {
  emu: Emulator;
  sagemaker: SageMakerClient;
  runtime: SageMakerRuntimeClient;
  cloudwatch: CloudWatchClient;
  close(): Promise<void>;
}

export const FAST_TIMINGS = { endpointCreateMs: 30, endpointUpdateMs: 30, endpointDeleteMs: 30, weightsUpdateMs: 30 };

export async function startTestBed(options: EmulatorOptions = {}): Promise<TestBed> {
  const emu = await startEmulator({ timings: FAST_TIMINGS, ...options });
  const sagemaker = new SageMakerClient(clientConfig(emu.url));
  const runtime = new SageMakerRuntimeClient(clientConfig(emu.url));
  const cloudwatch = new CloudWatchClient(clientConfig(emu.url));
  return {
    emu,
    sagemaker,
    runtime,
    cloudwatch,
    async close() {
      sagemaker.destroy();
      runtime.destroy();
      cloudwatch.destroy();
      await emu.close();
    },
  };
}

export interface VariantSpec {
  variantName: string;
  /** Container image; the emulator looks model behaviours up by it. */
  image: string;
  weight: number;
  instances?: number;
}

/** Creates models, a config and an endpoint through the SageMaker SDK, without waiting. */
export async function createEndpoint(bed: TestBed, endpointName: string, variants: VariantSpec[]): Promise<void> {
  for (const v of variants) {
    await bed.sagemaker.send(
      new CreateModelCommand({
        ModelName: `${endpointName}-${v.variantName}`,
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/sagemaker-execution',
        PrimaryContainer: { Image: v.image },
      }),
    );
  }
  await bed.sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${endpointName}-config`,
      ProductionVariants: variants.map((v) => ({
        VariantName: v.variantName,
        ModelName: `${endpointName}-${v.variantName}`,
        InstanceType: 'ml.m5.large',
        InitialInstanceCount: v.instances ?? 1,
        InitialVariantWeight: v.weight,
      })),
    }),
  );
  await bed.sagemaker.send(new CreateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: `${endpointName}-config` }));
}

/** Polls DescribeEndpoint until the endpoint has `status`. */
export async function waitForStatus(bed: TestBed, endpointName: string, status: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await bed.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
    if (d.EndpointStatus === status) return;
    if (Date.now() > deadline) throw new Error(`${endpointName} is ${d.EndpointStatus}, expected ${status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Creates an endpoint and waits until it is InService. */
export async function deployEndpoint(bed: TestBed, endpointName: string, variants: VariantSpec[]): Promise<void> {
  await createEndpoint(bed, endpointName, variants);
  await waitForStatus(bed, endpointName, 'InService');
}

/** The two dimensions SageMaker publishes invocation metrics with. */
export function variantDimensions(endpointName: string, variantName: string) {
  return [
    { Name: 'EndpointName', Value: endpointName },
    { Name: 'VariantName', Value: variantName },
  ];
}

/** Runs `count` calls of `fn`, at most `concurrency` at a time. */
export async function inBatches<T>(count: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; start < count; start += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, count - start) }, (_, j) => fn(start + j));
    out.push(...(await Promise.all(batch)));
  }
  return out;
}
