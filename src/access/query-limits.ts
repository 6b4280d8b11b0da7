// The CommonJS build: its ESM build imports graphql's .mjs files, a second graphql instance next to ours ("another module or realm").
import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  parse,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity/cjs';
import type { ApolloServerPlugin } from '@apollo/server';
import type { AccessConfig } from '../platform/config.js';
import { DEFAULT_PAGE_SIZE } from '../relay/connection.args.js';
import { AccessErrorCode, QueryLimitError } from '../policy/access.errors.js';

export type QueryLimits = AccessConfig['limits'];

/**
 * Cost estimate: 1 per field; a field taking `first`/`last` (a connection or
 * a paged list) costs its page size times its subtree, so `markets(first: 500)
 * { prices(first: 500) { … } }` costs 500 × 500 × … and is refused before it runs.
 */
const pagedEstimator: ComplexityEstimator = ({ args, childComplexity, field }) => {
  if (!field.args.some((a) => a.name === 'first' || a.name === 'last')) return undefined;
  const size = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : DEFAULT_PAGE_SIZE;
  return 1 + Math.max(size, 1) * Math.max(childComplexity, 1);
};
/**
 * Cost of a field taking a list argument (issue #11): `nodes(ids: [...])`
 * costs the number of ids times its subtree when it returns a list; every
 * list argument of ids, codes or enums longer than the limit is noted in `tooLong`.
 */
const listEstimator =
  (maxItems: number, tooLong: { field: string; length: number }[]): ComplexityEstimator =>
  ({ args, childComplexity, field }) => {
    let longest = 0;
    for (const arg of field.args) {
      const value = args[arg.name];
      // Lists of ids, codes and enums; a batch of input records (`ingestTrackingEvents(events:)`) has its own cap and the body limit.
      if (!isListType(getNullableType(arg.type)) || isInputObjectType(getNamedType(arg.type)) || !Array.isArray(value)) continue;
      longest = Math.max(longest, value.length);
      if (value.length > maxItems) tooLong.push({ field: `${field.name}(${arg.name})`, length: value.length });
    }
    if (!longest || !isListType(getNullableType(field.type))) return undefined;
    return 1 + longest * Math.max(childComplexity, 1);
  };
const fieldEstimator: ComplexityEstimator = ({ childComplexity }) => 1 + childComplexity;

function armorRules(limits: QueryLimits): { rule: ValidationRule; code: AccessErrorCode; limit: number }[] {
  const common = { exposeLimits: true, propagateOnRejection: true } as const;
  return [
    {
      rule: maxDepthRule({ ...common, n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true }),
      code: AccessErrorCode.QUERY_TOO_DEEP,
      limit: limits.maxDepth,
    },
    // allowList empty: graphql-armor leaves aliases of `__typename` out by default, so `a1: __typename a2: __typename …`
    // passed any alias limit (issue #11's alias floods).
    { rule: maxAliasesRule({ ...common, n: limits.maxAliases, allowList: [] }), code: AccessErrorCode.TOO_MANY_ALIASES, limit: limits.maxAliases },
    { rule: maxDirectivesRule({ ...common, n: limits.maxDirectives }), code: AccessErrorCode.TOO_MANY_DIRECTIVES, limit: limits.maxDirectives },
  ];
}

/**
 * Checks a parsed, valid operation against the limits (depth, aliases and
 * directives by graphql-armor's rules, cost by graphql-query-complexity) and
 * returns the first one exceeded as an error with its own code, or undefined.
 * Used by HTTP (Apollo plugin) and graphql-ws alike.
 */
