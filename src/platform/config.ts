import path from 'node:path';
import { z } from 'zod';

/**
 * The hub's whole configuration, read from the environment once at start and
 * validated here so the rest of the code can trust it. Every variable is
 * documented in the README ("Configuration").
 */
const schema = z.object({
  /** HTTP and WebSocket port. @default 4000 */
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /** Interface to listen on. @default "0.0.0.0" */
  HOST: z.string().default('0.0.0.0'),
  /** PostgreSQL URL. When unset the hub starts its own embedded PostgreSQL under DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  /** Where the embedded PostgreSQL keeps its files. @default ".data" */
  DATA_DIR: z.string().default('.data'),
  /** Port of the embedded PostgreSQL (loopback only). @default 54320 */
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54320),
  /** Connections in the PostgreSQL pool. @default 10 */
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Load demo data (regions, catalogue, markets, a price history) when the database is empty. @default true */
  SEED_DEMO: z.stringbool().default(true),
  /** Redis URL; when set, subscriptions fan out across hub instances through Redis. */
  REDIS_URL: z.string().url().optional(),
  /** Prefix of the hub's Redis channels; hubs (or test runs) sharing one Redis with different prefixes do not hear each other. @default "harvest-hub:" */
  REDIS_CHANNEL_PREFIX: z.string().min(1).max(100).default('harvest-hub:'),
  /** Courier feeds (issue #5): a parcel with no scan for this many hours raises a DELAYED alert. @default 24 */
  DELAY_ALERT_HOURS: z.coerce.number().positive().max(24 * 90).default(24),
  /** Seconds between two scans for delayed parcels; 0 = no periodic scan. @default 60 */
  DELAY_SCAN_INTERVAL_S: z.coerce.number().int().min(0).default(60),
  /** Largest courier push body (bytes or e.g. "2mb"); larger answers 413. A 1,000-event batch is about 0.5 MB. @default "2mb" */
  WEBHOOK_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)?$/i, 'must be bytes or e.g. "2mb"').default('2mb'),
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
  /** Enabled connectors and their config (issue #4): a path to a JSON file, or the JSON itself. See connectors/README.md. */
  CONNECTORS: z.string().optional(),
  /** Folder of connector modules. @default the built-in `connectors/` */
  CONNECTORS_DIR: z.string().optional(),
  /** Run pull connectors on their intervals inside the hub. @default true */
  CONNECTOR_SCHEDULER: z.stringbool().default(true),
});

export type Env = z.input<typeof schema>;

export interface Config {
  port: number;
  host: string;
  databaseUrl?: string;
  dataDir: string;
  embeddedPgPort: number;
  dbPoolSize: number;
  seedDemo: boolean;
  redisUrl?: string;
  redisChannelPrefix: string;
  /** Courier feeds (issue #5): DELAY_ALERT_HOURS, DELAY_SCAN_INTERVAL_S, WEBHOOK_BODY_LIMIT. */
  couriers: { delayAlertHours: number; delayScanIntervalMs: number; webhookBodyLimit: string };
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  env: z.infer<typeof schema>['NODE_ENV'];
  introspection: boolean;
  shutdownTimeoutMs: number;
  subsidyConfigFile?: string;
  /** Connectors (issue #4): CONNECTORS, CONNECTORS_DIR, CONNECTOR_SCHEDULER. */
  ingest: { connectors?: string; connectorsDir?: string; scheduler: boolean };
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
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    dbPoolSize: e.DB_POOL_SIZE,
    seedDemo: e.SEED_DEMO,
    redisUrl: e.REDIS_URL,
    redisChannelPrefix: e.REDIS_CHANNEL_PREFIX,
    couriers: { delayAlertHours: e.DELAY_ALERT_HOURS, delayScanIntervalMs: e.DELAY_SCAN_INTERVAL_S * 1000, webhookBodyLimit: e.WEBHOOK_BODY_LIMIT },
    logLevel: e.LOG_LEVEL,
    env: e.NODE_ENV,
    introspection: e.GRAPHQL_INTROSPECTION ?? e.NODE_ENV !== 'production',
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    subsidyConfigFile: e.SUBSIDY_CONFIG_FILE,
    ingest: { connectors: e.CONNECTORS, connectorsDir: e.CONNECTORS_DIR && path.resolve(e.CONNECTORS_DIR), scheduler: e.CONNECTOR_SCHEDULER },
  };
}
