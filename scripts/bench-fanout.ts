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
 * WebSocket per subscriber, all opened at once by a load generator that runs
 * as a process of its own (scripts/lib/fanout-clients.ts), the same for every
 * server. On a 2-core machine that generator competes with the server it
 * measures, so each case also prints the generator's and the server's CPU time
 * per round and the generator's event-loop utilisation (near 100 %: the
 * figure is the generator's, not the server's). BENCH_PIN=1 pins the servers
 * to CPU 0 and the generator to CPU 1 (taskset), alike for every server.
 * Every server gets the same listen backlog (LISTEN_BACKLOG, 4096). The hub's subscribers all use
 * one OFFICIAL API key: `shipmentUpdated(courier: "yunda")`. Each round pushes
 * one update (the hub: a signed courier webhook POST with one scan, so the
 * figure includes the HTTP request, signature check, the database transaction
 * and the publish; the bare server: a POST that publishes) and times every
 * subscriber's message from the moment the POST is sent. Printed per case:
 * sockets accepted, p50/p99/max, delivered/expected, handshake failures,
 * server memory per subscription (heap and RSS growth after opening them,
 * sockets included, each the median of BENCH_MEMORY_SAMPLES readings after a
 * full GC through the server's inspector, with their spread), and the hub's
 * p99 as a multiple of the bare server's at the same size, next to the target.
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
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '../src/database.js';
import { seedReferenceData } from '../seeds/index.js';
import { generateApiKey } from '../src/access/api-key.token.js';
import { secretBox } from '../src/platform/secret-box.js';

const ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres';
const SIZES = (process.env.BENCH_SUBSCRIBERS ?? '1000,10000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const ROUND_TIMEOUT_MS = Number(process.env.BENCH_ROUND_TIMEOUT_MS ?? 15_000);
const SECRET = 'bench-fanout-secret-0123456789';
/** The hubs' SECRETS_KEY (courier webhook secrets are sealed at rest with it, issue #11) and METRICS_TOKEN: this run's own. */
const SECRETS_KEY = randomBytes(32);
const METRICS_TOKEN = randomBytes(24).toString('hex');
const DB = 'bench_fanout';
const ROOT = path.resolve(import.meta.dirname, '..');
const TARGET_RATIO = 1.25;
/** Which servers to run: bare, hub, pair (two hubs over Redis). @default all three */
const CASES = new Set((process.env.BENCH_CASES ?? 'bare,hub,pair').split(','));
/** Listen backlog of every server, bare and hub alike (the hub's default). */
const LISTEN_BACKLOG = 4096;
/** Memory readings (each after a full GC) before and after opening the subscribers; the median is used. */
const MEMORY_SAMPLES = Math.max(1, Number(process.env.BENCH_MEMORY_SAMPLES ?? 5));
const HANDSHAKE_TIMEOUT_MS = Number(process.env.BENCH_HANDSHAKE_TIMEOUT_MS ?? 60_000);

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
const dbUrl = (db: string) => {
  const u = new URL(ADMIN);
  u.pathname = `/${db}`;
  return u.toString();
};
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
  /** CPU ms used so far, summed over the instances. */
  cpuMs(): Promise<number>;
  /** The POST that sends one update (sent by the load generator, which times it). */
  trigger(round: string): { url: string; headers: Record<string, string>; body: string; expectAccepted: boolean };
  stop(): Promise<void>;
}

interface Spawned {
  child: ChildProcess;
  /** Heap and RSS after a full garbage collection, read through the process's inspector (loopback only). */
  memory(): Promise<{ heap: number; rss: number }>;
  /** CPU time the process has used so far (ms, user + system). */
  cpuMs(): Promise<number>;
}

/** CPUs to pin servers and the load generator to (BENCH_PIN=1 on a machine with 2+ CPUs), alike for every server. */
const PIN = process.env.BENCH_PIN === '1' && os.cpus().length >= 2 && spawnSync('taskset', ['--version']).status === 0;
const pinned = (cpu: number, args: string[]): [string, string[]] => (PIN ? ['taskset', ['-c', String(cpu), ...args]] : [args[0], args.slice(1)]);

/** Evaluates one expression in a process through its inspector, optionally after a full GC. */
function inspect(url: () => string | undefined, expression: string, gc: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url()!);
    ws.on('open', () => {
      if (gc) ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
      ws.send(JSON.stringify({ id: 2, method: 'Runtime.evaluate', params: { expression, returnByValue: true } }));
    });
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: { result?: { value?: string } } };
      if (message.id !== 2) return;
      ws.close();
      resolve(message.result!.result!.value!);
    });
    ws.on('error', reject);
  });
}

