import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ActorInput, CanaryRequest, PauseInput, PromoteInput, SetWeightInput } from '../domain/canary/input';
import type { CanaryPhase, CanaryStatus, GateResult, OperatorAction } from '../domain/canary/status';
import { parseDuration } from '../domain/duration';
import { SEARCH_ATTRIBUTES } from '../domain/search-attributes';

/** Phases in which a weight change is applied at once (the bake loop picks it up). */
const STEERABLE: CanaryPhase[] = ['baking', 'judging', 'paused'];

/**
 * The canary rollout's state: what the `status` query returns and what operator signals and updates
 * change. The workflow function reads the flags; handlers only record intent here.
 */
export class CanaryState {
  readonly status: CanaryStatus;
  /** Set by `abort`. */
  abortedBy?: ActorInput;
  /** Set by `promote`: skip to the next step, or straight to 100%. */
  promotion?: 'next' | 'full';
  /** Epoch ms at which a timed pause ends by itself. */
  pausedUntil?: number;
  /** A `setWeight` accepted but not yet applied. */
  pendingWeight?: number;
  /** Each accepted `setWeight` by ticket: null once applied, the reason when it was not. */
  private readonly weightOutcomes = new Map<number, string | null>();
  private weightTickets = 0;
  /** The step weight an approval is being waited for, while it is. */
  awaitingApprovalFor?: number;
  /** Step weights an `approve` signal has released. */
  readonly approved = new Set<number>();

  constructor(req: CanaryRequest) {
    this.status = {
      phase: 'validating',
      endpointName: req.endpointName,
      model: req.model.name,
      version: req.model.version,
      canaryVariant: req.canary.variantName,
      stepIndex: -1,
      steps: req.steps,
      canaryWeight: 0,
      paused: false,
      gates: [],
      actions: [],
    };
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.endpoint, value: req.endpointName },
      { key: SEARCH_ATTRIBUTES.model, value: req.model.name },
      { key: SEARCH_ATTRIBUTES.version, value: String(req.model.version) },
      { key: SEARCH_ATTRIBUTES.pipeline, value: 'canary' },
      { key: SEARCH_ATTRIBUTES.step, value: 'validating' },
    ]);
  }

  phase(phase: CanaryPhase): void {
    this.status.phase = phase;
    const where = this.status.stepIndex >= 0 ? `${phase} ${this.status.canaryWeight}%` : phase;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.step, value: where }]);
  }

  gate(result: GateResult): void {
    this.status.gates.push(result);
  }

  private record(action: OperatorAction['action'], input: ActorInput, detail?: string): void {
    this.status.actions.push({ at: new Date().toISOString(), action, by: input.by, reason: input.reason, detail });
  }

  // Operator controls (signal handlers).

  pause(input: PauseInput = {}): void {
    this.record('pause', input, input.duration ? `for ${input.duration}` : undefined);
    this.status.paused = true;
    this.pausedUntil = input.duration ? Date.now() + parseDuration(input.duration) : undefined;
    this.status.pausedUntil = this.pausedUntil ? new Date(this.pausedUntil).toISOString() : undefined;
  }

  resume(input: ActorInput = {}): void {
    this.record('resume', input);
    this.unpause();
  }

  unpause(): void {
    this.status.paused = false;
    this.pausedUntil = undefined;
    this.status.pausedUntil = undefined;
  }

  abort(input: ActorInput = {}): void {
    this.record('abort', input);
    this.abortedBy ??= input;
  }

  promote(input: PromoteInput = {}): void {
    this.record(input.full ? 'promote-full' : 'promote', input);
    // A full promotion is never downgraded by a later plain one.
    this.promotion = input.full || this.promotion === 'full' ? 'full' : 'next';
    this.unpause();
  }

  approve(input: ActorInput = {}): void {
    // The step actually next: after an off-plan setWeight that is the first step above the live weight.
    const weight = this.awaitingApprovalFor ?? this.status.steps.find((s) => s > this.status.canaryWeight);
    this.record('approve', input, `step ${weight}%`);
    if (weight !== undefined) this.approved.add(weight);
  }

  /** Update validator: synchronous, and rejects what makes no sense (the caller gets the message). */
  validateSetWeight(input: SetWeightInput): void {
    const w = input?.weight;
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0 || w >= 100) {
      throw new Error(`weight must be a number from 0 to 99 (use promote --full for 100); got ${JSON.stringify(w)}`);
    }
    if (!STEERABLE.includes(this.status.phase) || this.status.stepIndex < 0) {
      throw new Error(`the rollout is ${this.status.phase}; weights can be set only while the canary serves traffic`);
    }
    if (this.pendingWeight !== undefined) throw new Error(`a weight change to ${this.pendingWeight}% is already being applied`);
    if (w === this.status.canaryWeight) throw new Error(`the canary already has ${w}%`);
  }

  /** Records the request and returns its ticket, which `weightOutcome` answers once it is settled. */
  setWeight(input: SetWeightInput): number {
    this.record('set-weight', input, `${this.status.canaryWeight}% -> ${input.weight}%`);
    this.pendingWeight = input.weight;
    return ++this.weightTickets;
  }

  /** Ends the pending setWeight: applied (no reason) or not (why), so its update never hangs. */
  settleWeight(notAppliedBecause?: string): void {
    if (this.pendingWeight === undefined) return;
    this.weightOutcomes.set(this.weightTickets, notAppliedBecause ?? null);
    this.pendingWeight = undefined;
  }

  /** undefined while pending; null once applied; the reason it was not applied otherwise. */
  weightOutcome(ticket: number): string | null | undefined {
    return this.weightOutcomes.get(ticket);
  }

  /** Anything the bake loop must react to before its timer ends. */
  get interrupted(): boolean {
    return this.status.paused || !!this.abortedBy || !!this.promotion || this.pendingWeight !== undefined;
  }

  event(event: string, extra: Record<string, unknown> = {}) {
    const { workflowId } = workflowInfo();
    return {
      event,
      workflowId,
      endpointName: this.status.endpointName,
      at: new Date().toISOString(),
      version: this.status.version,
      weight: this.status.canaryWeight,
      ...extra,
    };
  }
}
