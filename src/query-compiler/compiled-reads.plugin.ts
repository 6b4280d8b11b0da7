import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { getVariableValues, Kind, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { MetadataStorage } from '@mikro-orm/core';
import type { HubContext } from '../graphql/context.js';
import { visibilityClass } from '../policy/visibility-class.js';
import type { Viewer } from '../policy/viewer.js';
import type { AccessRecord } from '../policy/access-record.js';
import type { Logger } from '../platform/logger.js';
import { recordStatementSpan } from '../platform/sql-tracing.js';
import { QueryCompiler, type Plan } from './compile.js';
import { finish } from './finish.js';

/** What the plugin runs its one statement on (a pg Pool or client). */
export interface StatementRunner {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: { data: unknown }[] }>;
}

export interface CompiledReadsOptions {
  metadata: MetadataStorage;
  /** The database pool (pg), asked once per statement. */
  pool: () => Promise<StatementRunner>;
  log: Logger;
  /** Counts each statement run, as MikroORM's `onQuery` counts the others (hub_db_statements_total). */
  onStatement?: () => void;
}

/** Plans kept per document (operation name, visibility class, variables), at most. */
const PLANS_PER_DOCUMENT = 64;

/**
 * The compiled read path shared by its two entries (issue #10): the Apollo
 * plugin below, and the HTTP fast path in front of Apollo
 * (src/http/compiled-reads.fast-path.ts), which answers the same plans with
 * the same statement and the same finishing pass.
 *
 * Plans are cached per parsed document (each entry hands out the same
 * DocumentNode for the same text) and per (operation, visibility class,
 * variables): viewers of one visibility class see the same rows with the
 * same masks.
 */
export interface CompiledReads {
  /** The plan of a query operation for a viewer, or null when any part of it is not compiled. */
  planFor(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    rawVariables: Record<string, unknown> | undefined,
    viewer: Viewer,
  ): Plan | null;
  /**
   * Runs a plan's statement and finishes its JSON (ids, enum names, masks), noting what it read in the access
   * record; null when the statement failed or its JSON cannot be the response (the record is then untouched).
   */
  run(plan: Plan, record: AccessRecord): Promise<Record<string, unknown> | null>;
}

export function createCompiledReads(options: CompiledReadsOptions): CompiledReads {
  const compilers = new WeakMap<GraphQLSchema, QueryCompiler>();
  const plans = new WeakMap<DocumentNode, Map<string, Plan | null>>();
  const compilerFor = (schema: GraphQLSchema) => {
    let compiler = compilers.get(schema);
    if (!compiler) {
      compiler = new QueryCompiler(schema, options.metadata);
      compilers.set(schema, compiler);
    }
    return compiler;
  };

  return {
    planFor(schema, document, operation, rawVariables, viewer) {
      let byKey = plans.get(document);
      if (!byKey) {
        byKey = new Map();
        plans.set(document, byKey);
      }
      const key = `${operation.name?.value ?? ''}\u0000${visibilityClass(viewer)}\u0000${rawVariables ? JSON.stringify(rawVariables) : ''}`;
      let plan = byKey.get(key);
      if (plan !== undefined) return plan;
      const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
      const fragments: Record<string, FragmentDefinitionNode> = {};
      for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
      plan = coerced.errors ? null : compilerFor(schema).compile(operation, fragments, coerced.coerced, viewer);
      if (byKey.size >= PLANS_PER_DOCUMENT) byKey.clear();
      byKey.set(key, plan);
      return plan;
    },

    async run(plan, record) {
      let data: unknown;
      let started = Date.now();
      try {
        const pool = await options.pool();
        options.onStatement?.();
        started = Date.now();
        const { rows } = await pool.query({ name: plan.name, text: plan.text, values: plan.values });
        // The statement runs outside the ORM, so its logger does not see it: its span is recorded here, like the ORM's.
        recordStatementSpan(plan.text, started, Date.now(), rows.length);
        data = rows[0]?.data;
      } catch (error) {
        recordStatementSpan(plan.text, started, Date.now(), undefined, true);
        // The normal path reports it (e.g. DATABASE_UNAVAILABLE) with its own error handling.
        options.log.debug({ err: error }, 'compiled read failed; executing normally');
        return null;
      }
      if (typeof data === 'string') data = JSON.parse(data);
      if (!data || typeof data !== 'object' || !finish(data as Record<string, unknown>, plan.shape, record)) return null;
      return data as Record<string, unknown>;
    },
  };
}

/**
 * Apollo plugin (issue #10): a query whose every selected field the query
 * compiler covers (src/query-compiler/read-model.ts) is answered with ONE SQL
 * statement that builds the response's JSON, from `responseForOperation`,
 * so graphql-js does not execute it. Anything else, and any failure of that
 * statement, falls back to normal execution. What runs around execution is
 * unchanged: authentication, rate and query limits (didResolveOperation,
 * before this hook), the audit row (willSendResponse, from the access record
 * this path fills in as the field policy does), metrics.
 */
export function compiledReadsPlugin(reads: CompiledReads): ApolloServerPlugin<HubContext> {
  return {
    async requestDidStart() {
      return {
        async responseForOperation({ schema, document, operation, request, contextValue }) {
          if (operation?.operation !== 'query' || !contextValue?.accessRecord) return null;
          const plan = reads.planFor(schema, document, operation, request.variables, contextValue.viewer);
          if (!plan) return null;
          const data = await reads.run(plan, contextValue.accessRecord);
          if (!data) return null;
          return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { data } } };
        },
      };
    },
  };
}