/**
 * Starts a server as its own process with its inspector on a loopback port, so that memory is read after a
 * forced full GC in every server alike (heap growth without it is mostly garbage not yet collected).
 */
function spawnNode(script: string, env: Record<string, string>, name: string): Promise<Spawned> {
  const [command, args] = pinned(0, [process.execPath, '--inspect=127.0.0.1:0', '--import', '@swc-node/register/esm-register', script]);
  const child = spawn(command, args, {
    // BENCH_SERVER_NODE_OPTIONS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": a CPU profile of every server process.
    cwd: ROOT,
    env: { ...process.env, ...env, ...(process.env.BENCH_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let inspector: string | undefined;
  child.stderr!.on('data', (chunk: Buffer) => {
    const text = String(chunk);
    inspector ??= /Debugger listening on (ws:\/\/\S+)/.exec(text)?.[1];
    const rest = text
      .split('\n')
      .filter((l) => l && !/Debugger listening|For help, see|Debugger attached|Waiting for the debugger/.test(l))
      .join('\n');
    if (rest) process.stderr.write(`${rest}\n`);
  });
  const memory = async () => {
    const usage = JSON.parse(await inspect(() => inspector, 'JSON.stringify(process.memoryUsage())', true)) as { heapUsed: number; rss: number };
    return { heap: usage.heapUsed, rss: usage.rss };
  };
  const cpuMs = async () => {
    const used = JSON.parse(await inspect(() => inspector, 'JSON.stringify(process.cpuUsage())', false)) as { user: number; system: number };
    return (used.user + used.system) / 1000;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk;
      if (/listening/.test(out)) {
        child.stdout!.off('data', onData);
        // BENCH_SERVER_LOG=<dir>: each server's log in <dir>/<name>.log (to see what a server did while a case failed).
        if (process.env.BENCH_SERVER_LOG)
          child.stdout!.pipe(fs.createWriteStream(path.join(process.env.BENCH_SERVER_LOG, `${name.replace(/\W+/g, '-')}-${Date.now()}.log`)));
        else child.stdout!.resume();
        resolve({ child, memory, cpuMs });
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}:\n${out.slice(-2000)}`)));
  });
}

const stopChild = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
  });

async function startBare(port: number): Promise<Server> {
  const { child, memory, cpuMs } = await spawnNode(
    'scripts/lib/bare-ws-server.ts',
    { PORT: String(port), LISTEN_BACKLOG: String(LISTEN_BACKLOG) },
    'bare server',
  );
  const stats = async () => (await (await fetchRetry(`http://127.0.0.1:${port}/stats`)).json()) as { subscriptions: number };
  return {
    name: 'bare graphql-ws',
    wsUrls: [`ws://127.0.0.1:${port}/graphql`],
    subscriptions: async () => (await stats()).subscriptions,
    memory,
    cpuMs,
    trigger: (round) => ({
      url: `http://127.0.0.1:${port}/publish`,
      headers: {},
      body: JSON.stringify({ courier: 'yunda', trackingNumber: round }),
      expectAccepted: false,
    }),
    stop: () => stopChild(child),
  };
}

async function startHubs(ports: number[], redisUrl: string | undefined): Promise<Server> {
  const prefix = `bench-fanout-${process.pid}-${Date.now()}:`;
  const spawned = await Promise.all(
    ports.map((port) =>
      spawnNode(
        'src/main.ts',
        {
          DATABASE_URL: dbUrl(DB),
          PORT: String(port),
          HOST: '127.0.0.1',
          SEED_DEMO: 'false',
          LOG_LEVEL: 'info',
          DB_POOL_SIZE: '10',
          DELAY_SCAN_INTERVAL_S: '0',
          CONNECTOR_SCHEDULER: 'false',
          RATE_LIMIT_PER_SECOND: '1000000',
          RATE_LIMIT_BURST: '1000000',
          DEMO_MODE: 'false',
          REDIS_URL: redisUrl ?? '',
          REDIS_CHANNEL_PREFIX: prefix,
          NODE_ENV: 'production',
          LISTEN_BACKLOG: String(LISTEN_BACKLOG),
          // All the bench's subscribers share one key: lift the per-key socket cap (issue #11) as the rate limits are.
          WS_MAX_SOCKETS_PER_KEY: '1000000',
          SECRETS_KEY: SECRETS_KEY.toString('base64'),
          METRICS_TOKEN,
        },
        `hub on ${port}`,
      ),
    ),
  );
  const metric = async (port: number, name: string) => {
    const text = await (await fetchRetry(`http://127.0.0.1:${port}/metrics`, { headers: metricsHeaders })).text();
    return text
      .split('\n')
      .filter((l) => l.split(/[ {]/)[0] === name)
      .reduce((s, l) => s + Number(l.trim().split(' ').at(-1)), 0);
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
    cpuMs: async () => (await Promise.all(spawned.map((s) => s.cpuMs()))).reduce((a, b) => a + b, 0),
    trigger(round) {
      const body = JSON.stringify({
        events: [
          {
            trackingNumber: round,
            status: 'IN_TRANSIT',
            occurredAt: new Date(Date.now() - 60_000).toISOString(),
            eventId: `${round}-${n++}`,
            location: { regionCode: '140821' },
          },
        ],
      });
      const ts = Math.floor(Date.now() / 1000);
      const sig = createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex');
      return {
        url: `http://127.0.0.1:${ports[0]}/hooks/couriers/yunda`,
        body,
        expectAccepted: true,
        headers: { 'content-type': 'application/json', 'x-hub-timestamp': String(ts), 'x-hub-signature': `sha256=${sig}` },
      };
    },
    stop: async () => {
      await Promise.all(spawned.map((s) => stopChild(s.child)));
    },
  };
}

/** Headers for /metrics (issue #11: behind METRICS_TOKEN). */
const metricsHeaders: Record<string, string> = { authorization: `Bearer ${METRICS_TOKEN}` };

// ---------------------------------------------------------------- load generator

/** The load generator (scripts/lib/fanout-clients.ts) as its own process, one per case, driven over IPC. */
class Clients {
  readonly #child: ChildProcess;
  #seq = 0;
  readonly #waiting = new Map<number, { resolve: (value: never) => void; reject: (error: Error) => void }>();

  constructor() {
    const [command, args] = pinned(1, [
      process.execPath,
      '--max-old-space-size=4096',
      '--import',
      '@swc-node/register/esm-register',
      'scripts/lib/fanout-clients.ts',
    ]);
    this.#child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (message: { seq: number; result?: never; error?: string }) => {
      const waiter = this.#waiting.get(message.seq);
      this.#waiting.delete(message.seq);
      if (message.error !== undefined) waiter?.reject(new Error(message.error));
      else waiter?.resolve(message.result!);
    });
    this.#child.once('exit', (code) => {
      for (const w of this.#waiting.values()) w.reject(new Error(`load generator exited with ${code}`));
    });
  }

  call<T>(command: object): Promise<T> {
    const seq = ++this.#seq;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(seq, { resolve: resolve as (value: never) => void, reject });
      this.#child.send({ ...command, seq });
    });
  }

  async stop(): Promise<void> {
    await this.call({ cmd: 'close' }).catch(() => {});
    this.#child.disconnect();
    await stopChild(this.#child);
  }
}

interface Measured {
  ms: number;
  cpuMs: number;
  elu: number;
}
interface Opened extends Measured {
  accepted: number;
  failures: Record<string, number>;
}
interface Round extends Measured {
  arrived: number;
  latencies: number[];
  late: number;
  closedLater: Record<string, number>;
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
  /** Updates that arrived after their round's timeout (seen during a later round): late, not lost. */
  late: number;
  failures: string;
  closedLater: string;
  heapPerSubKB: number;
  /** max − min of the heap readings before plus after, per subscription: what the figure may be off by. */
  heapNoiseKB: number;
  rssPerSubKB: number;
  /** Load generator while opening the sockets: wall ms and event-loop utilisation. */
  openMs: number;
  openElu: number;
  /** Per round: CPU ms of the load generator and of the server(s), and the generator's event-loop utilisation. */
  clientCpuMs: number;
  serverCpuMs: number;
  clientElu: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Heap and RSS, each the median of MEMORY_SAMPLES readings after a full GC, and the heap's spread. */
async function memorySamples(server: Server): Promise<{ heap: number; rss: number; spread: number }> {
  const readings: { heap: number; rss: number }[] = [];
  for (let i = 0; i < MEMORY_SAMPLES; i++) {
    if (i) await sleep(300);
    readings.push(await server.memory());
  }
  const heaps = readings.map((r) => r.heap);
  return { heap: median(heaps), rss: median(readings.map((r) => r.rss)), spread: Math.max(...heaps) - Math.min(...heaps) };
}

async function waitForSubscriptions(server: Server, count: number, tries: number): Promise<number> {
  let registered = 0;
  for (let i = 0; i < tries; i++) {
    registered = await server.subscriptions();
    if (registered >= count) break;
    await sleep(100);
  }
  return registered;
}

async function closeAll(server: Server, clients: Clients): Promise<void> {
  await clients.call({ cmd: 'close' });
  for (let i = 0; i < 300 && (await server.subscriptions()) > 0; i++) await sleep(100);
}

const mergeCounts = (into: Map<string, number>, counts: Record<string, number>) => {
  for (const [k, v] of Object.entries(counts)) into.set(k, (into.get(k) ?? 0) + v);
};
const describeCounts = (counts: Map<string, number>) => [...counts].map(([k, v]) => `${k}: ${v}`).join(', ') || 'none';

async function runCase(server: Server, n: number, payload: object, connectionParams: object): Promise<CaseResult> {
  const clients = new Clients();
  try {
    const open = (count: number) =>
      clients.call<Opened>({ cmd: 'open', urls: server.wsUrls, n: count, payload, connectionParams, handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS });
    const push = () => {
      const tag = `FO${Date.now().toString(36).toUpperCase()}${Math.floor(Math.random() * 1e6)}`;
      const { expectAccepted, ...request } = server.trigger(tag);
      return clients.call<Round>({ cmd: 'round', tag, request, expectAccepted, timeoutMs: ROUND_TIMEOUT_MS });
    };
    // Warm-up, alike for every server: 100 subscribers and one update (JIT, first statements, caches), then
    // closed; the memory baseline is taken after it, so per-subscription memory is what N subscribers add.
    const warm = await open(Math.min(100, n));
    await waitForSubscriptions(server, warm.accepted, 100);
    await push();
    await closeAll(server, clients);
    await sleep(500);
    const before = await memorySamples(server);
    const opened = await open(n);
    const registered = await waitForSubscriptions(server, opened.accepted, 600);
    await sleep(1000);
    const after = await memorySamples(server);

    const latencies: number[] = [];
    const closedLater = new Map<string, number>();
    let delivered = 0;
    let late = 0;
    const clientCpu: number[] = [];
    const clientElu: number[] = [];
    const serverCpu: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const cpuBefore = await server.cpuMs();
      const result = await push();
      serverCpu.push((await server.cpuMs()) - cpuBefore);
      for (const l of result.latencies) latencies.push(l);
      delivered += result.arrived;
      late += result.late;
      clientCpu.push(result.cpuMs);
      clientElu.push(result.elu);
      if (r === ROUNDS - 1) mergeCounts(closedLater, result.closedLater);
      await sleep(300);
    }
    await closeAll(server, clients);
    const sorted = latencies.sort((a, b) => a - b);
    const accepted = Math.max(1, opened.accepted);
    return {
      server: server.name,
      subscribers: n,
      accepted: opened.accepted,
      registered,
      p50: pct(sorted, 50),
      p99: pct(sorted, 99),
      max: sorted.at(-1) ?? Number.NaN,
      delivered,
      expected: n * ROUNDS,
      late,
      failures: describeCounts(new Map(Object.entries(opened.failures))),
      closedLater: describeCounts(closedLater),
      heapPerSubKB: (after.heap - before.heap) / accepted / 1024,
      heapNoiseKB: (after.spread + before.spread) / accepted / 1024,
      rssPerSubKB: (after.rss - before.rss) / accepted / 1024,
      openMs: opened.ms,
      openElu: opened.elu,
      clientCpuMs: median(clientCpu),
      serverCpuMs: median(serverCpu),
      clientElu: median(clientElu),
    };
  } finally {
    await clients.stop();
  }
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
  await conn.execute(`insert into courier_credential (courier_id, secret) select id, ? from courier`, [secretBox(SECRETS_KEY).seal(SECRET)]);
  const [org] = await conn.execute<{ id: number }[]>(`insert into organisation (name, kind) values ('bench-fanout-official', 'AGENCY') returning id`);
  const key = generateApiKey();
  await conn.execute('insert into api_key (key_id, secret_hash, organisation_id, role, scopes, label) values (?, ?, ?, ?, ?, ?)', [
    key.keyId,
    key.secretHash,
    org.id,
    'OFFICIAL',
    '{READ}',
    'bench-fanout',
  ]);
  await orm.close(true);
  return key.plaintext;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function startRedis(): Promise<{ url: string; stop: () => Promise<void> } | undefined> {
  if (process.env.BENCH_REDIS_URL) return { url: process.env.BENCH_REDIS_URL, stop: async () => {} };
  if (process.env.BENCH_REDIS === '0' || spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    await sleep(100);
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

// ---------------------------------------------------------------- main

const limit = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
console.log(
  `machine: ${os.cpus().length} x ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}, open files limit ${limit}`,
);
if (Number(limit) < Math.max(...SIZES) + 1000)
  console.log(`warning: the open-files limit (${limit}) is below ${Math.max(...SIZES) + 1000}; run through "npm run bench:fanout", which raises it`);
const apiKey = await prepareDatabase();
const redis = await startRedis();
const HUB_SUB = {
  query: 'subscription ($c: String) { shipmentUpdated(courier: $c) { shipment { trackingNumber status } newEvents { status } } }',
  variables: { c: 'yunda' },
};
const results: CaseResult[] = [];
const report = (r: CaseResult) => {
  results.push(r);
  const round1 = (v: number) => +v.toFixed(1);
  console.log(
    JSON.stringify({
      ...r,
      p50: round1(r.p50),
      p99: round1(r.p99),
      max: round1(r.max),
      heapPerSubKB: +r.heapPerSubKB.toFixed(2),
      heapNoiseKB: +r.heapNoiseKB.toFixed(2),
      rssPerSubKB: +r.rssPerSubKB.toFixed(2),
      openMs: Math.round(r.openMs),
      openElu: +r.openElu.toFixed(2),
      clientCpuMs: round1(r.clientCpuMs),
      serverCpuMs: round1(r.serverCpuMs),
      clientElu: +r.clientElu.toFixed(2),
    }),
  );
};
/** A case that could not run at all (a server that would not start, the generator crashing) is reported, not fatal. */
const attempt = async (name: string, n: number, run: () => Promise<CaseResult>) => {
  try {
    report(await run());
  } catch (error) {
    console.error(`${name} at ${n}: ${(error as Error).stack ?? error}`);
    results.push({
      server: name,
      subscribers: n,
      accepted: 0,
      registered: 0,
      p50: NaN,
      p99: NaN,
      max: NaN,
      delivered: 0,
      expected: n * ROUNDS,
      late: 0,
      failures: `case failed: ${(error as Error).message.slice(0, 80)}`,
      closedLater: 'none',
      heapPerSubKB: NaN,
      heapNoiseKB: NaN,
      rssPerSubKB: NaN,
      openMs: NaN,
      openElu: NaN,
      clientCpuMs: NaN,
      serverCpuMs: NaN,
      clientElu: NaN,
    });
  }
};
console.log(
  `listen backlog ${LISTEN_BACKLOG} for every server; load generator in its own process${PIN ? '; servers pinned to CPU 0, load generator to CPU 1' : ' (BENCH_PIN=1 to pin servers and generator to separate CPUs)'}; ${MEMORY_SAMPLES} memory readings per point\n`,
);
try {
  for (const n of SIZES) {
    if (CASES.has('bare')) {
      await attempt('bare graphql-ws', n, async () => {
        const bare = await startBare(await freePort());
        try {
          return await runCase(bare, n, HUB_SUB, {});
        } finally {
          await bare.stop();
        }
      });
    }
    if (CASES.has('hub')) {
      await attempt('hub', n, async () => {
        const hub = await startHubs([await freePort()], undefined);
        try {
          return await runCase(hub, n, HUB_SUB, { authorization: `Bearer ${apiKey}` });
        } finally {
          await hub.stop();
        }
      });
    }
    if (redis && CASES.has('pair')) {
      await attempt('hub x2 over Redis', n, async () => {
        const first = await freePort();
        let second = await freePort();
        while (second === first) second = await freePort();
        const pair = await startHubs([first, second], redis.url);
        try {
          return await runCase(pair, n, HUB_SUB, { authorization: `Bearer ${apiKey}` });
        } finally {
          await pair.stop();
        }
      });
    }
  }
} finally {
  await redis?.stop();
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  await admin.query(`drop database if exists ${DB} with (force)`);
  await admin.end();
}

const fmt = (v: number, digits = 1) => (Number.isFinite(v) ? v.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');
console.log(
  `\n${ROUNDS} rounds per case, one update per round to every subscriber, one socket per subscriber; latency from sending the POST to the subscriber's message.`,
);
console.log(
  'Anchor: the bare graphql-ws server at the same size in this run. Targets (issue #13): hub p99 ≤ 1.25× bare, every socket accepted, every update delivered, heap ≤ 10 KB per subscription.',
);
console.log(
  "CPU per round: ms of CPU the load generator / the server(s) spent on one update; generator busy = its event-loop utilisation (near 100 %: the latency is the generator's).\n",
);
console.log(
  '| server | subscribers | accepted | p50 ms | p99 ms (bare) | p99 / bare (target ≤ 1.25×) | delivered / expected (late) | heap KB/sub ± noise (target ≤ 10) | RSS KB/sub | CPU ms/round generator / server | generator busy | open ms | handshake failures | closed later |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
const verdicts: string[] = [];
const largest = Math.max(...SIZES);
for (const r of results) {
  const bare = results.find((b) => b.server === 'bare graphql-ws' && b.subscribers === r.subscribers);
  const ratio = bare ? r.p99 / bare.p99 : Number.NaN;
  const isHub = r.server !== 'bare graphql-ws';
  if (isHub) {
    const misses: string[] = [];
    if (!(ratio <= TARGET_RATIO)) misses.push(`p99 ${fmt(ratio, 2)}× bare`);
    if (r.accepted !== r.subscribers) misses.push(`${r.subscribers - r.accepted} sockets refused`);
    if (r.delivered !== r.expected) misses.push(`${r.expected - r.delivered} updates missing`);
    // Memory is judged where it is readable: at the largest size (at 1,000 the GC noise is of the same order).
    if (r.subscribers === largest && !(r.heapPerSubKB <= 10)) misses.push(`heap ${fmt(r.heapPerSubKB)} KB/sub`);
    verdicts.push(`${r.server} at ${r.subscribers.toLocaleString('en')}: ${misses.length ? `NOT MET (${misses.join(', ')})` : 'met'}`);
  }
  console.log(
    `| ${r.server} | ${r.subscribers.toLocaleString('en')} | ${r.accepted.toLocaleString('en')} | ${fmt(r.p50)} | ${fmt(r.p99)}${isHub ? ` (${fmt(bare?.p99 ?? NaN)})` : ''} | ${isHub ? `${fmt(ratio, 2)}×` : '1 (anchor)'} | ${r.delivered.toLocaleString('en')} / ${r.expected.toLocaleString('en')}${r.late ? ` (${r.late.toLocaleString('en')} late)` : ''} | ${fmt(r.heapPerSubKB)} ± ${fmt(r.heapNoiseKB)} | ${fmt(r.rssPerSubKB)} | ${fmt(r.clientCpuMs, 0)} / ${fmt(r.serverCpuMs, 0)} | ${fmt(r.clientElu * 100, 0)} % | ${fmt(r.openMs, 0)} | ${r.failures} | ${r.closedLater} |`,
  );
}
console.log(`\ntargets: ${verdicts.join('; ') || 'no hub case ran'}`);
