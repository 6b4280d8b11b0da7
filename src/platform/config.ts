import path from 'node:path';
import { z } from 'zod';

/**
 * The hub's whole configuration, read from the environment once at start and
 * validated here so the rest of the code can trust it. Every variable is
 * documented in the README ("Configuration").
 */
const schema = z
  .object({
    /** HTTP and WebSocket port. @default 4000 */
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    /** Interface to listen on. Demo mode listens on loopback only (issue #11). @default "127.0.0.1" in demo mode, else "0.0.0.0" */
    HOST: z.string().optional(),
    /** PostgreSQL URL. When unset the hub starts its own embedded PostgreSQL under DATA_DIR. */
    DATABASE_URL: z.string().url().optional(),
    /** A streaming replica of DATABASE_URL for the officials' analytics (issue #12; see docs/SCALING.md for what reads go there). Unset = analytics read the primary. */
    DATABASE_READ_URL: z.string().url().optional(),
    /** Where the embedded PostgreSQL keeps its files. @default ".data" */
    DATA_DIR: z.string().default('.data'),
    /** Port of the embedded PostgreSQL (loopback only). @default 54320 */
    EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54320),
    /** Connections in the PostgreSQL pool. @default 10 */
    DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    /** Load demo data (a price history, parcels; with DEMO_MODE the public demo courier secrets) when the database is empty. @default true with the embedded database, else false */
    SEED_DEMO: z.stringbool().optional(),
    /** Redis URL; when set, subscriptions fan out across hub instances through Redis. */
    REDIS_URL: z.string().url().optional(),
    /** Prefix of the hub's Redis channels; hubs (or test runs) sharing one Redis with different prefixes do not hear each other. @default "harvest-hub:" */
    REDIS_CHANNEL_PREFIX: z.string().min(1).max(100).default('harvest-hub:'),
    /** Pending TCP connections the kernel queues for the HTTP/WebSocket port (listen backlog; capped by net.core.somaxconn). @default 4096 */
    LISTEN_BACKLOG: z.coerce.number().int().min(1).max(65535).default(4096),
    /** Bytes that may wait in one WebSocket's send buffer; past that the subscriber is closed with code 4413 (too slow). @default 1048576 (1 MiB) */
    WS_MAX_BUFFERED_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024),
    /** Courier feeds (issue #5): a parcel with no scan for this many hours raises a DELAYED alert. @default 24 */
    DELAY_ALERT_HOURS: z.coerce
      .number()
      .positive()
      .max(24 * 90)
      .default(24),
    /** Seconds between two scans for delayed parcels; 0 = no periodic scan. @default 60 */
    DELAY_SCAN_INTERVAL_S: z.coerce.number().int().min(0).default(60),
    /** Largest courier push body (bytes or e.g. "2mb"); larger answers 413. A 1,000-event batch is about 0.5 MB. @default "2mb" */
    WEBHOOK_BODY_LIMIT: z
      .string()
      .regex(/^\d+(b|kb|mb)?$/i, 'must be bytes or e.g. "2mb"')
      .default('2mb'),
    /** fatal | error | warn | info | debug | trace | silent. @default "info" */
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** production turns introspection and field suggestions off unless GRAPHQL_INTROSPECTION says otherwise. @default "development" */
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    /** Allow introspection (GraphiQL needs it). @default true outside production */
    GRAPHQL_INTROSPECTION: z.stringbool().optional(),
    /** How long a graceful shutdown waits for in-flight requests. @default 10000 */
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    /** JSON file with the per-parcel subsidy rates per year and the fraud-check thresholds (issue #7); unset = the defaults in src/analytics/subsidy-config.ts. */
    SUBSIDY_CONFIG_FILE: z.string().optional(),
    /**
     * Seconds between two catch-ups of the stored price-series statistics (issue #13); 0 = none (tests that count statements), and then
     * no periodic fold of the appended price series-day groups either (every 15 s otherwise; reads fold first anyway). @default 60
     */
    PRICE_SERIES_REFRESH_INTERVAL_S: z.coerce.number().int().min(0).default(60),
    /** Enabled connectors and their config (issue #4): a path to a JSON file, or the JSON itself. See connectors/README.md. */
    CONNECTORS: z.string().optional(),
    /** Folder of connector modules. @default the built-in `connectors/` */
    CONNECTORS_DIR: z.string().optional(),
    /** Run pull connectors on their intervals inside the hub. @default true */
    CONNECTOR_SCHEDULER: z.stringbool().default(true),
    /** Answer the hot read shapes (markets, prices, shipments and what hangs under them) with one compiled SQL statement (issue #10); false = graphql-js execution only. @default true */
    COMPILED_READS: z.stringbool().default(true),
    COMPILED_FAST_PATH: z.stringbool().default(true),
    // ---- access control (issue #6); see README "Calling the hub as each kind of user" ----
    /** Anonymous callers may read (personal and commercial data masked), never write. @default true with the embedded database, else false */
    DEMO_MODE: z.stringbool().optional(),
    /** HS256 secret for JWT bearer tokens (at least 32 characters). Unset = no HS256 tokens. */
    JWT_SECRET: z.string().min(32).optional(),
    /** JWKS for RS256/ES256 JWT bearer tokens: an http(s) URL or a file path. Unset = no JWKS tokens. */
    JWT_JWKS: z.string().optional(),
    /** Required `iss` of JWT bearer tokens, when set. */
    JWT_ISSUER: z.string().optional(),
    /** Required `aud` of JWT bearer tokens; required with JWT_JWKS (issue #11). */
    JWT_AUDIENCE: z.string().optional(),
    /**
     * Longest lifetime (`exp` - `iat`, seconds) of a JWT bearer token; tokens must then carry `iat`. 0 = no maximum (`exp`
     * is still required). A leaked token signed for years stays a key for years: the issuer's word is not taken for it. @default 86400
     */
    JWT_MAX_LIFETIME_S: z.coerce.number().int().min(0).default(86_400),
    /** Sustained requests per second per key (token bucket refill). @default 20 */
    RATE_LIMIT_PER_SECOND: z.coerce.number().int().min(1).default(20),
    /** Burst allowance per key per minute above the sustained rate (bucket size). @default 300 */
    RATE_LIMIT_BURST: z.coerce.number().int().min(0).default(300),
    /** Failed authentications per client address per 5 minutes before it is refused with 429. @default 20 */
    RATE_LIMIT_AUTH_FAILURES: z.coerce.number().int().min(1).default(20),
    /** Deepest selection set accepted. @default 12 */
    QUERY_MAX_DEPTH: z.coerce.number().int().min(2).default(12),
    /** Highest estimated cost accepted (each field 1, connections multiply their subtree by `first`), of one operation and of a batched request as a whole. @default 50000 */
    QUERY_MAX_COST: z.coerce.number().int().min(1).default(50_000),
    /** Most aliases in one operation. @default 30 */
    QUERY_MAX_ALIASES: z.coerce.number().int().min(0).default(30),
    /** Most directives in one operation. @default 50 */
    QUERY_MAX_DIRECTIVES: z.coerce.number().int().min(0).default(50),
    /** Most lexical tokens in one document. @default 5000 */
    QUERY_MAX_TOKENS: z.coerce.number().int().min(100).default(5000),
    /** Most items in one list argument (`nodes(ids:)`, `kinds`, …); each item also counts in the cost (issue #11). @default 100 */
    QUERY_MAX_LIST_ITEMS: z.coerce.number().int().min(1).default(100),
    /** Most operations in one batched HTTP request (a JSON array). @default 10 */
    QUERY_MAX_BATCH: z.coerce.number().int().min(1).default(10),
    /** Largest request body, in bytes. @default 2097152 (2 MiB) */
    REQUEST_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(2 * 1024 * 1024),
    /** Days audit rows are kept; the policy asks for at least six months. @default 400 */
    AUDIT_RETENTION_DAYS: z.coerce.number().int().min(180).default(400),
    /** Personal records one key may read per hour before an ABNORMAL_ACCESS alert is raised. @default 500 */
    AUDIT_PERSONAL_READS_PER_HOUR: z.coerce.number().int().min(1).default(500),
    /** PEM certificate file; with TLS_KEY_FILE the hub serves HTTPS (and wss) directly. */
    TLS_CERT_FILE: z.string().optional(),
    /** PEM private key file of TLS_CERT_FILE. */
    TLS_KEY_FILE: z.string().optional(),
    /** Origins allowed by CORS, comma-separated, or `*`. Unset = no cross-origin access. */
    CORS_ORIGINS: z.string().optional(),
    // ---- limits and protection at rest (issue #11); see README "Security" ----
    /** Operations open at once on one WebSocket. @default 100 */
    WS_MAX_SUBSCRIPTIONS_PER_SOCKET: z.coerce.number().int().min(1).default(100),
    /** WebSockets open at once per key (anonymous: per address) on one instance. @default 25 */
    WS_MAX_SOCKETS_PER_KEY: z.coerce.number().int().min(1).default(25),
    /** Bearer token that may read /metrics (ADMIN keys may too). Unset = ADMIN keys only. */
    METRICS_TOKEN: z.string().min(16).optional(),
    /** Serve /metrics on this port only (own listener, no key; keep it off the public network). Unset = on PORT, behind a key. */
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    /** Distinct operation names kept as metric labels; names past it, over-long or not GraphQL names count as `other`. @default 100 */
    METRICS_MAX_OPERATION_NAMES: z.coerce.number().int().min(0).max(10_000).default(100),
    /** 32-byte key (base64 or 64 hex digits) that encrypts courier webhook secrets at rest (AES-256-GCM). Required outside demo mode. */
    SECRETS_KEY: z.string().optional(),
    // ---- integrators (issue #15); see README "Trusted documents", "Uploads", "Tracing", "Federation" ----
    /** Persisted operations: `only` runs nothing but the manifest's operations, `allow` also runs any other and registers automatic persisted queries, `off` ignores persisted ids. @default "allow" */
    TRUSTED_DOCUMENTS: z.enum(['only', 'allow', 'off']).default('allow'),
    /** The persisted-operation manifest (Apollo's persisted-query-manifest format). @default the built-in schema/persisted-operations.json */
    TRUSTED_DOCUMENTS_MANIFEST: z.string().optional(),
    /** Largest file in a GraphQL multipart upload, in bytes; larger answers PAYLOAD_TOO_LARGE. @default 52428800 (50 MiB) */
    UPLOAD_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(50 * 1024 * 1024),
    /** Serve the schema as an Apollo Federation 2 subgraph (`_service`, `_entities`, `@key`). @default false */
    FEDERATION: z.stringbool().default(false),
    /** OpenTelemetry: traces are exported (OTLP over HTTP) when one of these is set, configured by the standard OTEL_* variables. */
    OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().url().optional(),
    /** `otlp` (with an endpoint) or `none`; the standard variable. @default "otlp" when an endpoint is set */
    OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none', 'console']).optional(),
    /** The standard kill switch: `true` turns tracing off whatever else is set. */
    OTEL_SDK_DISABLED: z.stringbool().optional(),
  })
  .refine((e) => !e.DATABASE_READ_URL || e.DATABASE_URL, {
    message: 'DATABASE_READ_URL is a replica of DATABASE_URL: set DATABASE_URL too',
    path: ['DATABASE_READ_URL'],
  })
  .refine((e) => Boolean(e.TLS_CERT_FILE) === Boolean(e.TLS_KEY_FILE), {
    message: 'TLS_CERT_FILE and TLS_KEY_FILE go together: set both or neither',
    path: ['TLS_CERT_FILE'],
  })
  .superRefine((e, ctx) => {
    // Safe defaults (issue #11): fail closed at start, naming the variable.
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (e.NODE_ENV === 'production') {
      if (e.DEMO_MODE) problem('DEMO_MODE', 'demo mode (anonymous read access) is never allowed with NODE_ENV=production');
      if (e.SEED_DEMO) problem('SEED_DEMO', 'demo data and public demo courier secrets are never loaded with NODE_ENV=production');
    }
    const demo = e.DEMO_MODE ?? (!e.DATABASE_URL && e.NODE_ENV !== 'production');
    if (demo && e.HOST !== undefined && !isLoopback(e.HOST)) {
      problem('HOST', `demo mode listens on loopback only (127.0.0.1, ::1 or localhost), not "${e.HOST}"; set DEMO_MODE=false to listen there`);
    }
    if (e.JWT_JWKS && !e.JWT_AUDIENCE) problem('JWT_AUDIENCE', 'is required with JWT_JWKS: tokens from a shared identity provider must be meant for this hub');
    if (e.SECRETS_KEY !== undefined && !secretsKeyBytes(e.SECRETS_KEY))
      problem('SECRETS_KEY', 'must be 32 bytes, as base64 (44 characters) or 64 hex digits, e.g. `openssl rand -base64 32`');
    if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) problem('METRICS_PORT', 'must differ from PORT');
  });

