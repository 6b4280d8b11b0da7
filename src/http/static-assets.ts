import { createRequire } from 'node:module';
import path from 'node:path';
import type { Router } from 'express';
import express from 'express';

const require = createRequire(import.meta.url);
const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));

/**
 * Browser builds shipped inside npm packages, served from this process so that
 * GraphiQL works with no internet access (no CDN). Only the files listed here
 * are reachable.
 */
const ASSETS: Record<string, string> = {
  'react.production.min.js': path.join(packageDir('react'), 'umd/react.production.min.js'),
  'react-dom.production.min.js': path.join(packageDir('react-dom'), 'umd/react-dom.production.min.js'),
  'graphiql.min.js': path.join(packageDir('graphiql'), 'graphiql.min.js'),
  'graphiql.min.css': path.join(packageDir('graphiql'), 'graphiql.min.css'),
  'graphql-ws.min.js': path.join(packageDir('graphql-ws'), 'umd/graphql-ws.min.js'),
};

/** Routes `/assets/vendor/<file>` to the vendored browser builds above, cached for a day. */
export function vendorAssetsRouter(): Router {
  const router = express.Router();
  router.get('/:file', (req, res, next) => {
    const file = ASSETS[req.params.file];
    if (!file) return next();
    res.sendFile(file, { maxAge: '1d', immutable: false });
  });
  return router;
}