export function checkQueryLimits(
  schema: GraphQLSchema,
  limits: QueryLimits,
  document: DocumentNode,
  operationName?: string | null,
  variables?: Record<string, unknown> | null,
): QueryLimitError | undefined {
  for (const { rule, code, limit } of armorRules(limits)) {
    let error: GraphQLError | undefined;
    try {
      [error] = validate(schema, document, [rule]);
    } catch (thrown) {
      // graphql-armor throws its rejection (propagateOnRejection) rather than only reporting it.
      if (!(thrown instanceof GraphQLError)) throw thrown;
      error = thrown;
    }
    if (error) return new QueryLimitError(code, error.message.replace(/^Syntax Error: /, ''), limit);
  }
  const measured = measureCost(schema, limits, document, operationName, variables);
  if (!measured) return undefined;
  if (measured.tooLong.length) {
    const [first] = measured.tooLong;
    return new QueryLimitError(
      AccessErrorCode.LIST_TOO_LONG,
      `${first.field} has ${first.length} items; at most ${limits.maxListItems} are accepted in one list argument.`,
      limits.maxListItems,
      first.length,
    );
  }
  if (measured.cost > limits.maxCost) {
    return new QueryLimitError(
      AccessErrorCode.QUERY_TOO_COMPLEX,
      `Query cost ${measured.cost} exceeds the limit of ${limits.maxCost} (QUERY_MAX_COST; each field costs 1; a connection multiplies its subtree by \`first\`). Ask for smaller pages or fewer nested connections.`,
      limits.maxCost,
      measured.cost,
    );
  }
  return undefined;
}

/**
 * The estimated cost of one operation and its over-long list arguments;
 * undefined when the document cannot be costed (unknown variables or
 * operation: graphql's own execution reports those precisely). @internal
 */
function measureCost(
  schema: GraphQLSchema,
  limits: QueryLimits,
  document: DocumentNode,
  operationName?: string | null,
  variables?: Record<string, unknown> | null,
): { cost: number; tooLong: { field: string; length: number }[] } | undefined {
  const tooLong: { field: string; length: number }[] = [];
  try {
    const cost = getComplexity({
      schema,
      query: document,
      operationName: operationName ?? undefined,
      variables: variables ?? {},
      estimators: [listEstimator(limits.maxListItems, tooLong), pagedEstimator, fieldEstimator],
    });
    return { cost, tooLong };
  } catch (error) {
    if (error instanceof GraphQLError) return undefined;
    throw error;
  }
}

/**
 * Most field nodes that one response path (`regions.nodes.name`) may gather in a document, its
 * fragments expanded, before the document is validated. graphql-js's OverlappingFieldsCanBeMerged
 * compares every pair of them, and the pairs under them: a 30 KB POST of 4,900 `name` in one
 * selection set kept the event loop busy for 8.6 s (found by probing, session 6), well within
 * QUERY_MAX_TOKENS. A real client selects a field once, or a few times through fragments.
 */
export const MAX_FIELDS_PER_PATH = 50;
/** Steps the repeated-field count may take (fragments expand into their spreads; a fragment DAG must not explode it). @internal */
const REPEAT_WALK_BUDGET = 100_000;

class RepeatWalkOverflow extends Error {}

/**
 * Refuses, before validation, a document in which one response path is selected more than
 * `maxPerPath` times (fragments and inline fragments expanded, a fragment's counts computed once),
 * as QUERY_TOO_COMPLEX with `limit` and `actual`. Linear in the document: it runs where
 * validation would otherwise take seconds. Unknown or cyclic fragments count nothing here
 * (validation names them). Run before Apollo over HTTP (src/http/batch-cost.middleware.ts: Apollo has no hook
 * before validation that can refuse a request), by the compiled fast path and by graphql-ws.
 */
