/**
 * Live-update fan-out benchmark (issue #13), in ONE run and on one machine:
 *
 *   - a bare graphql-ws server (scripts/lib/bare-ws-server.ts: no database, no
 *     authentication, each subscriber executes each event itself), and
 *   - the hub (src/main.ts as its own process, on its own database), and, with
 *     Redis, two hub instances sharing it (subscribers split between them, the
 *     update pushed to the first),
 *
 * each at 1,000 and 10,000 subscribers (BENCH_SUBSCRIBERS) of one topic, one
 * WebSocket per subscriber, all opened at once. The hub's subscribers all use
 * one OFFICIAL API key: `shipmentUpdated(courier: "yunda")`. Each round pushes
 * one update (the hub: a signed courier webhook POST with one scan, so the
 * figure includes the HTTP request, signature check, the database transaction
 * and the publish; the bare server: a POST that publishes) and times every
 * subscriber's message from the moment the POST is sent. Printed per case:
 * sockets accepted, p50/p99/max, delivered/expected, handshake failures,
 * server memory per subscription (heap and RSS growth after opening them,
 * sockets included, each read after a full GC through the server's inspector), and the hub's p99 as a multiple of the bare server's
 * at the same size.
 *
 *   npm run bench:fanout                   (raises the open-files limit: see package.json)
 *   BENCH_SUBSCRIBERS=1000 BENCH_ROUNDS=5 npm run bench:fanout
 *   BENCH_REDIS_URL=redis://127.0.0.1:6379 npm run bench:fanout   (else a redis-server of its own when installed, else no Redis case)
 *
 * BENCH_DATABASE_URL: an admin URL of the PostgreSQL to use (default the machine's
 * postgres://root@127.0.0.1:5432/postgres); the script creates and drops `bench_fanout`.
 */
import 'reflect-metadata';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '../src/database.js';
import { seedReferenceData } from '../seeds/index.js';
import { generateApiKey } from '../src/access/api-key.token.js';

const ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres';
const SIZES = (process.env.BENCH_SUBSCRIBERS ?? '1000,10000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const ROUND_TIMEOUT_MS = Number(process.env.BENCH_ROUND_TIMEOUT_MS ?? 15_000);
const SECRET = 'bench-fanout-secret-0123456789';
const DB = 'bench_fanout';
const ROOT = path.resolve(import.meta.dirname, '..');
const TARGET_RATIO = 1.25;
/** Which servers to run: bare, hub, pair (two hubs over Redis). @default all three */
const CASES = new Set((process.env.BENCH_CASES ?? 'bare,hub,pair').split(','));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** fetch with retries: a server busy with a burst of handshakes may reset a control request too. */
async function fetchRetry(url: string, init?: RequestInit): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (error) {
      if (attempt >= 20) throw error;
      await sleep(250);
    }
  }
}
const dbUrl = (db: string) => { const u = new URL(ADMIN); u.pathname = `/${db}`; return u.toString(); };
const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : Number.NaN);

// ---------------------------------------------------------------- servers

interface Server {
  name: string;
  /** WebSocket URLs subscribers are spread over (two for a pair of hubs). */
  wsUrls: string[];
  /** Open subscriptions, summed over the instances. */
  subscriptions(): Promise<number>;
  /** Heap and RSS bytes, summed over the instances. */
  memory(): Promise<{ heap: number; rss: number }>;
  /** Sends one update; resolves when the POST has been answered. */
  trigger(round: string): Promise<void>;
  stop(): Promise<void>;
}

interface Spawned {
  child: ChildProcess;
  /** Heap and RSS after a full garbage collection, read through the process's inspector (loopback only). */
  memory(): Promise<{ heap: number; rss: number }>;
}

/**
 * Starts a server as its own process with its inspector on a loopback port, so that memory is read after a
 * forced full GC in every server alike (heap growth without it is mostly garbage not yet collected).
 */
