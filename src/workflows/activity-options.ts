import * as wf from '@temporalio/workflow';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  RetryState,
  TerminatedFailure,
  TimeoutFailure,
  type ActivityOptions,
  type LocalActivityOptions,
  type RetryPolicy,
} from '@temporalio/common';
import type { Activities } from '../activities';
import type { ResolvedPollPolicy } from '../domain/polling';

/**
 * Activity options shared by the pipelines. Non-retryable failures (validation, not found, conflicts) are
 * marked by the activities' AWS error interceptor; everything else is retried with backoff.
 * How the timeouts are chosen, and what a dead worker costs: docs/activity-execution.md.
 */
const AWS_RETRY: RetryPolicy = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10 };

/**
 * A short call: one AWS request, or a few fixed ones, answered in well under a second. An attempt lost with
 * its worker (crash, or a task dropped under load) is retried only when this fires: short enough to recover
 * fast, long enough for the SDK's own retries (three attempts by default in standard and adaptive mode,
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html, so a few backoffs of a second
 * or so) and the worker's rate limiter (whose queue is bounded by the worker's activity slots).
 */
export const AWS_CALL: ActivityOptions = { startToCloseTimeout: '15s', retry: AWS_RETRY };

/** How soon a dead worker's long attempt is retried elsewhere: the worker heartbeats every third of it (src/activities/heartbeat.ts). */
export const HEARTBEAT_TIMEOUT = '10s';

/**
 * A long call: pages through a listing, or makes a call per version, variant, config or model it finds, so
 * an attempt grows with the account or the model's history. It heartbeats; a dead worker is noticed within
 * HEARTBEAT_TIMEOUT, and start-to-close only bounds an attempt that is alive but stuck.
 */
export const LONG_CALL: ActivityOptions = { startToCloseTimeout: '5m', heartbeatTimeout: HEARTBEAT_TIMEOUT, retry: AWS_RETRY };

/** The activities `awsActivities` schedules with LONG_CALL (each one's size grows with what it finds). */
export const LONG_ACTIVITIES = [
  'cleanUpEndpointResources',
  'endpointConfigsInUse',
  'modelsUsedByEndpointConfigs',
  'configsUsingModel',
  'missingModels',
  'listEndpointConfigNames',
  'latestApprovedVersion',
  'resolveModelRef',
  'transitionModelStage',
  'describeEndpointScaling',
  'describeVariantScaling',
  'deleteScalingPolicies',
  'deregisterScalableTargets',
  'registerScalableTargets',
  'putScalingPolicies',
] as const satisfies ReadonlyArray<keyof Activities>;

const isLong = (name: string): boolean => (LONG_ACTIVITIES as readonly string[]).includes(name);

/**
 * Patch: the short single-request calls of LOCAL_ACTIVITIES run as local activities (LOCAL_CALL), falling
 * back to a regular activity (AWS_CALL) when their few local attempts fail retryably. Asked at each call, so
 * a run recorded before it keeps scheduling regular activities during replay, and moves to local ones from
 * the first call it makes live.
 */
export const LOCAL_ACTIVITIES_PATCH = 'local-activities';

/**
 * Single AWS requests (or a few fixed ones: describe, create, update, delete, tag, registry reads and
 * writes) that answer in well under a second. Waits (polls as retries) and anything that grows with what it
 * finds stay regular activities.
 */
export const LOCAL_ACTIVITIES = [
  'describeEndpoint',
  'describeEndpointConfig',
  'modelSettings',
  'createModel',
  'createEndpointConfig',
  'createEndpoint',
  'updateEndpoint',
  'deleteEndpointConfig',
  'deleteModel',
  'registerModelVersion',
  'getModelVersion',
  'setModelApproval',
  'getVariantMetrics',
  'alarmsInAlarm',
] as const satisfies ReadonlyArray<keyof Activities>;

/**
 * A local attempt runs in the worker that runs the workflow, while that worker holds the workflow task; the
 * SDK keeps the task alive past its timeout for a long local activity (it asks for a new task at 80 % of the
 * timeout), so a local call waiting on the worker's AWS rate limiter does not time the task out. Its few
 * attempts are bounded (5 s each, 3 attempts, about 18 s at worst), and then the call becomes a regular
 * activity: one that keeps failing shows in `modelship status` (pending activities, with the last error)
 * as before, instead of retrying invisibly inside the workflow task.
 */
