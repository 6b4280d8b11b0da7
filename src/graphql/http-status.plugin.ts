import { GraphQLError } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';

const REQUEST_ERRORS = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

/**
 * GraphQL over HTTP: a client that accepts only `application/json` SHOULD get
 * 200 for a document that fails to parse or validate (or whose variables do
 * not coerce), with the errors in the body; `application/graphql-response+json`
 * clients keep Apollo's 4xx. https://graphql.github.io/graphql-over-http/draft/#sec-application-json
 */
export function legacyJsonStatusPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart({ request }) {
      const accept = request.http?.headers.get('accept') ?? '';
      if (accept.includes('application/graphql-response+json')) return {};
      return {
        async willSendResponse({ response, errors }) {
          const codes = (errors ?? []).map((e) => String(e.extensions?.code));
          if (response.http.status === 400 && codes.length && codes.every((c) => REQUEST_ERRORS.has(c))) {
            response.http.status = 200;
          }
        },
      };
    },
  };
}

/**
 * A subscription sent over HTTP is refused with 400 BAD_REQUEST naming where subscriptions are served: Apollo Server
 * ran its root resolver as a query, which failed as a 500 INTERNAL_SERVER_ERROR (found by probing, session 6).
 */
export function subscriptionsOverWebSocketOnlyPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw new GraphQLError('Subscriptions are served over WebSocket at /graphql (graphql-ws, subprotocol graphql-transport-ws), not over HTTP.', {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        },
      };
    },
  };
}
