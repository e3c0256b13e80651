/** The canary rollout's input: its schema (validated by the CLI and again by the workflow) and the operator controls' payloads. */
import { z } from 'zod';
import { isCloudWatchPeriod } from '../cloudwatch-periods';
import { DURATION_PATTERN, parseDuration } from '../duration';
import { modelRefString } from '../model-ref';
import { pollPolicySchema } from '../schemas';
import { awsName, duration, instanceCount, instanceType, roleArn, validate, type InputIssue } from '../validation';
import { windowsSchema } from '../windows';

/** Default ramp: share of traffic (percent) on the canary at each step. */
export const DEFAULT_STEPS = [5, 25, 50, 100];

const steps = z
  .array(
    z.number({ error: 'each step must be a percentage' }).gt(0, { error: 'each step must be above 0' }).max(100, { error: 'each step must be at most 100' }),
    {
      error: 'must be a list of percentages such as [5, 25, 50, 100]',
    },
  )
  .min(1, { error: 'must hold at least one step' })
  .max(20, { error: 'at most 20 steps' })
  .refine((s) => s.every((v, i) => i === 0 || v > s[i - 1]), { error: 'must be strictly increasing' })
  .refine((s) => s[s.length - 1] === 100, { error: 'must end at 100' })
  // The 100 % step is the promotion; a ramp of [100] alone would put all traffic on the canary variant of
  // the ramp config, unjudged. A direct switch is a deploy (mode replace).
  .refine((s) => s.length !== 1, { error: 'must hold at least one step below 100 before the 100 % step (for a direct switch, deploy with mode replace)' });

export const gateSchema = z.strictObject({
  /** Highest canary 5xx error rate (0..1) allowed, whatever the baseline does. @default 0.01 */
  maxErrorRate: z.number().min(0).max(1, { error: 'must be a rate between 0 and 1' }).default(0.01),
  /** Highest canary 5xx rate above the baseline's over the same window. @default 0.005 */
  maxErrorRateIncrease: z.number().min(0).max(1, { error: 'must be a rate between 0 and 1' }).default(0.005),
  /** Highest canary p99 ModelLatency (ms), whatever the baseline does. Unset: no absolute limit. */
  maxP99LatencyMs: z.number().positive({ error: 'must be a positive number of milliseconds' }).optional(),
  /** Highest canary p99 latency as a multiple of the baseline's. @default 1.5 */
  maxLatencyRatio: z.number().min(1, { error: 'must be at least 1' }).default(1.5),
  /** Canary invocations needed in the window before judging. @default 100 */
  minInvocations: z.number().int().min(1, { error: 'must be at least 1' }).default(100),
  /** What an inconclusive verdict (too little traffic) does: measure again, pause for a human, or fail. @default 'wait' */
  onInconclusive: z.enum(['wait', 'pause', 'fail'], { error: 'must be "wait", "pause" or "fail"' }).default('wait'),
  /** How many times in a row `wait` re-measures before failing. @default 3 */
  maxInconclusive: z.number().int().min(1).max(100).default(3),
  /** CloudWatch alarms that fail the gate when in ALARM. */
  alarms: z.array(z.string().min(1).max(255)).max(10, { error: 'at most 10 alarms' }).default([]),
  /** Record verdicts without acting on them (a failing gate does not roll back). @default false */
  dryRun: z.boolean().default(false),
  /**
   * CloudWatch period granularity (SageMaker publishes per minute). CloudWatch serves periods of 1, 5, 10,
   * 20, 30 s or a multiple of 60 s, the sub-minute ones only for high-resolution metrics (MetricStat,
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricStat.html). @default '60s'
   */
  metricPeriod: duration
    // (a malformed duration is reported by `duration`'s own rule)
    .refine((d) => !DURATION_PATTERN.test(d) || isCloudWatchPeriod(parseDuration(d) / 1000), {
      error: (iss) => `must be 1s, 5s, 10s, 20s, 30s or a whole number of minutes (CloudWatch's periods); got ${JSON.stringify(iss.input)}`,
    })
    .default('60s'),
  /**
   * How late metrics may arrive in CloudWatch: a step is judged only once its bake window ended this long
   * ago, so the gate never judges datapoints that are still missing. @default two metric periods (2 min
   * with SageMaker's 1-minute metrics)
   */
  ingestionDelay: duration.optional(),
});

