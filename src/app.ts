import 'reflect-metadata';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import cors from 'cors';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { ConfigError, type Config } from './platform/config.js';
import { installSecretsKey, secretBox } from './platform/secret-box.js';
import { sealCourierSecrets, useCourierSecretBox } from './logistics/courier-credential.service.js';
import type { Viewer } from './policy/viewer.js';
import { createLogger, type Logger } from './platform/logger.js';
import { isDatabaseReady, openDatabase, type Database } from './database.js';
import { createHubPubSub, type PubSubHandle } from './platform/pubsub.js';
import { startDelayScanner, type DelayScanner } from './logistics/delay-scanner.js';
import { startPartitionMaintenance, type PartitionMaintenance } from './platform/partitions.js';
import { courierWebhooksRouter } from './http/webhooks/courier-webhooks.router.js';
import { createMetrics, topicFamily, type Metrics } from './platform/metrics.js';
import { buildHubSchema } from './schema.js';
import { buildHubSubgraphSchema } from './federation/subgraph-schema.js';
import type { HubContext } from './graphql/context.js';
import { createContext } from './hub-context.js';
import { createErrorFormatter } from './graphql/error-formatting.js';
import { metricsPlugin, operationMetrics } from './graphql/metrics.plugin.js';
import { legacyJsonStatusPlugin, subscriptionsOverWebSocketOnlyPlugin } from './graphql/http-status.plugin.js';
import { createHttpApp, createMetricsApp } from './http/http-app.js';
import { graphqlUploads, PREFLIGHT_HEADERS } from './http/graphql-upload.middleware.js';
import { analyticsRoutes } from './http/analytics.routes.js';
import { catalogRoutes } from './http/catalog.routes.js';
import { attachGraphqlWs } from './ws/graphql-ws.server.js';
import { seedOnStart } from './seed-on-start.js';
import { createAccessLayer } from './access/access-layer.js';
import { batchCostGuard, repeatedFieldsGuard } from './http/batch-cost.middleware.js';
import { graphqlAccessGuard, hooksAccessGuard, metricsAccessGuard, viewerOf } from './http/access-guard.js';
import { answerClientErrors } from './http/client-errors.js';
import { startIngest } from './ingest/ingest-runtime.js';
import { loadSubsidyConfig, useSubsidyConfig } from './analytics/subsidy-config.js';
import { startPriceAnomalyWatcher } from './analytics/price-anomaly.watcher.js';
import { foldPriceSeries, refreshPriceSeries } from './analytics/price-anomaly.service.js';
import { foldParcelStats } from './analytics/parcel-stat-fold.js';
import { startPeriodicJob } from './platform/periodic-job.js';
import { createLeadership, type Leadership } from './platform/leadership.js';
import { onReadReplica } from './platform/read-replica.js';
import { startIntegrations } from './integrations.js';
import { compiledReadsPlugin, createCompiledReads, type StatementRunner } from './query-compiler/compiled-reads.plugin.js';
import { compiledReadsFastPath } from './http/compiled-reads.fast-path.js';

/** A running hub. */
export interface Hub {
  /** Base URL, e.g. http://127.0.0.1:4000 */
  url: string;
  port: number;
  db: Database;
  pubSub: PubSubHandle;
  metrics: Metrics;
  /** With METRICS_PORT: the URL of /metrics on its own port. */
  metricsUrl?: string;
  log: Logger;
  /** The periodic DELAYED check of courier feeds (`scanOnce()` runs one now). */
  delayScanner: DelayScanner;
  /** Monthly partitions of prices, tracking events and audit entries: months ahead, retention (`runOnce()` runs now). */
  partitions: PartitionMaintenance;
  /** Which periodic jobs this instance leads among the instances on its database (issue #12). */
  leadership: Leadership;
  /** Graceful stop: refuse new work, finish in-flight requests, close sockets and the database. */
  close(): Promise<void>;
}

