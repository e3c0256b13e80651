/**
 * Talks to a running emulator's control API (`/_emulator/`) over HTTP, for tests and benchmarks that run
 * the emulator in another process. Same method names as {@link EmulatorControl}, returning promises.
 */
import type { CallStats } from './calls';
import type { EmulatorControl } from './control';
import type { FaultRule } from './faults';
import type { EmulatorSettings, EmulatorTimings } from './service';
import type { ModelBehaviour, StateSnapshot } from './state';
import type { TrafficSpec, TrafficStatus } from './traffic';
import type { VariantLoad } from './capacity';
import type { ScalingStep } from './autoscaling-simulation';

type Async<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never };

export class EmulatorControlClient implements Async<EmulatorControl> {
  private readonly base: string;

  /** @param url the emulator's base URL, e.g. `http://127.0.0.1:4566`. */
  constructor(url: string) {
    this.base = url.replace(/\/+$/, '') + '/_emulator/';
  }

  state(): Promise<StateSnapshot> {
    return this.call('GET', 'state');
  }
  async reset(): Promise<void> {
    await this.call('POST', 'reset');
  }
  calls(): Promise<CallStats> {
    return this.call('GET', 'calls');
  }
  async clearCalls(): Promise<void> {
    await this.call('DELETE', 'calls');
  }
  faults(): Promise<FaultRule[]> {
    return this.call('GET', 'faults');
  }
  async setFaults(rules: FaultRule[]): Promise<void> {
    await this.call('PUT', 'faults', rules);
  }
  behaviours(): Promise<Record<string, ModelBehaviour>> {
    return this.call('GET', 'behaviours');
  }
  async setBehaviours(behaviours: Record<string, ModelBehaviour>): Promise<void> {
    await this.call('PUT', 'behaviours', behaviours);
  }
  timings(): Promise<EmulatorTimings> {
    return this.call('GET', 'timings');
  }
  setTimings(timings: Partial<EmulatorTimings>): Promise<EmulatorTimings> {
    return this.call('PUT', 'timings', timings);
  }
  settings(): Promise<EmulatorSettings> {
    return this.call('GET', 'settings');
  }
  setSettings(settings: Partial<EmulatorSettings>): Promise<EmulatorSettings> {
    return this.call('PUT', 'settings', settings);
  }

  traffic(): Promise<TrafficStatus[]> {
    return this.call('GET', 'traffic');
  }
  startTraffic(spec: TrafficSpec): Promise<TrafficStatus> {
    return this.call('POST', 'traffic', spec);
  }
  async stopTraffic(endpointName: string): Promise<boolean> {
    return (await this.call<{ stopped: boolean }>('DELETE', `traffic/${encodeURIComponent(endpointName)}`)).stopped;
  }
  async stopAllTraffic(): Promise<void> {
    await this.call('DELETE', 'traffic');
  }
  async clearMetrics(): Promise<void> {
    await this.call('DELETE', 'metrics');
  }
  load(): Promise<VariantLoad[]> {
    return this.call('GET', 'load');
  }
  async clearLoad(): Promise<void> {
    await this.call('DELETE', 'load');
  }
  scalingSteps(): Promise<ScalingStep[]> {
    return this.call('GET', 'scaling');
  }

  private async call<T>(method: string, route: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'application/json' };
    }
    const response = await fetch(this.base + route, init);
    const text = await response.text();
    if (!response.ok) throw new Error(`emulator control ${method} ${route} failed (${response.status}): ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
