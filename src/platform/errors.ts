import { GraphQLError } from 'graphql';

/**
 * Errors a client sees carry a stable `extensions.code`. Anything else that
 * escapes a resolver is masked as "Unexpected error" by the server and logged
 * with its stack (see graphql/error-formatting.ts).
 */
export class BadUserInputError extends GraphQLError {
  constructor(message: string, argumentName?: string, details: Record<string, unknown> = {}) {
    super(message, { extensions: { code: 'BAD_USER_INPUT', argumentName, ...details } });
  }
}

export class NotFoundError extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: { code: 'NOT_FOUND' } });
  }
}

/** The database cannot be reached; the hub keeps running and retries on the next request. */
export class DatabaseUnavailableError extends GraphQLError {
  constructor() {
    super('The database is unavailable right now; try again shortly.', {
      extensions: { code: 'DATABASE_UNAVAILABLE', retryable: true },
    });
  }
}
