/**
 * The contract between the HTTP server and the emulated services. A service is a JSON-RPC target
 * prefix plus a table of operations; an operation gets the parsed JSON input and a context and
 * returns the output object (or throws an {@link AwsError}).
 */
import type { CapacitySettings } from './capacity';
import type { EmulatorState } from './state';
import type { FaultEngine } from './faults';
import type { ModelName } from './service-models';

export interface EmulatorTimings {
  /** Creating -> InService / Failed. */
  endpointCreateMs: number;
  /** UpdateEndpoint: Updating -> InService (new fleet, or rolled back). */
  endpointUpdateMs: number;
  /** Deleting -> gone. */
  endpointDeleteMs: number;
  /** UpdateEndpointWeightsAndCapacities: Updating -> InService. */
  weightsUpdateMs: number;
}

/**
 * Per-instance capacity (capacity.ts, docs/emulator.md "Instance capacity"): `instanceCapacityRps` (instance
 * type -> requests per second per instance; default 150 per vCPU), `capacityWindowMs` (default 2000) and
 * `overloadLatencyMs` (default 200) are settings like the ones below.
 */
export interface EmulatorSettings extends CapacitySettings {
  /**
   * Whether the (imaginary) caller may call application-autoscaling:DeregisterScalableTarget. When false,
   * DeleteEndpoint is refused while the endpoint has registered scalable targets.
   */
  callerCanDeregisterScalableTargets: boolean;
  /**
   * GetMetricData / GetMetricStatistics round StartTime down as CloudWatch documents (start less than 15
   * days ago: to the minute; 15..63 days: to 5 minutes; older: to the hour; Period 5/10/20/30: to that
   * many seconds; other sub-minute periods, which only the emulator accepts: to that many seconds too).
   * Default true; false makes buckets start exactly at StartTime.
   */
  roundMetricStartTime: boolean;
  /**
   * Datapoints become visible to GetMetricData / GetMetricStatistics this many ms after their timestamp
   * (CloudWatch's publication delay). Default `metrics.ingestionDelayMs` (0).
   */
  metricsIngestionDelayMs: number;
  /**
   * CreateEndpoint answers `Could not find endpoint configuration` for a config created less than this
   * many ms ago (the eventual consistency CreateEndpoint documents). Default 0 (off).
   */
  endpointConfigVisibilityDelayMs: number;
}

export interface RequestContext {
  /** Current time, epoch milliseconds. */
  now(): number;
  region: string;
  accountId: string;
  state: EmulatorState;
  headers: Record<string, string | string[] | undefined>;
  /** Current phase durations (after `PUT /_emulator/timings`). Fault multipliers are applied by `faults`. */
  timings: EmulatorTimings;
  settings: EmulatorSettings;
  faults: FaultEngine;
  /** Ask the server to run `advanceState` at (or just after) this epoch-ms time. */
  wakeAt(epochMs: number): void;
  /**
   * Runs `operation` of the service with this target prefix as "another actor" would call it (fault rule
   * `actorUpdate`); its error, if any, is returned rather than thrown.
   */
  actAsAnotherActor?(targetPrefix: string, operation: string, input: Record<string, unknown>): unknown;
}

/**
 * A request body as an operation receives it: JSON that the server has already checked against the operation's
 * input shape in AWS's service model (assertValidInput in server.ts), so operations read its members directly.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OperationInput = any;

export type Operation = (input: OperationInput, ctx: RequestContext) => unknown | Promise<unknown>;

export interface JsonService {
  /** The `x-amz-target` prefix, e.g. `SageMaker`, `AnyScaleFrontendService`, `GraniteServiceVersion20100801`. */
  targetPrefix: string;
  /** Response Content-Type, e.g. `application/x-amz-json-1.1`. */
  contentType: string;
  /**
   * awsQuery-compatible services (CloudWatch): error responses also carry
   * `x-amzn-query-error: <AwsError.queryCode ?? code>;Sender` (`;Receiver` for status >= 500).
   */
  queryCompatible?: boolean;
  /**
   * The AWS service model (service-models.ts) whose input shapes every request is validated against
   * before its operation runs. Omitted: the operations validate on their own.
   */
  model?: ModelName;
  operations: Record<string, Operation>;
}

/** A SageMaker Runtime request (`POST /endpoints/{EndpointName}/invocations`), as the server read it. */
export interface RuntimeRequest {
  /** Decoded from the URI path. */
  endpointName: string;
  body: Buffer;
  /** Lower-cased header names, as Node delivers them. */
  headers: Record<string, string | string[] | undefined>;
}

export interface RuntimeResponse {
  status?: number;
  headers?: Record<string, string>;
  body: Buffer | Uint8Array | string;
}

/**
 * Handles InvokeEndpoint. Throw an {@link AwsError} for errors: the server sends it restJson-style
 * (`x-amzn-ErrorType` header, JSON body with `message` plus `AwsError.body`).
 */
export type RuntimeHandler = (request: RuntimeRequest, ctx: RequestContext) => RuntimeResponse | Promise<RuntimeResponse>;
