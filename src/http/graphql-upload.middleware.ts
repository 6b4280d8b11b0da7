import type { RequestHandler, Response } from 'express';
import graphqlUploadExpress from 'graphql-upload/graphqlUploadExpress.mjs';
import { describeBytes } from '../platform/bytes.js';
import { AccessErrorCode } from '../policy/access.errors.js';
import { Role } from '../policy/role.js';
import type { Viewer } from '../policy/viewer.js';
import { MAX_JSON_DEPTH, valueNestsDeeperThan } from '../platform/json-depth.js';

/**
 * GraphQL multipart requests (https://github.com/jaydenseric/graphql-multipart-request-spec,
 * issue #15): `importSpreadsheet(file: Upload)` takes an officials' sheet from a browser.
 * Runs after the access guard (so the caller is known) and before Apollo, which sees
 * the parsed `operations` with each file in place as an `Upload`.
 */
export interface UploadOptions {
  /** Largest file, in bytes (UPLOAD_MAX_BYTES). */
  maxFileBytes: number;
  /** The caller the access guard attached. */
  viewerOf: (res: Response) => Viewer;
}

/**
 * The headers Apollo Server's CSRF prevention accepts as proof of a preflighted request
 * (https://www.apollographql.com/docs/apollo-server/security/cors#preventing-cross-site-request-forgery-csrf):
 * a browser sends `multipart/form-data` cross-site without asking, never a custom header.
 */
export const PREFLIGHT_HEADERS = ['x-apollo-operation-name', 'apollo-require-preflight'] as const;

/** Roles that may send files: the only mutation taking an Upload is open to them (ADMIN passes every rule). */
const UPLOAD_ROLES: ReadonlySet<Role> = new Set([Role.OFFICIAL, Role.ADMIN]);

/** Room for the `operations` and `map` fields and the multipart framing besides the file. */
const MAX_FIELD_BYTES = 1024 * 1024;
const FRAMING_BYTES = 2 * MAX_FIELD_BYTES + 64 * 1024;

function refuse(res: Response, status: number, code: string, message: string, extensions: Record<string, unknown> = {}): void {
  res
    .status(status)
    .type('application/json')
    .json({ errors: [{ message, extensions: { code, ...extensions } }] });
}

/**
 * `/graphql` multipart handling, in this order, each refusal before a byte of
 * the body is read: the CSRF preflight header (400 BAD_REQUEST, Apollo's rule and
 * wording), the caller's role (401 anonymous / 403 other roles), a declared
 * length far over the limit (413); then graphql-upload streams the file to a
 * temporary file (fs-capacitor), cutting it at `maxFileBytes` (the resolver then
 * answers PAYLOAD_TOO_LARGE). Other content types pass through untouched.
 */
export function graphqlUploads(options: UploadOptions): RequestHandler {
  const parse = graphqlUploadExpress({ maxFileSize: options.maxFileBytes, maxFiles: 1, maxFieldSize: MAX_FIELD_BYTES });
  const limit = describeBytes(options.maxFileBytes);
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    // The connection cannot be reused once we answer without reading the body.
    const refuseEarly = (status: number, code: string, message: string, extensions: Record<string, unknown> = {}) => {
      res.setHeader('Connection', 'close');
      refuse(res, status, code, message, extensions);
    };
    if (!PREFLIGHT_HEADERS.some((h) => (req.get(h) ?? '').length > 0)) {
      return refuseEarly(
        400,
        'BAD_REQUEST',
        "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify a 'content-type' header " +
          '(with a type that is not one of application/x-www-form-urlencoded, multipart/form-data, text/plain) or provide a non-empty value ' +
          `for one of the following headers: ${PREFLIGHT_HEADERS.join(', ')}`,
      );
    }
    const viewer = options.viewerOf(res);
    if (viewer.role === null)
      return refuseEarly(401, AccessErrorCode.UNAUTHENTICATED, 'Uploading a file needs an API key or bearer token of an OFFICIAL or ADMIN.');
    if (!UPLOAD_ROLES.has(viewer.role))
      return refuseEarly(403, AccessErrorCode.FORBIDDEN, `Uploading a file needs the role OFFICIAL or ADMIN; this caller is ${viewer.role}.`);
    const declared = Number(req.get('content-length'));
    if (Number.isFinite(declared) && declared > options.maxFileBytes + FRAMING_BYTES) {
      return refuseEarly(413, 'PAYLOAD_TOO_LARGE', `An uploaded file may be at most ${limit} (UPLOAD_MAX_BYTES); this request is ${declared} bytes.`, {
        limit: options.maxFileBytes,
      });
    }
    parse(req, res, (error?: unknown) => {
      // The `operations` JSON nests no deeper than a JSON body may (src/http/http-app.ts): deeper, the checks after it threw RangeError, a 500.
      if (!error && valueNestsDeeperThan(req.body)) {
        req.resume();
        res.setHeader('Connection', 'close');
        return refuse(res, 400, 'BAD_REQUEST', `Malformed multipart request: the operations JSON nests deeper than ${MAX_JSON_DEPTH} levels.`);
      }
      if (!error) return next();
      // graphql-upload holds every response until the request body has ended; a parser that failed before reading
      // it (no boundary) would leave the request unanswered forever (found by test/security/hostile-input.test.ts).
      req.resume();
      const status = (error as { status?: number }).status;
      if (status === 413)
        return refuse(res, 413, 'PAYLOAD_TOO_LARGE', `An upload may hold one file of at most ${limit} (UPLOAD_MAX_BYTES): ${(error as Error).message}`, {
          limit: options.maxFileBytes,
        });
      // Busboy's own failures ("Multipart: Boundary not found", "Unexpected end of form", a malformed part header)
      // carry no status: they describe the request, not the hub (they answered 500 before).
      if (status === undefined || (status >= 400 && status < 500)) {
        res.setHeader('Connection', 'close');
        return refuse(res, status ?? 400, 'BAD_REQUEST', `Malformed multipart request: ${(error as Error).message}`);
      }
      next(error);
    });
  };
}
