import fs from 'node:fs';
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import type { GraphQLError } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import type { IntegrationConfig } from './platform/config.js';
import type { Logger } from './platform/logger.js';
import type { HubPubSub } from './platform/pubsub.js';
import { projectPath } from './platform/paths.js';
import { startTracing } from './platform/tracing.js';
import { tracePublishes } from './platform/pubsub-tracing.js';
import { loadManifest } from './trusted-documents/manifest.js';
import { TrustedDocuments } from './trusted-documents/trusted-documents.js';
import { tracingPlugin } from './graphql/tracing.plugin.js';
import { trustedDocumentsMiddleware } from './http/trusted-documents.middleware.js';
import { traceRequests } from './http/tracing.middleware.js';
import { resolveSubscribeDocument } from './ws/trusted-documents.ws.js';

/** What the transports get from the integration features (issue #15). */
export interface Integrations {
  trustedDocuments: TrustedDocuments;
  apolloPlugins: ApolloServerPlugin[];
  http: { beforeGraphql: RequestHandler[]; tracing?: RequestHandler };
  ws: { resolveDocument: (payload: SubscribePayload) => readonly GraphQLError[] | void };
  /** Flushes and stops what was started (the trace exporter). */
  close(): Promise<void>;
}

/**
 * Part of the composition root: builds the integration features from their
 * configuration, so that app.ts only plugs them into the transports. A wrong
 * manifest stops the start, naming the file and what is wrong.
 */
export async function startIntegrations(config: IntegrationConfig, log: Logger, pubSub: HubPubSub): Promise<Integrations> {
  const manifestFile = config.trustedDocuments.manifestFile ?? projectPath('schema', 'persisted-operations.json');
  const trustedDocuments = new TrustedDocuments(config.trustedDocuments.mode, loadManifest(manifestFile));
  if (config.trustedDocuments.mode === 'only') log.info({ manifest: manifestFile, operations: trustedDocuments.size }, 'running only trusted documents');

  let tracing: { shutdown(): Promise<void> } | undefined;
  if (config.tracing.enabled) {
    const { version } = JSON.parse(fs.readFileSync(projectPath('package.json'), 'utf8')) as { version: string };
    tracing = await startTracing({ exporter: config.tracing.exporter, serviceVersion: version });
    tracePublishes(pubSub);
    log.info(
      { exporter: config.tracing.exporter, endpoint: process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT },
      'OpenTelemetry tracing on',
    );
  }
  return {
    trustedDocuments,
    apolloPlugins: tracing ? [tracingPlugin()] : [],
    http: { beforeGraphql: [trustedDocumentsMiddleware(trustedDocuments, log)], tracing: tracing ? traceRequests() : undefined },
    ws: { resolveDocument: resolveSubscribeDocument(trustedDocuments) },
    async close() {
      await tracing?.shutdown();
    },
  };
}
