/**
 * Fault injection: per-operation rules for throttling, server errors and latency, and rules that slow
 * down or fail endpoint state transitions. Rules are plain JSON so tests and benchmarks can set them
 * over the control API (`PUT /_emulator/faults`).
 */
import { AwsError, throttlingError } from './errors';
import type { TransitionKind } from './state';

interface OperationMatch {
  /**
   * Operations the rule applies to, as `Op` (any service) or `Prefix.Op` (e.g. `SageMaker.DescribeEndpoint`,
   * `SageMakerRuntime.InvokeEndpoint`). Omitted: every operation.
   */
  operations?: string[];
  /** How many times the rule may fire before it goes quiet (e.g. 1 for a one-shot fault). Default: unlimited. */
  times?: number;
}

/** Answer `ThrottlingException` / `Rate exceeded` with HTTP 400, as real SageMaker does. */
export interface ThrottleFault extends OperationMatch {
  kind: 'throttle';
  /** Probability 0..1 per matching request. Default 1 unless `requestsPerSecond` is set. */
  rate?: number;
  /** Token-bucket budget: requests above this sustained rate are throttled. */
  requestsPerSecond?: number;
  /** Bucket size (burst). Default: `requestsPerSecond` (at least 1). */
  burst?: number;
  /** `account` (default): one bucket shared by all matching operations. `operation`: one bucket per operation. */
  scope?: 'account' | 'operation';
}

/** Answer a retryable 5xx. */
export interface ServerErrorFault extends OperationMatch {
  kind: 'serverError';
  /** Probability 0..1 per matching request. Default 1. */
  rate?: number;
  /** 500 (default, `InternalFailure`) or 503 (`ServiceUnavailable`). */
  status?: number;
  /** Error code. Default `InternalFailure` for 500, `ServiceUnavailable` otherwise. */
  code?: string;
  message?: string;
  /**
   * Apply the operation first, then answer the 5xx: the change is made but the caller cannot tell (a lost
   * response). This is the failure that makes idempotent retries necessary. Default false.
   */
  afterApply?: boolean;
}

/** Delay the response. */
export interface LatencyFault extends OperationMatch {
  kind: 'latency';
  ms: number;
  /** Uniform extra delay 0..jitterMs. */
  jitterMs?: number;
  /** Probability 0..1 per matching request. Default 1. */
  rate?: number;
}

/** Multiply the duration of endpoint transitions. */
export interface SlowTransitionsFault {
  kind: 'slowTransitions';
  factor: number;
  /** Transition kinds affected (`create`, `update`, `weights`, `delete`). Default: all. */
  transitions?: TransitionKind[];
  /** Endpoint names affected. Default: all. */
  endpoints?: string[];
}

/** Make endpoint transitions fail with a FailureReason (create -> Failed, update -> rolled back). */
export interface FailTransitionFault {
  kind: 'failTransition';
  /** `create`, `update` or `weights`. Default: all three. */
  transitions?: TransitionKind[];
  endpoints?: string[];
  failureReason?: string;
  /**
   * For `update`: `UpdateRollbackFailed` makes the update's rollback fail too, so the endpoint ends in
   * UpdateRollbackFailed ("both the rolling deployment and auto-rollback failed", DescribeEndpoint's
   * EndpointStatus in the AWS API reference) instead of back InService. Default: the rollback succeeds.
   */
  endStatus?: 'UpdateRollbackFailed';
  /** Default: unlimited. */
  times?: number;
}

/**
 * "Another actor": the moment one of the endpoint's transitions of kind `after` ends InService, an
 * UpdateEndpoint to `endpointConfigName` is sent for it, as if someone else's script raced the pipeline
 * at the first instant AWS lets it (AWS refuses UpdateEndpoint while the endpoint is Updating).
 */
export interface ActorUpdateFault {
  kind: 'actorUpdate';
  endpoints: string[];
  endpointConfigName: string;
  /** `create`, `update` or `weights`. Default: `update`. */
  after?: TransitionKind[];
  /** Default 1. */
  times?: number;
}

/**
 * "Another actor" creates first: when a SageMaker create for one of `names` reaches the service (past the
 * request-level faults), someone else's create of that same name, with `input`, is made just before the
 * call is served, so the caller's create meets a resource it did not make (AWS answers `Cannot create
 * already existing ...`). The moment is the narrowest there is: after the caller's last look, before its create.
 */