function spawnNode(script: string, env: Record<string, string>, name: string): Promise<Spawned> {
  const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', '--import', '@swc-node/register/esm-register', script], {
    cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let inspector: string | undefined;
  child.stderr!.on('data', (chunk: Buffer) => {
    const text = String(chunk);
    inspector ??= /Debugger listening on (ws:\/\/\S+)/.exec(text)?.[1];
    const rest = text.split('\n').filter((l) => l && !/Debugger listening|For help, see|Debugger attached|Waiting for the debugger/.test(l)).join('\n');
    if (rest) process.stderr.write(`${rest}\n`);
  });
  const memory = () => new Promise<{ heap: number; rss: number }>((resolve, reject) => {
    const ws = new WebSocket(inspector!);
    ws.on('open', () => {
      ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
      ws.send(JSON.stringify({ id: 2, method: 'Runtime.evaluate', params: { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true } }));
    });
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: { result?: { value?: string } } };
      if (message.id !== 2) return;
      const usage = JSON.parse(message.result!.result!.value!) as { heapUsed: number; rss: number };
      ws.close();
      resolve({ heap: usage.heapUsed, rss: usage.rss });
    });
    ws.on('error', reject);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk;
      if (/listening/.test(out)) { child.stdout!.off('data', onData); child.stdout!.resume(); resolve({ child, memory }); }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}:\n${out.slice(-2000)}`)));
  });
}

const stopChild = (child: ChildProcess) => new Promise<void>((resolve) => {
  if (child.exitCode !== null) return resolve();
  child.once('exit', () => resolve());
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
});

async function startBare(port: number): Promise<Server> {
  const { child, memory } = await spawnNode('scripts/lib/bare-ws-server.ts', { PORT: String(port) }, 'bare server');
  const stats = async () => (await (await fetchRetry(`http://127.0.0.1:${port}/stats`)).json()) as { subscriptions: number };
  return {
    name: 'bare graphql-ws',
    wsUrls: [`ws://127.0.0.1:${port}/graphql`],
    subscriptions: async () => (await stats()).subscriptions,
    memory,
    async trigger(round) {
      const res = await fetch(`http://127.0.0.1:${port}/publish`, { method: 'POST', body: JSON.stringify({ courier: 'yunda', trackingNumber: round }) });
      await res.arrayBuffer();
    },
    stop: () => stopChild(child),
  };
}

async function startHubs(ports: number[], redisUrl: string | undefined): Promise<Server> {
  const prefix = `bench-fanout-${process.pid}-${Date.now()}:`;
  const spawned = await Promise.all(ports.map((port) => spawnNode('src/main.ts', {
    DATABASE_URL: dbUrl(DB), PORT: String(port), HOST: '127.0.0.1', SEED_DEMO: 'false', LOG_LEVEL: 'info', DB_POOL_SIZE: '10',
    DELAY_SCAN_INTERVAL_S: '0', CONNECTOR_SCHEDULER: 'false', RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000', DEMO_MODE: 'false',
    REDIS_URL: redisUrl ?? '', REDIS_CHANNEL_PREFIX: prefix, NODE_ENV: 'production',
  }, `hub on ${port}`)));
  const metric = async (port: number, name: string) => {
    const text = await (await fetchRetry(`http://127.0.0.1:${port}/metrics`, { headers: metricsHeaders })).text();
    return text.split('\n').filter((l) => l.split(/[ {]/)[0] === name).reduce((s, l) => s + Number(l.trim().split(' ').at(-1)), 0);
  };
  const sum = async (name: string) => (await Promise.all(ports.map((p) => metric(p, name)))).reduce((a, b) => a + b, 0);
  let n = 0;
  return {
    name: ports.length > 1 ? `hub x${ports.length} over Redis` : 'hub',
    wsUrls: ports.map((p) => `ws://127.0.0.1:${p}/graphql`),
    subscriptions: () => sum('hub_graphql_open_subscriptions'),
    memory: async () => {
      const each = await Promise.all(spawned.map((s) => s.memory()));
      return { heap: each.reduce((a, m) => a + m.heap, 0), rss: each.reduce((a, m) => a + m.rss, 0) };
    },
    async trigger(round) {
      const body = JSON.stringify({ events: [{ trackingNumber: round, status: 'IN_TRANSIT', occurredAt: new Date(Date.now() - 60_000).toISOString(), eventId: `${round}-${n++}`, location: { regionCode: '140821' } }] });
      const ts = Math.floor(Date.now() / 1000);
      const sig = createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex');
      const res = await fetch(`http://127.0.0.1:${ports[0]}/hooks/couriers/yunda`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-timestamp': String(ts), 'x-hub-signature': `sha256=${sig}` }, body,
      });
      const answer = (await res.json()) as { accepted?: number };
      if (answer.accepted !== 1) throw new Error(`push not accepted: ${JSON.stringify(answer)}`);
    },
    stop: async () => { await Promise.all(spawned.map((s) => stopChild(s.child))); },
  };
}

