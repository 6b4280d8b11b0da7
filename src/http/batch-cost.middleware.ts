import type { RequestHandler } from 'express';
import { parse, type GraphQLSchema } from 'graphql';
import { checkBatchCost, checkRepeatedFields, type BatchedOperation, type QueryLimits } from '../access/query-limits.js';
import type { QueryLimitError } from '../policy/access.errors.js';
import { textKeyedCache } from '../platform/text-keyed-cache.js';

/** A query limit's refusal, answered before Apollo as Apollo would answer it (400, the error's code, limit and actual). @internal */
function refuse(res: Parameters<RequestHandler>[1], error: QueryLimitError): void {
  const { http: _http, ...extensions } = error.extensions as Record<string, unknown>;
  res.status(400).json({ errors: [{ message: error.message, extensions }] });
}

/**
 * `/graphql` over HTTP (GET, POST and batches): refuses a document that selects one field more than
 * MAX_FIELDS_PER_PATH times before Apollo validates it (graphql-js compares such fields pairwise: 4,900
 * `name` in a 30 KB body took 8.6 s of CPU). Apollo offers no hook before validation that can answer a
 * request (an error thrown in `validationDidStart` becomes a 500), hence here, after the trusted documents
 * middleware (persisted ids are checked by their text). Texts that pass are remembered, so a client's
 * document is parsed here once, not per request; texts that do not parse are left to Apollo.
 */
export function repeatedFieldsGuard(limits: QueryLimits): RequestHandler {
  const passed = textKeyedCache<true>({ max: 1000, maxBytes: 8 * 1024 * 1024 });
  return (req, res, next) => {
    const bodies: unknown[] = req.method === 'GET' ? [req.query] : Array.isArray(req.body) ? req.body : [req.body];
    for (const body of bodies) {
      const query = body && typeof body === 'object' ? (body as { query?: unknown }).query : undefined;
      if (typeof query !== 'string' || !query || passed.get(query)) continue;
      let error;
      try {
        error = checkRepeatedFields(parse(query, { maxTokens: limits.maxTokens }));
      } catch {
        continue;
      }
      if (error) return refuse(res, error);
      passed.set(query, true);
    }
    next();
  };
}

/**
 * `/graphql` over HTTP: refuses a batched request (a JSON array) whose
 * operations together cost more than QUERY_MAX_COST, before Apollo runs any
 * of them (Apollo executes a batch's operations concurrently, so a check per
 * operation could not stop the ones already running). Runs after the trusted
 * documents middleware, so persisted ids are costed by their text.
 */
export function batchCostGuard(schema: GraphQLSchema, limits: QueryLimits): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST' || !Array.isArray(req.body)) return next();
    const error = checkBatchCost(schema, limits, req.body as BatchedOperation[]);
    if (!error) return next();
    refuse(res, error);
  };
}