export interface ActorCreateFault {
  kind: 'actorCreate';
  operation: ActorCreateOperation;
  /** The names (ModelName, EndpointConfigName or EndpointName) whose create another actor beats. */
  names: string[];
  /** The other actor's request, less the name (the caller's is used), e.g. `{ EndpointConfigName: 'theirs', Tags: [...] }`. */
  input: Record<string, unknown>;
  /** Default 1. */
  times?: number;
}

/** The creates `actorCreate` can race, and the member that names what they create. */
export const ACTOR_CREATE_NAME_MEMBER = { CreateModel: 'ModelName', CreateEndpointConfig: 'EndpointConfigName', CreateEndpoint: 'EndpointName' } as const;
export type ActorCreateOperation = keyof typeof ACTOR_CREATE_NAME_MEMBER;

/**
 * A create or update that would end InService ends `OutOfService` instead ("Endpoint is not available to
 * take incoming requests", DescribeEndpoint's EndpointStatus in the AWS API reference, which documents no
 * cause or duration): for `forMs`, then InService, or until the endpoint is deleted.
 */
export interface OutOfServiceFault {
  kind: 'outOfService';
  /** `create` or `update`. Default: both. */
  transitions?: TransitionKind[];
  endpoints?: string[];
  /** How long it stays OutOfService. Default: until deleted. */
  forMs?: number;
  /** Default: unlimited. */
  times?: number;
}

export type FaultRule =
  ThrottleFault | ServerErrorFault | LatencyFault | SlowTransitionsFault | FailTransitionFault | ActorUpdateFault | ActorCreateFault | OutOfServiceFault;
export type FaultKind = FaultRule['kind'];

export const FAULT_KINDS: readonly FaultKind[] = [
  'throttle',
  'serverError',
  'latency',
  'slowTransitions',
  'failTransition',
  'actorUpdate',
  'actorCreate',
  'outOfService',
];

export const DEFAULT_TRANSITION_FAILURE_REASON = 'Request to service failed. If failure persists after retry, contact customer support.';

interface RuleState {
  rule: FaultRule;
  fired: number;
  buckets: Map<string, { tokens: number; updatedAt: number }>;
}

export class FaultEngine {
  private rules: RuleState[] = [];
  private readonly injected = new Map<FaultKind, number>();

  constructor(
    rules: readonly FaultRule[] = [],
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    this.setRules(rules);
  }

  /** Replaces all rules; their fire counts and token buckets start afresh. Injection counters are kept. */
  setRules(rules: readonly FaultRule[]): void {
    for (const rule of rules) validateRule(rule);
    this.rules = rules.map((rule) => ({ rule: structuredClone(rule), fired: 0, buckets: new Map() }));
  }

  getRules(): FaultRule[] {
    return this.rules.map((r) => structuredClone(r.rule));
  }

  /** Number of faults injected so far, per kind. */
  counts(): Record<FaultKind, number> {
    const out = {} as Record<FaultKind, number>;
    for (const kind of FAULT_KINDS) out[kind] = this.injected.get(kind) ?? 0;
    return out;
  }

  resetCounts(): void {
    this.injected.clear();
  }

