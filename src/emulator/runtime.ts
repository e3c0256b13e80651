// SageMaker Runtime InvokeEndpoint (restJson1, `POST /endpoints/{EndpointName}/invocations`).
//
// A request is routed to one variant of the serving fleet, answered from that variant's model
// behaviour, and recorded in the metric store exactly as SageMaker publishes it. The HTTP handler
// and the in-process traffic generator share `invokeEndpoint`, so their metrics are identical.

import { DEFAULT_CAPACITY_WINDOW_MS, DEFAULT_OVERLOAD_LATENCY_MS, loadTrackerOf, type CapacitySettings } from './capacity';
import { AwsError } from './errors';
import { metricsStoreOf, type MetricsStoreOptions } from './metrics';
import type { RuntimeHandler, RuntimeResponse } from './service';
import { behaviourFor, EndpointStatus, type EmulatorState, type EndpointRecord, type EndpointVariantRecord, type ModelBehaviour } from './state';

/** What invoking needs from the emulator; a RequestContext satisfies it. */
export interface InvocationEnv {
  state: EmulatorState;
  /** Epoch milliseconds. */
  now(): number;
  region: string;
  accountId: string;
  /** The capacity model's settings (a RequestContext's settings). Default: the documented defaults. */
  settings?: CapacitySettings;
}

const DEFAULT_CAPACITY_SETTINGS: CapacitySettings = {
  instanceCapacityRps: {},
  capacityWindowMs: DEFAULT_CAPACITY_WINDOW_MS,
  overloadLatencyMs: DEFAULT_OVERLOAD_LATENCY_MS,
};

export interface InvocationInput {
  endpointName: string;
  body: Buffer | Uint8Array | string;
  /** `X-Amzn-SageMaker-Target-Variant`: overrides the weighted random choice. */
  targetVariant?: string;
}

export interface RuntimeOptions {
  /** Randomness for routing, error draws and latency jitter. Default `Math.random`. */
  random?: () => number;
  /** Options of the metric store, used if this is the first user of the state's store. */
  metrics?: MetricsStoreOptions;
  /**
   * SageMaker's own overhead per request (OverheadLatency), microseconds; a uniform jitter of up to
   * half of it is added. Default 2000.
   */
  overheadLatencyUs?: number;
  /**
   * Whether an invocation really waits its model latency before answering. Default true for HTTP
   * callers; the traffic generator passes false (nobody waits on its answers, metrics are the same).
   */
  wait?: boolean;
}

export const DEFAULT_OVERHEAD_LATENCY_US = 2000;

// Statuses whose serving fleet answers requests. While Updating (UpdateEndpoint or new weights)
// the fleet that currently takes traffic keeps serving it.
const SERVING: ReadonlySet<string> = new Set<string>([
  EndpointStatus.InService,
  EndpointStatus.Updating,
  EndpointStatus.SystemUpdating,
  EndpointStatus.RollingBack,
  EndpointStatus.UpdateRollbackFailed,
]);

const MODEL_ERROR_TYPE = 'ModelError:http://internal.amazon.com/coral/com.amazon.sagemaker/';

/** `ValidationError` 400, as real SageMaker Runtime answers for an unknown endpoint. */
export function endpointNotFound(name: string, accountId: string): AwsError {
  return new AwsError('ValidationError', `Endpoint ${name} of account ${accountId} not found.`);
}

function chooseVariant(endpoint: EndpointRecord, random: () => number): EndpointVariantRecord | undefined {
  // Weights are relative: a variant's share is weight / sum of weights; weight 0 takes no traffic.
  const candidates = endpoint.variants.filter((v) => v.currentWeight > 0);
  const total = candidates.reduce((s, v) => s + v.currentWeight, 0);
  if (total <= 0) return undefined;
  let point = random() * total;
  for (const v of candidates) {
    point -= v.currentWeight;
    if (point < 0) return v;
  }
  return candidates[candidates.length - 1];
}

/** One prediction per input row, so callers see the batch shape they sent. */
function predictionsFor(body: Buffer): number[] {
  let rows = 1;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown> | unknown[];
    if (Array.isArray(parsed)) rows = parsed.length;
    else if (parsed && typeof parsed === 'object') {
      const split = parsed['dataframe_split'] as { data?: unknown } | undefined;
      const candidate = split?.data ?? parsed['dataframe_records'] ?? parsed['instances'] ?? parsed['inputs'];
      if (Array.isArray(candidate)) rows = candidate.length;
    }
  } catch {
    // Not JSON (CSV, bytes): count lines of text.
    rows = Math.max(
      1,
      body
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim() !== '').length,
    );
  }
  // Deterministic per row index, like a classifier that always answers the same way.
  return Array.from({ length: rows }, (_, i) => i % 3);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Serves one InvokeEndpoint request. Resolves with the HTTP response, or rejects with an AwsError:
 * `ValidationError` (unknown or not yet serving endpoint, unknown target variant) or `ModelError`
 * (424, the model answered 4xx/5xx; recorded in Invocation4XX/5XXErrors).
 */
