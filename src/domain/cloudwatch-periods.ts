/**
 * The periods CloudWatch serves: 1, 5, 10, 20, 30 seconds (high-resolution metrics only) or any multiple of
 * 60 seconds. https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricStat.html
 */
export const SUB_MINUTE_PERIODS_S: readonly number[] = [1, 5, 10, 20, 30];

/** Whether CloudWatch serves a period of this many seconds. */
export function isCloudWatchPeriod(seconds: number): boolean {
  return SUB_MINUTE_PERIODS_S.includes(seconds) || (seconds > 0 && seconds % 60 === 0);
}
