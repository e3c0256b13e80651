/**
 * The emulator's HTTP server. One port serves every client:
 * - JSON-RPC (`POST` with `x-amz-target: <Prefix>.<Op>`): dispatched to the {@link JsonService} with that prefix;
 * - SageMaker Runtime (`POST .../endpoints/{name}/invocations`, restJson): the runtime handler;
 * - the control API under `/_emulator/` (see control.ts).
 * Signatures, regions and credentials are accepted without checks.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { AwsError, serializationError } from './errors';
import { assertValidInput } from './model-validation';
import { recorderFor } from './recorder';
import { loadModel, shapeOf, type ModelName } from './service-models';
import { CallLog } from './calls';
import { routeControlRequest, isPlainObject, type EmulatorControl } from './control';
import { FaultEngine, type FaultRule } from './faults';
import { advanceState } from './endpoint-transitions';
import { sagemakerService } from './sagemaker';
import { autoscalingService } from './autoscaling';
import { createCloudWatchService } from './cloudwatch';
import { taggingService } from './tagging';
import { metricsStoreOf, type MetricsStoreOptions } from './metrics';
import { createRuntimeHandler, invokeEndpoint, type RuntimeOptions } from './runtime';
import { TrafficGenerator, type TrafficSpec } from './traffic';
import { DEFAULT_CAPACITY_WINDOW_MS, DEFAULT_OVERLOAD_LATENCY_MS, loadTrackerOf, validateInstanceCapacityRps } from './capacity';
import { AlarmEvaluator, type AlarmEvaluationOptions } from './alarm-evaluation';
import { ScalingSimulator, type ScalingSimulationOptions } from './autoscaling-simulation';
import type { EmulatorSettings, EmulatorTimings, JsonService, RequestContext, RuntimeHandler, RuntimeResponse } from './service';
import { clearState, createEmptyState, restoreState, snapshotState, type EmulatorState, type ModelBehaviour, type StateSnapshot } from './state';

/**
 * The services every emulator serves. THE place to add a JSON-RPC service (e.g. CloudWatch):
 * import it and append it here.
 */
export function builtInServices(options: Pick<EmulatorOptions, 'metrics'> = {}): JsonService[] {
  return [sagemakerService, autoscalingService, createCloudWatchService({ metrics: options.metrics }), taggingService];
}

/** Defaults: a few seconds, so the offline demo looks like a (very fast) real deployment. Tests pass ~100 ms. */
export const DEFAULT_TIMINGS: EmulatorTimings = {
  endpointCreateMs: 3000,
  endpointUpdateMs: 3000,
  endpointDeleteMs: 1500,
  weightsUpdateMs: 1000,
};

/** SageMaker Runtime's payload limit (6 MB), also applied to JSON-RPC bodies. */
export const DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024;

