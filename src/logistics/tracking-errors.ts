import { GraphQLError } from 'graphql';

/** Why a push was refused before anything was read from it. */
export enum SignatureFailure {
  MISSING = 'MISSING',
  MISMATCH = 'MISMATCH',
  STALE_TIMESTAMP = 'STALE_TIMESTAMP',
  REPLAYED = 'REPLAYED',
  NO_SECRET = 'NO_SECRET',
}

/** A push whose signature does not verify: HTTP 401, nothing stored. */
export class SignatureError extends GraphQLError {
  constructor(
    readonly failure: SignatureFailure,
    message: string,
  ) {
    super(message, { extensions: { code: 'UNAUTHENTICATED', reason: failure } });
  }
}

/** The courier in the push URL (or argument) is not one the hub knows. */
export class UnknownCourierError extends GraphQLError {
  constructor(readonly courier: string) {
    super(`Unknown courier "${courier}".`, { extensions: { code: 'NOT_FOUND', argumentName: 'courier' } });
  }
}

/** The request as a whole cannot be read (malformed JSON, no events, more than 1,000 events): HTTP 400, nothing stored. */
export class MalformedPushError extends GraphQLError {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message, { extensions: { code: 'BAD_USER_INPUT', argumentName: field } });
  }
}
