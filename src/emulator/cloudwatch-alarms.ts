// CloudWatch metric alarms over `state.alarms`: DescribeAlarms, PutMetricAlarm, SetAlarmState,
// DeleteAlarms. Alarms change state through SetAlarmState, or, when the emulator runs with
// `alarmEvaluation`, through alarm-evaluation.ts reading the emulated metrics. Application Auto
// Scaling's target-tracking policies put their AlarmHigh/AlarmLow alarms in the same map.

import { alarmArn } from './arns';
import { cloudWatchErrors } from './cloudwatch-errors';
import { parsePercentile } from './metrics';
import type { Operation, OperationInput, RequestContext } from './service';
import { AlarmStateValue, type AlarmRecord } from './state';

const { invalidParameterValue, invalidParameterCombination, missingParameter, invalidNextToken, resourceNotFound, invalidFormat } = cloudWatchErrors;

const STATE_VALUES: readonly string[] = Object.values(AlarmStateValue);
const ALARM_TYPES = ['MetricAlarm', 'CompositeAlarm', 'LogAlarm'] as const;
const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];
const COMPARISON_OPERATORS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
  'LessThanLowerOrGreaterThanUpperThreshold',
  'LessThanLowerThreshold',
  'GreaterThanUpperThreshold',
];
const TREAT_MISSING_DATA = ['breaching', 'notBreaching', 'ignore', 'missing'];
const DEFAULT_MAX_RECORDS = 50;

const seconds = (ms: number) => ms / 1000;

/** The `MetricAlarm` wire shape (timestamps in epoch seconds). */
export function metricAlarmToWire(a: AlarmRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    AlarmName: a.alarmName,
    AlarmArn: a.alarmArn,
    AlarmDescription: a.alarmDescription,
    AlarmConfigurationUpdatedTimestamp: seconds(a.alarmConfigurationUpdatedTimestamp),
    ActionsEnabled: a.actionsEnabled,
    OKActions: a.okActions,
    AlarmActions: a.alarmActions,
    InsufficientDataActions: a.insufficientDataActions,
    StateValue: a.stateValue,
    StateReason: a.stateReason,
    StateReasonData: a.stateReasonData,
    StateUpdatedTimestamp: seconds(a.stateUpdatedTimestamp),
    StateTransitionedTimestamp: seconds(a.stateTransitionedTimestamp),
    MetricName: a.metricName,
    Namespace: a.namespace,
    Statistic: a.statistic,
    ExtendedStatistic: a.extendedStatistic,
    Dimensions: a.dimensions,
    Period: a.period,
    Unit: a.unit,
    EvaluationPeriods: a.evaluationPeriods,
    DatapointsToAlarm: a.datapointsToAlarm,
    Threshold: a.threshold,
    ComparisonOperator: a.comparisonOperator,
    TreatMissingData: a.treatMissingData,
    Metrics: a.metrics,
  };
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out;
}

function stringList(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw invalidParameterValue(`The parameter ${name} must be a list of strings.`);
  }
  return value as string[];
}

