import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';

/**
 * The one place that knows AWS error names. An AWS SDK error reaching the activity boundary becomes an
 * ApplicationFailure whose type is the AWS error code: client faults (validation, not found, limits) are
 * non-retryable, throttling and server faults are retried by Temporal with backoff after the SDK's own
 * retries gave up.
 */

/** Codes the AWS SDK itself treats as throttling (they arrive as 400s but must be retried). */
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException', // Application Auto Scaling uses it for rate limits, and the SDK retries it
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
  'SlowDown',
  'PriorRequestNotComplete',
]);

/** Client faults that a later attempt can still succeed on. */
const RETRYABLE_CLIENT_FAULTS = new Set(['ConcurrentUpdateException', 'ConflictException', 'ResourceInUse']);

interface AwsServiceError {
  name: string;
  message: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

export function isAwsError(err: unknown): err is AwsServiceError {
  return err instanceof Error && typeof (err as Partial<AwsServiceError>).$metadata === 'object';
}

export function isThrottling(err: unknown): boolean {
  return isAwsError(err) && (THROTTLING.has(err.name) || err.$metadata?.httpStatusCode === 429);
}

/** SageMaker reports a missing endpoint, config or model as a ValidationException "Could not find …". */
export function isSageMakerNotFound(err: unknown): boolean {
  return isAwsError(err) && ((err.name === 'ValidationException' && /^Could not find|does not exist/.test(err.message)) || err.name === 'ResourceNotFound');
}

/** `Could not find endpoint configuration "<arn>".`: also what CreateEndpoint answers before a new config is visible. */
export function isEndpointConfigNotFound(err: unknown): boolean {
  return isSageMakerNotFound(err) && /endpoint configuration/.test((err as Error).message);
}

export function isSageMakerAlreadyExists(err: unknown): boolean {
  return isAwsError(err) && err.name === 'ValidationException' && /^Cannot create already existing/.test(err.message);
}

/** The model registry's "does not exist": a ValidationException for a missing model package group or version. */
export function isRegistryNotFound(err: unknown): boolean {
  return isAwsError(err) && err.name === 'ValidationException' && /does not exist/i.test(err.message);
}

/** CreateModelPackageGroup for a group that exists: two runs registering a model's first versions raced. */
export function isRegistryAlreadyExists(err: unknown): boolean {
  return isAwsError(err) && /already exists/i.test(err.message);
}

/**
 * Application Auto Scaling's "already gone": a deregister or delete whose target or policy does not exist
 * (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DeregisterScalableTarget.html#API_DeregisterScalableTarget_Errors).
 */
export function isObjectNotFound(err: unknown): boolean {
  return err instanceof Error && err.name === 'ObjectNotFoundException';
}

/**
 * SageMaker refuses UpdateEndpoint, UpdateEndpointWeightsAndCapacities and DeleteEndpoint while the endpoint
 * is Creating, Updating or Deleting. That passes by itself, so a later attempt can succeed. It is also what
 * the SDK's own retry meets after a lost response: the first request took effect and the endpoint is now
 * busy with it. The activity's next attempt then finds its change already made.
 */
export function isEndpointInProgress(err: unknown): boolean {
  return isAwsError(err) && err.name === 'ValidationException' && /^Cannot update in-progress endpoint/.test(err.message);
}

export function toApplicationFailure(err: AwsServiceError): ApplicationFailure {
  const retryable = err.$fault === 'server' || isThrottling(err) || RETRYABLE_CLIENT_FAULTS.has(err.name) || isEndpointInProgress(err);
  const requestId = err.$metadata?.requestId;
  return ApplicationFailure.create({
    type: err.name,
    message: `${err.name}: ${err.message}`,
    nonRetryable: !retryable,
    details: requestId ? [{ requestId, httpStatusCode: err.$metadata?.httpStatusCode }] : undefined,
  });
}

export class AwsErrorInterceptor implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    try {
      return await next(input);
    } catch (err) {
      throw isAwsError(err) ? toApplicationFailure(err) : err;
    }
  }
}