/** Headers for /metrics, should it need a key (BENCH_METRICS_KEY). */
const metricsHeaders: Record<string, string> = process.env.BENCH_METRICS_KEY ? { authorization: `Bearer ${process.env.BENCH_METRICS_KEY}` } : {};

// ---------------------------------------------------------------- subscribers

interface Subscribers {
  requested: number;
  accepted: number;
  /** Handshake failures by kind (error code or close code). */
  failures: Map<string, number>;
  /** Called with (subscriber index, arrival time, message) for every `next`. */
  onNext: (index: number, at: number, data: string) => void;
  close(): void;
}

/**
 * Opens `n` sockets at once, each `connection_init` → ack → one `subscribe`.
 * Raw `ws` clients (the protocol is four messages), so that the load generator
 * spends as little as possible per subscriber. Source addresses rotate over
 * 127.0.0.x so that back-to-back cases do not run out of ephemeral ports.
 */
async function openSubscribers(urls: string[], n: number, payload: object, connectionParams: object, localAddress: string): Promise<Subscribers> {
  const failures = new Map<string, number>();
  const fail = (kind: string) => failures.set(kind, (failures.get(kind) ?? 0) + 1);
  const sockets: WebSocket[] = [];
  const subs: Subscribers = { requested: n, accepted: 0, failures, onNext: () => {}, close: () => sockets.forEach((s) => s.terminate()) };
  const init = JSON.stringify({ type: 'connection_init', payload: connectionParams });
  const subscribe = JSON.stringify({ id: '1', type: 'subscribe', payload });
  let settled = 0;
  await new Promise<void>((resolve) => {
    const done = () => { if (++settled === n) resolve(); };
    for (let i = 0; i < n; i++) {
      const ws = new WebSocket(urls[i % urls.length], 'graphql-transport-ws', { localAddress, perMessageDeflate: false, handshakeTimeout: 60_000 });
      sockets.push(ws);
      let acked = false;
      let finished = false;
      const finish = () => { if (!finished) { finished = true; done(); } };
      ws.on('open', () => ws.send(init));
      ws.on('message', (data: Buffer) => {
        const at = performance.now();
        const text = data.toString();
        if (!acked) {
          if (text.includes('"connection_ack"')) {
            acked = true;
            subs.accepted++;
            ws.send(subscribe);
            finish();
          }
          return;
        }
        subs.onNext(i, at, text);
      });
      ws.on('error', (error: Error & { code?: string }) => { if (!acked) fail(error.code ?? error.message.slice(0, 40)); finish(); });
      ws.on('close', (code: number) => { if (!acked) fail(`close ${code}`); else if (code !== 1005 && code !== 1006) fail(`closed later ${code}`); finish(); });
    }
  });
  return subs;
}

interface CaseResult {
  server: string;
  subscribers: number;
  accepted: number;
  registered: number;
  p50: number;
  p99: number;
  max: number;
  delivered: number;
  expected: number;
  failures: string;
  heapPerSubKB: number;
  rssPerSubKB: number;
}

