import type { RequestHandler } from 'express';
import type { GraphQLError } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import type { IntegrationConfig } from './platform/config.js';
import type { Logger } from './platform/logger.js';
import { projectPath } from './platform/paths.js';
import { loadManifest } from './trusted-documents/manifest.js';
import { TrustedDocuments } from './trusted-documents/trusted-documents.js';
import { trustedDocumentsMiddleware } from './http/trusted-documents.middleware.js';
import { resolveSubscribeDocument } from './ws/trusted-documents.ws.js';

/** What the transports get from the integration features (issue #15). */
export interface Integrations {
  trustedDocuments: TrustedDocuments;
  http: { beforeGraphql: RequestHandler[] };
  ws: { resolveDocument: (payload: SubscribePayload) => readonly GraphQLError[] | void };
}

/**
 * Part of the composition root: builds the integration features from their
 * configuration, so that app.ts only plugs them into the transports.
 */
export function startIntegrations(config: IntegrationConfig, log: Logger): Integrations {
  const manifestFile = config.trustedDocuments.manifestFile ?? projectPath('schema', 'persisted-operations.json');
  const trustedDocuments = new TrustedDocuments(config.trustedDocuments.mode, loadManifest(manifestFile));
  if (config.trustedDocuments.mode === 'only') log.info({ manifest: manifestFile, operations: trustedDocuments.size }, 'running only trusted documents');
  return {
    trustedDocuments,
    http: { beforeGraphql: [trustedDocumentsMiddleware(trustedDocuments, log)] },
    ws: { resolveDocument: resolveSubscribeDocument(trustedDocuments) },
  };
}
