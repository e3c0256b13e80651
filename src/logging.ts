import pino from 'pino';
import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';

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
 * A plain Logger, not the SDK's DefaultLogger: that would load @temporalio/worker into every command
 * that logs (the codec server), not only the worker.
 */
export function temporalLogger(logger: pino.Logger, level: LogLevel = 'INFO'): Logger {
  const min = LEVELS.indexOf(level);
  const log = (lvl: LogLevel, message: string, meta?: LogMetadata) => {
    if (LEVELS.indexOf(lvl) >= min) logger[lvl.toLowerCase() as Lowercase<LogLevel>]({ ...meta }, message);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
