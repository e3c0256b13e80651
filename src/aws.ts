import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { SageMakerClient, type SageMakerClientConfig } from '@aws-sdk/client-sagemaker';
import { Context } from '@temporalio/activity';

/**
 * How modelship reaches AWS. Everything not given here comes from the AWS SDK's standard sources:
 * region from AWS_REGION / the profile, credentials from the default provider chain (environment,
 * profiles, SSO, web identity, instance/container roles), and endpoint overrides from AWS_ENDPOINT_URL
 * and AWS_ENDPOINT_URL_<SERVICE>. Pointing `endpoint` at the local emulator is the only difference
 * between a test run and production.
 */
export interface AwsConfig {
  region?: string;
  /** One endpoint URL for every AWS service modelship calls (the local emulator serves them all). */
  endpoint?: string;
  /** Attempts per AWS call, including the SDK's own retries. @default the SDK's (3) */
  maxAttempts?: number;
  /** @default the SDK's default provider chain */
  credentials?: SageMakerClientConfig['credentials'];
  /**
   * The SDK's retry mode. `adaptive` adds a client-side rate limiter that slows the whole client down
   * after throttling responses. @default the SDK's (`standard`, or AWS_RETRY_MODE)
   */
  retryMode?: 'standard' | 'adaptive';
  /**
   * Most requests per second this process sends to any one AWS API operation (DescribeEndpoint,
   * UpdateEndpoint, GetMetricData, ...): AWS throttles each operation per account, so a worker running
   * hundreds of pipelines at once must stay inside each one's budget rather than be throttled into
   * failures. Every attempt counts, retries included; requests over the rate wait their turn, in order.
   * @default no limit
   */
  maxRequestsPerSecond?: number;
}

export interface AwsClients {
  sagemaker: SageMakerClient;
  autoscaling: ApplicationAutoScalingClient;
  cloudwatch: CloudWatchClient;
  /** Resource Groups Tagging API: finds what modelship owns by its ownership tags, without listing the account. */
  tagging: ResourceGroupsTaggingAPIClient;
}

export function createAwsClients(config: AwsConfig = {}): AwsClients {
  const common = {
    region: config.region,
    endpoint: config.endpoint,
    maxAttempts: config.maxAttempts,
    credentials: config.credentials,
    ...(config.retryMode ? { retryMode: config.retryMode } : {}),
  };
  const clients: AwsClients = {
    sagemaker: new SageMakerClient(common),
    autoscaling: new ApplicationAutoScalingClient(common),
    cloudwatch: new CloudWatchClient(common),
    tagging: new ResourceGroupsTaggingAPIClient(common),
  };
  if (config.maxRequestsPerSecond !== undefined) {
    if (!(config.maxRequestsPerSecond > 0)) throw new Error(`maxRequestsPerSecond must be a number > 0, got ${config.maxRequestsPerSecond}`);
    for (const client of Object.values(clients)) limitRequestRate(client, config.maxRequestsPerSecond);
  }
  return clients;
}

export function destroyAwsClients(clients: AwsClients): void {
  for (const client of Object.values(clients)) client.destroy();
}

/**
 * Spaces requests evenly at `perSecond`, letting up to `burst` go at once after a quiet spell (a GCRA
 * token bucket). Callers are served in arrival order.
 */
export class RequestRateLimiter {
  private nextSlot = 0;
  private readonly intervalMs: number;

  constructor(
    perSecond: number,
    private readonly burst = Math.max(1, Math.floor(perSecond / 2)),
  ) {
    this.intervalMs = 1000 / perSecond;
  }

  /** Resolves when the caller may send its request. */
  async take(): Promise<void> {
    const now = Date.now();
    const slot = Math.max(this.nextSlot, now - (this.burst - 1) * this.intervalMs);
    this.nextSlot = slot + this.intervalMs;
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  }
}

type Handler = (args: unknown) => Promise<unknown>;
interface MiddlewareClient {
  middlewareStack: {
    addRelativeTo(
      middleware: (next: Handler, context: { commandName?: string }) => Handler,
      options: { name: string; relation: 'after'; toMiddleware: string },
    ): void;
  };
}

/**
 * Every attempt (the middleware sits after the SDK's retry middleware, so retries count) waits for its
 * operation's limiter before it is sent. A request whose activity attempt was cancelled while it waited (a
 * local activity's attempt timed out, a heartbeating activity was cancelled) is not sent: nobody would read
 * its answer, and it would take a place in the budget from a live one.
 */