/** Whether a listen address is loopback only. */
export function isLoopback(host: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i.test(host.trim());
}

/** The 32 bytes of a SECRETS_KEY written as base64 or hex, or undefined when it is neither. */
export function secretsKeyBytes(text: string): Buffer | undefined {
  const value = text.trim();
  const bytes = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(value) ? Buffer.from(value, 'base64') : undefined;
  return bytes?.length === 32 ? bytes : undefined;
}

export type Env = z.input<typeof schema>;

export interface Config {
  port: number;
  host: string;
  databaseUrl?: string;
  /** DATABASE_READ_URL: the analytics' read replica. */
  databaseReadUrl?: string;
  dataDir: string;
  embeddedPgPort: number;
  dbPoolSize: number;
  seedDemo: boolean;
  redisUrl?: string;
  redisChannelPrefix: string;
  /** LISTEN_BACKLOG. */
  listenBacklog: number;
  /** Live updates (issue #13): WS_MAX_BUFFERED_BYTES. */
  ws: { maxBufferedBytes: number };
  /** Courier feeds (issue #5): DELAY_ALERT_HOURS, DELAY_SCAN_INTERVAL_S, WEBHOOK_BODY_LIMIT. */
  couriers: { delayAlertHours: number; delayScanIntervalMs: number; webhookBodyLimit: string };
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  env: z.infer<typeof schema>['NODE_ENV'];
  introspection: boolean;
  shutdownTimeoutMs: number;
  subsidyConfigFile?: string;
  /** PRICE_SERIES_REFRESH_INTERVAL_S in ms; 0 = no periodic catch-up. */
  priceSeriesRefreshMs: number;
  /** COMPILED_READS (issue #10): one SQL statement building the response for the operations the query compiler covers. */
  compiledReads: boolean;
  /** COMPILED_FAST_PATH (issue #10): with COMPILED_READS, answer those operations over HTTP before Apollo's request pipeline (same rules, same answers). */
  compiledFastPath: boolean;
  /** Connectors (issue #4): CONNECTORS, CONNECTORS_DIR, CONNECTOR_SCHEDULER. */
  ingest: { connectors?: string; connectorsDir?: string; scheduler: boolean };
  /** Access control, query limits, rate limits, audit and transport security (issue #6). */
  access: AccessConfig;
  /** /metrics protection and label bounds (issue #11). */
  metrics: { token?: string; port?: number; maxOperationNames: number };
  /** The key that encrypts courier webhook secrets at rest (SECRETS_KEY), when set. */
  secretsKey?: Buffer;
  /** What integrators ask for (issue #15): trusted documents, uploads, federation, tracing. */
  integration: IntegrationConfig;
}
/** Integration settings (issue #15); see the schema above for each variable. */
export interface IntegrationConfig {
  trustedDocuments: { mode: 'only' | 'allow' | 'off'; manifestFile?: string };
  uploadMaxBytes: number;
  federation: boolean;
  /** Whether traces are recorded and exported; the exporter itself reads the standard OTEL_* variables. */
  tracing: { enabled: boolean; exporter: 'otlp' | 'console' };
}
/** Access-control settings; see the schema above for each variable. */
export interface AccessConfig {
  demoMode: boolean;
  jwt: { secret?: string; jwks?: string; issuer?: string; audience?: string; maxLifetimeSeconds: number };
  rateLimit: { perSecond: number; burst: number; authFailures: number };
  limits: {
    maxDepth: number;
    maxCost: number;
    maxAliases: number;
    maxDirectives: number;
    maxTokens: number;
    maxBatch: number;
    maxBodyBytes: number;
    maxListItems: number;
  };
  /** WebSocket limits (issue #11); the message size is `limits.maxBodyBytes`. */
  ws: { maxSubscriptionsPerSocket: number; maxSocketsPerKey: number };
  audit: { retentionDays: number; personalReadsPerHour: number };
  tls?: { certFile: string; keyFile: string };
  corsOrigins?: string[] | '*';
}

