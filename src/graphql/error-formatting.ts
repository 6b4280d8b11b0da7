import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ConnectionException } from '@mikro-orm/core';
import type { Logger } from '../platform/logger.js';
import { AccessErrorCode } from '../policy/access.errors.js';

/** Codes whose message is meant for the client as it is. */
const CLIENT_CODES = new Set([
  'BAD_USER_INPUT',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  'NOT_FOUND',
  'CONNECTOR_BUSY',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'DATABASE_UNAVAILABLE',
  // An uploaded file over UPLOAD_MAX_BYTES (src/ingest/upload-import.ts).
  'PAYLOAD_TOO_LARGE',
  // An uploaded file in no encoding the hub decodes, or an XLSX it will not open (issue #11, src/ingest/upload-import.ts).
  'UNSUPPORTED_ENCODING',
  'UNREADABLE_FILE',
  // Access control and query limits (src/access/access.errors.ts).
  ...Object.values(AccessErrorCode),
  // Trusted documents (src/trusted-documents/trusted-documents.ts, TrustedDocumentCode; the names Apollo Router uses).
  'PERSISTED_QUERY_NOT_IN_LIST',
  'QUERY_NOT_IN_SAFELIST',
  'PERSISTED_QUERY_HASH_MISMATCH',
  'PERSISTED_QUERY_INVALID',
]);

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08003', '08006']);

function isDatabaseDown(error: unknown): boolean {
  // graphql-js wraps non-Error throws (pg's raw connect errors) in NonErrorThrown.thrownValue.
  let current = error as { code?: string; cause?: unknown; thrownValue?: unknown; message?: string } | undefined;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof ConnectionException) return true;
    if (current.code && CONNECTION_CODES.has(current.code)) return true;
    if (/Connection terminated|connect ECONNREFUSED|the database system is (starting up|shutting down)/i.test(current.message ?? '')) return true;
    current = (current.cause ?? current.thrownValue) as typeof current;
  }
  return false;
}

/**
 * Apollo `formatError`: client errors pass through with their code; a lost
 * database becomes DATABASE_UNAVAILABLE; anything else is masked as
 * "Unexpected error" and logged with its stack (never sent to the client).
 */
export function createErrorFormatter(log: Logger, onError: (code: string) => void, limits?: { maxTokens: number }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const tokens = limits && refineTokenLimitError(formatted.message, limits.maxTokens);
    if (tokens) {
      onError(String(tokens.extensions.code));
      return { message: tokens.message, locations: formatted.locations, extensions: tokens.extensions };
    }
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    // A GraphQLError with no cause was made by graphql-js itself (parse or validation of the
    // document, e.g. over graphql-ws where Apollo does not add codes): it is about the request.
    const requestError = error instanceof GraphQLError && !error.originalError && !formatted.extensions?.code;
    const code = String(formatted.extensions?.code ?? (requestError ? 'GRAPHQL_VALIDATION_FAILED' : 'INTERNAL_SERVER_ERROR'));
    if (CLIENT_CODES.has(code) && !isDatabaseDown(original)) {
      onError(code);
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions: { ...extensions, code } };
    }
    if (isDatabaseDown(original)) {
      onError('DATABASE_UNAVAILABLE');
      log.warn({ err: (original as Error)?.message, path: formatted.path }, 'database unavailable during request');
      return {
        message: 'The database is unavailable right now; try again shortly.',
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: 'DATABASE_UNAVAILABLE', retryable: true },
      };
    }
    onError('INTERNAL_SERVER_ERROR');
    log.error({ err: original, path: formatted.path }, 'unexpected error in resolver');
    return {
      message: 'Unexpected error.',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

/** graphql's parser reports a token overflow as a syntax error; give it the limit's own code. */
export function refineTokenLimitError(message: string, maxTokens: number): { message: string; extensions: Record<string, unknown> } | undefined {
  if (!/Document contains more th(?:an|at) \d+ tokens/.test(message)) return undefined;
  return { message: `The document has more than ${maxTokens} tokens.`, extensions: { code: AccessErrorCode.TOO_MANY_TOKENS, limit: maxTokens } };
}
