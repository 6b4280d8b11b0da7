/**
 * How throughput scales with hub instances (issue #12): runs 1, 2 and 4 hub
 * processes on this machine against the same PostgreSQL (and Redis, when
 * REDIS_URL is set) and measures, for each count,
 *
 * - courier ingest: signed native batches (500 events: 100 parcels x 5 scans,
 *   all new) from BENCH_SENDERS concurrent senders spread round robin over the
 *   instances, for BENCH_SECONDS: accepted events/s;
 * - reads: the nested markets -> prices -> product/variety/origin query of
 *   `npm run bench:nested` with BENCH_CONNECTIONS connections spread over the
 *   instances, for BENCH_SECONDS: requests/s and latency;
 * - where the CPU went: core-seconds used by the hub processes, by PostgreSQL
 *   (every `postgres` process of this machine) and by this load generator, from
 *   /proc, so that the figures can be read per core beyond this machine.
 *
 *   npm run bench:scaling                                   # embedded PostgreSQL under .data/bench-scaling
 *   BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/postgres npm run bench:scaling
 *   BENCH_INSTANCES=1,2,4 BENCH_SECONDS=15 BENCH_SENDERS=8 BENCH_CONNECTIONS=16 BENCH_PORT=4114 npm run bench:scaling
 *
 * Prints one JSON line per instance count and a Markdown table at the end
 * (docs/SCALING.md quotes it). The scratch database BENCH_DB (default
 * bench_scaling) is dropped and created; parcels are emptied between counts.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHmac } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';
import { MikroORM } from '@mikro-orm/postgresql';
import { migrate, ormOptions } from '../src/database.js';
import { createLogger } from '../src/platform/logger.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/platform/embedded-postgres.js';
import { generateApiKey } from '../src/access/api-key.token.js';
import { seedReferenceData } from '../seeds/index.js';
import { seedDemoPrices } from '../seeds/demo-prices.seed.js';
import { startHubProcess } from './lib/hub-process.js';

const COUNTS = (process.env.BENCH_INSTANCES ?? '1,2,4')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const SENDERS = Number(process.env.BENCH_SENDERS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const PORT = Number(process.env.BENCH_PORT ?? 4114);
const DB = process.env.BENCH_DB ?? 'bench_scaling';
const SECRET = 'bench-scaling-secret-0123456789';
const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the database: a server named by BENCH_DATABASE_URL / DATABASE_URL, else the embedded PostgreSQL ----
let embedded: EmbeddedDatabase | undefined;
let adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
if (!adminUrl) {
  embedded = await startEmbeddedPostgres({
    dataDir: path.resolve(process.env.DATA_DIR ?? '.data/bench-scaling'),
    port: Number(process.env.EMBEDDED_PG_PORT ?? 54414),
    database: 'postgres',
    log,
  });
  adminUrl = embedded.url;
}
const dbUrl = (() => {
  const u = new URL(adminUrl);
  u.pathname = `/${DB}`;
  return u.toString();
})();

async function prepareDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${DB} with (force)`);
  await admin.query(`create database ${DB}`);
  await admin.end();
  const orm = await MikroORM.init(ormOptions(dbUrl, 4));
  await migrate(orm);
  await seedReferenceData(orm.em.fork(), log);
  await seedDemoPrices(orm.em.fork(), { days: 60, seed: 12 });
  const conn = orm.em.getConnection();
  await conn.execute(`insert into courier_credential (courier_id, secret) select id, '${SECRET}' from courier`);
  const key = generateApiKey();
  const [org] = await conn.execute<{ id: number }[]>(`insert into organisation (name, kind) values ('bench-scaling', 'OPERATOR') returning id`);
  await conn.execute(`insert into api_key (key_id, secret_hash, organisation_id, role, scopes, label) values (?, ?, ?, 'ADMIN', '{READ,WRITE}', 'bench')`, [
    key.keyId,
    key.secretHash,
    org.id,
  ]);
  await conn.execute('vacuum analyze');
  await orm.close(true);
  return key.plaintext;
}

// ---- CPU accounting from /proc (Linux): core-seconds of a set of processes ----
const TICK = 100; // USER_HZ on Linux
function cpuOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return 0;
  }
}
function parentOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}
/** The postmaster of the benchmark's server (the parent of a backend), found once: other PostgreSQL servers on the machine are not counted. */
let postmaster = 0;
async function findPostmaster(): Promise<void> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  const {
    rows: [{ pid }],
  } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
  postmaster = parentOf(pid);
  await client.end();
}
function postgresPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => pid === postmaster || parentOf(pid) === postmaster);
}
/** CPU seconds used by the hubs, PostgreSQL and this generator while `fn` runs. */
async function measured<T>(
  hubPids: number[],
  fn: () => Promise<T>,
): Promise<{ result: T; cpu: { hubs: number; postgres: number; generator: number }; seconds: number }> {
  const pgBefore = new Map(postgresPids().map((pid) => [pid, cpuOf(pid)]));
  const hubsBefore = hubPids.map(cpuOf);
  const genBefore = process.cpuUsage();
  const started = performance.now();
  const result = await fn();
  const seconds = (performance.now() - started) / 1000;
  const gen = process.cpuUsage(genBefore);
  const pgAfter = postgresPids().reduce((sum, pid) => sum + cpuOf(pid) - (pgBefore.get(pid) ?? 0), 0);
  return {
    result,
    seconds,
    cpu: { hubs: hubPids.reduce((sum, pid, i) => sum + cpuOf(pid) - hubsBefore[i], 0), postgres: pgAfter, generator: (gen.user + gen.system) / 1e6 },
  };
}

