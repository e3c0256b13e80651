import { Option, type Command } from 'commander';
import { canaryInputSchema } from '../../domain/canary/input';
import { canaryStatusQuery } from '../../workflows/messages';
import { integer, number, numbers } from '../parse-values';
import { addFlags, flag, flagFields, pipelineCommand, pipelineInput, type PipelineFlag } from '../pipeline-command';
import type { FlagField } from '../input-file';
import { describeCanaryStatus } from '../status-lines';

const list = (v: string) =>
  v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** The canary's flags, shared by `canary`, `plan canary` and `schedule rollout`. */
export const CANARY_FLAGS: readonly PipelineFlag[] = [
  flag('endpointName', '--endpoint <name>', 'endpoint serving the current (baseline) version (endpointName)'),
  flag('model.name', '--model <name>', 'registered model name (model.name)'),
  flag('model.version', '--version <n>', 'version to roll out; must be Approved (model.version)', integer),
  flag('executionRoleArn', '--role <arn>', 'execution role for the new SageMaker model (executionRoleArn)'),
  flag('steps', '--steps <list>', 'canary traffic % per step (default 5,25,50,100)', numbers),
  flag('approvalSteps', '--approval-steps <list>', 'steps that wait for `modelship approve` first, e.g. 50,100', numbers),
  flag('bake', '--bake <duration>', 'time each step serves traffic before its gate (default 10m)'),
  flag('canary.variantName', '--canary-variant <name>', 'canary variant name (default canary)'),
  flag('canary.instanceType', '--canary-instance-type <type>', "canary instance type (default: the baseline variant's)"),
  flag('canary.instanceCount', '--canary-instance-count <n>', 'canary instances (default 1)', integer),
  flag('gate.maxErrorRate', '--max-error-rate <rate>', 'absolute canary 5xx limit, 0..1 (default 0.01)', number),
  flag('gate.maxErrorRateIncrease', '--max-error-rate-increase <rate>', 'canary 5xx above baseline limit (default 0.005)', number),
  flag('gate.maxP99LatencyMs', '--max-p99-latency-ms <ms>', 'absolute canary p99 ModelLatency limit', number),
  flag('gate.maxLatencyRatio', '--max-latency-ratio <x>', 'canary p99 / baseline p99 limit (default 1.5)', number),
  flag('gate.minInvocations', '--min-invocations <n>', 'canary requests needed before judging (default 100)', integer),
  {
    option: new Option('--on-inconclusive <what>', 'too little traffic: measure again, pause, or fail (default wait)').choices(['wait', 'pause', 'fail']),
    field: 'gate.onInconclusive',
  },
  flag('gate.metricPeriod', '--metric-period <duration>', 'CloudWatch period the gate reads; it judges whole periods only (default 60s)'),
  flag(
    'gate.ingestionDelay',
    '--ingestion-delay <duration>',
    'how late CloudWatch metrics arrive; the gate judges up to now minus this (default two metric periods)',
  ),
  flag('gate.alarms', '--alarm <names>', 'CloudWatch alarms that fail the gate in ALARM (comma-separated)', list),
  flag('gate.dryRun', '--dry-run-gate', 'record gate verdicts without acting (needs --force)'),
  flag('force', '--force', 'allow a ramp whose gate cannot stop it'),
  flag('progressDeadline', '--progress-deadline <duration>', 'longest a step may take to pass (default 1h)'),
  flag('webhookUrl', '--webhook <url>', 'POST a JSON event on start, steps, pause, abort, rollback, completion'),
  flag('keepSuperseded', '--keep-superseded', 'keep the old model and configs instead of deleting them'),
];

/** Adds the canary's -f and flags to a command that reads a canary input (`schedule rollout`). */
export function addCanaryOptions(cmd: Command): Command {
  return addFlags(cmd.option('-f, --file <path>', "canary input as YAML or JSON, with the workflow input's field names"), CANARY_FLAGS);
}

/** The canary input from -f and flags (flags win). */
export function canaryInputFrom(parsed: Record<string, unknown>): Record<string, unknown> {
  return pipelineInput(parsed, CANARY_FLAGS);
}

export const CANARY_FIELDS: readonly FlagField[] = flagFields(CANARY_FLAGS);

export function canaryCommand() {
  return pipelineCommand({
    name: 'canary',
    summary: 'roll a registered version out gradually (5 → 25 → 50 → 100%) with health gates',
    description:
      "Adds the new version as a canary variant beside the endpoint's current one, then shifts traffic step " +
      "by step. After each bake it compares the canary's CloudWatch metrics (5xx rate, p99 ModelLatency) with " +
      "the baseline's over the same window. A failing gate, an abort or an AWS error sends all traffic back to " +
      'the baseline at once and removes the canary.\n\n' +
      'Steer it while it runs with pause, resume, promote (--full), set-weight, approve and abort.',
    examples: ['modelship canary --endpoint churn-prod --model churn --version 8 \\\n' + '    --role arn:aws:iam::123456789012:role/sm-exec --bake 15m'],
    flags: CANARY_FLAGS,
    schema: canaryInputSchema,
    statusQuery: canaryStatusQuery,
    describe: describeCanaryStatus,
    model: (input) => input.model.name,
    runSummary: (input) => `canary ${input.model.name} v${input.model.version} on ${input.endpointName} (${input.steps.join(' → ')}%)`,
  });
}
