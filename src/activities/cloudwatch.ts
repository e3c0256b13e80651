import {
  DescribeAlarmsCommand,
  paginateDescribeAlarms,
  paginateGetMetricData,
  PutMetricAlarmCommand,
  type CloudWatchClient,
  type MetricAlarm,
  type MetricDataQuery,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import type { VariantMetrics } from '../domain/canary/status';
import { isCloudWatchPeriod } from '../domain/cloudwatch-periods';
import type { MetricAlarmDefinition } from '../domain/endpoint';

// DescribeAlarms takes at most 100 alarm names per call.
const MAX_ALARM_NAMES = 100;

/**
 * The full definitions of these metric alarms (unknown names are left out, as AWS does): what
 * PutMetricAlarm needs to put one back, because PutMetricAlarm replaces the whole definition.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
 */
export async function describeAlarmDefinitions(cloudwatch: CloudWatchClient, alarmNames: string[]): Promise<MetricAlarmDefinition[]> {
  const out: MetricAlarmDefinition[] = [];
  for (let i = 0; i < alarmNames.length; i += MAX_ALARM_NAMES) {
    const pages = paginateDescribeAlarms({ client: cloudwatch }, { AlarmNames: alarmNames.slice(i, i + MAX_ALARM_NAMES), AlarmTypes: ['MetricAlarm'] });
    for await (const page of pages) out.push(...(page.MetricAlarms ?? []).map(alarmDefinition));
  }
  return out;
}

/** PutMetricAlarm with a definition read by {@link describeAlarmDefinitions} (an upsert by name). */
export async function putAlarmDefinition(cloudwatch: CloudWatchClient, alarm: MetricAlarmDefinition): Promise<void> {
  await cloudwatch.send(new PutMetricAlarmCommand(alarm as PutMetricAlarmCommandInput));
}

function alarmDefinition(a: MetricAlarm): MetricAlarmDefinition {
  const def: MetricAlarmDefinition = {
    AlarmName: a.AlarmName!,
    AlarmDescription: a.AlarmDescription,
    ActionsEnabled: a.ActionsEnabled,
    OKActions: a.OKActions,
    AlarmActions: a.AlarmActions,
    InsufficientDataActions: a.InsufficientDataActions,
    MetricName: a.MetricName,
    Namespace: a.Namespace,
    Statistic: a.Statistic,
    ExtendedStatistic: a.ExtendedStatistic,
    Dimensions: a.Dimensions?.map((d) => ({ Name: d.Name, Value: d.Value })),
    Period: a.Period,
    Unit: a.Unit,
    EvaluationPeriods: a.EvaluationPeriods,
    DatapointsToAlarm: a.DatapointsToAlarm,
    Threshold: a.Threshold,
    ComparisonOperator: a.ComparisonOperator,
    TreatMissingData: a.TreatMissingData,
    EvaluateLowSampleCountPercentile: a.EvaluateLowSampleCountPercentile,
    Metrics: a.Metrics as Array<Record<string, unknown>> | undefined,
    ThresholdMetricId: a.ThresholdMetricId,
  };
  // Members AWS did not report stay out (PutMetricAlarm refuses some combinations, e.g. Metrics with MetricName).
  return Object.fromEntries(Object.entries(def).filter(([, v]) => v !== undefined)) as MetricAlarmDefinition;
}

export interface MetricWindow {
  endpointName: string;
  variantNames: string[];
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive. */
  end: number;
  /** CloudWatch period granularity in seconds (SageMaker's metrics: 60). */
  periodSeconds: number;
}

/** CloudWatch activities: the numbers and alarms a canary gate judges by. */
export function createCloudWatchActivities(cloudwatch: CloudWatchClient) {
  return {
    /**
     * Per-variant invocation metrics over one window (namespace AWS/SageMaker, dimensions EndpointName and
     * VariantName). The gate's window is a whole number of periods (judgedWindow), so no datapoint reaches
     * past its end. A window starting on a whole minute is read as one period so the p99 is over every
     * request in it, not an average of per-minute p99s. GetMetricData
     * rounds StartTime down (to the minute; for a sub-minute Period to a multiple of it), so a window
     * starting between minutes (a sub-minute granularity, see judgedWindow) is read in periods of the
     * granularity it is aligned to, or the rounding would pull in datapoints from before it.
     * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
     */
    async getVariantMetrics(w: MetricWindow): Promise<VariantMetrics[]> {
      const wholeWindow = Math.max(w.periodSeconds, Math.ceil((w.end - w.start) / 1000 / w.periodSeconds) * w.periodSeconds);
      // CloudWatch serves only periods of 1, 5, 10, 20, 30 s or a multiple of 60 s (MetricStat): a sub-minute
      // granularity whose whole window is none of those is read in periods of the granularity.
      const period = w.start % 60_000 === 0 && isCloudWatchPeriod(wholeWindow) ? wholeWindow : w.periodSeconds;
      const queries: MetricDataQuery[] = w.variantNames.flatMap((variant, i) => {
        const metric = (MetricName: string) => ({
          Namespace: 'AWS/SageMaker',
          MetricName,
          Dimensions: [
            { Name: 'EndpointName', Value: w.endpointName },
            { Name: 'VariantName', Value: variant },
          ],
        });
        return [
          { Id: `inv${i}`, MetricStat: { Metric: metric('Invocations'), Period: period, Stat: 'Sum' } },
          { Id: `e5x${i}`, MetricStat: { Metric: metric('Invocation5XXErrors'), Period: period, Stat: 'Sum' } },
          { Id: `e4x${i}`, MetricStat: { Metric: metric('Invocation4XXErrors'), Period: period, Stat: 'Sum' } },
          { Id: `lat${i}`, MetricStat: { Metric: metric('ModelLatency'), Period: period, Stat: 'p99' } },
        ];
      });
      const values = new Map<string, number[]>();
      const pages = paginateGetMetricData({ client: cloudwatch }, { MetricDataQueries: queries, StartTime: new Date(w.start), EndTime: new Date(w.end) });
      for await (const out of pages) {
        for (const r of out.MetricDataResults ?? []) values.set(r.Id!, [...(values.get(r.Id!) ?? []), ...(r.Values ?? [])]);
      }
      const sum = (id: string) => (values.get(id) ?? []).reduce((a, b) => a + b, 0);
      return w.variantNames.map((variantName, i) => {
        const p99s = values.get(`lat${i}`) ?? [];
        return {
          variantName,
          invocations: sum(`inv${i}`),
          errors5xx: sum(`e5x${i}`),
          errors4xx: sum(`e4x${i}`),
          // ModelLatency is in microseconds. Several periods (a window cut across): the worst one.
          p99LatencyMs: p99s.length ? Math.max(...p99s) / 1000 : undefined,
        };
      });
    },

    /** Names of the given alarms that are in ALARM now. Unknown names are not an error (AWS omits them). */
    async alarmsInAlarm(alarmNames: string[]): Promise<string[]> {
      if (!alarmNames.length) return [];
      const out = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: alarmNames, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }));
      return [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])].filter((a) => a.StateValue === 'ALARM').map((a) => a.AlarmName!);
    },
  };
}
