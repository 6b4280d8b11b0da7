import type { ApolloServerPlugin } from '@apollo/server';
import { getOperationAST, type DocumentNode } from 'graphql';
import { activeSpan, tracingEnabled } from '../platform/tracing.js';

/** `query Counties`, `subscription`, … as OpenTelemetry's GraphQL conventions name an operation's span. */
export function operationSpanName(document: DocumentNode | undefined, operationName?: string | null): { name: string; type?: string } {
  const operation = document ? getOperationAST(document, operationName ?? undefined) : null;
  const type = operation?.operation;
  const name = operation?.name?.value ?? operationName ?? undefined;
  return { name: [type ?? 'graphql', name].filter(Boolean).join(' '), type };
}

/**
 * Names the request's server span after the operation it ran (issue #15) and
 * records its type, name and error codes. The span itself is the HTTP
 * request's (src/http/tracing.middleware.ts); SQL statements are its children.
 */
export function tracingPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      if (!tracingEnabled()) return;
      const span = activeSpan();
      if (!span) return;
      return {
        async didResolveOperation({ document, operationName, request }) {
          const { name, type } = operationSpanName(document, operationName ?? request.operationName);
          // In a batch, the span carries every operation's name; it is named after the first.
          span.updateName(name);
          span.setAttributes({ 'graphql.operation.type': type ?? '', 'graphql.operation.name': operationName ?? '' });
        },
        async didEncounterErrors({ errors }) {
          span.setAttribute('graphql.error.codes', [...new Set(errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))]);
        },
      };
    },
  };
}