let addressCounter = 1;

/** One round: an update pushed, every subscriber's message timed from the POST. */
async function round(server: Server, subs: Subscribers, latencies: number[] | undefined): Promise<number> {
  const tag = `FO${Date.now().toString(36).toUpperCase()}${Math.floor(Math.random() * 1e6)}`;
  let arrived = 0;
  let allIn: () => void = () => {};
  const complete = new Promise<void>((resolve) => { allIn = resolve; });
  const started = performance.now();
  subs.onNext = (_i, at, text) => {
    if (!text.includes(tag)) return;
    latencies?.push(at - started);
    if (++arrived === subs.accepted) allIn();
  };
  await server.trigger(tag);
  await Promise.race([complete, sleep(ROUND_TIMEOUT_MS)]);
  subs.onNext = () => {};
  return arrived;
}

async function closeAll(server: Server, subs: Subscribers): Promise<void> {
  subs.close();
  for (let i = 0; i < 300 && (await server.subscriptions()) > 0; i++) await sleep(100);
}

async function runCase(server: Server, n: number, payload: object, connectionParams: object): Promise<CaseResult> {
  const address = () => `127.0.0.${(addressCounter++ % 250) + 2}`;
  // Warm-up, alike for every server: 100 subscribers and one update (JIT, first statements, caches), then
  // closed; the memory baseline is taken after it, so per-subscription memory is what N subscribers add.
  const warm = await openSubscribers(server.wsUrls, Math.min(100, n), payload, connectionParams, address());
  for (let i = 0; i < 100 && (await server.subscriptions()) < warm.accepted; i++) await sleep(100);
  await round(server, warm, undefined);
  await closeAll(server, warm);
  await sleep(500);
  const before = await server.memory();
  const subs = await openSubscribers(server.wsUrls, n, payload, connectionParams, address());
  let registered = 0;
  for (let i = 0; i < 600; i++) {
    registered = await server.subscriptions();
    if (registered >= subs.accepted) break;
    await sleep(100);
  }
  await sleep(1000);
  const after = await server.memory();

  const latencies: number[] = [];
  let delivered = 0;
  for (let r = 0; r < ROUNDS; r++) {
    delivered += await round(server, subs, latencies);
    await sleep(300);
  }
  await closeAll(server, subs);
  const sorted = latencies.sort((a, b) => a - b);
  return {
    server: server.name, subscribers: n, accepted: subs.accepted, registered,
    p50: pct(sorted, 50), p99: pct(sorted, 99), max: sorted.at(-1) ?? Number.NaN,
    delivered, expected: n * ROUNDS,
    failures: [...subs.failures].map(([k, v]) => `${k}: ${v}`).join(', ') || 'none',
    heapPerSubKB: (after.heap - before.heap) / Math.max(1, subs.accepted) / 1024,
    rssPerSubKB: (after.rss - before.rss) / Math.max(1, subs.accepted) / 1024,
  };
}

// ---------------------------------------------------------------- setup

async function prepareDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  await admin.query(`drop database if exists ${DB} with (force)`);
  await admin.query(`create database ${DB}`);
  await admin.end();
  const orm = await MikroORM.init(ormOptions(dbUrl(DB), 4));
  await orm.migrator.up();
  await seedReferenceData(orm.em.fork());
  const conn = orm.em.getConnection();
  await conn.execute(`insert into courier_credential (courier_id, secret) select id, ? from courier`, [SECRET]);
  const [org] = await conn.execute<{ id: number }[]>(`insert into organisation (name, kind) values ('bench-fanout-official', 'AGENCY') returning id`);
  const key = generateApiKey();
  await conn.execute('insert into api_key (key_id, secret_hash, organisation_id, role, scopes, label) values (?, ?, ?, ?, ?, ?)',
    [key.keyId, key.secretHash, org.id, 'OFFICIAL', '{READ}', 'bench-fanout']);
  await orm.close(true);
  return key.plaintext;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address() as net.AddressInfo; s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

