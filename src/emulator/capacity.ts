/**
 * Per-instance capacity: every instance of a variant serves a bounded request rate. Above it the variant
 * is overloaded, as a real fleet is: ModelLatency rises and a share of the requests is answered with a
 * 5xx (the excess the instances cannot take), which CloudWatch shows as Invocation5XXErrors. The load of
 * every variant (requests per second per instance, over a sliding window) is tracked and its peak kept
 * beside the capacity of that moment, so a test can assert that no variant ever served more than its
 * capacity, also across a change of instance type.
 *
 * AWS documents no per-instance rate (it depends on the model; AWS's advice is to load-test for the
 * highest invocations per instance, https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-scaling-loadtest.html).
 * The defaults are the emulator's assumption (see docs/emulator.md); `instanceCapacityRps` sets the rate
 * per instance type.
 */
import type { EmulatorState } from './state';

/** What the capacity model reads from the emulator's settings. */
export interface CapacitySettings {
  /** Requests per second one instance of a type serves, by instance type; overrides the defaults. */
  instanceCapacityRps: Record<string, number>;
  /** The load is averaged over this window, ms. */
  capacityWindowMs: number;
  /** ModelLatency added per 100 % of overload (at twice the capacity: this much more), ms. */
  overloadLatencyMs: number;
}

export const DEFAULT_CAPACITY_WINDOW_MS = 2000;
export const DEFAULT_OVERLOAD_LATENCY_MS = 200;
/** The emulator's assumption: a small model serves this many requests per second per vCPU. */
export const DEFAULT_RPS_PER_VCPU = 150;

/**
 * vCPUs of an `ml.<family>.<size>` type, from its size (large = 2, xlarge = 4, Nxlarge = 4N; medium 2,
 * small/micro 1 — the general-purpose and compute families' sizing). Unknown sizes count as large.
 */
export function vcpusOf(instanceType: string): number {
  const size = instanceType.split('.').at(-1) ?? '';
  if (size === 'large') return 2;
  if (size === 'medium') return 2;
  if (size === 'small' || size === 'micro' || size === 'nano') return 1;
  if (size === 'xlarge') return 4;
  const m = /^(\d+)xlarge$/.exec(size);
  return m ? 4 * Number(m[1]) : 2;
}

/** Requests per second one instance of `instanceType` serves. */
export function capacityPerInstance(instanceType: string | undefined, settings: Pick<CapacitySettings, 'instanceCapacityRps'>): number {
  const type = instanceType ?? '';
  const configured = settings.instanceCapacityRps[type];
  return configured !== undefined ? configured : DEFAULT_RPS_PER_VCPU * vcpusOf(type);
}

/** Validates an `instanceCapacityRps` setting; throws an Error naming the entry and the rule. */
export function validateInstanceCapacityRps(value: unknown): Record<string, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('setting instanceCapacityRps must be an object of instance type -> requests per second per instance');
  }
  const out: Record<string, number> = {};
  for (const [type, rps] of Object.entries(value)) {
    if (typeof rps !== 'number' || !(rps > 0) || !Number.isFinite(rps)) {
      throw new Error(`setting instanceCapacityRps.${type} must be a number > 0 (requests per second per instance); received ${JSON.stringify(rps)}`);
    }
    out[type] = rps;
  }
  return out;
}

/** One variant's load as the control API reports it (`GET /_emulator/load`). */
export interface VariantLoad {
  endpointName: string;
  variantName: string;
  /** The instance type it serves on now (of its latest request). */
  instanceType?: string;
  /** Requests per second one instance of `instanceType` serves. */
  capacityPerInstance: number;
  /**
   * Load at the peak: requests per second per serving instance, averaged over the capacity window. The
   * peak is the window in which the load was highest relative to the capacity of that moment, so an
   * overload on a smaller instance type is not hidden by more requests on a bigger one later.
   */
  peakLoadPerInstance: number;
  /** Capacity per instance at the peak (of `peakInstanceType`). */
  peakCapacityPerInstance?: number;
  /** Instance type at the peak. */
  peakInstanceType?: string;
  /** Epoch ms of the peak. */
  peakAt?: number;
  /** Instances serving at the peak. */
  peakInstances?: number;
  /** Requests the variant served (any answer). */
  requests: number;
  /** Requests that arrived while the variant was above capacity. */
  overloadedRequests: number;
  /** Of those, answered with a 5xx because the instances could not take them. */
  shedRequests: number;
}

