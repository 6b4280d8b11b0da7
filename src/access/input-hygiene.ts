import { GraphQLError, Kind, visit, type DocumentNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';

/**
 * Text PostgreSQL cannot store (issue #11, hostile input): a NUL character
 * (U+0000) in any string argument made the insert fail deep in a resolver
 * and answer 500. It is refused up front as BAD_USER_INPUT naming the
 * variable or the argument, before anything runs.
 */
const NUL = '\u0000';

/** The path of the first string (or object key) holding NUL inside a variable value, or undefined. @internal */
function nulPath(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes(NUL) ? path : undefined;
  if (depth > 32 || value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    // eslint-disable-next-line no-control-regex -- finding NUL is the point
    if (key.includes(NUL)) return `${path}.${key.replace(/\u0000/g, '\\u0000')}`;
    const found = nulPath(item, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Refuses NUL characters in the document's string literals and in the variables; undefined when there are none. */
export function checkInputText(document: DocumentNode, variables?: Record<string, unknown> | null): GraphQLError | undefined {
  return checkVariables(variables) ?? checkLiterals(document);
}

/** The variables part of `checkInputText`. */
export function checkVariables(variables?: Record<string, unknown> | null): GraphQLError | undefined {
  for (const [name, value] of Object.entries(variables ?? {})) {
    const path = nulPath(value, name);
    if (path) {
      return new GraphQLError(`Variable "$${path}" contains a NUL character (U+0000), which cannot be stored.`, {
        extensions: { code: 'BAD_USER_INPUT', field: path, http: { status: 400 } },
      });
    }
  }
  return undefined;
}

/** The document part of `checkInputText`: string literals holding NUL. */
export function checkLiterals(document: DocumentNode): GraphQLError | undefined {
  let literal: GraphQLError | undefined;
  visit(document, {
    [Kind.STRING](node) {
      if (literal || !node.value.includes(NUL)) return;
      literal = new GraphQLError('A string argument contains a NUL character (U+0000), which cannot be stored.', {
        nodes: [node],
        extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
      });
    },
  });
  return literal;
}

const checkedDocuments = new WeakMap<DocumentNode, { error: GraphQLError | undefined }>();

/** Apollo plugin: `checkInputText` after the operation is resolved, before it runs. */
export function inputHygienePlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          // The document's literals are checked once per parsed document (issue #10), the variables every time.
          let literals = checkedDocuments.get(document);
          if (!literals) checkedDocuments.set(document, (literals = { error: checkLiterals(document) }));
          const error = checkVariables(request.variables) ?? literals.error;
          if (error) throw error;
        },
      };
    },
  };
}
