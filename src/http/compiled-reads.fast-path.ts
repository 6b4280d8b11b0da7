import type { RequestHandler, Response } from 'express';
import { getOperationAST, parse, validate, type DocumentNode, type GraphQLError, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { OperationMetrics } from '../graphql/metrics.plugin.js';
import type { Viewer } from '../policy/viewer.js';
import { AccessRecord } from '../policy/access-record.js';
import { AuditUnavailableError } from '../policy/access.errors.js';
import type { AuditService } from '../access/audit.service.js';
import { accessFields, mustAudit, outcomeOf } from '../access/audit.plugin.js';
import { checkQueryLimits, checkRepeatedFields, type QueryLimits } from '../access/query-limits.js';
import { checkLiterals, checkVariables } from '../access/input-hygiene.js';
import type { CompiledReads } from '../query-compiler/compiled-reads.plugin.js';
import { textKeyedCache } from '../platform/text-keyed-cache.js';

export interface CompiledFastPathOptions {
  /** The schema Apollo serves over HTTP (the same documents validate against it). */
  schema: GraphQLSchema;
  limits: QueryLimits;
  reads: CompiledReads;
  audit: AuditService;
  operations: OperationMetrics;
  viewerOf: (res: Response) => Viewer;
  /** Counts each operation answered here (hub_graphql_compiled_fast_path_total). */
  onAnswer?: () => void;
}

/** Apollo's two single-result media types, with the charset its Express integration gives them. */
const JSON_TYPE = 'application/json; charset=utf-8';
const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json; charset=utf-8';

/**
 * `Accept` values the fast path answers, with the content type Apollo's negotiation picks for each (checked against
 * Apollo by test/http/compiled-fast-path.test.ts); any other value goes through Apollo, which negotiates in full.
 */
const ACCEPTED: ReadonlyMap<string | undefined, string> = new Map([
  [undefined, JSON_TYPE],
  ['', JSON_TYPE],
  ['*/*', JSON_TYPE],
  ['application/json', JSON_TYPE],
  ['application/graphql-response+json', GRAPHQL_RESPONSE_TYPE],
  ['application/graphql-response+json, application/json;q=0.9', GRAPHQL_RESPONSE_TYPE],
  ['application/graphql-response+json, application/json; q=0.9', GRAPHQL_RESPONSE_TYPE],
]);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);

/** A document text the fast path has seen: parsed and valid, its literals checked, its limit verdicts per (operation, variables). */
interface Known {
  document: DocumentNode;
  literalsError: GraphQLError | undefined;
  verdicts: Map<string, { operation: OperationDefinitionNode | null; limited: boolean }>;
}

/**
 * The compiled read path in front of Apollo (issue #10, shape c): a POST of one
 * query operation that the query compiler answers (src/query-compiler) is
 * answered here, after everything Express runs before Apollo on /graphql (CORS,
 * body limit and JSON parsing, authentication, rate limits, batch size,
 * uploads, trusted documents, the batch cost), without Apollo's per-request
 * pipeline. Everything Apollo would do for such an operation is done here the
 * same way, or the request goes on to Apollo untouched:
 * - the same document rules: parse (QUERY_MAX_TOKENS) and validation; the query
 *   limits (depth, aliases, directives, cost, list lengths) and the NUL check of
 *   input text; any error, and anything else than a query, goes to Apollo, which
 *   answers it with its own status and body;
 * - the same plan, statement and finishing pass as the Apollo plugin
 *   (CompiledReads); a statement that fails or a null in a non-null field goes
 *   to Apollo (which executes normally);
 * - the same audit row (mustAudit, accessFields), failing closed with the same
 *   503 AUDIT_UNAVAILABLE body when it cannot be written;
 * - the same metrics (requests and latency by operation, one bounded set of names);
 * - the same response: 200, `Content-Type` as Apollo negotiates it from
 *   `Accept` (only the values in ACCEPTED; others go to Apollo), the body
 *   Apollo's serialisation writes (`{"data":…}` and a newline).
 * The composition root leaves it out where Apollo does more per request
 * (tracing spans, federation traces, usage reporting).
 */
