import pino from 'pino';
import type { Log } from '@lifeline/domain';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/**
 * The router's log: one JSON object per line on stderr (pino), with `time`, `level`, `msg` and
 * fields. Written synchronously, so the last lines before an exit are not lost. Request headers
 * that carry credentials are redacted wherever they appear.
 */
export function jsonLogger(level: LogLevel): pino.Logger {
  return pino(
    {
      level,
      base: { service: 'lifeline' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'token'], censor: '[redacted]' },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

/** The engine's `Log` port over pino (which takes fields first, message second). */
export function asLog(logger: pino.Logger): Log {
  return {
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
}

/** A log whose errors are also counted (`lifeline_internal_errors_total`). */
export function countingErrors(log: Log, count: () => void): Log {
  return { ...log, error: (message, fields) => (count(), log.error(message, fields)) };
}