export const LOCAL_CALL: LocalActivityOptions = {
  startToCloseTimeout: '5s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 3 },
};

const isLocal = (name: string): boolean => (LOCAL_ACTIVITIES as readonly string[]).includes(name);

/**
 * Patch: two more kinds of call run locally, asked at each call like LOCAL_ACTIVITIES_PATCH.
 * LOCAL_FIRST_LONG_ACTIVITIES get one local attempt (LOCAL_FIRST_ATTEMPT) before they run as the
 * heartbeating regular activity (LONG_CALL) they were; LOCAL_SINCE_FIRST_CALLS are short calls added after
 * LOCAL_ACTIVITIES (which must not change: a history's choice of local or regular is replayed from it).
 */
export const LOCAL_FIRST_CALLS_PATCH = 'local-first-calls';

/**
 * Long calls whose usual size is short: a stage transition reads the model's versions (one request per
 * version in SageMaker's registry) and moves one or two of them; a variant's scaling is a few describes per
 * variant. A model with a few dozen versions answers in well under a second, so the first attempt runs
 * locally; one that takes longer (a long history, a slow or throttled registry) times out after 5 s and
 * runs again as a regular activity that heartbeats, its attempts visible in `modelship status`. Repeating
 * either is harmless: a transition sets the same stage, a describe reads again.
 */
export const LOCAL_FIRST_LONG_ACTIVITIES = ['transitionModelStage', 'describeVariantScaling'] as const satisfies ReadonlyArray<
  (typeof LONG_ACTIVITIES)[number]
>;

/** Short calls that run as local activities (LOCAL_CALL) under LOCAL_FIRST_CALLS_PATCH. */
export const LOCAL_SINCE_FIRST_CALLS = ['endpointConfigUserTags'] as const satisfies ReadonlyArray<keyof Activities>;

const isLocalFirstLong = (name: string): boolean => (LOCAL_FIRST_LONG_ACTIVITIES as readonly string[]).includes(name);
const isLocalSinceFirstCalls = (name: string): boolean => (LOCAL_SINCE_FIRST_CALLS as readonly string[]).includes(name);

/** One local attempt of a LOCAL_FIRST_LONG_ACTIVITIES call: any failure but a non-retryable one sends it to LONG_CALL. */
const LOCAL_FIRST_ATTEMPT: LocalActivityOptions = { startToCloseTimeout: '5s', retry: { maximumAttempts: 1 } };

/**
 * A local call that ended without an answer that should stand: its attempts ran out (or timed out) on a
 * retryable failure. Non-retryable failures (validation, not found, conflicts: the AWS error interceptor
 * marks them, for local activities too) and cancellation are the answer, as they were for regular ones.
 * The failure chain is read to its first application, timeout or cancellation failure, whether or not the
 * SDK wraps it in an ActivityFailure.
 */
function retriesRanOut(err: unknown): boolean {
  if (wf.isCancellation(err)) return false;
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof ApplicationFailure) return !e.nonRetryable;
    if (e instanceof TimeoutFailure) return true;
    if (e instanceof CancelledFailure || e instanceof TerminatedFailure) return false;
    if (e instanceof ActivityFailure && e.retryState === RetryState.NON_RETRYABLE_FAILURE) return false;
  }
  return false;
}

/**
 * The pipelines' AWS activities: LONG_CALL for LONG_ACTIVITIES, AWS_CALL for every other; with patch
 * LOCAL_ACTIVITIES_PATCH, LOCAL_ACTIVITIES first as local activities; with LOCAL_FIRST_CALLS_PATCH, one
 * local attempt of LOCAL_FIRST_LONG_ACTIVITIES and LOCAL_SINCE_FIRST_CALLS as local activities. Without the
 * patches only options differ from `proxyActivities(AWS_CALL)` (the same activity types, arguments and
 * order), so histories recorded with it replay unchanged. docs/activity-execution.md describes the trade.
 */
