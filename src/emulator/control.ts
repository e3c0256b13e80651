/**
 * The emulator's own control surface: inspect state and calls, reset, and change faults, behaviours,
 * timings and settings at run time. The same methods are served as JSON under `/_emulator/`.
 */
import type { CallStats } from './calls';
import type { FaultRule } from './faults';
import type { EmulatorSettings, EmulatorTimings } from './service';
import type { ModelBehaviour, StateSnapshot } from './state';
import type { TrafficSpec, TrafficStatus } from './traffic';
import type { VariantLoad } from './capacity';
import type { ScalingStep } from './autoscaling-simulation';

export interface EmulatorControl {
  /** `GET /_emulator/state`: every model, config, endpoint, package, target, policy and alarm. */
  state(): StateSnapshot;
  /** `POST /_emulator/reset`: drop all resources and calls; faults, behaviours, timings and settings go back to the start options. */
  reset(): void;
  /** `GET /_emulator/calls`. */
  calls(): CallStats;
  /** `DELETE /_emulator/calls`: zero the call log and fault counters. */
  clearCalls(): void;
  /** `GET /_emulator/faults`. */
  faults(): FaultRule[];
  /** `PUT /_emulator/faults` (body: a rule list): replaces all rules. */
  setFaults(rules: FaultRule[]): void;
  /** `GET /_emulator/behaviours`. */
  behaviours(): Record<string, ModelBehaviour>;
  /** `PUT /_emulator/behaviours` (body: image or model name -> behaviour): replaces all behaviours. */
  setBehaviours(behaviours: Record<string, ModelBehaviour>): void;
  /** `GET /_emulator/timings`. */
  timings(): EmulatorTimings;
  /** `PUT /_emulator/timings` (partial body): merges, returns the result. Applies to transitions started afterwards. */
  setTimings(timings: Partial<EmulatorTimings>): EmulatorTimings;
  /** `GET /_emulator/settings`. */
  settings(): EmulatorSettings;
  /** `PUT /_emulator/settings` (partial body): merges, returns the result. */
  setSettings(settings: Partial<EmulatorSettings>): EmulatorSettings;
  /** `GET /_emulator/traffic`: running traffic generators and their counters. */
  traffic(): TrafficStatus[];
  /** `POST /_emulator/traffic` (body: `{endpointName, rps[, targetVariant, payload]}`): starts or replaces one. */
  startTraffic(spec: TrafficSpec): TrafficStatus;
  /** `DELETE /_emulator/traffic/{endpointName}`: returns whether one was running. */
  stopTraffic(endpointName: string): boolean;
  /** `DELETE /_emulator/traffic`. */
  stopAllTraffic(): void;
  /** `DELETE /_emulator/metrics`: forget every CloudWatch datapoint. */
  clearMetrics(): void;
  /**
   * `GET /_emulator/load`: every variant that served a request, with its capacity per instance and the
   * peak load per instance it served (requests per second, over the capacity window) with the capacity of that moment.
   */
  load(): VariantLoad[];
  /** `DELETE /_emulator/load`: forget every peak. */
  clearLoad(): void;
  /** `GET /_emulator/scaling`: the steps the autoscaling simulation took (none when it is off), oldest first. */
  scalingSteps(): ScalingStep[];
}

/** Routes `/_emulator/<route>` requests onto a control. Returns undefined for an unknown route. */
export function routeControlRequest(control: EmulatorControl, method: string, route: string, body: unknown): { status: number; body: unknown } | undefined {
  const ok = (value: unknown = { ok: true }) => ({ status: 200, body: value });
  if (method === 'DELETE' && route.startsWith('traffic/')) {
    return ok({ stopped: control.stopTraffic(decodeURIComponent(route.slice('traffic/'.length))) });
  }
  switch (`${method} ${route}`) {
    case 'GET health':
      return ok();
    case 'GET state':
      return ok(control.state());
    case 'POST reset':
      control.reset();
      return ok();
    case 'GET calls':
      return ok(control.calls());
    case 'DELETE calls':
      control.clearCalls();
      return ok();
    case 'GET faults':
      return ok(control.faults());
    case 'PUT faults': {
      const rules = Array.isArray(body) ? body : (body as { rules?: unknown } | undefined)?.rules;
      if (!Array.isArray(rules)) return { status: 400, body: { message: 'expected a JSON array of fault rules' } };
      control.setFaults(rules as FaultRule[]);
      return ok(control.faults());
    }
    case 'GET behaviours':
      return ok(control.behaviours());
    case 'PUT behaviours':
      if (!isPlainObject(body)) return { status: 400, body: { message: 'expected an object of image -> behaviour' } };
      control.setBehaviours(body as Record<string, ModelBehaviour>);
      return ok(control.behaviours());
    case 'GET timings':
      return ok(control.timings());
    case 'PUT timings':
      if (!isPlainObject(body)) return { status: 400, body: { message: 'expected an object of timings' } };
      return ok(control.setTimings(body as Partial<EmulatorTimings>));
    case 'GET settings':
      return ok(control.settings());
    case 'PUT settings':
      if (!isPlainObject(body)) return { status: 400, body: { message: 'expected an object of settings' } };
      return ok(control.setSettings(body as Partial<EmulatorSettings>));
    case 'GET traffic':
      return ok(control.traffic());
    case 'POST traffic':
      return ok(control.startTraffic(body as TrafficSpec));
    case 'DELETE traffic':
      control.stopAllTraffic();
      return ok();
    case 'DELETE metrics':
      control.clearMetrics();
      return ok();
    case 'GET load':
      return ok(control.load());
    case 'DELETE load':
      control.clearLoad();
      return ok();
    case 'GET scaling':
      return ok(control.scalingSteps());
    default:
      return undefined;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
