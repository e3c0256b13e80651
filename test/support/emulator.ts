/**
 * The local AWS emulator on its own, for the emulator tests: one emulator per test (or per suite) with tiny
 * timings, the real SDK clients pointed at it, endpoint set-up and polling.
 */
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  SageMakerClient,
  type DescribeEndpointCommandOutput,
  type ProductionVariant,
} from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator';
import { image, REGION, ROLE, TEST_CREDENTIALS } from './fixtures';

/** The timings `startTestEnv` starts with (each overridable). */
export const TEST_TIMINGS = { endpointCreateMs: 50, endpointUpdateMs: 50, endpointDeleteMs: 30, weightsUpdateMs: 30 };

/** The timings of the traffic, metrics and alarm tests (`startTestBed`). */
export const FAST_TIMINGS = { endpointCreateMs: 30, endpointUpdateMs: 30, endpointDeleteMs: 30, weightsUpdateMs: 30 };

export interface TestEnv {
  emu: Emulator;
  sm: SageMakerClient;
  aas: ApplicationAutoScalingClient;
  cw: CloudWatchClient;
  runtime: SageMakerRuntimeClient;
  close(): Promise<void>;
}

export interface TestClientOptions {
  /** Attempts per call, the SDK's retries included. @default 1: a test sees every error the emulator returns */
  maxAttempts?: number;
}

function clientConfig(url: string, maxAttempts = 1) {
  return { endpoint: url, region: REGION, credentials: TEST_CREDENTIALS, maxAttempts };
}

/** Starts an emulator with test timings (overridable) and clients with maxAttempts 1 unless given. */
export async function startTestEnv(options: EmulatorOptions = {}, clientOptions: TestClientOptions = {}): Promise<TestEnv> {
  const emu = await startEmulator({ ...options, timings: { ...TEST_TIMINGS, ...options.timings } });
  const common = clientConfig(emu.url, clientOptions.maxAttempts);
  const sm = new SageMakerClient(common);
  const aas = new ApplicationAutoScalingClient(common);
  const cw = new CloudWatchClient(common);
  const runtime = new SageMakerRuntimeClient(common);
  return {
    emu,
    sm,
    aas,
    cw,
    runtime,
    close: async () => {
      sm.destroy();
      aas.destroy();
      cw.destroy();
      runtime.destroy();
      await emu.close();
    },
  };
}

/** `startTestEnv` on FAST_TIMINGS, for a suite sharing one emulator (`before`/`after`). `options.timings` replaces them whole. */
export function startTestBed(options: EmulatorOptions = {}): Promise<TestEnv> {
  return startTestEnv({ timings: FAST_TIMINGS, ...options });
}

/**
 * Runs `fn` against a fresh emulator (`startTestEnv`) and closes it, clients included, however `fn` ends.
 *
 *     await withEmulator({ faults: [...] }, async (env) => { ... });
 */
export async function withEmulator<T>(fn: (env: TestEnv) => Promise<T>): Promise<T>;
export async function withEmulator<T>(options: EmulatorOptions, fn: (env: TestEnv) => Promise<T>): Promise<T>;
export async function withEmulator<T>(options: EmulatorOptions, clientOptions: TestClientOptions, fn: (env: TestEnv) => Promise<T>): Promise<T>;
export async function withEmulator<T>(...args: unknown[]): Promise<T> {
  const fn = args.pop() as (env: TestEnv) => Promise<T>;
  const [options, clientOptions] = args as [EmulatorOptions?, TestClientOptions?];
  const env = await startTestEnv(options, clientOptions);
  try {
    return await fn(env);
  } finally {
    await env.close();
  }
}

export function sageMakerClient(url: string, maxAttempts = 1): SageMakerClient {
  return new SageMakerClient(clientConfig(url, maxAttempts));
}

/** Polls DescribeEndpoint until the status matches (or throws after timeoutMs). */
export async function waitForStatus(sm: SageMakerClient, endpointName: string, status: string, timeoutMs = 10_000): Promise<DescribeEndpointCommandOutput> {
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

/** Creates a model serving `image`. */
export async function createModel(sm: SageMakerClient, name: string, img = image(name, '1')): Promise<void> {
  await sm.send(new CreateModelCommand({ ModelName: name, ExecutionRoleArn: ROLE, PrimaryContainer: { Image: img } }));
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

export interface VariantSpec {
  variantName: string;
  /** Container image; the emulator looks model behaviours up by it. */
  image: string;
  weight: number;
  instances?: number;
}

/** Creates a model per variant (`<endpoint>-<variant>`), a config `<endpoint>-config` and the endpoint, without waiting. */
export async function createEndpoint(env: TestEnv, endpointName: string, variants: VariantSpec[]): Promise<void> {
  for (const v of variants) {
    await env.sm.send(new CreateModelCommand({ ModelName: `${endpointName}-${v.variantName}`, ExecutionRoleArn: ROLE, PrimaryContainer: { Image: v.image } }));
  }
  await createConfig(
    env.sm,
    `${endpointName}-config`,
    variants.map((v) => ({
      VariantName: v.variantName,
      ModelName: `${endpointName}-${v.variantName}`,
      InitialInstanceCount: v.instances ?? 1,
      InitialVariantWeight: v.weight,
    })),
  );
  await env.sm.send(new CreateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: `${endpointName}-config` }));
}

/** Creates an endpoint and waits until it is InService. */
export async function deployEndpoint(env: TestEnv, endpointName: string, variants: VariantSpec[]): Promise<void> {
  await createEndpoint(env, endpointName, variants);
  await waitForStatus(env.sm, endpointName, 'InService', 5000);
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