// ---- load ----
const NODES = ['vsp-140821100200', 'ts-140821100', 'cdc-140821', 'sort-1401-taiyuan'];
const STATUSES = ['PICKED_UP', 'IN_TRANSIT', 'ARRIVED_AT_NODE', 'OUT_FOR_DELIVERY', 'DELIVERED'];
const PER_BATCH = 500;
function batch(run: string, b: number): string {
  const events = [];
  const base = Date.now() - 48 * 3_600_000;
  for (let p = 0; p < PER_BATCH / 5; p++) {
    for (let s = 0; s < 5; s++) {
      events.push({
        eventId: `${run}-${b}-${p}-${s}`,
        trackingNumber: `SC${run}${String(b).padStart(5, '0')}${String(p).padStart(3, '0')}`,
        status: STATUSES[s],
        occurredAt: new Date(base + s * 3_600_000 + p * 1000).toISOString(),
        description: `扫描 ${s}`,
        location: { nodeCode: NODES[s % NODES.length] },
      });
    }
  }
  return JSON.stringify({ events });
}

async function ingest(urls: string[], run: string): Promise<{ events: number; failed: number }> {
  const deadline = performance.now() + SECONDS * 1000;
  let next = 0;
  let events = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (performance.now() < deadline) {
        const b = next++;
        const body = batch(run, b);
        const ts = Math.floor(Date.now() / 1000);
        const sig = createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex');
        try {
          const res = await fetch(`${urls[b % urls.length]}/hooks/couriers/zhongtong`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-hub-timestamp': String(ts), 'x-hub-signature': `sha256=${sig}` },
            body,
          });
          const answer = (await res.json()) as { accepted?: number };
          if (res.ok && answer.accepted === PER_BATCH) events += PER_BATCH;
          else failed++;
        } catch {
          failed++;
        }
      }
    }),
  );
  return { events, failed };
}

const QUERY = `query Nested($first: Int!) { markets(first: $first) { totalCount edges { node { code name
  prices(first: 10) { totalCount nodes { observedOn avgPrice avgPerKg product { name } variety { name } originRegion { code name parent { code name } } } } } } } }`;

async function reads(urls: string[], key: string) {
  const body = JSON.stringify({ query: QUERY, variables: { first: 10 }, operationName: 'Nested' });
  const per = Math.max(1, Math.round(CONNECTIONS / urls.length));
  const results = await Promise.all(
    urls.map((url) =>
      autocannon({
        url: `${url}/graphql`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body,
        connections: per,
        duration: SECONDS,
      }),
    ),
  );
  const requests = results.reduce((sum, r) => sum + r.requests.total, 0);
  const errors = results.reduce((sum, r) => sum + r.errors + r.non2xx, 0);
  const p50 = Math.max(...results.map((r) => r.latency.p50));
  const p99 = Math.max(...results.map((r) => r.latency.p99));
  return { requests, errors, p50, p99, connections: per * urls.length };
}

