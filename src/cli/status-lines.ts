import type { CanaryStatus, GateResult } from '../domain/canary/status';
import type { DeleteStatus } from '../domain/delete/status';
import type { DeployStatus } from '../domain/deploy/status';
import type { UpdateStatus } from '../domain/update/status';

export function describeDeployStatus(s: DeployStatus): string {
  const version = s.version ? ` ${s.modelName} v${s.version}` : '';
  // Once decided (--auto-approve, or an approve already received) the step lasts until the registry
  // records the decision: say what was decided, never ask for an approval that is no longer needed.
  if (s.step === 'awaiting-approval' && s.approval) {
    const by = s.approval.decision === 'auto' ? ' (--auto-approve)' : s.approval.by ? ` by ${s.approval.by}` : '';
    return `${s.approval.decision === 'rejected' ? 'rejected' : 'approved'}${version}${by}`;
  }
  if (s.step === 'awaiting-approval') {
    return `awaiting approval of${version}: run \`modelship approve ${s.endpointName}\` (or \`modelship reject ${s.endpointName}\`)`;
  }
  const created = s.created.filter((c) => c.kind !== 'model-package').map((c) => c.name);
  return `${s.step}${version}${created.length ? ` (created: ${created.join(', ')})` : ''}${s.error ? ` error: ${s.error}` : ''}`;
}

/**
 * Lines for decisions a status keeps recording after its step has passed (a deploy's approval), so that
 * progress output names them even if no status query landed while the step lasted. Each is the line the
 * step itself shows.
 */
export function milestoneLines(s: unknown): string[] {
  const deploy = s as Partial<DeployStatus> | undefined;
  if (!deploy || typeof deploy !== 'object' || !deploy.approval || !Array.isArray(deploy.created)) return [];
  return [describeDeployStatus({ ...(deploy as DeployStatus), step: 'awaiting-approval' })];
}

function describeGate(g: GateResult): string {
  const rate = (n: number, d: number) => (d ? `${((n / d) * 100).toFixed(2)}%` : '-');
  const p99 = (v?: number) => (v === undefined ? '-' : `${v.toFixed(1)}ms`);
  return (
    `gate ${g.weight}%: ${g.verdict}${g.dryRun ? ' (dry run)' : ''} ` +
    `[canary ${g.canary.invocations} req, 5xx ${rate(g.canary.errors5xx, g.canary.invocations)}, p99 ${p99(g.canary.p99LatencyMs)} | ` +
    `baseline ${g.baseline.invocations} req, 5xx ${rate(g.baseline.errors5xx, g.baseline.invocations)}, p99 ${p99(g.baseline.p99LatencyMs)}]`
  );
}

export function describeCanaryStatus(s: CanaryStatus): string {
  const step = s.stepIndex >= 0 ? ` step ${s.stepIndex + 1}/${s.steps.length}` : '';
  const weights = s.stepIndex >= 0 ? ` canary ${s.canaryWeight}% / ${s.baselineVariant ?? 'baseline'} ${100 - s.canaryWeight}%` : '';
  const last = s.gates.at(-1);
  const paused = s.paused ? ` PAUSED${s.pausedUntil ? ` until ${s.pausedUntil}` : ''}` : '';
  const hint = s.phase === 'awaiting-approval' ? ` — run \`modelship approve ${s.endpointName}\`` : '';
  return `${s.phase}${step}${weights}${paused}${last ? `; last ${describeGate(last)}` : ''}${hint}${s.error ? ` error: ${s.error}` : ''}`;
}

/** One line for any modelship pipeline's status, by workflow type. */
export function describeStatus(workflowType: string, status: unknown): string {
  switch (workflowType) {
    case 'deployModel':
      return describeDeployStatus(status as DeployStatus);
    case 'canaryRollout':
      return describeCanaryStatus(status as CanaryStatus);
    case 'updateSageMakerEndpoint':
      return describeUpdateStatus(status as UpdateStatus);
    case 'deleteSageMakerEndpoint':
      return describeDeleteStatus(status as DeleteStatus);
    default:
      return JSON.stringify(status);
  }
}

export { describeGate };

export function describeUpdateStatus(s: UpdateStatus): string {
  const plan = s.plan;
  const changes = plan?.changes.length ? ` [${plan.changes.join('; ')}]` : '';
  const scaling =
    plan?.autoscalingRule.applies && s.scaling !== 'untouched' ? ` autoscaling ${s.scaling} (${plan.deregister.map((d) => d.variantName).join(', ')})` : '';
  return `${s.step}${changes}${scaling}${s.error ? ` error: ${s.error}` : ''}`;
}

export function describeDeleteStatus(s: DeleteStatus): string {
  const deleted = s.deleted.map((d) => d.name);
  return `${s.step}${deleted.length ? ` (deleted: ${deleted.join(', ')})` : ''}${s.error ? ` error: ${s.error}` : ''}`;
}

/** An activity the server reports as retrying: what it is, which attempt is next, and why the last one failed. */
export interface RetryingActivity {
  activity: string;
  attempt: number;
  lastFailure: string;
}

interface PendingActivityInfo {
  activityType?: { name?: string | null } | null;
  attempt?: number | null;
  lastFailure?: { message?: string | null; cause?: unknown } | null;
}

/**
 * The run's activities that failed at least once and are being retried (DescribeWorkflowExecution's
 * pending activities): during compensation this is the undo that keeps failing, and its error, which the
 * pipeline's own status cannot show until the undo gives up.
 */
export function retryingActivities(pending: readonly PendingActivityInfo[] | null | undefined): RetryingActivity[] {
  const out: RetryingActivity[] = [];
  for (const p of pending ?? []) {
    if (!p.lastFailure || (p.attempt ?? 1) < 2) continue;
    let f = p.lastFailure as { message?: string | null; cause?: unknown } | undefined;
    while (f?.cause) f = f.cause as typeof f;
    out.push({ activity: p.activityType?.name ?? 'activity', attempt: p.attempt ?? 2, lastFailure: f?.message ?? p.lastFailure.message ?? 'unknown error' });
  }
  return out;
}

export function describeRetrying(r: RetryingActivity): string {
  return `retrying ${r.activity} (attempt ${r.attempt}): ${r.lastFailure}`;
}
