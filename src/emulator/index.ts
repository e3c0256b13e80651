/** Public entry point of the local AWS emulator. */
export { startEmulator, DEFAULT_TIMINGS, DEFAULT_MAX_BODY_BYTES } from './server';
export type { Emulator, EmulatorOptions } from './server';
export type { EmulatorControl } from './control';
export { EmulatorControlClient } from './control-client';
export type { CallStats, CreateCall } from './calls';
export type { FaultRule, FaultKind, ThrottleFault, ServerErrorFault, LatencyFault, SlowTransitionsFault, FailTransitionFault } from './faults';
export type { EmulatorTimings, EmulatorSettings, JsonService, Operation, RequestContext, RuntimeHandler, RuntimeRequest, RuntimeResponse } from './service';
export { AwsError } from './errors';
export type { EmulatorState, ModelBehaviour, StateSnapshot } from './state';
export { behaviourOfVariant } from './state';
export { runEmulatorFromArgs, parseEmulatorArgs } from './main';
export type { ScalingSimulationOptions, ScalingStep } from './autoscaling-simulation';
export type { MetricsStoreOptions } from './metrics';
export type { TrafficSpec, TrafficStatus } from './traffic';
export type { VariantLoad } from './capacity';
export { capacityPerInstance } from './capacity';
