/**
 * Courier feed benchmarks (issue #5), against a hub running as its own process:
 *
 * 1. sustained ingest through the signed batch webhook (1,000 events a request,
 *    BENCH_CONCURRENCY requests in flight), compared in the same run with a plain
 *    COPY of the same event rows into a table with a primary key and one unique
 *    index (one stream, and batches of 1,000 with as many in flight; issue #13);
 * 2. push-to-subscriber latency (POST sent -> `shipmentUpdated` message received)
 *    with 1,000 and 10,000 open subscriptions on one instance, p50/p99;
 * 3. hub memory per open subscription (heap and RSS deltas from /metrics).
 *
 *   BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/postgres npm run bench:tracking
 *
 * BENCH_DB names the scratch database (dropped and created; default bench_tracking),
 * BENCH_PORT the hub's port, BENCH_BATCHES / BENCH_CONCURRENCY the ingest load,
 * BENCH_SUBSCRIPTIONS= (empty) skips the latency part.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import os from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '../src/database.js';
import { seedReferenceData } from '../seeds/index.js';
import { BENCH_METRICS_TOKEN } from './lib/hub-process.js';
import { cpuBetween, procCpuMs, sampleCpu } from './lib/cpu-time.js';

const ADMIN = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres';
const BATCHES = Number(process.env.BENCH_BATCHES ?? 60);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const SUBSCRIPTIONS = (process.env.BENCH_SUBSCRIPTIONS ?? '1000,10000').split(',').filter(Boolean).map(Number);
const CONNECTIONS = Number(process.env.BENCH_WS_CONNECTIONS ?? 100);
const PUSHES = Number(process.env.BENCH_PUSHES ?? 200);
const PORT = Number(process.env.BENCH_PORT ?? 4790);
const SECRET = 'bench-secret-0123456789';
const DB = process.env.BENCH_DB ?? 'bench_tracking';
/** Extra node flags for the hub process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (NODE_OPTIONS refuses --cpu-prof). */
const HUB_NODE_ARGS = (process.env.BENCH_HUB_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** The node flags `npm start` runs the hub with (package.json): a 64 MB young generation (BENCHMARKS.md, session 4). */
const HUB_START_FLAGS = ['--max-semi-space-size=64'];

const url = (db: string) => {
  const u = new URL(ADMIN);
  u.pathname = `/${db}`;
  return u.toString();
};
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function prepareDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  await admin.query(`drop database if exists ${DB} with (force)`);
  await admin.query(`create database ${DB}`);
  // BENCH_LOG_STATEMENTS=1: every statement of the run with its duration in the server log (where the time goes);
  // =cpu: with the CPU time each statement took (log_statement_stats).
  if (process.env.BENCH_LOG_STATEMENTS) await admin.query(`alter database ${DB} set log_min_duration_statement = 0`);
  if (process.env.BENCH_LOG_STATEMENTS === 'cpu') await admin.query(`alter database ${DB} set log_statement_stats = on`);
  // =plans: the plans (with actual times) of statements slower than 5 ms (auto_explain).
  if (process.env.BENCH_LOG_STATEMENTS === 'plans') {
    await admin.query(`alter database ${DB} set session_preload_libraries = 'auto_explain'`);
    await admin.query(`alter database ${DB} set auto_explain.log_min_duration = 5`);
    await admin.query(`alter database ${DB} set auto_explain.log_analyze = on`);
    // (with the time of each trigger: the foreign-key checks and the statistics triggers of a parcel write)
    await admin.query(`alter database ${DB} set auto_explain.log_triggers = on`);
  }
  await admin.end();
  const orm = await MikroORM.init(ormOptions(url(DB), 4));
  await orm.migrator.up();
  await seedReferenceData(orm.em.fork());
  await orm.em.getConnection().execute(`insert into courier_credential (courier_id, secret) select id, '${SECRET}' from courier`);
  await orm.close(true);
}

