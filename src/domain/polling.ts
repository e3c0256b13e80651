import { parseDuration } from './duration';

/**
 * How waits poll AWS. Waits use Temporal activity retries as the poll loop (one Describe call per
 * attempt; retries are not written to history): the delay starts at `min` so short waits are noticed
 * within about a second, and grows by `backoff` up to `max` so long waits spend few API calls.
 */
export interface PollPolicy {
  /** @default '1s' */
  min?: string;
  /** @default '30s' */
  max?: string;
  /** @default 1.5 */
  backoff?: number;
  /**
   * How long a wait for InService tolerates the endpoint being `OutOfService` ("Endpoint is not available to
   * take incoming requests", https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html;
   * AWS documents no cause or duration) before it fails, counted from the endpoint's LastModifiedTime.
   * @default '10m'
   */
  outOfService?: string;
}

export interface ResolvedPollPolicy {
  minMs: number;
  maxMs: number;
  backoff: number;
  outOfServiceMs: number;
}

export const DEFAULT_OUT_OF_SERVICE_MS = 10 * 60_000;

export function resolvePollPolicy(policy: PollPolicy = {}): ResolvedPollPolicy {
  return {
    minMs: parseDuration(policy.min ?? '1s'),
    maxMs: parseDuration(policy.max ?? '30s'),
    backoff: policy.backoff ?? 1.5,
    outOfServiceMs: policy.outOfService === undefined ? DEFAULT_OUT_OF_SERVICE_MS : parseDuration(policy.outOfService),
  };
}

/** The delay before poll number `attempt` (1-based), as Temporal's retry policy computes it. */
export function pollDelayMs(attempt: number, policy: ResolvedPollPolicy): number {
  return Math.min(policy.maxMs, policy.minMs * policy.backoff ** Math.max(0, attempt - 1));
}
