import { DescribeAlarmsCommand, GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { VariantMetrics } from '../domain/canary/status';

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
     * VariantName). The period spans the whole window (rounded up to the granularity) so the p99 is over
     * every request in it, not an average of per-minute p99s.
     */
    async getVariantMetrics(w: MetricWindow): Promise<VariantMetrics[]> {
      const period = Math.max(w.periodSeconds, Math.ceil((w.end - w.start) / 1000 / w.periodSeconds) * w.periodSeconds);
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
      let NextToken: string | undefined;
      do {
        const out = await cloudwatch.send(
          new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: new Date(w.start), EndTime: new Date(w.end), NextToken })
        );
        for (const r of out.MetricDataResults ?? []) values.set(r.Id!, [...(values.get(r.Id!) ?? []), ...(r.Values ?? [])]);
        NextToken = out.NextToken || undefined;
      } while (NextToken);
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