export interface EmulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Region used in ARNs. Default `us-east-1` (requests from any region are accepted). */
  region?: string;
  /** Account id used in ARNs. Default `123456789012`. */
  accountId?: string;
  /** Durations of endpoint transitions, merged over {@link DEFAULT_TIMINGS}. */
  timings?: Partial<EmulatorTimings>;
  /**
   * Whether DeleteEndpoint may deregister the endpoint's scalable targets (as when the caller holds
   * application-autoscaling:DeregisterScalableTarget). Default true. When false, DeleteEndpoint is refused
   * while targets exist.
   */
  callerCanDeregisterScalableTargets?: boolean;
  /** Initial `roundMetricStartTime` setting (see EmulatorSettings). Default true, as CloudWatch does. */
  roundMetricStartTime?: boolean;
  /** Initial `endpointConfigVisibilityDelayMs` setting (see EmulatorSettings). Default 0. */
  endpointConfigVisibilityDelayMs?: number;
  /**
   * Requests per second one instance serves, by instance type (capacity.ts). Default: 150 per vCPU of the
   * type (ml.m5.large: 300). Above it the variant is overloaded: ModelLatency rises, a share gets a 5xx.
   */
  instanceCapacityRps?: Record<string, number>;
  /** JSON file the state is loaded from at start and saved to after changes. Default: no persistence. */
  persistPath?: string;
  /** Fault rules active from the start. Default none. */
  faults?: FaultRule[];
  /** Model behaviours keyed by container image (or model name). Default: every model healthy, no errors. */
  behaviours?: Record<string, ModelBehaviour>;
  /** InvokeEndpoint handler. Default: the built-in runtime (runtime.ts). */
  runtimeHandler?: RuntimeHandler;
  /** Metric store: retention (default 3 h), samples per series (default 200,000), ingestion delay (default 0). */
  metrics?: MetricsStoreOptions;
  /**
   * Background traffic started with the emulator, e.g. `[{ endpointName: 'iris', rps: 50 }]`. Each generator
   * sends nothing until its endpoint serves (InService or Updating). Default none.
   */
  traffic?: TrafficSpec[];
  /**
   * Evaluate metric alarms against the emulator's metrics on a timer (default every 1000 ms), so alarms
   * change state by themselves as real ones do. Default off: alarms then only change through SetAlarmState.
   */
  alarmEvaluation?: boolean | AlarmEvaluationOptions;
  /**
   * Simulate target-tracking autoscaling: SageMakerVariantInvocationsPerInstance policies move their variant's
   * desired instance count from the last minute of metrics (see autoscaling-simulation.ts). Default off:
   * desired counts then change only through the API.
   */
  autoscalingSimulation?: boolean | ScalingSimulationOptions;
  /** Extra JSON-RPC services, in addition to the built-in ones. */
  services?: JsonService[];
  /** Largest request body accepted, bytes. Default 6 MB. */
  maxBodyBytes?: number;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Randomness for fault rates. Default `Math.random`. */
  random?: () => number;
  /**
   * Directory to record every response body and error into (JSON lines, one file per emulator), for the
   * conformance check against AWS's service models. Default: the MODELSHIP_EMULATOR_RECORD_DIR
   * environment variable; unset means no recording.
   */
  recordResponsesTo?: string;
  /** Where unexpected internal errors are reported. Default `console.error`. */
  onInternalError?: (error: unknown) => void;
}

export interface Emulator {
  /** Base URL for the SDK clients' `endpoint` option, e.g. `http://127.0.0.1:53111`. */
  url: string;
  port: number;
  state: EmulatorState;
  control: EmulatorControl;
  /** Adds (or replaces, by target prefix) a JSON-RPC service. */
  registerService(service: JsonService): void;
  /** Sets the InvokeEndpoint handler. */
  setRuntimeHandler(handler: RuntimeHandler | undefined): void;
  /** Stops timers, saves state (when persisting) and closes the server and its connections. */
  close(): Promise<void>;
}