export function awsActivities(): wf.ActivityInterfaceFor<Activities> {
  const short = wf.proxyActivities<Activities>(AWS_CALL);
  const long = wf.proxyActivities<Activities>(LONG_CALL);
  const local = wf.proxyLocalActivities<Activities>(LOCAL_CALL);
  const localOnce = wf.proxyLocalActivities<Activities>(LOCAL_FIRST_ATTEMPT);
  type Call = (...args: unknown[]) => Promise<unknown>;
  const pick = (proxy: wf.ActivityInterfaceFor<Activities>, name: string) => proxy[name as keyof Activities] as unknown as Call;
  /** `name` as a local activity (with `patch`), then, if its local attempts ran out, as `regular`. */
  const localThen =
    (name: string, patch: string, localProxy: wf.ActivityInterfaceFor<Activities>, regular: wf.ActivityInterfaceFor<Activities>) =>
    async (...args: unknown[]) => {
      if (!wf.patched(patch)) return pick(regular, name)(...args);
      try {
        return await pick(localProxy, name)(...args);
      } catch (err) {
        if (!retriesRanOut(err)) throw err;
        wf.log.warn('local activity ran out of attempts; retrying it as a regular activity', {
          activityType: name,
          error: (err as ActivityFailure).cause?.message,
        });
        return pick(regular, name)(...args);
      }
    };
  return new Proxy({} as wf.ActivityInterfaceFor<Activities>, {
    get(_, name) {
      if (typeof name !== 'string') return undefined;
      if (isLocalFirstLong(name)) return localThen(name, LOCAL_FIRST_CALLS_PATCH, localOnce, long);
      if (isLong(name)) return pick(long, name);
      if (isLocal(name)) return localThen(name, LOCAL_ACTIVITIES_PATCH, local, short);
      if (isLocalSinceFirstCalls(name)) return localThen(name, LOCAL_FIRST_CALLS_PATCH, local, short);
      return pick(short, name);
    },
  });
}

/**
 * Compensation, rollback and cleanup steps: retried until they succeed (or hit a non-retryable failure).
 * A cleanup reads several resources (and, in histories from before the tag-based cleanups, scans the
 * account's endpoints), so an attempt may take longer than a single call; every step heartbeats, so a dead
 * worker's step is retried elsewhere within HEARTBEAT_TIMEOUT rather than after start-to-close.
 */
export const UNDO: ActivityOptions = {
  startToCloseTimeout: '2m',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
};

/**
 * How long one compensation or cleanup step may keep trying: twice the pipeline's inServiceTimeout, as a
 * restore may first wait out an update in flight and then its own. A step that keeps failing past it ends
 * the pipeline as RollbackIncomplete naming what is left, instead of holding the endpoint's workflow id.
 */
export function compensationBoundMs(inServiceTimeoutMs: number): number {
  return 2 * inServiceTimeoutMs;
}

/**
 * The activities for compensation and cleanup: UNDO bounded overall by compensationBoundMs. Runs started
 * before the patch keep retrying without a bound, as their histories did. Call it once, early, at the
 * same point of the workflow every time (it records the patch marker). `patchId`: the patch that brought
 * the bound to this workflow (`bounded-compensation` for deploy, update and canary; the delete pipeline's
 * scaling restore came later, as `delete-bounded-scaling-restore`).
 */
export function undoActivities<A extends object>(timeoutMs: number, patchId = 'bounded-compensation'): { undo: wf.ActivityInterfaceFor<A>; boundMs?: number } {
  if (!wf.patched(patchId)) return { undo: wf.proxyActivities<A>(UNDO) };
  const boundMs = compensationBoundMs(timeoutMs);
  return { undo: wf.proxyActivities<A>({ ...UNDO, scheduleToCloseTimeout: boundMs }), boundMs };
}

/** The activities of a wait whose attempts are polls (pollingOptions), bounded overall by `deadlineMs`. */
export function pollingActivities(poll: ResolvedPollPolicy, deadlineMs: number): wf.ActivityInterfaceFor<Activities> {
  return wf.proxyActivities<Activities>(pollingOptions(poll, deadlineMs));
}

/** A wait whose attempts are polls, bounded overall by `deadline`. */
export function pollingOptions(poll: ResolvedPollPolicy, deadlineMs: number): ActivityOptions {
  const retry: RetryPolicy = {
    initialInterval: poll.minMs,
    backoffCoefficient: poll.backoff,
    maximumInterval: poll.maxMs,
  };
  // One poll is one DescribeEndpoint call (a short call, as AWS_CALL).
  return { startToCloseTimeout: AWS_CALL.startToCloseTimeout, scheduleToCloseTimeout: deadlineMs, retry };
}