  /**
   * Runs the request-level rules for one call of `operationId` (`Prefix.Op`): waits for latency rules,
   * then throws the first throttle or server error that fires.
   */
  async beforeRequest(operationId: string): Promise<void> {
    let delay = 0;
    for (const rs of this.matching(operationId, 'latency')) {
      const rule = rs.rule as LatencyFault;
      if (!this.roll(rule.rate ?? 1)) continue;
      delay += rule.ms + (rule.jitterMs ? this.random() * rule.jitterMs : 0);
      this.fire(rs);
    }
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));

    for (const rs of this.matching(operationId, 'throttle')) {
      const rule = rs.rule as ThrottleFault;
      const throttled = rule.requestsPerSecond !== undefined ? !this.takeToken(rs, rule, operationId) : this.roll(rule.rate ?? 1);
      if (throttled) {
        this.fire(rs);
        throw throttlingError();
      }
    }
    this.throwServerError(operationId, false);
  }

  /** The error of an `afterApply` rule that fires for this call (the operation has taken effect), if any. */
  lostResponse(operationId: string): AwsError | undefined {
    try {
      this.throwServerError(operationId, true);
      return undefined;
    } catch (error) {
      return error as AwsError;
    }
  }

  private throwServerError(operationId: string, afterApply: boolean): void {
    for (const rs of this.matching(operationId, 'serverError')) {
      const rule = rs.rule as ServerErrorFault;
      if ((rule.afterApply ?? false) !== afterApply || !this.roll(rule.rate ?? 1)) continue;
      this.fire(rs);
      const status = rule.status ?? 500;
      const code = rule.code ?? (status === 500 ? 'InternalFailure' : 'ServiceUnavailable');
      const message = rule.message ?? (status === 500 ? 'We encountered an internal error. Please try again.' : 'Service Unavailable');
      throw new AwsError(code, message, status, {}, code === 'InternalFailure' ? 'InternalFailure' : 'ServiceUnavailable');
    }
  }

  /** Duration of a transition after slowTransitions rules. */
  transitionDelay(kind: TransitionKind, endpointName: string, baseMs: number): number {
    let factor = 1;
    for (const rs of this.rules) {
      const rule = rs.rule;
      if (rule.kind !== 'slowTransitions' || !transitionMatches(rule, kind, endpointName)) continue;
      factor *= rule.factor;
      this.fire(rs);
    }
    return Math.round(baseMs * factor);
  }

  /** The FailureReason a failTransition rule imposes on this transition, if one fires (consumes one use). */
  takeTransitionFailure(kind: TransitionKind, endpointName: string): string | undefined {
    return this.takeTransitionFault(kind, endpointName)?.failureReason;
  }

  /** Like takeTransitionFailure, with the status the endpoint ends in when the rule names one. */
  takeTransitionFault(kind: TransitionKind, endpointName: string): { failureReason: string; endStatus?: 'UpdateRollbackFailed' } | undefined {
    for (const rs of this.rules) {
      const rule = rs.rule;
      if (rule.kind !== 'failTransition' || !transitionMatches(rule, kind, endpointName)) continue;
      if (rule.times !== undefined && rs.fired >= rule.times) continue;
      this.fire(rs);
      return { failureReason: rule.failureReason ?? DEFAULT_TRANSITION_FAILURE_REASON, ...(rule.endStatus ? { endStatus: rule.endStatus } : {}) };
    }
    return undefined;
  }

  /** The config another actor moves this endpoint to now that its `kind` transition ended InService, if a rule fires. */
  takeActorUpdate(kind: TransitionKind, endpointName: string): string | undefined {
    for (const rs of this.rules) {
      const rule = rs.rule;
      if (rule.kind !== 'actorUpdate' || !(rule.after ?? ['update']).includes(kind) || !rule.endpoints.includes(endpointName)) continue;
      if (rs.fired >= (rule.times ?? 1)) continue;
      this.fire(rs);
      return rule.endpointConfigName;
    }
    return undefined;
  }

  /**
   * The request another actor sends first, now that a create of `operationId` (`SageMaker.CreateEndpoint`,
   * …) for the name in `input` reaches the service, if an actorCreate rule fires: the rule's input with the
   * caller's name.
   */
  takeActorCreate(operationId: string, input: unknown): Record<string, unknown> | undefined {
    const [prefix, op] = operationId.split('.') as [string, string];
    if (prefix !== 'SageMaker' || !Object.hasOwn(ACTOR_CREATE_NAME_MEMBER, op)) return undefined;
    const member = ACTOR_CREATE_NAME_MEMBER[op as ActorCreateOperation];
    const name = (input as Record<string, unknown> | undefined)?.[member];
    for (const rs of this.rules) {
      const rule = rs.rule;
      if (rule.kind !== 'actorCreate' || rule.operation !== op || typeof name !== 'string' || !rule.names.includes(name)) continue;
      if (rs.fired >= (rule.times ?? 1)) continue;
      this.fire(rs);
      return { ...structuredClone(rule.input), [member]: name };
    }
    return undefined;
  }

  /** Whether an outOfService rule takes this completed transition (consumes one use), and for how long. */
  takeOutOfService(kind: TransitionKind, endpointName: string): { forMs?: number } | undefined {
    for (const rs of this.rules) {
      const rule = rs.rule;
      if (rule.kind !== 'outOfService' || !transitionMatches(rule, kind, endpointName)) continue;
      if (rule.times !== undefined && rs.fired >= rule.times) continue;
      this.fire(rs);
      return rule.forMs === undefined ? {} : { forMs: rule.forMs };
    }
    return undefined;
  }

  private matching(operationId: string, kind: FaultKind): RuleState[] {
    const op = operationId.slice(operationId.indexOf('.') + 1);
    return this.rules.filter((rs) => {
      const rule = rs.rule;
      if (rule.kind !== kind) return false;
      const match = rule as OperationMatch;
      if (match.times !== undefined && rs.fired >= match.times) return false;
      return !match.operations || match.operations.some((o) => o === operationId || o === op);
    });
  }

  private roll(rate: number): boolean {
    return rate >= 1 || this.random() < rate;
  }

  private fire(rs: RuleState): void {
    rs.fired += 1;
    this.injected.set(rs.rule.kind, (this.injected.get(rs.rule.kind) ?? 0) + 1);
  }

  private takeToken(rs: RuleState, rule: ThrottleFault, operationId: string): boolean {
    const rps = rule.requestsPerSecond ?? 1;
    const capacity = Math.max(1, rule.burst ?? rps);
    const key = rule.scope === 'operation' ? operationId : '*';
    const now = this.now();
    const bucket = rs.buckets.get(key) ?? { tokens: capacity, updatedAt: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.updatedAt) / 1000) * rps);
    bucket.updatedAt = now;
    rs.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return true;
    }
    return false;
  }
}

