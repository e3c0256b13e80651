import pino from 'pino';
import { DefaultLogger, type LogLevel } from '@temporalio/worker';

/** Structured JSON logs (one object per line) for the worker and the Temporal runtime. */
export function createLogger(level: string = process.env.MODELSHIP_LOG_LEVEL ?? 'info') {
  return pino({ level, base: { service: 'modelship' } });
}

/** Routes Temporal's runtime and SDK logs into pino. */
export function temporalLogger(logger: pino.Logger, level: LogLevel = 'INFO'): DefaultLogger {
  return new DefaultLogger(level, ({ level: lvl, message, meta }) => {
    const method = lvl.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
    logger[method]({ ...meta }, message);
  });
}