export async function invokeEndpoint(env: InvocationEnv, input: InvocationInput, options: RuntimeOptions = {}): Promise<RuntimeResponse> {
  const random = options.random ?? Math.random;
  const arrivedAt = env.now();
  const endpoint = env.state.endpoints.get(input.endpointName);
  // Creating, Deleting, Failed and OutOfService endpoints have no fleet that takes traffic; real
  // SageMaker answers them like a missing endpoint (behaviour while Creating is UNCONFIRMED).
  if (!endpoint || !SERVING.has(endpoint.status) || endpoint.variants.length === 0) {
    throw endpointNotFound(input.endpointName, env.accountId);
  }
  let variant: EndpointVariantRecord | undefined;
  if (input.targetVariant !== undefined && input.targetVariant !== '') {
    // TargetVariant overrides the weights, a weight-0 variant included.
    variant = endpoint.variants.find((v) => v.variantName === input.targetVariant);
    if (!variant) {
      throw new AwsError('ValidationError', `Target variant ${input.targetVariant} not found for endpoint ${input.endpointName} of account ${env.accountId}.`);
    }
  } else {
    variant = chooseVariant(endpoint, random);
    if (!variant) {
      throw new AwsError('ValidationError', `Endpoint ${input.endpointName} has no variant with a positive weight.`);
    }
  }

  const behaviour: ModelBehaviour = behaviourFor(env.state, variant.image, variant.modelName);
  let latencyMs = Math.max(0, (behaviour.latencyMs ?? 0) + random() * (behaviour.latencyJitterMs ?? 0));
  // A model that is unhealthy after deployment answers every request with a 5xx.
  const serverErrorRate = behaviour.healthy === false ? 1 : (behaviour.errorRate ?? 0);
  const draw = random();
  let modelStatus = draw < serverErrorRate ? 500 : draw < serverErrorRate + (behaviour.clientErrorRate ?? 0) ? 400 : 200;
  // Instance-backed variants serve a bounded rate (capacity.ts): above it requests queue (ModelLatency
  // rises) and the excess is answered with a 5xx. Serverless variants scale by concurrency instead.
  let shed = false;
  if (!variant.serverlessConfig) {
    const tracker = loadTrackerOf(env.state);
    const load = tracker.arrive(
      endpoint.name,
      variant.variantName,
      variant.instanceType,
      variant.currentInstanceCount,
      arrivedAt,
      env.settings ?? DEFAULT_CAPACITY_SETTINGS,
    );
    if (load.utilisation > 1) {
      latencyMs = latencyMs * load.latencyFactor + load.extraLatencyMs;
      if (modelStatus === 200 && random() < load.shedShare) {
        modelStatus = 503;
        shed = true;
        tracker.shed(endpoint.name, variant.variantName);
      }
    }
  }
  const overheadBase = options.overheadLatencyUs ?? DEFAULT_OVERHEAD_LATENCY_US;

  metricsStoreOf(env.state, options.metrics).recordInvocation({
    endpointName: endpoint.name,
    variantName: variant.variantName,
    timestampMs: arrivedAt,
    instanceCount: variant.currentInstanceCount,
    modelStatus,
    modelLatencyUs: Math.round(latencyMs * 1000),
    overheadLatencyUs: Math.round(overheadBase + random() * (overheadBase / 2)),
  });

  if (options.wait !== false && latencyMs > 0) await sleep(latencyMs);

  const variantHeader = { 'x-Amzn-Invoked-Production-Variant': variant.variantName };
  if (modelStatus !== 200) {
    const server = modelStatus >= 500;
    const originalMessage = shed
      ? 'Service unavailable: the instances are above their capacity (emulated)'
      : server
        ? 'Internal server error (injected by the emulator)'
        : 'Bad request (injected by the emulator)';
    const logStreamArn = `arn:aws:logs:${env.region}:${env.accountId}:log-group:/aws/sagemaker/Endpoints/${endpoint.name}`;
    throw new AwsError(
      'ModelError',
      `Received ${server ? 'server' : 'client'} error (${modelStatus}) from primary with message "${originalMessage}". ` +
        `See https://${env.region}.console.aws.amazon.com/cloudwatch/home?region=${env.region}#logEventViewer:group=` +
        `/aws/sagemaker/Endpoints/${endpoint.name} in account ${env.accountId} for more information.`,
      424,
      { 'x-amzn-ErrorType': MODEL_ERROR_TYPE, ...variantHeader },
      undefined,
      {
        OriginalStatusCode: modelStatus,
        OriginalMessage: originalMessage,
        LogStreamArn: logStreamArn,
      },
    );
  }
  const payload = Buffer.from(input.body);
  return {
    status: 200,
    headers: { 'content-type': 'application/json', ...variantHeader },
    body: JSON.stringify({ predictions: predictionsFor(payload), variant: variant.variantName, model: variant.modelName }),
  };
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The emulator's InvokeEndpoint handler. */
export function createRuntimeHandler(options: RuntimeOptions = {}): RuntimeHandler {
  return (request, ctx) => {
    const targetVariant = header(request.headers, 'x-amzn-sagemaker-target-variant');
    return invokeEndpoint(ctx, { endpointName: request.endpointName, body: request.body, ...(targetVariant !== undefined ? { targetVariant } : {}) }, options);
  };
}