function limitRequestRate(client: MiddlewareClient, perSecond: number): void {
  const limiters = new Map<string, RequestRateLimiter>();
  client.middlewareStack.addRelativeTo(
    (next: Handler, context: { commandName?: string }): Handler =>
      async (args) => {
        const operation = context.commandName ?? '*';
        let limiter = limiters.get(operation);
        if (!limiter) limiters.set(operation, (limiter = new RequestRateLimiter(perSecond)));
        await limiter.take();
        const cancelled = cancelledActivity();
        if (cancelled) throw cancelled;
        return next(args);
      },
    { name: 'modelshipRequestRateLimit', relation: 'after', toMiddleware: 'retryMiddleware' },
  );
}

/** Why the activity attempt this request is made for was cancelled; undefined if it was not, or outside an activity. */
function cancelledActivity(): unknown {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return undefined; // not in an activity (the CLI, the benchmark's plain script)
  }
  const signal = ctx.cancellationSignal;
  return signal.aborted ? (signal.reason ?? new Error('activity cancelled')) : undefined;
}

/** The AWS setting modelship lacks (region, credentials, a reachable endpoint), with how to give it. */
export class AwsConfigError extends Error {
  override readonly name = 'AwsConfigError';
  constructor(
    readonly setting: 'region' | 'credentials' | 'endpoint',
    message: string,
  ) {
    super(message);
  }
}

/** The clients a check reads the configuration of (every modelship client is configured alike). */
export type AwsServiceClients = Pick<AwsClients, 'sagemaker'>;

/**
 * Resolves the region and the credentials through the SDK client's own providers, exactly as every AWS
 * call will (region: constructor, AWS_REGION, the profile's config file,
 * https://docs.aws.amazon.com/sdk-for-javascript/latest/developer-guide/setting-region.html; credentials:
 * the default chain, https://docs.aws.amazon.com/sdk-for-javascript/latest/developer-guide/setting-credentials-node.html).
 * Throws AwsConfigError naming the missing setting.
 */
export async function checkAwsConfig(clients: AwsServiceClients): Promise<{ region: string }> {
  const config = clients.sagemaker.config;
  let region: string;
  try {
    region = await config.region();
  } catch (err) {
    throw new AwsConfigError(
      'region',
      `AWS region is not set (${(err as Error).message}): every AWS call would fail. Give it with --region or AWS_REGION, ` +
        'or as `region` in the profile (AWS_PROFILE) of ~/.aws/config.',
    );
  }
  if (!region) throw new AwsConfigError('region', 'AWS region is empty: give it with --region or AWS_REGION.');
  try {
    await config.credentials();
  } catch (err) {
    throw new AwsConfigError(
      'credentials',
      `AWS credentials not found through the SDK's default chain (${(err as Error).message}). Give them with ` +
        'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), with AWS_PROFILE naming a profile in ' +
        '~/.aws/credentials or ~/.aws/config (SSO: `aws sso login` first), or run with an IAM role ' +
        '(EC2 instance profile, ECS task role, EKS IRSA or Pod Identity).',
    );
  }
  return { region };
}

/**
 * When the clients send to an endpoint of their own (the emulator, a VPC endpoint), whether it answers at
 * all: any HTTP response counts, only a failed connection does not. Throws AwsConfigError('endpoint').
 */
export async function checkAwsEndpoint(clients: AwsServiceClients, timeoutMs = 3000): Promise<void> {
  const config = clients.sagemaker.config;
  if (!config.isCustomEndpoint || !config.endpoint) return;
  const e = await config.endpoint();
  const url = `${e.protocol}//${e.hostname}${e.port ? `:${e.port}` : ''}${e.path ?? '/'}`;
  try {
    // node:http rather than fetch: fetch refuses some ports outright ("bad port"), an endpoint may use any.
    await new Promise<void>((resolve, reject) => {
      const req = (e.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'GET', timeout: timeoutMs }, (res) => {
        res.resume();
        resolve();
      });
      req.once('timeout', () => req.destroy(Object.assign(new Error(`no answer in ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.once('error', reject);
      req.end();
    });
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new AwsConfigError(
      'endpoint',
      `AWS endpoint ${url} is unreachable (${why}). Start what serves it (\`modelship emulator\` for the local emulator) ` +
        'or correct --aws-endpoint / MODELSHIP_AWS_ENDPOINT; leave it unset to call AWS itself.',
    );
  }
}
