import { DefaultLogger, type LogContext, type LoggerOptions } from '@mikro-orm/core';
import { recordSpan, tracingEnabled } from './tracing.js';

/** Longest statement text put on a span (OpenTelemetry backends truncate anyway). */
const MAX_STATEMENT = 2000;

/**
 * MikroORM's logger with one addition (issue #15): each statement it reports
 * after running it (with its duration) becomes a CLIENT span of the active
 * operation. Statements carry `?` placeholders, never parameter values, so no
 * personal data reaches the trace. With tracing off it is the default logger.
 */
export class TracingSqlLogger extends DefaultLogger {
  constructor(options: LoggerOptions) {
    super(options);
  }

  override logQuery(context: { query: string } & LogContext): void {
    super.logQuery(context);
    if (!tracingEnabled() || context.took === undefined) return;
    const now = Date.now();
    const keyword = /^\s*(\w+)/.exec(context.query)?.[1]?.toUpperCase() ?? 'SQL';
    recordSpan(
      keyword,
      now - context.took,
      now,
      {
        'db.system.name': 'postgresql',
        'db.operation.name': keyword,
        'db.query.text': context.query.length > MAX_STATEMENT ? `${context.query.slice(0, MAX_STATEMENT)}…` : context.query,
        ...(context.results !== undefined ? { 'db.response.returned_rows': context.results } : {}),
      },
      context.level === 'error',
    );
  }
}
