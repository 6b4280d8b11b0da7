import express, { type RequestHandler, type Response, type Router } from 'express';
import { GraphQLError } from 'graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../platform/logger.js';
import { Role } from '../policy/role.js';
import type { Viewer } from '../policy/viewer.js';
import { aliasesToCsv, parseAliasCsv } from '../ingest/review/alias-csv.js';
import { exportAliases, importAliases } from '../ingest/review/review.service.js';

const STATUS_BY_CODE: Record<string, number> = { BAD_USER_INPUT: 400, NOT_FOUND: 404, UNAUTHENTICATED: 401, FORBIDDEN: 403 };
const pass: RequestHandler = (_req, _res, next) => next();

export interface CatalogRoutesOptions {
  em: () => EntityManager;
  log: Logger;
  /** Authentication and rate limits of /graphql. */
  guard?: RequestHandler;
  viewerOf?: (res: Response) => Viewer;
}

/**
 * The alias table as a file, for officials (issue #14), behind the same
 * access guard as /graphql: `GET /catalog/aliases.csv` downloads it,
 * `POST /catalog/aliases.csv` (body: the CSV, `text/csv`) imports it, all
 * rows or none, answering 400 with every problem's line and field. Thin
 * adapters over the review service, like the GraphQL fields `aliasesCsv` and
 * `importAliases`.
 */
export function catalogRoutes(options: CatalogRoutesOptions): Router {
  const router = express.Router();
  const officialsOnly = (res: Response): boolean => {
    const viewer = options.viewerOf?.(res);
    if (viewer?.role === Role.OFFICIAL || viewer?.role === Role.ADMIN) return true;
    res.status(403).json({ errors: [{ message: 'The alias table is for officials: it needs an OFFICIAL or ADMIN key.', extensions: { code: 'FORBIDDEN' } }] });
    return false;
  };
  const fail = (res: Response, error: unknown, what: string) => {
    if (error instanceof GraphQLError && STATUS_BY_CODE[String(error.extensions.code)]) {
      res.status(STATUS_BY_CODE[String(error.extensions.code)]).json({ errors: [{ message: error.message, extensions: error.extensions }] });
      return;
    }
    options.log.error({ err: error }, what);
    res.status(500).json({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
  };

  router.get('/catalog/aliases.csv', options.guard ?? pass, async (_req, res) => {
    if (!officialsOnly(res)) return;
    try {
      res
        .type('text/csv; charset=utf-8')
        .attachment('aliases.csv')
        .send(aliasesToCsv(await exportAliases(options.em())));
    } catch (error) {
      fail(res, error, 'alias CSV export failed');
    }
  });

  router.post(
    '/catalog/aliases.csv',
    options.guard ?? pass,
    express.text({ type: ['text/csv', 'text/plain', 'application/csv'], limit: '10mb' }),
    async (req, res) => {
      if (!officialsOnly(res)) return;
      try {
        if (typeof req.body !== 'string' || !req.body.length) {
          res.status(400).json({
            errors: [
              {
                message: 'Send the alias file as the request body with content-type text/csv.',
                extensions: { code: 'BAD_USER_INPUT', argumentName: 'body' },
              },
            ],
          });
          return;
        }
        const viewer = options.viewerOf?.(res);
        res.json(await importAliases(options.em(), parseAliasCsv(req.body), viewer?.organisationName ?? viewer?.actor));
      } catch (error) {
        fail(res, error, 'alias CSV import failed');
      }
    },
  );
  return router;
}
