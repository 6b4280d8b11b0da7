import type { RequestHandler } from 'express';
import type { GraphQLSchema } from 'graphql';
import { checkBatchCost, type BatchedOperation, type QueryLimits } from '../access/query-limits.js';

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
    const { http: _http, ...extensions } = error.extensions as Record<string, unknown>;
    res.status(400).json({ errors: [{ message: error.message, extensions }] });
  };
}
