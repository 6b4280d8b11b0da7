import express, { type Express, type RequestHandler } from 'express';
import { vendorAssetsRouter } from './static-assets.js';
import { graphiqlPage } from './graphiql/graphiql-page.js';
import { indexPage } from './index-page.js';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from '../platform/json-depth.js';

export interface HttpAppOptions {
  /** The Apollo middleware serving `/graphql`. */
  graphql: RequestHandler;
  /** Whether the database answers and is migrated. */
  ready: () => Promise<boolean>;
  /** Courier push endpoints (issue #5), mounted at /hooks with their own raw-body parsers (signatures cover the exact bytes). */
  webhooks?: RequestHandler;
  /**
   * Prometheus exposition of the hub's metrics, behind `guard` (issue #11: an
   * ADMIN key or METRICS_TOKEN); absent when METRICS_PORT serves it on its own port.
   */
  metrics?: MetricsEndpoint & { guard: RequestHandler };
  /** Largest request body accepted, e.g. "1mb" or a number of bytes. */
  bodyLimit: string | number;
  /** Access control (issue #6): runs before GraphQL (authentication, rate limit, batch size) and before /hooks (rate limit, audit). */
  guards?: { graphql: RequestHandler; hooks: RequestHandler };
  /** CORS for /graphql, when cross-origin callers are allowed (CORS_ORIGINS). */
  cors?: RequestHandler;
  /** GraphQL multipart requests (issue #15: uploads), after the access guard and before everything else that reads the body. */
  uploads?: RequestHandler;
  /** Runs after the access guard, before Apollo (issue #15: trusted documents). */
  beforeGraphql?: RequestHandler[];
  /** Runs last before Apollo: answers the operations the query compiler covers, else hands over (issue #10, compiled-reads.fast-path.ts). */
  compiledReads?: RequestHandler;
  /** Runs first on /graphql, /hooks and /reports (issue #15: one trace span per request). */
  tracing?: RequestHandler;
}

/** What /metrics serves. */
export interface MetricsEndpoint {
  contentType: string;
  render: () => Promise<string>;
}

/** GET handler of /metrics. @internal */
function metricsHandler(metrics: MetricsEndpoint): RequestHandler {
  return async (_req, res, next) => {
    try {
      res.type(metrics.contentType).send(await metrics.render());
    } catch (error) {
      next(error);
    }
  };
}

/**
 * The metrics-only app of METRICS_PORT (issue #11): `/metrics` without a key,
 * on a port the operator keeps off the public network; nothing else.
 */
export function createMetricsApp(metrics: MetricsEndpoint): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metricsHandler(metrics));
  return app;
}

/** The JSON a GET carries in its URL (`variables`, `extensions`), which Apollo parses itself, nests no deeper than a body may. @internal */
const shallowSearchParameters: RequestHandler = (req, res, next) => {
  if (req.method !== 'GET') return next();
  for (const name of ['variables', 'extensions']) {
    const value = req.query[name];
    if (typeof value === 'string' && jsonNestsDeeperThan(value)) {
      res
        .status(400)
        .json({ errors: [{ message: `The ${name} search parameter nests deeper than ${MAX_JSON_DEPTH} levels.`, extensions: { code: 'BAD_REQUEST' } }] });
      return;
    }
  }
  next();
};

/**
 * The HTTP surface. Routes are thin: everything they do is delegated to the
 * GraphQL server or to the callbacks passed in.
 */
export function createHttpApp(options: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (options.tracing) app.use(['/graphql', '/hooks', '/reports'], options.tracing);
  // Webhooks authenticate by the sender's signature, but are rate limited and audited like everything else.
  if (options.guards) app.use('/hooks', options.guards.hooks);

  app.get('/', (_req, res) => res.type('html').send(indexPage()));
  app.get('/healthz', (_req, res) => res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const ready = await options.ready();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', database: ready ? 'ok' : 'unreachable or not migrated' });
  });
  if (options.metrics) app.get('/metrics', options.metrics.guard, metricsHandler(options.metrics));
  if (options.webhooks) app.use('/hooks', options.webhooks);
  app.get('/graphiql', (_req, res) => res.type('html').send(graphiqlPage()));
  app.use('/assets/vendor', vendorAssetsRouter());
  if (options.cors) app.use('/graphql', options.cors);
  const guard: RequestHandler = options.guards?.graphql ?? ((_req, _res, next) => next());
  app.use(
    '/graphql',
    express.json({
      limit: options.bodyLimit,
      // Refused before it is parsed: everything after JSON.parse (the input checks, the audit, JSON.stringify) recurses.
      verify: (_req, _res, buffer) => {
        if (jsonNestsDeeperThan(buffer)) throw Object.assign(new Error(`the JSON nests deeper than ${MAX_JSON_DEPTH} levels`), { status: 400 });
      },
    }),
    shallowSearchParameters,
    guard,
    ...(options.uploads ? [options.uploads] : []),
    ...(options.beforeGraphql ?? []),
    ...(options.compiledReads ? [options.compiledReads] : []),
    options.graphql,
  );

  // Body too large, malformed JSON or a charset the body parser does not read: a clear 4xx in the GraphQL-over-HTTP error shape.
  app.use(((error, _req, res, next) => {
    if (res.headersSent) return next(error);
    const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    // 415 (`charset=latin1`) was answered as INTERNAL_SERVER_ERROR "Unexpected error." (found by probing, session 6).
    const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR';
    const message =
      status === 413
        ? `Request body is larger than ${typeof options.bodyLimit === 'number' ? `${options.bodyLimit} bytes` : options.bodyLimit}.`
        : status === 415
          ? `Unsupported request body: ${error.message}; send JSON in UTF-8.`
          : status < 500
            ? `Malformed request body: ${error.message}`
            : 'Unexpected error.';
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  }) as express.ErrorRequestHandler);
  return app;
}
