import { LRUCache } from 'lru-cache';
import { canonicalDocument, sha256, type PersistedManifest } from './manifest.js';

/** TRUSTED_DOCUMENTS. */
export type TrustedDocumentsMode = 'only' | 'allow' | 'off';

/** Error codes a client sees; the names Apollo Server and Apollo Router use, so existing clients react to them. */
export enum TrustedDocumentCode {
  /** APQ: the id is unknown here; the client re-sends the operation with its text (answered with HTTP 200, per the protocol). */
  PERSISTED_QUERY_NOT_FOUND = 'PERSISTED_QUERY_NOT_FOUND',
  /** `TRUSTED_DOCUMENTS=off`: ids are not understood. */
  PERSISTED_QUERY_NOT_SUPPORTED = 'PERSISTED_QUERY_NOT_SUPPORTED',
  /** `only`: the id is not in the manifest. */
  PERSISTED_QUERY_NOT_IN_LIST = 'PERSISTED_QUERY_NOT_IN_LIST',
  /** `only`: a text that is not one of the manifest's operations. */
  QUERY_NOT_IN_SAFELIST = 'QUERY_NOT_IN_SAFELIST',
  /** The text sent with an id does not hash to it. */
  PERSISTED_QUERY_HASH_MISMATCH = 'PERSISTED_QUERY_HASH_MISMATCH',
  /** A persisted-query extension that is not version 1 with a SHA-256 hash. */
  PERSISTED_QUERY_INVALID = 'PERSISTED_QUERY_INVALID',
}

/** One GraphQL request as it arrives (HTTP body or query string, or a graphql-ws subscribe payload). */
export interface DocumentRequest {
  query?: unknown;
  extensions?: unknown;
  /** The GraphQL-over-HTTP persisted documents proposal: `"sha256:<hex>"`. */
  documentId?: unknown;
}

export type Resolution = { ok: true; query: string; persistedId?: string } | { ok: false; code: TrustedDocumentCode; message: string; status: number };

const refuse = (code: TrustedDocumentCode, message: string, status = 400): Resolution => ({ ok: false, code, message, status });

/** The id a request names: APQ's `extensions.persistedQuery.sha256Hash` or a `documentId`. Invalid shapes are refused. */
function requestedId(request: DocumentRequest): string | Resolution | undefined {
  const extensions = request.extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | undefined;
  const apq = extensions && typeof extensions === 'object' ? extensions.persistedQuery : undefined;
  if (apq !== undefined) {
    if (apq === null || typeof apq !== 'object' || apq.version !== 1 || typeof apq.sha256Hash !== 'string' || !/^[0-9a-fA-F]{64}$/.test(apq.sha256Hash)) {
      return refuse(TrustedDocumentCode.PERSISTED_QUERY_INVALID, 'extensions.persistedQuery must be { "version": 1, "sha256Hash": "<64 hex digits>" }.');
    }
    return apq.sha256Hash.toLowerCase();
  }
  if (request.documentId !== undefined) {
    const match = typeof request.documentId === 'string' ? /^(?:sha256:)?([0-9a-fA-F]{64})$/.exec(request.documentId) : null;
    if (!match) return refuse(TrustedDocumentCode.PERSISTED_QUERY_INVALID, 'documentId must be "sha256:<64 hex digits>".');
    return match[1].toLowerCase();
  }
  return undefined;
}

/**
 * Trusted documents (an allow-list of persisted operations, as Apollo Router's
 * safelisting and GraphQL Hive's app deployments offer) and automatic persisted
 * queries (Apollo's APQ protocol), the same for HTTP and graphql-ws.
 *
 * - `only`: an operation runs when it is in the manifest, named by its id or
 *   sent as a text equal to a manifest body (comments and white space aside);
 *   anything else is refused. APQ registration is refused too.
 * - `allow`: manifest ids, APQ (ids registered by sending the text with its
 *   hash, kept in a bounded in-memory cache per instance) and any text.
 * - `off`: texts only; an id answers PERSISTED_QUERY_NOT_SUPPORTED.
 */
export class TrustedDocuments {
  private readonly byId = new Map<string, string>();
  private readonly canonical = new Set<string>();
  private readonly registered: LRUCache<string, string>;

  constructor(
    readonly mode: TrustedDocumentsMode,
    manifest: PersistedManifest,
    apqEntries = 1000,
  ) {
    for (const operation of manifest.operations) {
      this.byId.set(operation.id, operation.body);
      const form = canonicalDocument(operation.body);
      if (form) this.canonical.add(form);
    }
    this.registered = new LRUCache({ max: apqEntries });
  }

  /** How many operations the manifest holds. */
  get size(): number {
    return this.byId.size;
  }

  /** The text to run for a request, or why it may not run. */
  resolve(request: DocumentRequest): Resolution {
    const id = requestedId(request);
    if (id && typeof id === 'object') return id;
    const text = typeof request.query === 'string' && request.query !== '' ? request.query : undefined;
    if (this.mode === 'off') {
      if (id)
        return refuse(
          TrustedDocumentCode.PERSISTED_QUERY_NOT_SUPPORTED,
          'Persisted operations are turned off on this hub (TRUSTED_DOCUMENTS=off); send the operation text.',
          200,
        );
      return { ok: true, query: text ?? '' };
    }
    if (id) {
      if (text !== undefined) {
        if (sha256(text) !== id)
          return refuse(TrustedDocumentCode.PERSISTED_QUERY_HASH_MISMATCH, 'The SHA-256 of the operation text does not match the id sent with it.');
        if (this.byId.has(id)) return { ok: true, query: text, persistedId: id };
        if (this.mode === 'only')
          return refuse(
            TrustedDocumentCode.QUERY_NOT_IN_SAFELIST,
            'This hub runs only its trusted documents (TRUSTED_DOCUMENTS=only), and this operation is not one of them.',
          );
        this.registered.set(id, text);
        return { ok: true, query: text, persistedId: id };
      }
      const known = this.byId.get(id) ?? (this.mode === 'allow' ? this.registered.get(id) : undefined);
      if (known) return { ok: true, query: known, persistedId: id };
      if (this.mode === 'only') return refuse(TrustedDocumentCode.PERSISTED_QUERY_NOT_IN_LIST, `No trusted document has the id ${id}.`);
      // The APQ protocol: HTTP 200 with this code makes the client send the text along with the hash.
      return refuse(TrustedDocumentCode.PERSISTED_QUERY_NOT_FOUND, 'PersistedQueryNotFound', 200);
    }
    if (text === undefined) return { ok: true, query: '' };
    if (this.mode === 'only') {
      const form = canonicalDocument(text);
      if (!form || !this.canonical.has(form)) {
        return refuse(
          TrustedDocumentCode.QUERY_NOT_IN_SAFELIST,
          "This hub runs only its trusted documents (TRUSTED_DOCUMENTS=only), and this operation is not one of them; send a persisted id or one of the manifest's operations.",
        );
      }
    }
    return { ok: true, query: text };
  }
}
