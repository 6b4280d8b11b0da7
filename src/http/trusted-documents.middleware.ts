import type { Request, RequestHandler } from 'express';
import type { DocumentRequest, Resolution, TrustedDocuments } from '../trusted-documents/trusted-documents.js';
import type { Logger } from '../platform/logger.js';

type Refusal = Extract<Resolution, { ok: false }>;

/** Takes the persisted-query fields off a request once resolved: Apollo sees a plain operation text. */
function withoutPersistedFields<T extends Record<string, unknown>>(request: T, query: string): T {
  const { documentId: _documentId, ...rest } = request;
  const extensions = rest.extensions && typeof rest.extensions === 'object' ? { ...(rest.extensions as Record<string, unknown>) } : undefined;
  if (extensions) delete extensions.persistedQuery;
  return { ...rest, query, ...(extensions ? { extensions } : {}) } as unknown as T;
}

const jsonParam = (value: unknown): unknown => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
};

/**
 * `/graphql` over HTTP: resolves persisted ids (POST bodies, batches, and GET
 * query strings as APQ clients send them) and enforces TRUSTED_DOCUMENTS
 * before Apollo runs anything. Runs after the access guard, so an anonymous
 * flood cannot fill the APQ cache beyond what the rate limits allow.
 */
export function trustedDocumentsMiddleware(documents: TrustedDocuments, log: Logger): RequestHandler {
  const refuse = (req: Request, res: Parameters<RequestHandler>[1], refusal: Refusal, index?: number) => {
    log.info({ code: refusal.code, index, path: req.path }, 'operation refused by trusted documents');
    res
      .status(refusal.status)
      .set('cache-control', 'private, no-cache, must-revalidate')
      .json({
        errors: [{ message: index === undefined ? refusal.message : `operation ${index}: ${refusal.message}`, extensions: { code: refusal.code } }],
      });
  };
  return (req, res, next) => {
    if (req.method === 'GET') {
      const url = new URL(req.originalUrl, 'http://hub');
      const request: DocumentRequest = {
        query: url.searchParams.get('query') ?? undefined,
        extensions: jsonParam(url.searchParams.get('extensions') ?? undefined),
        documentId: url.searchParams.get('documentId') ?? undefined,
      };
      const resolution = documents.resolve(request);
      if (!resolution.ok) return refuse(req, res, resolution);
      if (resolution.persistedId) {
        url.searchParams.set('query', resolution.query);
        url.searchParams.delete('documentId');
        const extensions = request.extensions && typeof request.extensions === 'object' ? { ...(request.extensions as Record<string, unknown>) } : {};
        delete extensions.persistedQuery;
        if (Object.keys(extensions).length) url.searchParams.set('extensions', JSON.stringify(extensions));
        else url.searchParams.delete('extensions');
        // Apollo's Express integration reads the operation from the URL.
        req.url = `${req.url.split('?')[0]}?${url.searchParams}`;
      }
      return next();
    }
    if (req.method !== 'POST' || !req.body || typeof req.body !== 'object') return next();
    const operations: Record<string, unknown>[] = Array.isArray(req.body) ? req.body : [req.body];
    const resolved: Record<string, unknown>[] = [];
    for (const [i, operation] of operations.entries()) {
      if (!operation || typeof operation !== 'object') return next(); // Apollo answers malformed bodies itself
      const resolution = documents.resolve(operation as DocumentRequest);
      if (!resolution.ok) return refuse(req, res, resolution, Array.isArray(req.body) ? i : undefined);
      resolved.push(resolution.persistedId ? withoutPersistedFields(operation, resolution.query) : operation);
    }
    req.body = Array.isArray(req.body) ? resolved : resolved[0];
    next();
  };
}