export const canaryInputSchema = z
  .strictObject({
    endpointName: awsName,
    /** The version to roll out: a registered model (package group) and version, which must be Approved. */
    model: z.strictObject({
      name: awsName,
      version: z.number({ error: 'must be a version number' }).int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }),
    }),
    executionRoleArn: roleArn,
    canary: z
      .strictObject({
        /** @default 'canary' */
        variantName: awsName.default('canary'),
        /**
         * Must be the baseline variant's instance type when given (the canary is promoted onto the baseline's
         * type and autoscaling; change a type with the update pipeline). @default the baseline's type
         */
        instanceType: instanceType.optional(),
        /**
         * The canary's floor: it never runs fewer instances. Its count follows its weight, at least
         * ceil(baseline live count × weight / 100) (docs/canary-capacity.md). @default 1
         */
        instanceCount: instanceCount.default(1),
        /**
         * The canary's ceiling: a rollout that would need more instances (the baseline's live count at 100%)
         * is refused, and one whose baseline scales out past it mid-rollout rolls back. Unset: no ceiling.
         */
        maxInstanceCount: instanceCount.optional(),
      })
      .refine((c) => c.maxInstanceCount === undefined || c.maxInstanceCount >= c.instanceCount, {
        path: ['maxInstanceCount'],
        error: 'must be at least canary.instanceCount (the ceiling cannot be below the floor)',
      })
      .default({ variantName: 'canary', instanceCount: 1 }),
    /** Canary traffic share (%) per step; strictly increasing, ending at 100. @default [5, 25, 50, 100] */
    steps: steps.default(DEFAULT_STEPS),
    /** Steps (by their percentage) that wait for an `approve` signal before traffic shifts to them. */
    approvalSteps: z.array(z.number()).default([]),
    /** How long each step serves traffic before its gate judges it. @default '10m' */
    bake: duration.default('10m'),
    gate: gateSchema.default(gateSchema.parse({})),
    /** Longest a step may take to pass its gate, not counting pauses. @default '1h' */
    progressDeadline: duration.default('1h'),
    /** Deadline for each endpoint change to reach InService. @default '60m' */
    inServiceTimeout: duration.default('60m'),
    /** Allowed deployment windows; outside them the rollout holds before its next step. */
    windows: windowsSchema.optional(),
    /** Keep superseded models and configs instead of deleting them once unused. @default false */
    keepSuperseded: z.boolean().default(false),
    /** Allow a ramp without any gate check (dry run gate) on this endpoint. @default false */
    force: z.boolean().default(false),
    /** POST a JSON event here on start, each step, pause, abort, rollback and completion. */
    webhookUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    poll: pollPolicySchema.default({}),
  })
  .superRefine((input, ctx) => {
    for (const s of input.approvalSteps) {
      if (!input.steps.includes(s))
        ctx.addIssue({ code: 'custom', path: ['approvalSteps'], message: `${s} is not one of the steps ${JSON.stringify(input.steps)}` });
    }
    if (input.gate.dryRun && !input.force) {
      ctx.addIssue({ code: 'custom', path: ['gate', 'dryRun'], message: 'a dry-run gate never stops a bad canary; set force: true to ramp without a gate' });
    }
  });

export type CanaryInput = z.input<typeof canaryInputSchema>;

/**
 * The same input with `model` given as a reference as users write it (`{ ref: 'models:/churn@champion' }`):
 * the workflow resolves it to one version before anything else, records it in its status and result,
 * and validates the rest as usual.
 */
export type CanaryRefInput = Omit<CanaryInput, 'model'> & { model: CanaryModelRef };
export type CanaryModelRef = z.input<typeof canaryModelRefSchema>;

/** `model: { ref }`: see model-ref.ts for the forms. */
export const canaryModelRefSchema = z.strictObject({ ref: modelRefString });

/** The reference in a canary input, or undefined when it names a version directly. */
export function canaryModelRef(input: { model?: unknown }): string | undefined {
  const model = input.model;
  return model && typeof model === 'object' && 'ref' in model ? (model as { ref: string }).ref : undefined;
}

/** A `model: { ref }` that breaks a rule: its issues, named from the input's root (`model.ref`); else undefined. */
export function canaryModelRefIssues(model: unknown): InputIssue[] | undefined {
  const checked = validate(canaryModelRefSchema, model);
  return checked.ok ? undefined : checked.issues.map((i) => ({ ...i, field: i.field === '(input)' ? 'model' : `model.${i.field}` }));
}

/**
 * The input with its `model.ref` replaced by the version it resolved to, and the record of what it
 * resolved to: the rollout and `plan canary` resolve a reference the same way.
 */
export function withResolvedModelRef(
  input: object,
  ref: string,
  resolved: { pinned: string; moving: boolean; version: { model: string; version: number } },
): { named: unknown; modelRef: ResolvedModelRefRecord } {
  return {
    named: { ...input, model: { name: resolved.version.model, version: resolved.version.version } },
    modelRef: { ref, pinned: resolved.pinned, moving: resolved.moving },
  };
}

/** What a run's model reference resolved to, recorded so the run can be reproduced. */
export interface ResolvedModelRefRecord {
  /** The reference as written (e.g. `models:/churn@champion`). */
  ref: string;
  /** The fixed reference it resolved to (`models:/churn/7` or a model package ARN). */
  pinned: string;
  /** Whether `ref` can name another version later. */
  moving: boolean;
}
export type CanaryRequest = z.output<typeof canaryInputSchema>;
export type GateConfig = z.output<typeof gateSchema>;

/** Signal and update payloads. */
export interface ActorInput {
  by?: string;
  reason?: string;
}
export interface PauseInput extends ActorInput {
  /** Resume by itself after this long. */
  duration?: string;
}
export interface PromoteInput extends ActorInput {
  /** Straight to 100%, skipping the remaining steps and gates. */
  full?: boolean;
}
export interface SetWeightInput extends ActorInput {
  weight: number;
}