async function startHubProcess(): Promise<{ stop: () => Promise<void>; metric: (name: string) => Promise<number>; cpuMs: () => number }> {
  const child = spawn(process.execPath, [...HUB_START_FLAGS, ...HUB_NODE_ARGS, '--import', '@swc-node/register/esm-register', 'src/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: url(DB),
      PORT: String(PORT),
      HOST: '127.0.0.1',
      SEED_DEMO: 'false',
      LOG_LEVEL: 'warn',
      DB_POOL_SIZE: '10',
      DELAY_SCAN_INTERVAL_S: '0',
      RATE_LIMIT_PER_SECOND: '1000000',
      RATE_LIMIT_BURST: '1000000',
      DEMO_MODE: 'true',
      REDIS_URL: '',
      METRICS_TOKEN: BENCH_METRICS_TOKEN,
      WS_MAX_SOCKETS_PER_KEY: String(CONNECTIONS),
      WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '100000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // Up to two minutes: the hub compiles its TypeScript sources at start, slow on a busy machine.
  for (let i = 0; i < 1200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/readyz`)).ok) break;
    } catch {
      /* starting */
    }
    await sleep(100);
  }
  const metric = async (name: string) => {
    const text = await (await fetch(`http://127.0.0.1:${PORT}/metrics`, { headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` } })).text();
    return text
      .split('\n')
      .filter((l) => l.split(/[ {]/)[0] === name)
      .reduce((s, l) => s + Number(l.trim().split(' ').at(-1)), 0);
  };
  return {
    metric,
    cpuMs: () => procCpuMs(child.pid!) ?? Number.NaN,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const NODES = ['vsp-140821100200', 'ts-140821100', 'cdc-140821', 'sort-1401-taiyuan'];
const STATUSES = ['PICKED_UP', 'IN_TRANSIT', 'ARRIVED_AT_NODE', 'OUT_FOR_DELIVERY', 'DELIVERED'];

/** One batch: 200 parcels x 5 scans, all new. */
function batch(b: number): unknown[] {
  const events = [];
  const base = Date.now() - 48 * 3_600_000;
  for (let p = 0; p < 200; p++) {
    for (let s = 0; s < 5; s++) {
      events.push({
        eventId: `b${b}-p${p}-s${s}`,
        trackingNumber: `BN${String(b).padStart(4, '0')}${String(p).padStart(4, '0')}`,
        status: STATUSES[s],
        occurredAt: new Date(base + s * 3_600_000 + p * 1000).toISOString(),
        description: `扫描 ${s}`,
        location: { nodeCode: NODES[s % NODES.length] },
      });
    }
  }
  return events;
}

async function push(courier: string, events: unknown[]): Promise<Response> {
  const body = JSON.stringify({ events });
  const ts = Math.floor(Date.now() / 1000);
  const sig = createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex');
  return fetch(`http://127.0.0.1:${PORT}/hooks/couriers/${courier}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-timestamp': String(ts), 'x-hub-signature': `sha256=${sig}` },
    body,
  });
}

async function benchIngest(hub: Awaited<ReturnType<typeof startHubProcess>>): Promise<Record<string, number>> {
  let next = 0;
  // CPU of the hub process, of this (load-generating) process and of the database's backends: wall clock moves with
  // whatever else runs on the machine, CPU per 1,000 events much less.
  const sampler = new pg.Pool({ connectionString: url(DB), max: 1 });
  const hubCpu0 = hub.cpuMs();
  const cpu0 = await sampleCpu(sampler, DB);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < BATCHES) {
        const b = next++;
        const res = await push('zhongtong', batch(b));
        const body = (await res.json()) as { accepted: number };
        if (body.accepted !== 1000) throw new Error(`batch ${b}: ${JSON.stringify(body).slice(0, 300)}`);
      }
    }),
  );
  const webhookSeconds = (performance.now() - started) / 1000;
  const webhookCpu = cpuBetween(cpu0, await sampleCpu(sampler, DB));
  const webhookHubCpu = hub.cpuMs() - hubCpu0;

  // The same event rows, plain COPY (issue #13's counterpart), into a table with a primary key and one unique index
  // (the natural key), nothing else: once as one COPY stream of all rows, once as COPYs of 1,000 rows with the same
  // number in flight as the webhook. The hub's figure is compared with the faster of the two.
  const client = new pg.Client({ connectionString: url(DB) });
  await client.connect();
  const cols = [
    'source_connector',
    'source_key',
    'shipment_id',
    'occurred_at',
    'status',
    'raw_code',
    'raw_text',
    'region_code',
    'area_code',
    'node_id',
    'location',
    'temperature_c',
    'format',
  ];
  const rows = await client.query({ text: `select ${cols.join(', ')} from tracking_event order by id`, rowMode: 'array' });
  const cell = (v: unknown) =>
    v === null || v === undefined
      ? '\\N'
      : (v instanceof Date ? v.toISOString() : String(v)).replace(/[\\\t\n\r]/g, (c) =>
          c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
        );
  const text = (part: unknown[][]) => part.map((r) => r.map(cell).join('\t')).join('\n') + '\n';
  const plainTable = async (name: string) => {
    await client.query(`drop table if exists ${name}`);
    await client.query(`create table ${name} (id bigserial primary key, source_connector varchar(64) not null, source_key varchar(255) not null, ingested_at timestamptz not null default now(),
      shipment_id bigint not null, occurred_at timestamptz not null, status shipment_status not null, raw_code varchar(32), raw_text text, region_code varchar(12), area_code varchar(12),
      node_id int, location varchar(200), temperature_c real, format tracking_format not null, unique (source_connector, source_key))`);
  };
  const copySql = (name: string) => `copy ${name} (${cols.join(', ')}) from stdin`;
  await plainTable('bench_plain_event');
  const started2 = performance.now();
  await pipeline(Readable.from([text(rows.rows)]), client.query(copyFrom(copySql('bench_plain_event'))));
  const copySeconds = (performance.now() - started2) / 1000;
  const pool = new pg.Pool({ connectionString: url(DB), max: CONCURRENCY });
  /** COPYs `all` into `table` in batches of 1,000 with CONCURRENCY in flight: seconds and CPU. */
  const chunkedCopy = async (table: string, columns: string[], all: unknown[][]) => {
    let chunk = 0;
    const cpu0 = await sampleCpu(sampler, DB);
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (chunk * 1000 < all.length) {
          const part = all.slice(chunk * 1000, ++chunk * 1000);
          const c = await pool.connect();
          try {
            await pipeline(Readable.from([text(part)]), c.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`)));
          } finally {
            c.release();
          }
        }
      }),
    );
    return { seconds: (performance.now() - t0) / 1000, cpu: cpuBetween(cpu0, await sampleCpu(sampler, DB)) };
  };
  await plainTable('bench_plain_event_chunked');
  const chunked = await chunkedCopy('bench_plain_event_chunked', cols, rows.rows);
  const chunkedSeconds = chunked.seconds;
  const copyCpu = chunked.cpu;
  // PostgreSQL's own ceiling for the event write: the rows exactly as the webhook stored them (ids and all) COPYed in
  // batches of 1,000 into a table with tracking_event's columns and ALL its indexes, no hub work at all. (The
  // webhook also writes the parcels, 200 per batch here, and the statistics their triggers keep.)
  await client.query('drop table if exists bench_indexed_event');
  await client.query('create table bench_indexed_event (like tracking_event including all)');
  const stored = await client.query({ text: `select id, ${cols.join(', ')}, ingested_at from tracking_event order by id`, rowMode: 'array' });
  const ceiling = await chunkedCopy('bench_indexed_event', ['id', ...cols, 'ingested_at'], stored.rows);
  await pool.end();
  await sampler.end();
  await client.query('drop table bench_indexed_event');
  await client.query('drop table bench_plain_event; drop table bench_plain_event_chunked');
  await client.end();
  const events = BATCHES * 1000;
  const webhookEventsPerSecond = events / webhookSeconds;
  const copyEventsPerSecond = events / copySeconds;
  const chunkedCopyEventsPerSecond = events / chunkedSeconds;
  const counterpart = Math.max(copyEventsPerSecond, chunkedCopyEventsPerSecond);
  const ceilingEventsPerSecond = events / ceiling.seconds;
  console.log(
    `webhook: ${events.toLocaleString('en')} events in ${webhookSeconds.toFixed(2)} s = ${Math.round(webhookEventsPerSecond).toLocaleString('en')} events/s (${BATCHES} signed batches of 1,000, ${CONCURRENCY} in flight)`,
  );
  console.log(
    `plain COPY, one stream: ${Math.round(copyEventsPerSecond).toLocaleString('en')} events/s; in batches of 1,000 (${CONCURRENCY} in flight): ${Math.round(chunkedCopyEventsPerSecond).toLocaleString('en')} events/s`,
  );
  const per1000 = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${((ms * 1000) / events).toFixed(1)} ms`);
  console.log(
    `CPU per 1,000 events: webhook: hub ${per1000(webhookHubCpu)}, PostgreSQL ${per1000(webhookCpu.server)}, load generator ${per1000(webhookCpu.self)}; ` +
      `plain COPY in batches of 1,000: PostgreSQL ${per1000(copyCpu.server)}, client ${per1000(copyCpu.self)}`,
  );
  console.log(
    `PostgreSQL's ceiling for the event write (the stored rows COPYed in batches of 1,000, ${CONCURRENCY} in flight, into a table with all of tracking_event's indexes): ` +
      `${Math.round(ceilingEventsPerSecond).toLocaleString('en')} events/s, PostgreSQL ${per1000(ceiling.cpu.server)} per 1,000`,
  );
  console.log(
    `load average while measuring: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (${os.cpus().length} cores)`,
  );
  console.log(
    `ratio: the webhook runs at ${((100 * webhookEventsPerSecond) / counterpart).toFixed(0)}% of the faster plain COPY (target: >= 50,000 events/s and >= 25%)`,
  );
  return {
    events,
    webhookSeconds,
    webhookEventsPerSecond,
    copySeconds,
    copyEventsPerSecond,
    chunkedSeconds,
    chunkedCopyEventsPerSecond,
    hubCpuMsPer1000: (webhookHubCpu * 1000) / events,
    serverCpuMsPer1000: ((webhookCpu.server ?? Number.NaN) * 1000) / events,
    copyServerCpuMsPer1000: ((copyCpu.server ?? Number.NaN) * 1000) / events,
    ceilingEventsPerSecond,
    ceilingServerCpuMsPer1000: ((ceiling.cpu.server ?? Number.NaN) * 1000) / events,
  };
}

async function benchLatency(hub: Awaited<ReturnType<typeof startHubProcess>>, subscriptions: number) {
  const heapBefore = await hub.metric('hub_nodejs_heap_size_used_bytes');
  const rssBefore = await hub.metric('hub_process_resident_memory_bytes');
  const clients: Client[] = Array.from({ length: Math.min(CONNECTIONS, subscriptions) }, () =>
    createClient({ url: `ws://127.0.0.1:${PORT}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false }),
  );
  const arrivals = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  const disposers: (() => void)[] = [];
  for (let i = 0; i < subscriptions; i++) {
    const n = `LT${String(i).padStart(8, '0')}`;
    disposers.push(
      clients[i % clients.length].subscribe(
        {
          query: `subscription ($n: String) { shipmentUpdated(trackingNumber: $n) { shipment { trackingNumber status } newEvents { status } } }`,
          variables: { n },
        },
        {
          next: () => {
            arrivals.set(n, performance.now());
            waiters.get(n)?.();
          },
          error: (e) => console.error('subscription error', e),
          complete: () => {},
        },
      ),
    );
  }
  for (let i = 0; i < 600 && (await hub.metric('hub_graphql_open_subscriptions')) < subscriptions; i++) await sleep(100);
  const open = await hub.metric('hub_graphql_open_subscriptions');
  await sleep(1000);
  const heapAfter = await hub.metric('hub_nodejs_heap_size_used_bytes');
  const rssAfter = await hub.metric('hub_process_resident_memory_bytes');

  const latencies: number[] = [];
  for (let k = 0; k < PUSHES; k++) {
    const i = Math.floor(Math.random() * subscriptions);
    const n = `LT${String(i).padStart(8, '0')}`;
    const arrived = new Promise<void>((resolve) => waiters.set(n, resolve));
    const sent = performance.now();
    const res = await push('yunda', [
      { trackingNumber: n, status: 'IN_TRANSIT', occurredAt: new Date(Date.now() - 60_000 - k * 1000).toISOString(), eventId: `lat-${subscriptions}-${k}` },
    ]);
    await res.arrayBuffer();
    await Promise.race([arrived, sleep(5000)]);
    waiters.delete(n);
    latencies.push((arrivals.get(n) ?? Number.NaN) - sent);
    arrivals.delete(n);
  }
  disposers.forEach((d) => d());
  await Promise.all(clients.map((c) => c.dispose()));
  const sorted = latencies.filter(Number.isFinite).sort((a, b) => a - b);
  return {
    subscriptions,
    open,
    connections: clients.length,
    pushes: PUSHES,
    delivered: sorted.length,
    p50ms: pct(sorted, 50),
    p99ms: pct(sorted, 99),
    maxMs: sorted.at(-1),
    heapPerSubscriptionKB: (heapAfter - heapBefore) / subscriptions / 1024,
    rssPerSubscriptionKB: (rssAfter - rssBefore) / subscriptions / 1024,
  };
}

console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`);
await prepareDatabase();
const hub = await startHubProcess();
try {
  const ingest = await benchIngest(hub);
  console.log('ingest', JSON.stringify(ingest));
  for (const n of SUBSCRIPTIONS) {
    const result = await benchLatency(hub, n);
    console.log('latency', JSON.stringify(result));
    await sleep(2000);
  }
} finally {
  await hub.stop();
}