export function compiledReadsFastPath(options: CompiledFastPathOptions): RequestHandler {
  const { schema, limits, reads } = options;
  // Document texts the fast path knows (false: not a document it answers, e.g. a syntax or validation error).
  // Bounded in bytes too: a refused text is kept as `false` under its whole text; a parsed one weighs ~10× its text.
  const known = textKeyedCache<Known | false>({ max: 1000, maxBytes: 32 * 1024 * 1024, weight: (entry) => (entry ? 10 : 1) });
  const knownDocument = (query: string): Known | false => {
    let entry = known.get(query);
    if (entry !== undefined) return entry;
    entry = false;
    try {
      const document = parse(query, { maxTokens: limits.maxTokens });
      // A document validation would take seconds over goes to Apollo, which refuses it before validating.
      if (!checkRepeatedFields(document) && validate(schema, document).length === 0)
        entry = { document, literalsError: checkLiterals(document), verdicts: new Map() };
    } catch {
      // a syntax error: Apollo answers it
    }
    known.set(query, entry);
    return entry;
  };

  return (req, res, next) => {
    const body: unknown = req.body;
    if (req.method !== 'POST' || !isRecord(body) || typeof body.query !== 'string' || !body.query) return next();
    const contentType = ACCEPTED.get(req.headers.accept);
    if (!contentType || !/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) return next();
    const { variables, operationName, extensions } = body;
    if (variables != null && !isRecord(variables)) return next();
    if (operationName != null && typeof operationName !== 'string') return next();
    if (extensions != null && (!isRecord(extensions) || Object.keys(extensions).length > 0)) return next();
    const vars = variables ?? undefined;
    const entry = knownDocument(body.query);
    if (!entry || entry.literalsError) return next();
    const key = `${operationName ?? ''}\u0000${JSON.stringify(vars ?? {})}`;
    let verdict = entry.verdicts.get(key);
    if (!verdict) {
      const operation = getOperationAST(entry.document, operationName ?? undefined) ?? null;
      verdict = { operation, limited: !operation || checkQueryLimits(schema, limits, entry.document, operationName, vars) !== undefined };
      if (entry.verdicts.size >= 100) entry.verdicts.clear();
      entry.verdicts.set(key, verdict);
    }
    const operation = verdict.operation;
    if (!operation || verdict.limited || operation.operation !== 'query' || checkVariables(vars)) return next();
    const viewer = options.viewerOf(res);
    const plan = reads.planFor(schema, entry.document, operation, vars, viewer);
    if (!plan) return next();
    const end = options.operations.start();
    // What the audit reads of the operation (its access record) is all of the request's context a compiled read needs:
    // no EntityManager, loaders or pub/sub (issue #10: making the whole context was 1-2 % of the hub's busy time on shape c).
    const context = { accessRecord: new AccessRecord() };
    void (async () => {
      const data = await reads.run(plan, context.accessRecord);
      if (!data) return next();
      const name = operation.name?.value ?? null;
      let status = 200;
      let text: string;
      try {
        if (mustAudit('query', context, [])) {
          await options.audit.record({
            viewer,
            transport: 'http',
            operationType: 'query',
            operationName: name,
            operationText: body.query as string,
            variables: vars ?? {},
            ...accessFields(context),
            outcome: outcomeOf([]),
          });
        }
        text = `${JSON.stringify({ data })}\n`;
      } catch (error) {
        if (!(error instanceof AuditUnavailableError)) throw error;
        // As the audit plugin answers it: the data is withheld rather than sent unrecorded.
        status = 503;
        text = `${JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.extensions.code, retryable: true } }] })}\n`;
      }
      end(name, 'query');
      options.onAnswer?.();
      res.statusCode = status;
      res.setHeader('Content-Type', contentType);
      res.setHeader('Content-Length', Buffer.byteLength(text));
      res.end(text);
    })().catch(next);
  };
}