async function startRedis(): Promise<{ url: string; stop: () => Promise<void> } | undefined> {
  if (process.env.BENCH_REDIS_URL) return { url: process.env.BENCH_REDIS_URL, stop: async () => {} };
  if (process.env.BENCH_REDIS === '0' || spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => { const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true); }); s.on('error', () => resolve(false)); });
    if (up) break;
    await sleep(100);
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

// ---------------------------------------------------------------- main

const limit = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, open files limit ${limit}`);
if (Number(limit) < Math.max(...SIZES) + 1000) console.log(`warning: the open-files limit (${limit}) is below ${Math.max(...SIZES) + 1000}; run through "npm run bench:fanout", which raises it`);
const apiKey = await prepareDatabase();
const redis = await startRedis();
const HUB_SUB = { query: 'subscription ($c: String) { shipmentUpdated(courier: $c) { shipment { trackingNumber status } newEvents { status } } }', variables: { c: 'yunda' } };
const results: CaseResult[] = [];
const report = (r: CaseResult) => {
  results.push(r);
  console.log(JSON.stringify({ ...r, p50: +r.p50.toFixed(1), p99: +r.p99.toFixed(1), max: +r.max.toFixed(1), heapPerSubKB: +r.heapPerSubKB.toFixed(2), rssPerSubKB: +r.rssPerSubKB.toFixed(2) }));
};
try {
  for (const n of SIZES) {
    if (CASES.has('bare')) {
      const bare = await startBare(await freePort());
      try { report(await runCase(bare, n, HUB_SUB, {})); } finally { await bare.stop(); }
    }
    if (CASES.has('hub')) {
      const hub = await startHubs([await freePort()], undefined);
      try { report(await runCase(hub, n, HUB_SUB, { authorization: `Bearer ${apiKey}` })); } finally { await hub.stop(); }
    }
    if (redis && CASES.has('pair')) {
      const first = await freePort();
      let second = await freePort();
      while (second === first) second = await freePort();
      const pair = await startHubs([first, second], redis.url);
      try { report(await runCase(pair, n, HUB_SUB, { authorization: `Bearer ${apiKey}` })); } finally { await pair.stop(); }
    }
  }
} finally {
  await redis?.stop();
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  await admin.query(`drop database if exists ${DB} with (force)`);
  await admin.end();
}

console.log(`\n${ROUNDS} rounds per case, one update per round to every subscriber, one socket per subscriber; latency from sending the POST to the subscriber's message.`);
console.log('| server | subscribers | accepted | p50 ms | p99 ms | max ms | p99 / bare | delivered / expected | heap KB/sub | RSS KB/sub | handshake failures |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
let met = true;
for (const r of results) {
  const bare = results.find((b) => b.server === 'bare graphql-ws' && b.subscribers === r.subscribers);
  const ratio = bare ? r.p99 / bare.p99 : Number.NaN;
  const isHub = r.server !== 'bare graphql-ws';
  if (isHub) met &&= ratio <= TARGET_RATIO && r.delivered === r.expected && r.accepted === r.subscribers && r.heapPerSubKB <= 10;
  console.log(`| ${r.server} | ${r.subscribers.toLocaleString('en')} | ${r.accepted.toLocaleString('en')} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(1)} | ${isHub ? `${ratio.toFixed(2)}×` : '1'} | ${r.delivered.toLocaleString('en')} / ${r.expected.toLocaleString('en')} | ${r.heapPerSubKB.toFixed(1)} | ${r.rssPerSubKB.toFixed(1)} | ${r.failures} |`);
}
console.log(`\ntargets (hub p99 ≤ ${TARGET_RATIO}× bare, every socket accepted, every update delivered, heap ≤ 10 KB per subscription): ${met ? 'MET' : 'NOT MET'}`);
