import type { RequestHandler } from 'express';
import { SpanStatusCode } from '@opentelemetry/api';
import { extractContext, SpanKind, tracingEnabled, withSpan } from '../platform/tracing.js';

/**
 * One SERVER span per request (issue #15), a child of the caller's W3C
 * `traceparent` when it sends one; everything the request causes (GraphQL
 * execution, SQL statements, ingest batches, publishes) happens inside it.
 * Ends when the response is finished or the client goes away.
 */
export function traceRequests(): RequestHandler {
  return (req, res, next) => {
    if (!tracingEnabled()) return next();
    const route = req.baseUrl || req.path;
    void withSpan(
      `${req.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        parent: extractContext(req.headers as Record<string, unknown>),
        attributes: { 'http.request.method': req.method, 'http.route': route, 'url.path': req.originalUrl.split('?')[0] },
      },
      (span) =>
        new Promise<void>((resolve) => {
          res.once('finish', () => {
            span?.setAttribute('http.response.status_code', res.statusCode);
            if (res.statusCode >= 500) span?.setStatus({ code: SpanStatusCode.ERROR });
            resolve();
          });
          res.once('close', () => resolve());
          next();
        }),
    );
  };
}