export function checkRepeatedFields(document: DocumentNode, maxPerPath = MAX_FIELDS_PER_PATH): QueryLimitError | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const memo = new Map<string, Map<string, number>>();
  const active = new Set<string>();
  let steps = 0;
  const countsOf = (selectionSet: SelectionSetNode): Map<string, number> => {
    const counts = new Map<string, number>();
    const add = (path: string, n: number) => {
      if (++steps > REPEAT_WALK_BUDGET) throw new RepeatWalkOverflow();
      counts.set(path, (counts.get(path) ?? 0) + n);
    };
    const walk = (set: SelectionSetNode) => {
      // graphql-js collects a fragment spread once per selection set, however often it is repeated.
      const spreads = new Set<string>();
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          const name = selection.alias?.value ?? selection.name.value;
          add(name, 1);
          if (selection.selectionSet) for (const [path, n] of countsOf(selection.selectionSet)) add(`${name}.${path}`, n);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
        else spreads.add(selection.name.value);
      }
      for (const name of spreads) for (const [path, n] of fragmentCounts(name)) add(path, n);
    };
    walk(selectionSet);
    return counts;
  };
  const fragmentCounts = (name: string): Map<string, number> => {
    const cached = memo.get(name);
    if (cached) return cached;
    const fragment = fragments.get(name);
    if (!fragment || active.has(name)) return new Map();
    active.add(name);
    const counts = countsOf(fragment.selectionSet);
    active.delete(name);
    memo.set(name, counts);
    return counts;
  };
  try {
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      for (const [path, n] of countsOf(definition.selectionSet)) {
        if (n > maxPerPath) {
          return new QueryLimitError(
            AccessErrorCode.QUERY_TOO_COMPLEX,
            `The field "${path.length > 200 ? `${path.slice(0, 200)}…` : path}" is selected ${n} times (fragments expanded); at most ${maxPerPath} selections of one field are accepted.`,
            maxPerPath,
            n,
          );
        }
      }
    }
  } catch (error) {
    if (!(error instanceof RepeatWalkOverflow)) throw error;
    return new QueryLimitError(
      AccessErrorCode.QUERY_TOO_COMPLEX,
      `The document's selections, fragments expanded, take more than ${REPEAT_WALK_BUDGET} steps to count; send a smaller document.`,
      REPEAT_WALK_BUDGET,
    );
  }
  return undefined;
}

/** One operation of a batched HTTP request, as its JSON gave it. */
export interface BatchedOperation {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
}

/**
 * The cost limit over a batched HTTP request as a whole: the sum of its
 * operations' costs must stay within QUERY_MAX_COST. Each operation alone is
 * still checked by {@link queryLimitsPlugin}; without this a batch of
 * QUERY_MAX_BATCH operations could cost QUERY_MAX_BATCH × QUERY_MAX_COST.
 * Operations that do not parse or cannot be costed count 0 here (Apollo
 * refuses them with its own error). Returns the error to answer with, or undefined.
 */
export function checkBatchCost(schema: GraphQLSchema, limits: QueryLimits, operations: BatchedOperation[]): QueryLimitError | undefined {
  let total = 0;
  for (const operation of operations) {
    if (!operation || typeof operation !== 'object' || typeof operation.query !== 'string') continue;
    let document: DocumentNode;
    try {
      document = parse(operation.query, { maxTokens: limits.maxTokens });
    } catch {
      continue;
    }
    const variables =
      operation.variables && typeof operation.variables === 'object' && !Array.isArray(operation.variables)
        ? (operation.variables as Record<string, unknown>)
        : undefined;
    const operationName = typeof operation.operationName === 'string' ? operation.operationName : undefined;
    try {
      total += measureCost(schema, limits, document, operationName, variables)?.cost ?? 0;
    } catch {
      // Whatever a hostile body makes the estimator throw, Apollo answers that operation with its own 4xx.
    }
  }
  if (total <= limits.maxCost) return undefined;
  return new QueryLimitError(
    AccessErrorCode.QUERY_TOO_COMPLEX,
    `Batch cost ${total} (the sum of its ${operations.length} operations) exceeds the limit of ${limits.maxCost} (QUERY_MAX_COST), which applies to a batch as a whole. Send fewer or cheaper operations.`,
    limits.maxCost,
    total,
  );
}

/** Apollo plugin: query limits after validation, before execution. */
export function queryLimitsPlugin(limits: QueryLimits): ApolloServerPlugin {
  // Verdicts per parsed document (Apollo's document store hands out the same DocumentNode for the same text) and
  // operation and variables: three validation passes and a cost walk ran on every request before (issue #10).
  const verdicts = new WeakMap<DocumentNode, Map<string, QueryLimitError | undefined>>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operationName, request }) {
          let byArgs = verdicts.get(document);
          if (!byArgs) verdicts.set(document, (byArgs = new Map()));
          const key = `${operationName ?? ''}\u0000${JSON.stringify(request.variables ?? {})}`;
          let error = byArgs.get(key);
          if (!byArgs.has(key)) {
            error = checkQueryLimits(schema, limits, document, operationName, request.variables);
            if (byArgs.size >= 100) byArgs.clear();
            byArgs.set(key, error);
          }
          if (error) throw error;
        },
      };
    },
  };
}
