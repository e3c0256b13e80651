/** What a canary rollout reports: its phases, gate verdicts, operator actions, status and result. */
import type { ResolvedModelRefRecord } from './input';

export const CANARY_PHASES = [
  'validating',
  'preparing',
  'starting',
  'holding',
  'awaiting-approval',
  'shifting',
  'baking',
  'judging',
  'paused',
  'finalizing',
  'cleaning-up',
  'rolling-back',
  'succeeded',
  'rolled-back',
] as const;
export type CanaryPhase = (typeof CANARY_PHASES)[number];

export interface OperatorAction {
  at: string;
  action: 'pause' | 'resume' | 'abort' | 'promote' | 'promote-full' | 'set-weight' | 'approve';
  by?: string;
  reason?: string;
  detail?: string;
}

export interface VariantMetrics {
  variantName: string;
  invocations: number;
  errors5xx: number;
  errors4xx: number;
  /** p99 ModelLatency in milliseconds; undefined when there was no traffic. */
  p99LatencyMs?: number;
}

export type Verdict = 'pass' | 'fail' | 'inconclusive';

export interface GateResult {
  step: number;
  weight: number;
  at: string;
  window: { start: string; end: string };
  baseline: VariantMetrics;
  canary: VariantMetrics;
  alarmsInAlarm: string[];
  verdict: Verdict;
  reasons: string[];
  /** A dry-run gate records verdicts without acting on them. */
  dryRun: boolean;
}

export interface CanaryStatus {
  phase: CanaryPhase;
  endpointName: string;
  model: string;
  version: number;
  baselineVariant?: string;
  canaryVariant: string;
  /** Index into `steps` of the current step (-1 before the first). */
  stepIndex: number;
  steps: number[];
  /** Canary traffic share (%) now. */
  canaryWeight: number;
  /** Instances the canary runs now, verified InService (its count follows its weight). */
  canaryInstances?: number;
  paused: boolean;
  pausedUntil?: string;
  gates: GateResult[];
  actions: OperatorAction[];
  error?: string;
  /** After a rollback (an abort, a failure or a cancel): what was undone, and what could not be (needs an operator). */
  rolledBack?: string[];
  rollbackFailures?: string[];
  /** Set when the input gave `model.ref`: which version it resolved to at the start of the run. */
  modelRef?: ResolvedModelRefRecord;
}

export interface CanaryResult {
  endpointName: string;
  version: number;
  endpointConfigName: string;
  gates: GateResult[];
  removed: string[];
  /** Set when the input gave `model.ref`. */
  modelRef?: ResolvedModelRefRecord;
}