function describeAlarms(input: OperationInput, ctx: RequestContext): unknown {
  const names = input?.AlarmNames === undefined ? undefined : stringList(input.AlarmNames, 'AlarmNames');
  const prefix: string | undefined = input?.AlarmNamePrefix;
  if (names !== undefined && prefix !== undefined) {
    throw invalidParameterCombination('AlarmNames and AlarmNamePrefix cannot be specified together.');
  }
  if (names !== undefined && names.length > 100) {
    throw invalidParameterValue(`At most 100 AlarmNames are allowed; received ${names.length}.`);
  }
  const types = input?.AlarmTypes === undefined ? ['MetricAlarm'] : stringList(input.AlarmTypes, 'AlarmTypes');
  for (const t of types) {
    if (!(ALARM_TYPES as readonly string[]).includes(t)) {
      throw invalidParameterValue(`The value ${t} for parameter AlarmTypes is not valid; expected one of ${ALARM_TYPES.join(', ')}.`);
    }
  }
  const stateValue: string | undefined = input?.StateValue;
  if (stateValue !== undefined && !STATE_VALUES.includes(stateValue)) {
    throw invalidParameterValue(`The value ${stateValue} for parameter StateValue is not valid; expected OK, ALARM or INSUFFICIENT_DATA.`);
  }
  const maxRecords = input?.MaxRecords ?? DEFAULT_MAX_RECORDS;
  if (!Number.isInteger(maxRecords) || maxRecords < 1 || maxRecords > 100) {
    throw invalidParameterValue(`The parameter MaxRecords must be between 1 and 100; received ${String(maxRecords)}.`);
  }
  const familyFilter = input?.ChildrenOfAlarmName ?? input?.ParentsOfAlarmName;
  if (familyFilter !== undefined && (names !== undefined || prefix !== undefined || stateValue !== undefined || input?.ActionPrefix !== undefined)) {
    throw invalidParameterCombination('ChildrenOfAlarmName and ParentsOfAlarmName cannot be combined with other filters.');
  }

  let after = '';
  if (input?.NextToken) {
    try {
      after = JSON.parse(Buffer.from(String(input.NextToken), 'base64').toString('utf8')).after;
    } catch {
      after = '';
    }
    if (typeof after !== 'string' || after === '') throw invalidNextToken('The NextToken is not valid.');
  }

  const actionPrefix: string | undefined = input?.ActionPrefix;
  // Composite and log alarms are not emulated; the family filters only concern composite alarms.
  const matching =
    !types.includes('MetricAlarm') || familyFilter !== undefined
      ? []
      : [...ctx.state.alarms.values()]
          .filter((a) => (names === undefined ? true : names.includes(a.alarmName)))
          .filter((a) => (prefix === undefined ? true : a.alarmName.startsWith(prefix)))
          .filter((a) => (stateValue === undefined ? true : a.stateValue === stateValue))
          .filter((a) =>
            actionPrefix === undefined ? true : [...a.alarmActions, ...a.okActions, ...a.insufficientDataActions].some((x) => x.startsWith(actionPrefix)),
          )
          .sort((a, b) => (a.alarmName < b.alarmName ? -1 : a.alarmName > b.alarmName ? 1 : 0));
  const rest = after ? matching.filter((a) => a.alarmName > after) : matching;
  const page = rest.slice(0, maxRecords);
  const out: Record<string, unknown> = { MetricAlarms: page.map(metricAlarmToWire), CompositeAlarms: [] };
  if (types.includes('LogAlarm')) out['LogAlarms'] = [];
  if (rest.length > page.length) {
    out['NextToken'] = Buffer.from(JSON.stringify({ after: page[page.length - 1]!.alarmName })).toString('base64');
  }
  return out;
}

function requireString(value: unknown, name: string): string {
  if (value === undefined || value === null || value === '') throw missingParameter(`The parameter ${name} is required.`);
  if (typeof value !== 'string') throw invalidParameterValue(`The parameter ${name} must be a string.`);
  return value;
}