const READ_ONLY_OPERATION = /^(Describe|List|Get)/;

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const now = options.now ?? Date.now;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const onInternalError = options.onInternalError ?? ((e: unknown) => console.error('emulator internal error:', e));
  const initialTimings: EmulatorTimings = { ...DEFAULT_TIMINGS, ...options.timings };
  const initialSettings: EmulatorSettings = {
    callerCanDeregisterScalableTargets: options.callerCanDeregisterScalableTargets ?? true,
    roundMetricStartTime: options.roundMetricStartTime ?? true,
    metricsIngestionDelayMs: options.metrics?.ingestionDelayMs ?? 0,
    endpointConfigVisibilityDelayMs: options.endpointConfigVisibilityDelayMs ?? 0,
    instanceCapacityRps: validateInstanceCapacityRps(options.instanceCapacityRps ?? {}),
    capacityWindowMs: DEFAULT_CAPACITY_WINDOW_MS,
    overloadLatencyMs: DEFAULT_OVERLOAD_LATENCY_MS,
  };

  const state = createEmptyState();
  const timings: EmulatorTimings = { ...initialTimings };
  const settings: EmulatorSettings = { ...initialSettings };
  const faults = new FaultEngine(options.faults ?? [], now, options.random);
  const calls = new CallLog();
  const recorder = recorderFor(options.recordResponsesTo);
  const services = new Map<string, JsonService>();
  for (const service of [...builtInServices(options), ...(options.services ?? [])]) services.set(service.targetPrefix, service);
  const runtimeOptions: RuntimeOptions = {
    ...(options.random ? { random: options.random } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  };
  let runtimeHandler: RuntimeHandler | undefined = options.runtimeHandler ?? createRuntimeHandler(runtimeOptions);
  // Background traffic uses the same invocation path as HTTP requests, without waiting out model latency.
  const traffic = new TrafficGenerator((input) => invokeEndpoint({ state, now, region, accountId, settings }, input, { ...runtimeOptions, wait: false }), now);
  const alarmEvaluator = options.alarmEvaluation
    ? new AlarmEvaluator(state, now, {
        ...(options.alarmEvaluation === true ? {} : options.alarmEvaluation),
        ...(options.metrics ? { metrics: options.metrics } : {}),
      })
    : undefined;
  alarmEvaluator?.start();
  const startConfiguredTraffic = (): void => {
    for (const spec of options.traffic ?? []) traffic.start(spec);
  };

  // ---- timers: one per requested wake-up, all cancelled on close/reset ----
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  const wakeAt = (epochMs: number): void => {
    if (closed) return;
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        runAdvance();
      },
      Math.max(0, epochMs - now()) + 1,
    );
    timers.add(timer);
  };
  const cancelTimers = (): void => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  };

  const context = (headers: RequestContext['headers']): RequestContext => ({
    now,
    region,
    accountId,
    state,
    headers,
    timings,
    settings,
    faults,
    wakeAt,
    actAsAnotherActor: (prefix, operation, input) => {
      try {
        return services.get(prefix)?.operations[operation]?.(input, context({}));
      } catch (e) {
        return e;
      }
    },
  });

  // ---- persistence ----
  const persistPath = options.persistPath;
  let saveTimer: NodeJS.Timeout | undefined;
  const saveNow = (): void => {
    if (!persistPath) return;
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = undefined;
    const tmp = `${persistPath}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(snapshotState(state), null, 2));
    fs.renameSync(tmp, persistPath);
  };
  const markDirty = (): void => {
    if (!persistPath || saveTimer || closed) return;
    saveTimer = setTimeout(() => {
      saveTimer = undefined;
      try {
        saveNow();
      } catch (e) {
        onInternalError(e);
      }
    }, 50);
  };
  if (persistPath && fs.existsSync(persistPath)) {
    restoreState(state, JSON.parse(fs.readFileSync(persistPath, 'utf8')) as Partial<StateSnapshot>);
  }
  // Behaviours from options apply over persisted ones.
  for (const [key, behaviour] of Object.entries(options.behaviours ?? {})) state.behaviours.set(key, behaviour);

  function runAdvance(): void {
    try {
      if (advanceState(context({}))) markDirty();
    } catch (e) {
      onInternalError(e);
    }
  }
  // A restored state may hold transitions that are due (or will be): complete or schedule them.
  runAdvance();
  for (const endpoint of state.endpoints.values()) if (endpoint.transition) wakeAt(endpoint.transition.dueAt);

  const scaling = options.autoscalingSimulation
    ? new ScalingSimulator(typeof options.autoscalingSimulation === 'object' ? options.autoscalingSimulation : {})
    : undefined;

  // ---- control ----
  const control: EmulatorControl = {
    state: () => snapshotState(state),
    reset: () => {
      cancelTimers();
      traffic.stopAll();
      clearState(state);
      for (const [key, behaviour] of Object.entries(options.behaviours ?? {})) state.behaviours.set(key, behaviour);
      Object.assign(timings, initialTimings);
      Object.assign(settings, initialSettings, { instanceCapacityRps: { ...initialSettings.instanceCapacityRps } });
      faults.setRules(options.faults ?? []);
      faults.resetCounts();
      calls.clear();
      scaling?.clear();
      startConfiguredTraffic();
      markDirty();
    },
    calls: () => calls.stats(faults.counts()),
    clearCalls: () => {
      calls.clear();
      faults.resetCounts();
    },
    faults: () => faults.getRules(),
    setFaults: (rules) => faults.setRules(rules),
    behaviours: () => Object.fromEntries(state.behaviours),
    setBehaviours: (behaviours) => {
      state.behaviours.clear();
      for (const [key, behaviour] of Object.entries(behaviours)) state.behaviours.set(key, behaviour);
      markDirty();
    },
    timings: () => ({ ...timings }),
    setTimings: (partial) => {
      for (const key of Object.keys(DEFAULT_TIMINGS) as (keyof EmulatorTimings)[]) {
        const value = partial[key];
        if (value === undefined) continue;
        if (typeof value !== 'number' || !(value >= 0)) throw new Error(`timing ${key} must be a number >= 0`);
        timings[key] = value;
      }
      return { ...timings };
    },
    settings: () => ({ ...settings }),
    setSettings: (partial) => {
      if (partial.callerCanDeregisterScalableTargets !== undefined) {
        settings.callerCanDeregisterScalableTargets = Boolean(partial.callerCanDeregisterScalableTargets);
      }
      if (partial.roundMetricStartTime !== undefined) settings.roundMetricStartTime = Boolean(partial.roundMetricStartTime);
      // Merged per instance type, so a test can set one type's capacity without restating the others.
      if (partial.instanceCapacityRps !== undefined) {
        settings.instanceCapacityRps = { ...settings.instanceCapacityRps, ...validateInstanceCapacityRps(partial.instanceCapacityRps) };
      }
      for (const key of ['metricsIngestionDelayMs', 'endpointConfigVisibilityDelayMs', 'capacityWindowMs', 'overloadLatencyMs'] as const) {
        const value = partial[key];
        if (value === undefined) continue;
        if (typeof value !== 'number' || !(value >= 0)) throw new Error(`setting ${key} must be a number >= 0`);
        settings[key] = value;
      }
      return { ...settings };
    },
    traffic: () => traffic.status(),
    startTraffic: (spec) => traffic.start(spec),
    stopTraffic: (endpointName) => traffic.stop(endpointName),
    stopAllTraffic: () => traffic.stopAll(),
    clearMetrics: () => metricsStoreOf(state, options.metrics).clear(),
    load: () => loadTrackerOf(state).loads(),
    clearLoad: () => loadTrackerOf(state).clear(),
    scalingSteps: () => structuredClone(scaling?.steps ?? []),
  };
  startConfiguredTraffic();

  // ---- optional autoscaling simulation ----
  const scalingTimer = scaling
    ? setInterval(
        () => {
          try {
            const ctx = context({});
            advanceState(ctx);
            if (scaling.tick(ctx, metricsStoreOf(state, options.metrics)).length > 0) markDirty();
          } catch (e) {
            onInternalError(e);
          }
        },
        (typeof options.autoscalingSimulation === 'object' ? options.autoscalingSimulation.intervalMs : undefined) ?? 1000,
      )
    : undefined;
  scalingTimer?.unref();

  // ---- request handling ----
  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://emulator');
    const path = url.pathname;
    const body = await readBody(req, maxBodyBytes);

    const controlIndex = path.indexOf('/_emulator/');
    if (controlIndex >= 0) {
      return handleControl(req.method ?? 'GET', path.slice(controlIndex + '/_emulator/'.length), body, res);
    }

    const invocation = /\/endpoints\/([^/]+)\/invocations$/.exec(path);
    if (req.method === 'POST' && invocation && !req.headers['x-amz-target']) {
      return handleRuntime(safeDecode(invocation[1]!), req, body, res, requestId);
    }
    return handleJsonRpc(req, body, res, requestId);
  }

  async function handleJsonRpc(req: http.IncomingMessage, body: Body, res: http.ServerResponse, requestId: string): Promise<void> {
    const target = headerValue(req.headers['x-amz-target']);
    const dot = target?.lastIndexOf('.') ?? -1;
    const service = target && dot > 0 ? services.get(target.slice(0, dot)) : undefined;
    const operationName = target && dot > 0 ? target.slice(dot + 1) : '';
    const contentType = service?.contentType ?? 'application/x-amz-json-1.1';
    const operationId = target ?? '(no x-amz-target)';
    let input: unknown;
    let recorded = false;
    try {
      if (req.method !== 'POST') throw new AwsError('UnknownOperationException', `${req.method} is not supported; AWS JSON protocols use POST.`, 404);
      const operation = service && Object.hasOwn(service.operations, operationName) ? service.operations[operationName] : undefined;
      if (!operation) {
        throw new AwsError('UnknownOperationException', target ? `Operation ${target} is not supported by this emulator.` : 'Missing x-amz-target header.');
      }
      if (body.tooLarge) throw tooLarge(maxBodyBytes);
      input = parseJsonInput(body.data);
      await faults.beforeRequest(operationId);
      if (service?.model) assertValidInput(loadModel(service.model), operationName, input, { queryCompatible: service.queryCompatible ?? false });
      const ctx = context(req.headers);
      advanceState(ctx);
      // Fault rule actorCreate: someone else's create of this very name lands first.
      const actor = faults.takeActorCreate(operationId, input);
      if (actor) {
        await Promise.resolve(ctx.actAsAnotherActor?.(service!.targetPrefix, operationName, actor)).catch(() => undefined);
        markDirty(); // theirs stays, whatever happens to this call
      }
      const output = await operation(input, ctx);
      if (!READ_ONLY_OPERATION.test(operationName)) markDirty();
      const lost = faults.lostResponse(operationId);
      calls.record(operationId, input, now(), lost?.code, true);
      recorded = true;
      if (lost) throw lost;
      const payload = JSON.stringify(output ?? {});
      recorder?.record({ operation: operationId, status: 200, body: JSON.parse(payload) as unknown });
      send(res, 200, { 'content-type': contentType, 'x-amzn-RequestId': requestId }, payload);
    } catch (error) {
      const awsError = toAwsError(error, onInternalError);
      if (!recorded) calls.record(operationId, input, now(), awsError.code);
      const headers: Record<string, string> = {
        'content-type': contentType,
        'x-amzn-RequestId': requestId,
        'x-amzn-ErrorType': awsError.code,
      };
      if (service?.queryCompatible) {
        headers['x-amzn-query-error'] = `${awsError.queryCode ?? awsError.code};${awsError.status >= 500 ? 'Receiver' : 'Sender'}`;
      }
      Object.assign(headers, awsError.headers);
      const errorBody = { __type: awsError.code, [messageMember(service?.model, awsError.code)]: awsError.message, ...awsError.body };
      recorder?.record({ operation: operationId, status: awsError.status, code: awsError.code, queryError: headers['x-amzn-query-error'], body: errorBody });
      send(res, awsError.status, headers, JSON.stringify(errorBody));
    }
  }

  async function handleRuntime(endpointName: string, req: http.IncomingMessage, body: Body, res: http.ServerResponse, requestId: string): Promise<void> {
    const operationId = 'SageMakerRuntime.InvokeEndpoint';
    try {
      if (body.tooLarge) throw tooLarge(maxBodyBytes);
      await faults.beforeRequest(operationId);
      if (!runtimeHandler) {
        throw new AwsError('UnknownOperationException', 'InvokeEndpoint is not emulated by this build.');
      }
      assertValidInput(RUNTIME_MODEL(), 'InvokeEndpoint', runtimeInput(endpointName, req.headers, body.data), { errorCode: 'ValidationError' });
      const ctx = context(req.headers);
      advanceState(ctx);
      const response: RuntimeResponse = await runtimeHandler({ endpointName, body: body.data, headers: req.headers }, ctx);
      calls.record(operationId, { EndpointName: endpointName }, now());
      const payload = typeof response.body === 'string' ? Buffer.from(response.body) : Buffer.from(response.body);
      recorder?.record({ operation: operationId, status: response.status ?? 200, headers: { ...response.headers } });
      send(res, response.status ?? 200, { 'x-amzn-RequestId': requestId, ...response.headers }, payload);
    } catch (error) {
      const awsError = toAwsError(error, onInternalError);
      calls.record(operationId, { EndpointName: endpointName }, now(), awsError.code);
      // restJson: the SDK reads the code from x-amzn-ErrorType first.
      const errorBody = { [messageMember('sagemaker-runtime', awsError.code)]: awsError.message, ...awsError.body };
      recorder?.record({ operation: operationId, status: awsError.status, code: awsError.code, body: errorBody });
      send(
        res,
        awsError.status,
        { 'content-type': 'application/json', 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': awsError.code, ...awsError.headers },
        JSON.stringify(errorBody),
      );
    }
  }

  function handleControl(method: string, route: string, body: Body, res: http.ServerResponse): void {
    try {
      if (body.tooLarge) throw new Error('body too large');
      const parsed = body.data.length ? (JSON.parse(body.data.toString('utf8')) as unknown) : undefined;
      const result = routeControlRequest(control, method, route.replace(/\/+$/, ''), parsed);
      if (!result) return send(res, 404, { 'content-type': 'application/json' }, JSON.stringify({ message: `no control route ${method} /_emulator/${route}` }));
      send(res, result.status, { 'content-type': 'application/json' }, JSON.stringify(result.body));
    } catch (error) {
      send(res, 400, { 'content-type': 'application/json' }, JSON.stringify({ message: error instanceof Error ? error.message : String(error) }));
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      onInternalError(error);
      if (!res.headersSent) send(res, 500, { 'content-type': 'application/json' }, JSON.stringify({ __type: 'InternalFailure', message: 'internal error' }));
      else res.destroy();
    });
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const hostForUrl = host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;

  return {
    url: `http://${hostForUrl}:${address.port}`,
    port: address.port,
    state,
    control,
    registerService: (service) => services.set(service.targetPrefix, service),
    setRuntimeHandler: (handler) => {
      runtimeHandler = handler;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      cancelTimers();
      traffic.stopAll();
      alarmEvaluator?.stop();
      if (scalingTimer) clearInterval(scalingTimer);
      if (persistPath) saveNow();
      recorder?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

const RUNTIME_MODEL = () => loadModel('sagemaker-runtime');

/**
 * The error body's message member as the service model spells it for that error (`Message` for e.g.
 * SageMaker's ResourceNotFound and every runtime error, `message` for CloudWatch's); `message` for the
 * errors a model does not declare (ValidationException of SageMaker, ThrottlingException...).
 */
function messageMember(model: ModelName | undefined, code: string): string {
  const members = model ? loadModel(model).shapes[code]?.members : undefined;
  return members && Object.hasOwn(members, 'Message') ? 'Message' : 'message';
}

/** InvokeEndpoint's input as the model names it: EndpointName from the URI, header members, the body. */
function runtimeInput(endpointName: string, headers: http.IncomingHttpHeaders, body: Buffer): Record<string, unknown> {
  const model = RUNTIME_MODEL();
  const input: Record<string, unknown> = { EndpointName: endpointName, Body: body };
  for (const [name, ref] of Object.entries(shapeOf(model, 'InvokeEndpointInput').members ?? {})) {
    if (ref.location !== 'header' || !ref.locationName) continue;
    const value = headerValue(headers[ref.locationName.toLowerCase()]);
    if (value !== undefined) input[name] = value;
  }
  return input;
}

interface Body {
  data: Buffer;
  tooLarge: boolean;
}

/** Reads the whole body; past the limit it keeps draining (so the client sees our error, not a reset) but drops data. */
function readBody(req: http.IncomingMessage, limit: number): Promise<Body> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve({ data: Buffer.concat(chunks), tooLarge }));
    req.on('error', () => resolve({ data: Buffer.alloc(0), tooLarge }));
  });
}

function parseJsonInput(data: Buffer): Record<string, unknown> {
  if (data.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString('utf8'));
  } catch {
    throw serializationError('Unable to parse request body as JSON.');
  }
  if (!isPlainObject(parsed)) throw serializationError('Request body must be a JSON object.');
  return parsed;
}

function tooLarge(limit: number): AwsError {
  return new AwsError('RequestEntityTooLargeException', `Request body exceeds the maximum size of ${limit} bytes.`, 413);
}

function toAwsError(error: unknown, onInternalError: (e: unknown) => void): AwsError {
  if (error instanceof AwsError) return error;
  onInternalError(error);
  return new AwsError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500);
}

/** A path segment decoded, or as sent when it is not valid percent-encoding (never throws). */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function send(res: http.ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
  if (res.headersSent) return;
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}
