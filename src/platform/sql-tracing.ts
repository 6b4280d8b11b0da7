import { DefaultLogger, type LogContext, type LoggerOptions } from '@mikro-orm/core';
import { recordSpan, tracingEnabled } from './tracing.js';

/** Longest statement text put on a span (OpenTelemetry backends truncate anyway). */
const MAX_STATEMENT = 2000;

/**
 * Records one SQL statement that ran from `startedAt` to `endedAt` (epoch ms)
 * as a CLIENT span of the active operation, with the OpenTelemetry database
 * attributes. `text` must carry placeholders, never parameter values. Used by
 * the ORM's logger and by the statements that bypass the ORM (the compiled reads).
 */
export function recordStatementSpan(text: string, startedAt: number, endedAt: number, returnedRows?: number, failed = false): void {
  if (!tracingEnabled()) return;
  const keyword = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'SQL';
  recordSpan(
    keyword,
    startedAt,
    endedAt,
    {
      'db.system.name': 'postgresql',
      'db.operation.name': keyword,
      'db.query.text': text.length > MAX_STATEMENT ? `${text.slice(0, MAX_STATEMENT)}…` : text,
      ...(returnedRows !== undefined ? { 'db.response.returned_rows': returnedRows } : {}),
    },
    failed,
  );
}

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
    recordStatementSpan(context.query, now - context.took, now, context.results, context.level === 'error');
  }
}