function putMetricAlarm(input: OperationInput, ctx: RequestContext): unknown {
  const name = requireString(input?.AlarmName, 'AlarmName');
  if (name.length > 255) throw invalidParameterValue('The parameter AlarmName must be at most 255 characters long.');
  const evaluationPeriods = input.EvaluationPeriods;
  if (evaluationPeriods === undefined) throw missingParameter('The parameter EvaluationPeriods is required.');
  if (!Number.isInteger(evaluationPeriods) || evaluationPeriods < 1) {
    throw invalidParameterValue(`The parameter EvaluationPeriods must be an integer >= 1; received ${String(evaluationPeriods)}.`);
  }
  const comparison = requireString(input.ComparisonOperator, 'ComparisonOperator');
  if (!COMPARISON_OPERATORS.includes(comparison)) {
    throw invalidParameterValue(`The value ${comparison} for parameter ComparisonOperator is not valid.`);
  }
  if (
    input.DatapointsToAlarm !== undefined &&
    (!Number.isInteger(input.DatapointsToAlarm) || input.DatapointsToAlarm < 1 || input.DatapointsToAlarm > evaluationPeriods)
  ) {
    throw invalidParameterValue('DatapointsToAlarm must be an integer between 1 and EvaluationPeriods.');
  }
  if (input.TreatMissingData !== undefined && !TREAT_MISSING_DATA.includes(input.TreatMissingData)) {
    throw invalidParameterValue(
      `The value ${String(input.TreatMissingData)} for parameter TreatMissingData is not valid; expected ${TREAT_MISSING_DATA.join(', ')}.`,
    );
  }
  if (input.Threshold === undefined && input.ThresholdMetricId === undefined) {
    throw missingParameter('The parameter Threshold is required.');
  }

  if (input.Metrics !== undefined) {
    // Metric-math alarm: the single-metric members must be absent.
    if (!Array.isArray(input.Metrics) || input.Metrics.length === 0) throw invalidParameterValue('The parameter Metrics must be a non-empty list.');
    for (const key of ['MetricName', 'Namespace', 'Statistic', 'ExtendedStatistic', 'Dimensions', 'Period', 'Unit']) {
      if (input[key] !== undefined) throw invalidParameterCombination(`${key} cannot be specified together with Metrics.`);
    }
  } else {
    requireString(input.MetricName, 'MetricName');
    requireString(input.Namespace, 'Namespace');
    if ((input.Statistic === undefined) === (input.ExtendedStatistic === undefined)) {
      throw invalidParameterCombination('Exactly one of Statistic and ExtendedStatistic must be specified.');
    }
    if (input.Statistic !== undefined && !STATISTICS.includes(input.Statistic)) {
      throw invalidParameterValue(`The value ${String(input.Statistic)} for parameter Statistic is not valid.`);
    }
    if (input.ExtendedStatistic !== undefined && parsePercentile(String(input.ExtendedStatistic)) === undefined) {
      throw invalidParameterValue(`The value ${String(input.ExtendedStatistic)} for parameter ExtendedStatistic is not a percentile (pNN.NN).`);
    }
    // Deviation (as in GetMetricData): any whole number of seconds >= 1.
    if (input.Period === undefined) throw missingParameter('The parameter Period is required.');
    if (!Number.isInteger(input.Period) || input.Period < 1) {
      throw invalidParameterValue(`The parameter Period must be a whole number of seconds >= 1; received ${String(input.Period)}.`);
    }
  }

  const now = ctx.now();
  const existing = ctx.state.alarms.get(name);
  const record: AlarmRecord = {
    alarmName: name,
    alarmArn: alarmArn(ctx, name),
    alarmDescription: input.AlarmDescription,
    // AWS: updating an alarm overwrites its configuration but leaves its state unchanged.
    stateValue: existing?.stateValue ?? AlarmStateValue.INSUFFICIENT_DATA,
    stateReason: existing?.stateReason ?? 'Unchecked: Initial alarm creation',
    stateReasonData: existing?.stateReasonData,
    stateUpdatedTimestamp: existing?.stateUpdatedTimestamp ?? now,
    stateTransitionedTimestamp: existing?.stateTransitionedTimestamp ?? now,
    alarmConfigurationUpdatedTimestamp: now,
    metricName: input.MetricName,
    namespace: input.Namespace,
    statistic: input.Statistic,
    extendedStatistic: input.ExtendedStatistic,
    dimensions: input.Dimensions ?? [],
    period: input.Period,
    unit: input.Unit,
    evaluationPeriods,
    datapointsToAlarm: input.DatapointsToAlarm,
    threshold: input.Threshold,
    comparisonOperator: comparison,
    treatMissingData: input.TreatMissingData,
    metrics: input.Metrics,
    actionsEnabled: input.ActionsEnabled ?? true,
    alarmActions: stringList(input.AlarmActions, 'AlarmActions'),
    okActions: stringList(input.OKActions, 'OKActions'),
    insufficientDataActions: stringList(input.InsufficientDataActions, 'InsufficientDataActions'),
    ...(existing?.managedByPolicyArn !== undefined ? { managedByPolicyArn: existing.managedByPolicyArn } : {}),
  };
  ctx.state.alarms.set(name, record);
  return {};
}

function setAlarmState(input: OperationInput, ctx: RequestContext): unknown {
  const name = requireString(input?.AlarmName, 'AlarmName');
  const stateValue = requireString(input.StateValue, 'StateValue');
  if (!STATE_VALUES.includes(stateValue)) {
    throw invalidParameterValue(`The value ${stateValue} for parameter StateValue is not valid; expected OK, ALARM or INSUFFICIENT_DATA.`);
  }
  const reason = requireString(input.StateReason, 'StateReason');
  const reasonData: unknown = input.StateReasonData;
  if (reasonData !== undefined) {
    try {
      JSON.parse(String(reasonData));
    } catch {
      throw invalidFormat('StateReasonData is not valid JSON.');
    }
  }
  const alarm = ctx.state.alarms.get(name);
  if (!alarm) throw resourceNotFound(`Alarm ${name} not found`);
  const now = ctx.now();
  if (alarm.stateValue !== stateValue) alarm.stateTransitionedTimestamp = now;
  alarm.stateValue = stateValue as AlarmStateValue;
  alarm.stateReason = reason;
  if (reasonData !== undefined) alarm.stateReasonData = String(reasonData);
  else delete alarm.stateReasonData;
  alarm.stateUpdatedTimestamp = now;
  return {};
}

function deleteAlarms(input: OperationInput, ctx: RequestContext): unknown {
  if (input?.AlarmNames === undefined) throw missingParameter('The parameter AlarmNames is required.');
  const names = stringList(input.AlarmNames, 'AlarmNames');
  if (names.length > 100) throw invalidParameterValue(`At most 100 AlarmNames are allowed; received ${names.length}.`);
  // AWS: unknown names are skipped; the alarms with correct names are still deleted.
  for (const n of names) ctx.state.alarms.delete(n);
  return {};
}

export const alarmOperations: Record<string, Operation> = {
  DescribeAlarms: describeAlarms,
  PutMetricAlarm: putMetricAlarm,
  SetAlarmState: setAlarmState,
  DeleteAlarms: deleteAlarms,
};
