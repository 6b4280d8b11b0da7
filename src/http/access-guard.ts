import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { Role } from '../policy/role.js';
import type { Authenticate } from '../access/authenticate.js';
import type { RateLimits } from '../access/rate-limit.js';
import type { AuditService } from '../access/audit.service.js';
import { AccessErrorCode, AmbiguousCredentialsError, UnauthenticatedError } from '../policy/access.errors.js';
import { credentialHeaders } from '../access/credentials.js';
import { anonymousViewer, type Viewer } from '../policy/viewer.js';
import type { Logger } from '../platform/logger.js';

export interface AccessGuardOptions {
  authenticate: Authenticate;
  rateLimits: RateLimits;
  audit: AuditService;
  log: Logger;
  /** Most operations in one batched request. */
  maxBatch: number;
}

function clientIp(req: Request): string {
  return req.socket.remoteAddress ?? 'unknown';
}

function refuse(res: Response, status: number, code: string, message: string, extensions: Record<string, unknown> = {}): void {
  res
    .status(status)
    .type('application/json')
    .json({ errors: [{ message, extensions: { code, ...extensions } }] });
}

function tooMany(res: Response, retryAfterSeconds: number): void {
  res.setHeader('Retry-After', String(retryAfterSeconds));
  refuse(res, 429, AccessErrorCode.RATE_LIMITED, `Too many requests; retry after ${retryAfterSeconds} s.`, { retryAfter: retryAfterSeconds });
}

/** The request's one credential header, or undefined once it has answered 400 AMBIGUOUS_CREDENTIALS. @internal */
function presentedCredentials(req: Request, res: Response): ReturnType<typeof credentialHeaders> | undefined {
  try {
    return credentialHeaders(req.rawHeaders);
  } catch (error) {
    if (!(error instanceof AmbiguousCredentialsError)) throw error;
    refuse(res, 400, AccessErrorCode.AMBIGUOUS_CREDENTIALS, error.message, { sources: error.extensions.sources });
    return undefined;
  }
}

/** The viewer the guard attached to this request (anonymous if none). */
export function viewerOf(res: Response): Viewer {
  return (res.locals.viewer as Viewer | undefined) ?? anonymousViewer();
}

/**
 * `/graphql`: refuse locked-out addresses (too many bad keys), authenticate
 * (401 + WWW-Authenticate on bad credentials), spend the caller's rate budget
 * (429 + Retry-After), check the batch size; then hand over to GraphQL with
 * `res.locals.viewer` set.
 */
export function graphqlAccessGuard(options: AccessGuardOptions): RequestHandler {
  const { authenticate, rateLimits, log } = options;
  return async (req, res, next) => {
    try {
      const ip = clientIp(req);
      const credentials = presentedCredentials(req, res);
      if (!credentials) return;
      const { authorization, apiKey } = credentials;
      const presented = authorization ?? apiKey;
      const lockout = await rateLimits.authLockout(ip, presented);
      if (!lockout.allowed) return tooMany(res, lockout.retryAfterSeconds);
      let viewer: Viewer;
      try {
        viewer = await authenticate({ authorization, apiKey, unmaskReason: req.get('x-unmask-reason') ?? null, ip });
      } catch (error) {
        if (!(error instanceof UnauthenticatedError)) throw error;
        if (presented) {
          const spent = await rateLimits.authFailed(ip, presented);
          if (!spent.allowed) return tooMany(res, spent.retryAfterSeconds);
        }
        log.info({ ip, reason: error.message }, 'authentication refused');
        res.setHeader('WWW-Authenticate', 'Bearer realm="harvest-hub"');
        return refuse(res, 401, AccessErrorCode.UNAUTHENTICATED, error.message);
      }
      const budget = await rateLimits.consume(viewer.role ? viewer.actor : `ip:${ip}`);
      if (!budget.allowed) return tooMany(res, budget.retryAfterSeconds);
      if (Array.isArray(req.body) && req.body.length > options.maxBatch) {
        return refuse(res, 400, AccessErrorCode.BATCH_TOO_LARGE, `A batch may hold at most ${options.maxBatch} operations; this one has ${req.body.length}.`, {
          limit: options.maxBatch,
        });
      }
      res.locals.viewer = viewer;
      next();
    } catch (error) {
      // Authentication reads the key from the database: when that fails, say so like the resolvers do.
      log.warn({ err: (error as Error).message }, 'authentication could not complete');
      refuse(res, 503, 'DATABASE_UNAVAILABLE', 'The database is unavailable right now; try again shortly.', { retryable: true });
    }
  };
}

/**
 * `/hooks/*` (courier webhooks, issue #5): authenticated by the courier's own
 * signature, not by API keys, but rate limited per client address and every
 * write recorded in the audit trail once answered.
 */
export function hooksAccessGuard(options: AccessGuardOptions): RequestHandler {
  const { rateLimits, audit } = options;
  return async (req, res, next) => {
    try {
      const ip = clientIp(req);
      const budget = await rateLimits.consume(`hook:${ip}`);
      if (!budget.allowed) return tooMany(res, budget.retryAfterSeconds);
      if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') {
        const path = req.originalUrl.split('?')[0];
        res.once('finish', () => {
          void audit.recordQuietly({
            viewer: { actor: `hook:${path}`, credential: 'webhook', role: null, organisationName: null, ip, unmaskReason: null },
            transport: 'hook',
            operationType: req.method,
            operationName: path,
            operationText: path,
            variables: {},
            outcome: res.statusCode < 400 ? 'OK' : `HTTP_${res.statusCode}`,
          });
        });
      }
      next();
    } catch (error) {
      next(error);
    }
  };
}

/**
 * `/metrics` (issue #11): open only to `Authorization: Bearer <METRICS_TOKEN>`
 * (compared in constant time) or an ADMIN key, never to anonymous callers,
 * even in demo mode. Bad credentials count towards the lockout like on /graphql.
 */
export function metricsAccessGuard(options: Pick<AccessGuardOptions, 'authenticate' | 'rateLimits' | 'log'> & { token?: string }): RequestHandler {
  const { authenticate, rateLimits, log, token } = options;
  const expected = token ? createHash('sha256').update(token).digest() : undefined;
  return async (req, res, next) => {
    try {
      const ip = clientIp(req);
      const credentials = presentedCredentials(req, res);
      if (!credentials) return;
      const { authorization } = credentials;
      const presented = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
      if (expected && presented && timingSafeEqual(createHash('sha256').update(presented).digest(), expected)) return next();
      const lockout = await rateLimits.authLockout(ip, presented);
      if (!lockout.allowed) return tooMany(res, lockout.retryAfterSeconds);
      let viewer: Viewer | undefined;
      try {
        if (presented) viewer = await authenticate({ authorization, ip });
      } catch (error) {
        if (!(error instanceof UnauthenticatedError)) throw error;
        await rateLimits.authFailed(ip, presented);
      }
      if (viewer?.role === Role.ADMIN) return next();
      if (viewer) return refuse(res, 403, AccessErrorCode.FORBIDDEN, 'Metrics are open to ADMIN keys and the METRICS_TOKEN only.');
      res.setHeader('WWW-Authenticate', 'Bearer realm="harvest-hub-metrics"');
      refuse(res, 401, AccessErrorCode.UNAUTHENTICATED, 'Metrics need Authorization: Bearer <ADMIN key or METRICS_TOKEN>.');
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'metrics authentication could not complete');
      refuse(res, 503, 'DATABASE_UNAVAILABLE', 'The database is unavailable right now; try again shortly.', { retryable: true });
    }
  };
}
