import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler, type Response, type Router } from 'express';
import { GraphQLError } from 'graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../platform/logger.js';
import { BadUserInputError } from '../platform/errors.js';
import { subsidyReportCsv } from '../analytics/subsidy-report.service.js';
import { MONTH_PATTERN } from '../analytics/subsidy-report.types.js';
import { assertOfficialView } from '../analytics/official-access.js';
import type { Viewer } from '../policy/viewer.js';

/** The project root: the nearest folder above this file with a package.json (works from src/ and from dist/src/). */
function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** Where `npm run build:dashboard` writes the dashboard bundle. */
export const DASHBOARD_DIR = path.join(projectRoot(), 'dist', 'dashboard');

const STATUS_BY_CODE: Record<string, number> = { BAD_USER_INPUT: 400, NOT_FOUND: 404, UNAUTHENTICATED: 401, FORBIDDEN: 403 };
const pass: RequestHandler = (_req, _res, next) => next();

export interface AnalyticsRoutesOptions {
  /** A fresh EntityManager per request. */
  em: () => EntityManager;
  log: Logger;
  /** Authentication and rate limits of /graphql, applied to the report downloads too. */
  guard?: RequestHandler;
  /** The viewer the guard attached to a response. */
  viewerOf?: (res: Response) => Viewer;
  /** Folder of the built dashboard. @default DASHBOARD_DIR */
  dashboardDir?: string;
}

/**
 * Thin HTTP adapters of the officials' analytics (issue #7):
 * - `GET /reports/subsidy.csv?county=140821&month=2026-06`: the subsidy report as a CSV download;
 * - `/dashboard`: the dashboard bundle (dashboard/, built by Vite at install/build time), served
 *   from local files like GraphiQL, so it works without internet access.
 */
export function analyticsRoutes(options: AnalyticsRoutesOptions): Router {
  const router = express.Router();
  const dashboardDir = options.dashboardDir ?? DASHBOARD_DIR;

  // Same credentials as /graphql (Authorization: Bearer <key>), same rule as the subsidyReport query.
  router.get('/reports/subsidy.csv', options.guard ?? pass, async (req, res) => {
    const county = String(req.query.county ?? '');
    const month = String(req.query.month ?? '');
    try {
      assertOfficialView(options.viewerOf?.(res), 'The subsidy report');
      if (!/^\d{6}$/.test(county))
        throw new BadUserInputError('Query parameter "county" must be a county-level region code of 6 digits, e.g. 140821.', 'county');
      if (!MONTH_PATTERN.test(month)) throw new BadUserInputError('Query parameter "month" must be a month written YYYY-MM, e.g. 2026-06.', 'month');
      const csv = await subsidyReportCsv(options.em(), county, month);
      res.type('text/csv; charset=utf-8').attachment(`subsidy-${county}-${month}.csv`).send(csv);
    } catch (error) {
      if (error instanceof GraphQLError && STATUS_BY_CODE[String(error.extensions.code)]) {
        res.status(STATUS_BY_CODE[String(error.extensions.code)]).json({ errors: [{ message: error.message, extensions: error.extensions }] });
        return;
      }
      options.log.error({ err: error }, 'subsidy CSV export failed');
      res.status(500).json({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    }
  });

  router.get('/dashboard', (req, res, next) => {
    // Relative asset URLs need the trailing slash.
    if (!req.originalUrl.split('?')[0].endsWith('/')) return res.redirect(301, `/dashboard/${req.originalUrl.slice('/dashboard'.length)}`);
    next();
  });
  router.use('/dashboard', (req, res, next) => {
    if (fs.existsSync(path.join(dashboardDir, 'index.html'))) return next();
    res.status(503).type('text/plain').send('The dashboard is not built. Run `npm run build` (or `npm run build:dashboard`) and reload.');
  });
  router.use('/dashboard', express.static(dashboardDir, { index: 'index.html', maxAge: '1h', fallthrough: true }));
  return router;
}