/** Thrown at start when the environment is wrong; names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the configuration from `env` (process.env by default). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const demoMode = e.DEMO_MODE ?? (!e.DATABASE_URL && e.NODE_ENV !== 'production');
  return {
    port: e.PORT,
    host: e.HOST ?? (demoMode ? '127.0.0.1' : '0.0.0.0'),
    databaseUrl: e.DATABASE_URL,
    databaseReadUrl: e.DATABASE_READ_URL,
    dataDir: path.resolve(e.DATA_DIR),
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    dbPoolSize: e.DB_POOL_SIZE,
    seedDemo: e.SEED_DEMO ?? (!e.DATABASE_URL && e.NODE_ENV !== 'production'),
    redisUrl: e.REDIS_URL,
    redisChannelPrefix: e.REDIS_CHANNEL_PREFIX,
    listenBacklog: e.LISTEN_BACKLOG,
    ws: { maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES },
    couriers: { delayAlertHours: e.DELAY_ALERT_HOURS, delayScanIntervalMs: e.DELAY_SCAN_INTERVAL_S * 1000, webhookBodyLimit: e.WEBHOOK_BODY_LIMIT },
    logLevel: e.LOG_LEVEL,
    env: e.NODE_ENV,
    introspection: e.GRAPHQL_INTROSPECTION ?? e.NODE_ENV !== 'production',
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    compiledReads: e.COMPILED_READS,
    compiledFastPath: e.COMPILED_FAST_PATH,
    subsidyConfigFile: e.SUBSIDY_CONFIG_FILE,
    priceSeriesRefreshMs: e.PRICE_SERIES_REFRESH_INTERVAL_S * 1000,
    ingest: { connectors: e.CONNECTORS, connectorsDir: e.CONNECTORS_DIR && path.resolve(e.CONNECTORS_DIR), scheduler: e.CONNECTOR_SCHEDULER },
    access: {
      demoMode,
      jwt: { secret: e.JWT_SECRET, jwks: e.JWT_JWKS, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE, maxLifetimeSeconds: e.JWT_MAX_LIFETIME_S },
      rateLimit: { perSecond: e.RATE_LIMIT_PER_SECOND, burst: e.RATE_LIMIT_BURST, authFailures: e.RATE_LIMIT_AUTH_FAILURES },
      limits: {
        maxDepth: e.QUERY_MAX_DEPTH,
        maxCost: e.QUERY_MAX_COST,
        maxAliases: e.QUERY_MAX_ALIASES,
        maxDirectives: e.QUERY_MAX_DIRECTIVES,
        maxTokens: e.QUERY_MAX_TOKENS,
        maxBatch: e.QUERY_MAX_BATCH,
        maxListItems: e.QUERY_MAX_LIST_ITEMS,
        maxBodyBytes: e.REQUEST_MAX_BYTES,
      },
      ws: { maxSubscriptionsPerSocket: e.WS_MAX_SUBSCRIPTIONS_PER_SOCKET, maxSocketsPerKey: e.WS_MAX_SOCKETS_PER_KEY },
      audit: { retentionDays: e.AUDIT_RETENTION_DAYS, personalReadsPerHour: e.AUDIT_PERSONAL_READS_PER_HOUR },
      tls: e.TLS_CERT_FILE && e.TLS_KEY_FILE ? { certFile: e.TLS_CERT_FILE, keyFile: e.TLS_KEY_FILE } : undefined,
      corsOrigins: !e.CORS_ORIGINS
        ? undefined
        : e.CORS_ORIGINS.trim() === '*'
          ? '*'
          : e.CORS_ORIGINS.split(',')
              .map((o) => o.trim())
              .filter(Boolean),
    },
    metrics: { token: e.METRICS_TOKEN, port: e.METRICS_PORT, maxOperationNames: e.METRICS_MAX_OPERATION_NAMES },
    secretsKey: e.SECRETS_KEY ? secretsKeyBytes(e.SECRETS_KEY) : undefined,
    integration: {
      trustedDocuments: { mode: e.TRUSTED_DOCUMENTS, manifestFile: e.TRUSTED_DOCUMENTS_MANIFEST && path.resolve(e.TRUSTED_DOCUMENTS_MANIFEST) },
      uploadMaxBytes: e.UPLOAD_MAX_BYTES,
      federation: e.FEDERATION,
      // Off by default, and off means no SDK at all (no cost): only an exporter that is asked for turns it on.
      tracing: {
        enabled:
          !e.OTEL_SDK_DISABLED &&
          e.OTEL_TRACES_EXPORTER !== 'none' &&
          (e.OTEL_TRACES_EXPORTER === 'console' || Boolean(e.OTEL_EXPORTER_OTLP_ENDPOINT || e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)),
        exporter: e.OTEL_TRACES_EXPORTER === 'console' ? 'console' : 'otlp',
      },
    },
  };
}
