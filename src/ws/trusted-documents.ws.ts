import { GraphQLError } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import type { TrustedDocuments } from '../trusted-documents/trusted-documents.js';

/**
 * graphql-ws: the same trusted-document rules as HTTP. A persisted operation
 * arrives as `{ query: "", extensions: { persistedQuery: { version: 1, sha256Hash } } }`
 * (the protocol requires a `query` string); the payload is completed in place
 * before the access checks and execution read it.
 */
export function resolveSubscribeDocument(documents: TrustedDocuments) {
  return (payload: SubscribePayload): readonly GraphQLError[] | void => {
    const resolution = documents.resolve(payload as SubscribePayload & { documentId?: unknown });
    if (!resolution.ok) return [new GraphQLError(resolution.message, { extensions: { code: resolution.code } })];
    if (resolution.persistedId) {
      // graphql-ws types the payload read-only; it is this message's own parsed object, and the server reads it after this hook.
      const writable = payload as { query: string; extensions?: Record<string, unknown> | null };
      writable.query = resolution.query;
      if (writable.extensions) delete writable.extensions.persistedQuery;
    }
  };
}