/** Stops the start when no key seals courier secrets (issue #11), naming the variable. */
function missingSecretsKey(): never {
  throw new ConfigError([
    'SECRETS_KEY: required outside demo mode: courier webhook secrets are sealed with it at rest (AES-256-GCM). Generate one with `openssl rand -base64 32` and keep it with the other secrets of this deployment.',
  ]);
}

/** Starts the hub: store, schema, HTTP + WebSocket server. The composition root. */
export async function startHub(config: Config, log: Logger = createLogger(config.logLevel)): Promise<Hub> {
  const metrics = createMetrics();
  // Courier webhook secrets are sealed at rest (issue #11); outside demo mode the key must come from the environment.
  const secrets = secretBox(config.secretsKey ?? (config.access.demoMode ? installSecretsKey(config.dataDir) : missingSecretsKey()));
  // A bad subsidy configuration file stops the start before anything is opened.
  useSubsidyConfig(loadSubsidyConfig(config.subsidyConfigFile));
  const db = await openDatabase(config, log, { onQuery: () => metrics.dbStatements.inc() });
  // Reference data on every start, demo facts only with SEED_DEMO (issue #14); public demo courier secrets only in demo mode (issue #11).
  await seedOnStart(db.orm.em.fork(), log, { demo: config.seedDemo, demoSecrets: config.seedDemo && config.access.demoMode && config.env !== 'production' });
  useCourierSecretBox(secrets);
  const sealed = await sealCourierSecrets(db.orm.em.fork());
  if (sealed) log.info({ sealed }, 'sealed courier webhook secrets that were stored in clear (AES-256-GCM, SECRETS_KEY)');
  const pubSub = createHubPubSub(config.redisUrl, log, {
    channelPrefix: config.redisChannelPrefix,
    observer: {
      onRedisState: (up) => metrics.pubsubRedisConnected.set(up ? 1 : 0),
      onLocalFallback: (topic) => metrics.pubsubLocalFallbacks.inc({ topic: topicFamily(topic) }),
    },
  });
  // What integrators expect (issue #15): trusted documents / APQ, tracing; wired in src/integrations.ts.
  const integrations = await startIntegrations(config.integration, log, pubSub.pubSub);
  // Several instances share the database (issue #12): each periodic job runs on one leader.
  const leadership = createLeadership(db.url, log, { onChange: (job, leading) => metrics.leaderJobs.set({ job }, leading ? 1 : 0) });
  // Courier feeds (issue #5): the periodic check for parcels with no scan for too long or past their promised time.
  const delayScanner = startDelayScanner({
    em: db.orm.em,
    pubSub: pubSub.pubSub,
    log,
    hours: config.couriers.delayAlertHours,
    intervalMs: config.couriers.delayScanIntervalMs,
    leadership,
  });
  // Monthly partitions of the big fact tables (issue #13): months created ahead, audit months past
  // AUDIT_RETENTION_DAYS dropped whole (this replaced the audit pruner that deleted row by row).
  const partitions = startPartitionMaintenance({
    pool: async () => (await db.orm.em.getConnection().getNativeClient()) as never,
    log,
    leadership,
    tables: [
      { table: 'price_observation', truncateBeforeDrop: true },
      { table: 'tracking_event' },
      { table: 'audit_entry', retentionDays: config.access.audit.retentionDays, deleteFlag: `set local harvest.audit_prune = 'on'` },
    ],
  });
  // Connectors (issue #4): found through CONNECTORS, each pull connector on its own interval.
  const ingest = await startIngest(config.ingest, { em: db.orm.em, pubSub: pubSub.pubSub, log, leadership });
  // New prices are scanned for spikes and drops as they arrive (issue #7); with Redis, by the leader only.
  const anomalyWatcher = startPriceAnomalyWatcher({
    em: db.orm.em,
    pubSub: pubSub.pubSub,
    log,
    leadership: pubSub.transport === 'redis' ? leadership : undefined,
  });
  // The stored rolling statistics of price series touched by writes that no anomaly scan followed (straight SQL,
  // re-links): a bounded catch-up every minute on one leader (issue #13). Queries never wait for it.
  const priceSeriesRefresh = startPeriodicJob({
    name: 'price-series-refresh',
    intervalMs: config.priceSeriesRefreshMs,
    firstDelayMs: Math.min(config.priceSeriesRefreshMs, 10_000),
    standbyCheckMs: config.priceSeriesRefreshMs,
    leadership,
    log,
    run: () => refreshPriceSeries(db.orm.em.fork()),
  });
  // The parcel counts appended by ingest batches folded into the rollup (issue #13): every 15 s on one leader.
  const parcelStatFold = startPeriodicJob({
    name: 'parcel-stat-fold',
    intervalMs: 15_000,
    standbyCheckMs: 60_000,
    leadership,
    log,
    run: () => foldParcelStats(db.orm.em.fork()),
  });
  // The price series-day groups appended by price writes folded into price_series_day (issue #13): every 15 s on one
  // leader, so that the fold before each read stays small (none when the refresh is off: reads fold first anyway).
  const priceSeriesFold = startPeriodicJob({
    name: 'price-series-fold',
    intervalMs: config.priceSeriesRefreshMs && 15_000,
    standbyCheckMs: 60_000,
    leadership,
    log,
    run: () => foldPriceSeries(db.orm.em.fork()),
  });
  const schema = await buildHubSchema(pubSub.pubSub);
  const context = (viewer?: Viewer): HubContext =>
    Object.assign(createContext(db.orm.em, log, pubSub.pubSub, viewer), { ingest, uploadMaxBytes: config.integration.uploadMaxBytes });
  const formatError = createErrorFormatter(log, (code) => metrics.errors.inc({ code }), config.access.limits);
  // Access control (issue #6): authentication, rate and query limits, audit; the schema side is in graphql/schema.ts.
  const access = createAccessLayer({
    config: config.access,
    redisUrl: config.redisUrl,
    rootEm: db.orm.em,
    pubSub: pubSub.pubSub,
    log,
    schema,
    introspection: config.introspection,
    onAuditFailure: () => metrics.auditFailures.inc(),
    // The audit writer's statements go to pg directly (group commit), counted like MikroORM's.
    onAuditStatement: () => metrics.dbStatements.inc(),
    // Revocations reach every instance over the pub/sub (issue #12): keys are cached only while they can.
    keyChangesReachUs: () => pubSub.connected(),
    onKeyRevoked: (keyId) => {
      const closed = ws.closeSockets((viewer) => viewer.credential === 'api_key' && viewer.actor === keyId, 4401, 'API key revoked');
      if (closed) log.info({ keyId, sockets: closed }, 'closed the sockets of a revoked API key');
    },
  });

  // HTTPS (and wss) directly when a certificate is configured: encrypted transport without a proxy.
  const tls = config.access.tls;
  const httpServer = tls ? https.createServer({ cert: fs.readFileSync(tls.certFile), key: fs.readFileSync(tls.keyFile) }) : http.createServer();
  // A request Node's parser refuses (headers over 16 KiB: a long GET URL) gets a JSON answer and a graceful close, never a reset.
  answerClientErrors(httpServer, log);
  const ws = attachGraphqlWs({
    httpServer,
    path: '/graphql',
    schema,
    context,
    formatError,
    metrics,
    access: access.ws,
    onInternalError: (error) => log.error({ err: error }, 'graphql-ws transport error'),
    maxBufferedBytes: config.ws.maxBufferedBytes,
    maxPayloadBytes: config.access.limits.maxBodyBytes,
    maxSubscriptionsPerSocket: config.access.ws.maxSubscriptionsPerSocket,
    maxSocketsPerKey: config.access.ws.maxSocketsPerKey,
    resolveDocument: integrations.ws.resolveDocument,
  });
  // Apollo Federation 2 (issue #15): over HTTP the hub can serve as a subgraph (`_service`, `_entities`, `@key`); graphql-ws keeps the plain schema.
  const httpSchema = config.integration.federation ? buildHubSubgraphSchema(schema) : schema;
  // Request count and latency by operation (one bounded set of names for Apollo and the compiled fast path).
  const operations = operationMetrics(metrics, config.metrics.maxOperationNames);
  // Issue #10: the hot read shapes as one SQL statement building the JSON; everything else executes as before.
  const compiledReads = config.compiledReads
    ? createCompiledReads({
        metadata: db.orm.getMetadata(),
        pool: async () => (await db.orm.em.getConnection().getNativeClient()) as unknown as StatementRunner,
        log,
        onStatement: () => metrics.dbStatements.inc(),
      })
    : undefined;
  const apollo = new ApolloServer<HubContext>({
    schema: httpSchema,
    introspection: config.introspection,
    hideSchemaDetailsFromClientErrors: !config.introspection,
    includeStacktraceInErrorResponses: false,
    formatError,
    parseOptions: { maxTokens: config.access.limits.maxTokens },
    allowBatchedHttpRequests: true,
    // Signals belong to src/main.ts, which drains Apollo, then pub/sub, then the database.
    stopOnTerminationSignals: false,
    // Callers authenticate with headers (API keys, bearer tokens), never cookies, so there is
    // no ambient credential to forge; GET queries stay usable as the GraphQL-over-HTTP spec allows.
    csrfPrevention: false,
    // Persisted operations (APQ and the trusted-document manifest) are resolved before Apollo, for HTTP and graphql-ws alike.
    persistedQueries: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // No HTTP cache hints are used; without this plugin Apollo wraps every field resolver.
      ApolloServerPluginCacheControlDisabled(),
      metricsPlugin(operations),
      ...access.apolloPlugins,
      legacyJsonStatusPlugin(),
      subscriptionsOverWebSocketOnlyPlugin(),
      ...integrations.apolloPlugins,
      ...(compiledReads ? [compiledReadsPlugin(compiledReads)] : []),
      {
        async serverWillStart() {
          return { drainServer: () => ws.dispose() };
        },
      },
    ],
  });
  await apollo.start();

  let migrated = false;
  const ready = async () => {
    try {
      if (!migrated) migrated = await isDatabaseReady(db.orm);
      else await db.orm.em.getConnection().execute('select 1');
      return migrated;
    } catch {
      return false;
    }
  };
  const renderMetrics = async () => {
    const pool = await db.orm.em.getConnection().getNativeClient();
    metrics.dbPool.set({ state: 'total' }, pool.totalCount);
    metrics.dbPool.set({ state: 'idle' }, pool.idleCount);
    metrics.dbPool.set({ state: 'waiting' }, pool.waitingCount);
    return metrics.registry.metrics();
  };
  const metricsEndpoint = { contentType: metrics.registry.contentType, render: renderMetrics };
  const app = createHttpApp({
    tracing: integrations.http.tracing,
    webhooks: courierWebhooksRouter({
      em: db.orm.em,
      pubSub: pubSub.pubSub,
      log,
      bodyLimit: config.couriers.webhookBodyLimit,
      onEvents: (format, outcome, n) => metrics.trackingEvents.inc({ format, outcome }, n),
    }),
    graphql: expressMiddleware(apollo, { context: async ({ res }) => context(viewerOf(res)) }),
    ready,
    // Issue #11: /metrics behind an ADMIN key or METRICS_TOKEN, or only on METRICS_PORT.
    metrics: config.metrics.port === undefined ? { ...metricsEndpoint, guard: metricsAccessGuard({ ...access, log, token: config.metrics.token }) } : undefined,
    bodyLimit: config.access.limits.maxBodyBytes,
    // Spreadsheet uploads (issue #15): multipart requests with Apollo's CSRF preflight header, OFFICIAL and ADMIN only.
    uploads: graphqlUploads({ maxFileBytes: config.integration.uploadMaxBytes, viewerOf }),
    // Repeated fields before Apollo validates, and the cost limit over a batch as a whole (after trusted documents:
    // persisted ids are checked and costed by their text).
    beforeGraphql: [...integrations.http.beforeGraphql, repeatedFieldsGuard(config.access.limits), batchCostGuard(httpSchema, config.access.limits)],
    // Compiled reads answered before Apollo's pipeline; not where Apollo does more per request than the fast path
    // reproduces: trace spans (tracing plugin), federation traces, usage reporting (APOLLO_KEY).
    compiledReads:
      compiledReads && config.compiledFastPath && !config.integration.federation && integrations.apolloPlugins.length === 0 && !process.env.APOLLO_KEY
        ? compiledReadsFastPath({
            schema: httpSchema,
            limits: config.access.limits,
            reads: compiledReads,
            audit: access.audit,
            operations,
            viewerOf,
            onAnswer: () => metrics.compiledFastPath.inc(),
          })
        : undefined,
    guards: {
      graphql: graphqlAccessGuard({ ...access, log, maxBatch: config.access.limits.maxBatch }),
      hooks: hooksAccessGuard({ ...access, log, maxBatch: config.access.limits.maxBatch }),
    },
    cors: config.access.corsOrigins
      ? cors({
          origin: config.access.corsOrigins === '*' ? '*' : config.access.corsOrigins,
          allowedHeaders: ['content-type', 'authorization', 'x-api-key', 'x-unmask-reason', ...PREFLIGHT_HEADERS],
          exposedHeaders: ['retry-after'],
          maxAge: 600,
        })
      : undefined,
  });
  app.use(
    analyticsRoutes({
      em: () => onReadReplica(db.orm.em.fork()),
      log,
      guard: graphqlAccessGuard({ ...access, log, maxBatch: config.access.limits.maxBatch }),
      viewerOf,
    }),
  );
  // Officials' alias table as CSV (issue #14), behind the same guard.
  app.use(catalogRoutes({ em: () => db.orm.em.fork(), log, guard: graphqlAccessGuard({ ...access, log, maxBatch: config.access.limits.maxBatch }), viewerOf }));
  httpServer.on('request', app);
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    // A burst of WebSocket handshakes (10,000 subscribers reconnecting) must queue, not be refused (issue #13).
    httpServer.listen(config.port, config.host, config.listenBacklog, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  let metricsServer: http.Server | undefined;
  if (config.metrics.port !== undefined) {
    metricsServer = http.createServer(createMetricsApp(metricsEndpoint));
    await new Promise<void>((resolve, reject) => {
      metricsServer!.once('error', reject);
      metricsServer!.listen(config.metrics.port, config.host, () => resolve());
    });
  }
  const metricsUrl =
    metricsServer && `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${(metricsServer.address() as AddressInfo).port}/metrics`;
  const url = `${tls ? 'https' : 'http'}://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  log.info(
    {
      url,
      graphiql: `${url}/graphiql`,
      database: db.embedded ? 'embedded' : 'external',
      pubsub: pubSub.transport,
      demoMode: config.access.demoMode,
      rateLimits: access.rateLimits.store,
    },
    'harvest hub listening',
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    db,
    pubSub,
    metrics,
    metricsUrl,
    log,
    delayScanner,
    partitions,
    leadership,
    close() {
      closing ??= (async () => {
        log.info('shutting down: draining requests and subscriptions');
        await apollo.stop();
        await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
        await access.close();
        await anomalyWatcher.stop();
        await priceSeriesRefresh.stop();
        await parcelStatFold.stop();
        await priceSeriesFold.stop();
        await ingest.close();
        await delayScanner.stop();
        await partitions.stop();
        await leadership.close();
        await pubSub.close();
        await db.close();
        await integrations.close();
        log.info('shut down');
      })();
      return closing;
    },
  };
}
