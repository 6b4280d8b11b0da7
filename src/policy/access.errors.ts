import { GraphQLError } from 'graphql';

/** Codes the access layer answers with; each is documented in the README. */
export enum AccessErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  RATE_LIMITED = 'RATE_LIMITED',
  QUERY_TOO_DEEP = 'QUERY_TOO_DEEP',
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
  TOO_MANY_ALIASES = 'TOO_MANY_ALIASES',
  TOO_MANY_DIRECTIVES = 'TOO_MANY_DIRECTIVES',
  TOO_MANY_TOKENS = 'TOO_MANY_TOKENS',
  BATCH_TOO_LARGE = 'BATCH_TOO_LARGE',
  /** A list argument longer than QUERY_MAX_LIST_ITEMS (issue #11). */
  LIST_TOO_LONG = 'LIST_TOO_LONG',
  /** The audit trail could not be written: the operation did not run, or its data was withheld (issue #11). */
  AUDIT_UNAVAILABLE = 'AUDIT_UNAVAILABLE',
  /** More open subscriptions on one WebSocket than WS_MAX_SUBSCRIPTIONS_PER_SOCKET (issue #11). */
  TOO_MANY_SUBSCRIPTIONS = 'TOO_MANY_SUBSCRIPTIONS',
  /** Two different credentials on one request or socket (HTTP 400, WebSocket close 4400). */
  AMBIGUOUS_CREDENTIALS = 'AMBIGUOUS_CREDENTIALS',
}

/** No, wrong, expired or revoked credentials (HTTP 401). */
export class UnauthenticatedError extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: { code: AccessErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
  }
}

/**
 * Two different credentials where one is expected (`Authorization` and `x-api-key`, two `Authorization` lines, two
 * credential connectionParams, an upgrade header and connectionParams): refused rather than one silently preferred,
 * so a caller never runs as a key it did not mean (HTTP 400; WebSocket close 4400). The same token twice is one
 * credential. Nothing is checked, so nothing counts towards the lockout.
 */
export class AmbiguousCredentialsError extends GraphQLError {
  constructor(sources: readonly string[]) {
    super(`Different credentials in ${sources.join(', ')}; send one.`, {
      extensions: { code: AccessErrorCode.AMBIGUOUS_CREDENTIALS, sources, http: { status: 400 } },
    });
  }
}

/** Authenticated, but the role or key scope does not allow this. */
export class ForbiddenError extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: { code: AccessErrorCode.FORBIDDEN } });
  }
}

/** Over the rate budget (HTTP 429 with Retry-After). */
export class RateLimitedError extends GraphQLError {
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many requests; retry after ${retryAfterSeconds} s.`, {
      extensions: { code: AccessErrorCode.RATE_LIMITED, retryAfter: retryAfterSeconds, http: { status: 429 } },
    });
  }
}

/** A query limit was exceeded: depth, cost, aliases, directives, tokens or batch size. */
export class QueryLimitError extends GraphQLError {
  constructor(code: AccessErrorCode, message: string, limit: number, actual?: number) {
    super(message, { extensions: { code, limit, ...(actual != null ? { actual } : {}), http: { status: 400 } } });
  }
}

/**
 * A subscription event about a row the subscriber may not see: dropped by the
 * graphql-ws adapter instead of being sent (so its existence does not leak).
 */
export class HiddenRowError extends GraphQLError {
  constructor() {
    super('Not visible to this caller.', { extensions: { code: AccessErrorCode.FORBIDDEN, hiddenRow: true } });
  }
}

/**
 * The audit row of a mutation or of a read of classified data could not be
 * written (issue #11): fail closed. A mutation does not run; a read's data is
 * withheld. HTTP 503, `retryable`.
 */
export class AuditUnavailableError extends GraphQLError {
  constructor() {
    super('The audit trail cannot be written right now, so this operation was not carried out (or its data withheld); retry shortly.', {
      extensions: { code: AccessErrorCode.AUDIT_UNAVAILABLE, retryable: true, http: { status: 503 } },
    });
  }
}
