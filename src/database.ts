import { MikroORM, defineConfig, type EntityManager, type Options } from '@mikro-orm/postgresql';
import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import { Migrator } from '@mikro-orm/migrations';
import type { Config } from './platform/config.js';
import type { Logger } from './platform/logger.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './platform/embedded-postgres.js';
import { entities } from './entities.js';
import { migrationsList } from './migrations/index.js';
import { withAdvisoryLock } from './platform/advisory-lock.js';
import { TracingSqlLogger } from './platform/sql-tracing.js';

export type { EntityManager };

/** MikroORM options shared by the hub, the scripts and the tests. */
export function ormOptions(clientUrl: string, poolSize = 10, log?: Logger, onQuery?: () => void, readUrl?: string): Options {
  return defineConfig({
    clientUrl,
    // A read replica (DATABASE_READ_URL, issue #12) serves only what asks for it (platform/read-replica.ts):
    // every other read stays on the primary, so nothing else sees replication lag.
    replicas: readUrl ? [{ name: 'read-replica', clientUrl: readUrl }] : [],
    preferReadReplicas: false,
    entities,
    metadataProvider: ReflectMetadataProvider,
    extensions: [Migrator],
    pool: { min: 0, max: poolSize },
    // Entities are loaded explicitly (DataLoaders per request); nothing lazy behind the resolvers' back.
    forceUndefined: false,
    allowGlobalContext: false,
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false },
    // Triggers and SQL functions are written by hand in migrations (e.g. the parcel rollup of
    // issue #7); without this, every generated migration would drop them as "not in the metadata".
    schemaGenerator: { ignoreTriggers: true, ignoreRoutines: true },
    debug: log?.isLevelEnabled('trace') ? ['query'] : false,
    logger: (message) => log?.trace({ orm: message }),
    // Each statement becomes a span of the traced operation when tracing is on (issue #15).
    loggerFactory: (options) => new TracingSqlLogger(options),
    onQuery: (sql) => {
      onQuery?.();
      return sql;
    },
  });
}

export interface Database {
  orm: MikroORM;
  /** The URL in use (embedded or configured). */
  url: string;
  /** Whether the hub started the PostgreSQL itself. */
  embedded: boolean;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Called for every SQL statement (the hub's statement counter). */
  onQuery?: () => void;
  /**
   * With no DATABASE_URL: use the embedded PostgreSQL a running hub started
   * on the same DATA_DIR instead of refusing (command-line tools beside a
   * running hub). A second hub is still refused: without Redis its
   * subscribers would not see the other's writes.
   */
  shareRunningEmbedded?: boolean;
}

/**
 * Opens the store: the configured PostgreSQL, or the embedded one when
 * DATABASE_URL is unset. Applies pending migrations before returning.
 */
export async function openDatabase(config: Config, log: Logger, options: OpenDatabaseOptions = {}): Promise<Database> {
  const { onQuery } = options;
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.embeddedPgPort,
      database: 'harvest',
      log,
      shareRunning: options.shareRunningEmbedded ?? false,
    });
    url = embedded.url;
  }
  const orm = await MikroORM.init(ormOptions(url, config.dbPoolSize, log, onQuery, config.databaseReadUrl));
  const applied = await migrate(orm, log);
  if (applied.length) log.info({ migrations: applied.map((m) => m.name) }, 'applied migrations');
  return {
    orm,
    url,
    embedded: Boolean(embedded),
    async close() {
      await orm.close(true);
      await embedded?.stop();
    },
  };
}

/**
 * Applies pending migrations under an advisory lock (issue #12): instances
 * started together on an empty database take turns, the first migrates and
 * the others find nothing pending. Without it, two concurrent `CREATE TABLE`s
 * of the same name crash one instance on `pg_type_typname_nsp_index`.
 */
export async function migrate(orm: MikroORM, log?: Logger) {
  const pool = await orm.em.getConnection().getNativeClient();
  return withAdvisoryLock(
    pool,
    'migrations',
    () => orm.migrator.up(),
    () => log?.info('another instance is migrating the database: waiting for it'),
  );
}

/** True when the database answers and every known migration is applied. */
export async function isDatabaseReady(orm: MikroORM): Promise<boolean> {
  try {
    const pending = await orm.migrator.getPending();
    return pending.length === 0;
  } catch {
    return false;
  }
}
