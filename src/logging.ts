import pino from 'pino';
import { DefaultLogger, type LogLevel } from '@temporalio/worker';

/**
 * Errors as JSON: message, type (an ApplicationFailure's failure type), stack and the cause chain. The
 * Temporal SDK passes errors under `error` (e.g. "Activity failed" with `{ error }`), which pino leaves as
 * `{}` unless a serializer names that key: https://getpino.io/#/docs/api?id=serializers-object
 */
const serializers = { err: serializeError, error: serializeError };

/** pino's error serializer (with causes), plus each ApplicationFailure's type as `failureType`. */
function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const out = pino.stdSerializers.errWithCause(err) as unknown as { failureType?: string; cause?: unknown };
  // pino's `type` is the class name (ApplicationFailure); the failure type says which failure it was.
  for (let e: unknown = err, o: typeof out | undefined = out; e instanceof Error && o; e = e.cause, o = o.cause as typeof out | undefined) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && type) o.failureType = type;
  }
  return out;
}

/** Structured JSON logs (one object per line) for the worker and the Temporal runtime. */
export function createLogger(level: string = process.env.MODELSHIP_LOG_LEVEL ?? 'info', destination?: pino.DestinationStream) {
  const options = { level, base: { service: 'modelship' }, serializers };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Routes Temporal's runtime and SDK logs into pino. The SDK's activity logger puts the activity's
 * workflowId, workflowRunId, activityType and attempt in each line's meta; they are kept as fields.
 */
export function temporalLogger(logger: pino.Logger, level: LogLevel = 'INFO'): DefaultLogger {
  return new DefaultLogger(level, ({ level: lvl, message, meta }) => {
    const method = lvl.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
    logger[method]({ ...meta }, message);
  });
}
