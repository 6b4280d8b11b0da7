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
