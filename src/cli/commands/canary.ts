import { Command, Option } from 'commander';
import { canaryInputSchema } from '../../domain/canary/input';
import type { CanaryStatus } from '../../domain/canary/status';
import { endpointWorkflowId } from '../../domain/names';
import { validate } from '../../domain/validation';
import type { canaryRollout } from '../../workflows/canary';
import { canaryStatusQuery, WORKFLOW_TYPES } from '../../workflows/messages';
import { addTemporalOptions, connectClient, type TemporalOptions } from '../connection';
import { addPlanOptions, planRequested, printPlan } from '../plan-options';
import { readInputFile, setPath } from '../input-file';
import { refuseInvalid, runPipeline, type OutputOptions } from '../run-pipeline';
import { describeCanaryStatus } from '../status-lines';

const list = (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean);
const numbers = (v: string) => list(v).map(Number);

/** Reads a canary input from -f and flags (flags win); shared by `canary` and `plan canary`. */
export function canaryInputFrom(flags: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = typeof flags.file === 'string' ? readInputFile(flags.file) : {};
  setPath(input, 'endpointName', flags.endpoint);
  setPath(input, 'model.name', flags.model);
  setPath(input, 'model.version', flags.version);
  setPath(input, 'executionRoleArn', flags.role);
  setPath(input, 'canary.variantName', flags.canaryVariant);
  setPath(input, 'canary.instanceType', flags.canaryInstanceType);
  setPath(input, 'canary.instanceCount', flags.canaryInstanceCount);
  setPath(input, 'steps', flags.steps);
  setPath(input, 'approvalSteps', flags.approvalSteps);
  setPath(input, 'bake', flags.bake);
  setPath(input, 'gate.maxErrorRate', flags.maxErrorRate);
  setPath(input, 'gate.maxErrorRateIncrease', flags.maxErrorRateIncrease);
  setPath(input, 'gate.maxP99LatencyMs', flags.maxP99LatencyMs);
  setPath(input, 'gate.maxLatencyRatio', flags.maxLatencyRatio);
  setPath(input, 'gate.minInvocations', flags.minInvocations);
  setPath(input, 'gate.onInconclusive', flags.onInconclusive);
  setPath(input, 'gate.alarms', flags.alarm);
  setPath(input, 'gate.dryRun', flags.dryRunGate);
  setPath(input, 'gate.metricPeriod', flags.metricPeriod);
  setPath(input, 'gate.ingestionDelay', flags.ingestionDelay);
  setPath(input, 'progressDeadline', flags.progressDeadline);
  setPath(input, 'webhookUrl', flags.webhook);
  setPath(input, 'keepSuperseded', flags.keepSuperseded);
  setPath(input, 'force', flags.force);
  return input;
}

export function addCanaryOptions(cmd: Command): Command {
  return cmd
    .option('-f, --file <path>', 'canary input as YAML or JSON')
    .option('--endpoint <name>', 'endpoint serving the current (baseline) version (endpointName)')
    .option('--model <name>', 'registered model name (model.name)')
    .option('--version <n>', 'version to roll out; must be Approved (model.version)', Number)
    .option('--role <arn>', 'execution role for the new SageMaker model (executionRoleArn)')
    .option('--steps <list>', 'canary traffic % per step (default 5,25,50,100)', numbers)
    .option('--approval-steps <list>', 'steps that wait for `modelship approve` first, e.g. 50,100', numbers)
    .option('--bake <duration>', 'time each step serves traffic before its gate (default 10m)')
    .option('--canary-variant <name>', 'canary variant name (default canary)')
    .option('--canary-instance-type <type>', 'default: the baseline variant\'s')
    .option('--canary-instance-count <n>', 'default 1', Number)
    .option('--max-error-rate <rate>', 'absolute canary 5xx limit, 0..1 (default 0.01)', Number)
    .option('--max-error-rate-increase <rate>', 'canary 5xx above baseline limit (default 0.005)', Number)
    .option('--max-p99-latency-ms <ms>', 'absolute canary p99 ModelLatency limit', Number)
    .option('--max-latency-ratio <x>', 'canary p99 / baseline p99 limit (default 1.5)', Number)
    .option('--min-invocations <n>', 'canary requests needed before judging (default 100)', Number)
    .addOption(new Option('--on-inconclusive <what>', 'too little traffic: measure again, pause, or fail (default wait)').choices(['wait', 'pause', 'fail']))
    .option('--metric-period <duration>', 'CloudWatch period the gate reads; it judges whole periods only (default 60s)')
    .option('--ingestion-delay <duration>', 'how late CloudWatch metrics arrive; the gate judges up to now minus this (default two metric periods)')
    .option('--alarm <names>', 'CloudWatch alarms that fail the gate in ALARM (comma-separated)', list)
    .option('--dry-run-gate', 'record gate verdicts without acting (needs --force)')
    .option('--force', 'allow a ramp whose gate cannot stop it')
    .option('--progress-deadline <duration>', 'longest a step may take to pass (default 1h)')
    .option('--webhook <url>', 'POST a JSON event on start, steps, pause, abort, rollback, completion')
    .option('--keep-superseded', 'keep the old model and configs instead of deleting them');
}

export function canaryCommand(): Command {
  const cmd = new Command('canary')
    .summary('roll a registered version out gradually (5 → 25 → 50 → 100%) with health gates')
    .description(
      'Adds the new version as a canary variant beside the endpoint\'s current one, then shifts traffic step by\n' +
        'step. After each bake it compares the canary\'s CloudWatch metrics (5xx rate, p99 ModelLatency) with\n' +
        'the baseline\'s over the same window. A failing gate, an abort or an AWS error sends all traffic back\n' +
        'to the baseline at once and removes the canary. Steer it while it runs with pause, resume, promote\n' +
        '(--full), set-weight, approve and abort.'
    )
    .option('--json', 'print one JSON document with the result or failure instead of progress lines')
    .option('--no-wait', 'start the rollout, print its workflow id and exit')
    .addHelpText('after', '\nExample:\n  modelship canary --endpoint churn-prod --model churn --version 8 --role arn:aws:iam::123456789012:role/sm-exec --bake 15m\n');
  return addPlanOptions(addTemporalOptions(addCanaryOptions(cmd))).action(async (flags: TemporalOptions & OutputOptions & Record<string, unknown>) => {
    const input = canaryInputFrom(flags);
    const checked = validate(canaryInputSchema, input);
    if (!checked.ok) refuseInvalid(checked.issues);
    if (planRequested(flags)) return void (process.exitCode = await printPlan('canary', input, flags));
    process.exitCode = await runPipeline<typeof canaryRollout, CanaryStatus>(
      {
        client: await connectClient(flags),
        workflowType: WORKFLOW_TYPES.canary,
        workflowId: endpointWorkflowId(checked.value.endpointName),
        taskQueue: flags.taskQueue,
        where: flags,
        pipeline: 'canary',
        model: checked.value.model.name,
        args: [input as Parameters<typeof canaryRollout>[0]],
        statusQuery: canaryStatusQuery,
        describe: describeCanaryStatus,
        summary: `canary ${checked.value.model.name} v${checked.value.model.version} on ${checked.value.endpointName} (${checked.value.steps.join(' → ')}%)`,
      },
      flags
    );
  });
}