function transitionMatches(rule: SlowTransitionsFault | FailTransitionFault | OutOfServiceFault, kind: TransitionKind, endpointName: string): boolean {
  const defaults: Partial<Record<FaultKind, TransitionKind[]>> = { failTransition: ['create', 'update', 'weights'], outOfService: ['create', 'update'] };
  const kinds = rule.transitions ?? defaults[rule.kind];
  if (kinds && !kinds.includes(kind)) return false;
  return !rule.endpoints || rule.endpoints.includes(endpointName);
}

function validateRule(rule: FaultRule): void {
  if (!rule || typeof rule !== 'object' || !FAULT_KINDS.includes(rule.kind)) {
    throw new Error(`unknown fault rule ${JSON.stringify(rule)}; kind must be one of ${FAULT_KINDS.join(', ')}`);
  }
  const rate = (rule as { rate?: unknown }).rate;
  if (rate !== undefined && (typeof rate !== 'number' || rate < 0 || rate > 1)) {
    throw new Error(`fault rule rate must be a number in 0..1, got ${JSON.stringify(rate)}`);
  }
  if (rule.kind === 'throttle' && rule.requestsPerSecond !== undefined && !(rule.requestsPerSecond > 0)) {
    throw new Error('throttle requestsPerSecond must be > 0');
  }
  if (rule.kind === 'latency' && !(typeof rule.ms === 'number' && rule.ms >= 0)) {
    throw new Error('latency rule needs ms >= 0');
  }
  if (rule.kind === 'failTransition' && rule.endStatus !== undefined && rule.endStatus !== 'UpdateRollbackFailed') {
    throw new Error('failTransition endStatus must be UpdateRollbackFailed');
  }
  if (rule.kind === 'actorUpdate' && !(Array.isArray(rule.endpoints) && rule.endpoints.length > 0 && typeof rule.endpointConfigName === 'string')) {
    throw new Error('actorUpdate rule needs endpoints (a non-empty list) and endpointConfigName');
  }
  if (
    rule.kind === 'actorCreate' &&
    !(
      Object.hasOwn(ACTOR_CREATE_NAME_MEMBER, rule.operation) &&
      Array.isArray(rule.names) &&
      rule.names.length > 0 &&
      rule.input &&
      typeof rule.input === 'object'
    )
  ) {
    throw new Error(`actorCreate rule needs operation (one of ${Object.keys(ACTOR_CREATE_NAME_MEMBER).join(', ')}), names (a non-empty list) and input`);
  }
  if (rule.kind === 'outOfService' && rule.forMs !== undefined && !(typeof rule.forMs === 'number' && rule.forMs >= 0)) {
    throw new Error('outOfService forMs must be a number >= 0');
  }
  if (rule.kind === 'slowTransitions' && !(typeof rule.factor === 'number' && rule.factor >= 0)) {
    throw new Error('slowTransitions rule needs factor >= 0');
  }
}
