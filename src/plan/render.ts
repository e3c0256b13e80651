/** Human output of a plan: one line per change (`+` create, `~` update, `-` delete, `=` kept), then notes. */
import type { CanaryPlan } from '../domain/canary/plan';
import type { ChangeAction, PlanRefusal } from '../domain/change-plan';
import type { PipelinePlan } from './plans';

const SYMBOL: Record<ChangeAction, string> = { create: '+', update: '~', delete: '-', keep: '=' };

export function renderPlan(plan: PipelinePlan): string {
  const lines: string[] = [`plan: ${plan.kind} on endpoint ${plan.endpointName}${headline(plan)}`, ''];
  if (!plan.changes.length) lines.push('  no changes');
  for (const c of plan.changes) {
    const detail = !c.detail ? '' : c.detail.startsWith('from ') ? ` ${c.detail}` : c.action === 'create' ? ` (${c.detail})` : `: ${c.detail}`;
    lines.push(`${SYMBOL[c.action]} ${c.action} ${c.resource} ${c.name}${detail}`);
  }
  if (plan.kind === 'canary') lines.push('', ...weightsTable(plan), '', ...gateLines(plan));
  if (plan.notes.length) lines.push('', 'notes:', ...plan.notes.map((n) => `  - ${n}`));
  lines.push('', 'Nothing was changed: this is a plan.');
  return lines.join('\n');
}

function headline(plan: PipelinePlan): string {
  switch (plan.kind) {
    case 'deploy':
      return `: ${plan.model} version ${plan.version} (predicted), ${plan.endpointAction} the endpoint`;
    case 'canary':
      return `: ${plan.model} version ${plan.version}, ${plan.baseline.variantName} (${plan.baseline.modelName}) → ${plan.canary.variantName} (${plan.canary.modelName})`;
    case 'update':
      return plan.unchanged ? ': nothing to change' : `: ${plan.variantChanges.join('; ')}${plan.autoscalingRule.applies ? ' (autoscaling rule applies)' : ''}`;
    case 'delete':
      return plan.endpointDeleted ? '' : ' (already gone: leftovers only)';
  }
}

function weightsTable(plan: CanaryPlan): string[] {
  const b = plan.baseline.variantName;
  const c = plan.canary.variantName;
  const w = Math.max(b.length, 8);
  const rows = [`  step  ${b.padEnd(w)}  ${c.padEnd(8)}  then`];
  for (const s of plan.steps) {
    const then = s.promotes
      ? `${s.waitsForApproval ? 'approval, ' : ''}promote: config ${plan.finalEndpointConfigName}`
      : `${s.waitsForApproval ? 'approval, ' : ''}${s.via === 'UpdateEndpoint' ? `config ${plan.rampEndpointConfigName}` : 'weights shift'}, bake ${plan.bake}, gate`;
    const canary = `${s.canaryWeight}% ×${s.canaryInstances}`;
    rows.push(`  ${String(s.step).padEnd(4)}  ${`${s.baselineWeight}% ×${plan.baseline.instanceCount}`.padEnd(w)}  ${canary.padEnd(8)}  ${then}`);
  }
  rows.push(
    `  final ${plan.finalEndpointConfigName}: ${plan.finalVariants.map((v) => `${v.variantName} ${v.modelName} on ${v.instanceCount} × ${v.instanceType}`).join(', ')}`,
  );
  return ['weights × instances (baseline / canary):', ...rows];
}

function gateLines(plan: CanaryPlan): string[] {
  const g = plan.gate;
  const rules = [
    `canary 5xx ≤ ${g.maxErrorRate}`,
    `≤ baseline + ${g.maxErrorRateIncrease}`,
    `p99 ≤ ${g.maxLatencyRatio} × baseline`,
    ...(g.maxP99LatencyMs !== undefined ? [`p99 ≤ ${g.maxP99LatencyMs} ms`] : []),
    `≥ ${g.minInvocations} invocations (else ${g.onInconclusive})`,
    ...(g.alarms.length ? [`alarms not in ALARM: ${g.alarms.join(', ')}`] : []),
  ];
  return [`gate${g.dryRun ? ' (dry run)' : ''}: ${rules.join(', ')}; each step must pass within ${plan.progressDeadline}`];
}

export function renderRefusal(r: PlanRefusal): string {
  return `refused (${r.type}): ${r.reason}`;
}