/** What one request meets: the load per instance at its arrival and what overload does to it. */
export interface LoadVerdict {
  loadPerInstance: number;
  capacityPerInstance: number;
  /** load / capacity; above 1 the variant is overloaded. */
  utilisation: number;
  /** Share of requests shed at this load: 1 - capacity / load (0 when not overloaded). */
  shedShare: number;
  /** ModelLatency added, ms. */
  extraLatencyMs: number;
  /** Factor on the model's own latency (queueing: utilisation when overloaded, else 1). */
  latencyFactor: number;
}

interface Tracked {
  load: VariantLoad;
  /** Load / capacity at the peak. */
  peakUtilisation: number;
  /** Arrival times within the window, oldest first (`head` marks the logical start). */
  arrivals: number[];
  head: number;
}

export class LoadTracker {
  private readonly variants = new Map<string, Tracked>();

  /**
   * Records one request to a variant of `instances` instances and returns what it meets. Serverless
   * variants (no instance type) are tracked with their configured capacity too; callers skip them.
   */
  arrive(
    endpointName: string,
    variantName: string,
    instanceType: string | undefined,
    instances: number,
    nowMs: number,
    settings: CapacitySettings,
  ): LoadVerdict {
    const key = JSON.stringify([endpointName, variantName]);
    let t = this.variants.get(key);
    const capacity = capacityPerInstance(instanceType, settings);
    if (!t) {
      t = {
        load: { endpointName, variantName, capacityPerInstance: capacity, peakLoadPerInstance: 0, requests: 0, overloadedRequests: 0, shedRequests: 0 },
        peakUtilisation: 0,
        arrivals: [],
        head: 0,
      };
      this.variants.set(key, t);
    }
    // An UpdateEndpoint can move the variant to another type: report what serves now, and keep the
    // peak with the capacity it was served at.
    t.load.capacityPerInstance = capacity;
    if (instanceType !== undefined) t.load.instanceType = instanceType;
    else delete t.load.instanceType;
    const windowMs = Math.max(1, settings.capacityWindowMs);
    t.arrivals.push(nowMs);
    while (t.head < t.arrivals.length && t.arrivals[t.head]! <= nowMs - windowMs) t.head++;
    if (t.head > 4096 && t.head * 2 > t.arrivals.length) {
      t.arrivals = t.arrivals.slice(t.head);
      t.head = 0;
    }
    const inWindow = t.arrivals.length - t.head;
    const loadPerInstance = inWindow / (windowMs / 1000) / Math.max(1, instances);
    t.load.requests++;
    const utilisation = loadPerInstance / capacity;
    if (utilisation > t.peakUtilisation) {
      t.peakUtilisation = utilisation;
      t.load.peakLoadPerInstance = loadPerInstance;
      t.load.peakCapacityPerInstance = capacity;
      if (instanceType !== undefined) t.load.peakInstanceType = instanceType;
      else delete t.load.peakInstanceType;
      t.load.peakAt = nowMs;
      t.load.peakInstances = instances;
    }
    const overloaded = utilisation > 1;
    if (overloaded) t.load.overloadedRequests++;
    return {
      loadPerInstance,
      capacityPerInstance: capacity,
      utilisation,
      shedShare: overloaded ? 1 - 1 / utilisation : 0,
      extraLatencyMs: overloaded ? settings.overloadLatencyMs * (utilisation - 1) : 0,
      latencyFactor: overloaded ? utilisation : 1,
    };
  }

  /** Counts a request the overloaded variant answered with a 5xx. */
  shed(endpointName: string, variantName: string): void {
    const t = this.variants.get(JSON.stringify([endpointName, variantName]));
    if (t) t.load.shedRequests++;
  }

  /** Every variant that served a request, with its peak. */
  loads(): VariantLoad[] {
    return [...this.variants.values()].map((t) => ({ ...t.load }));
  }

  clear(): void {
    this.variants.clear();
  }
}

const TRACKER_KEY = 'capacity.load';

/** The load tracker of an emulator state (in `state.extensions`, so a reset forgets every peak). */
export function loadTrackerOf(state: EmulatorState): LoadTracker {
  let tracker = state.extensions.get(TRACKER_KEY);
  if (!(tracker instanceof LoadTracker)) {
    tracker = new LoadTracker();
    state.extensions.set(TRACKER_KEY, tracker);
  }
  return tracker as LoadTracker;
}