// ---- the runs ----
console.error(
  `bench:scaling on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; ` +
    `database ${embedded ? 'embedded PostgreSQL 18' : dbUrl.replace(/:[^:@/]*@/, ':***@')}; Redis ${process.env.REDIS_URL ? 'yes' : 'no'}; ${SECONDS} s per phase`,
);
const key = await prepareDatabase();
await findPostmaster();
const rows: Record<string, unknown>[] = [];
try {
  for (const n of COUNTS) {
    const client = new pg.Client({ connectionString: dbUrl });
    await client.connect();
    await client.query('truncate tracking_event, shipment, alert, parcel_daily_stat, parcel_daily_stat_delta restart identity cascade').catch(() => {});
    await client.end();
    const hubs = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        startHubProcess({
          DATABASE_URL: dbUrl,
          PORT: String(PORT + 10 * i),
          LOG_LEVEL: 'info',
          DB_POOL_SIZE: '10',
          SEED_DEMO: 'false',
          NODE_ENV: 'production',
          DELAY_SCAN_INTERVAL_S: '0',
          RATE_LIMIT_PER_SECOND: '1000000',
          RATE_LIMIT_BURST: '1000000',
          CONNECTOR_SCHEDULER: 'false',
          REDIS_URL: process.env.REDIS_URL ?? '',
          REDIS_CHANNEL_PREFIX: `bench-scaling-${process.pid}:`,
        }),
      ),
    );
    try {
      const urls = hubs.map((h) => h.url);
      const pids = hubs.map((h) => h.child.pid!);
      // Warm-up: code paths compiled, pools filled.
      await ingest(urls.slice(0, 1), `w${n}`).catch(() => {});
      await sleep(500);
      const write = await measured(pids, () => ingest(urls, `r${n}`));
      const read = await measured(pids, () => reads(urls, key));
      const row = {
        instances: n,
        ingestEventsPerSecond: Math.round(write.result.events / write.seconds),
        ingestFailedBatches: write.result.failed,
        ingestCpu: {
          hubs: +write.cpu.hubs.toFixed(1),
          postgres: +write.cpu.postgres.toFixed(1),
          generator: +write.cpu.generator.toFixed(1),
          seconds: +write.seconds.toFixed(1),
        },
        readRequestsPerSecond: Math.round(read.result.requests / read.seconds),
        readErrors: read.result.errors,
        readLatencyMs: { p50: read.result.p50, p99: read.result.p99 },
        readConnections: read.result.connections,
        readCpu: {
          hubs: +read.cpu.hubs.toFixed(1),
          postgres: +read.cpu.postgres.toFixed(1),
          generator: +read.cpu.generator.toFixed(1),
          seconds: +read.seconds.toFixed(1),
        },
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    } finally {
      await Promise.all(hubs.map((h) => h.stop()));
    }
  }
  // Storage per event (tables and indexes of parcels and events, every monthly partition), for the retention figures of docs/SCALING.md.
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  const {
    rows: [size],
  } = await client.query(`select (select count(*) from tracking_event)::bigint as events,
    (select sum(pg_total_relation_size(relid)) from pg_partition_tree('tracking_event'))
      + (select sum(pg_total_relation_size(relid)) from pg_partition_tree('shipment')) as bytes`);
  await client.end();
  if (Number(size.events) > 0)
    console.log(JSON.stringify({ storedEvents: Number(size.events), bytesPerEvent: Math.round(Number(size.bytes) / Number(size.events)) }));
} finally {
  await embedded?.stop();
}

// A table for docs/SCALING.md: throughput, and per core-second of hub CPU (what carries beyond this machine).
const per = (x: number, cpu: number, secs: number) => (cpu > 0 ? Math.round((x * secs) / cpu) : 0);
console.log(
  `\n| hub instances | ingest events/s | hub CPU (cores) | PostgreSQL CPU (cores) | events per hub core-second | read req/s (p50 / p99 ms) | hub CPU (cores) | PostgreSQL CPU (cores) | reads per hub core-second |`,
);
console.log(`| --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows of two shapes (ingest and read runs) printed side by side
for (const r of rows as any[]) {
  const w = r.ingestCpu;
  const rd = r.readCpu;
  console.log(
    `| ${r.instances} | ${r.ingestEventsPerSecond.toLocaleString('en')} | ${(w.hubs / w.seconds).toFixed(2)} | ${(w.postgres / w.seconds).toFixed(2)} | ${per(r.ingestEventsPerSecond, w.hubs, w.seconds).toLocaleString('en')} | ` +
      `${r.readRequestsPerSecond} (${r.readLatencyMs.p50} / ${r.readLatencyMs.p99}) | ${(rd.hubs / rd.seconds).toFixed(2)} | ${(rd.postgres / rd.seconds).toFixed(2)} | ${per(r.readRequestsPerSecond, rd.hubs, rd.seconds)} |`,
  );
}
