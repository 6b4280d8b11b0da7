import { pino, stdSerializers, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { traceFields } from './tracing.js';

export type { Logger };

/**
 * Structured JSON logs on stdout (one object a line). Secrets are redacted by
 * path so that a careless `log.info({ headers })` cannot leak them.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'harvest-hub' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // trace_id / span_id of the operation a line belongs to, when tracing is on (issue #15): logs and traces join.
    mixin: traceFields,
    // PostgreSQL errors carry key values (detail, where, internalQuery): never into the log (issue #11).
    serializers: {
      err: (error: unknown) => {
        // Many call sites log `err: error.message` (a string): kept as it is, not spread into one key per character.
        if (typeof error !== 'object' || error === null) return error;
        const { detail: _detail, where: _where, internalQuery: _internal, ...rest } = stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
        return rest;
      },
    },
    redact: {
      paths: ['*.authorization', '*.headers.authorization', '*.headers["x-api-key"]', '*.password', '*.secret', 'databaseUrl'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
