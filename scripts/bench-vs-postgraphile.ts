/**
 * The hub's read path side by side with PostGraphile 5 and with PostgreSQL
 * alone (issue #10), on the same database in the same run: the hub (its own
 * process, embedded default with demo data), PostGraphile (`amber` preset over
 * the same tables) and the database ceiling (the same data as one hand-written
 * prepared statement that builds the JSON, run through pg on as many
 * connections), each driven for the same time with the same concurrency.
 * The ceiling uses what the database holds as well as the hub does: counts
 * from `price_count` and, for (b), a read product by product on the
 * `(product_id, observed_on)` index; a ceiling slower than the hub would not
 * be one.
 *
 * Three shapes:
 *   (a) nested: 10 markets → 10 newest prices each → product, variety, origin region and its parent;
 *   (b) filtered: `prices(filter: { product, originUnder }, first: 100)` with product, variety, market, origin region;
 *   (c) courier: a courier's own 20 newest shipments with their events, read with a COURIER key
 *       (the hub applies the row scope; PostGraphile, which has no roles here, gets the condition).
 *
 *   npm run bench:peers          # BENCH_SECONDS=15 BENCH_ROUNDS=3 BENCH_WARMUP_SECONDS=3 BENCH_CONNECTIONS=10
 *                                # BENCH_SHAPES=a,b,c to change the run,
 *                                # BENCH_PROFILE_DIR=/tmp/prof for a CPU profile of the hub
 *
 * PostGraphile is not a dependency of the hub: it is installed on first use
 * into .data/peers from the npm registry. The price and tracking tables have no
 * foreign keys since issue #13 (integrity is checked per batch), so PostGraphile
 * is told the relations with smart tags (graphile.config.mjs written beside it).
 *
 * Target (issue #10): the hub at ≥ 1.5× PostGraphile's requests/s on every shape.
 */
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { startHubProcess } from './lib/hub-process.js';
import { generateApiKey } from '../src/access/api-key.token.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 15);
/** Alternating rounds per shape (each seconds / rounds long), and the unmeasured warm-up of each server before them. */
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const shapes = new Set((process.env.BENCH_SHAPES ?? 'a,b,c').split(','));
const POSTGRAPHILE = '5.1.5';
const TARGET = 1.5;
const peers = path.resolve('.data/peers');
const dataDir = path.resolve(process.env.DATA_DIR ?? '.data/bench');
const pgPort = process.env.EMBEDDED_PG_PORT ?? '54350';
const peerPort = process.env.PEER_PORT ?? '5678';
/** The courier of shape (c): zhongtong's own parcels. */
const COURIER = 'zhongtong';
/** Shape (b)'s filter: apples from Shanxi (a product and an origin subtree with many rows in the demo data). */
const PRODUCT = process.env.BENCH_PRODUCT ?? 'apple';
const ORIGIN = process.env.BENCH_ORIGIN ?? '14';

interface Shape {
  id: string;
  title: string;
  hub: string;
  peer: string;
  /** The same data as one statement building the JSON ($1: the courier id for (c)). */
  ceiling: string;
  ceilingParams?: () => unknown[];
  courierKey?: boolean;
}

const SHAPES: Shape[] = [
  {
    id: 'a',
    title: 'markets → 10 prices → product, variety, origin region and parent',
    hub: `{ markets(first: 10) { totalCount nodes { code name prices(first: 10) { totalCount nodes {
  observedOn avgPrice avgPerKg product { name } variety { name } originRegion { code name parent { code name } } } } } } }`,
    peer: `{ allMarkets(first: 10, orderBy: CODE_ASC) { totalCount nodes { code name
  priceObservationsByMarketId(first: 10, orderBy: [OBSERVED_ON_DESC, PRIMARY_KEY_DESC]) { totalCount nodes {
  observedOn avgPrice avgPerKg productByProductId { name } varietyByVarietyId { name }
  regionByOriginRegionCode { code name regionByParentCode { code name } } } } } } }`,
    ceiling: `select json_build_object('totalCount', (select count(*) from market), 'nodes', coalesce(json_agg(json_build_object(
        'code', m.code, 'name', m.name, 'prices', json_build_object(
          'totalCount', (select coalesce(sum(c.n), 0) from price_count c where c.market_id = m.id),
          'nodes', (select coalesce(json_agg(json_build_object('observedOn', p.observed_on, 'avgPrice', p.avg_price, 'avgPerKg', p.avg_per_kg,
              'product', (select json_build_object('name', pr.name) from product pr where pr.id = p.product_id),
              'variety', (select json_build_object('name', v.name) from variety v where v.id = p.variety_id),
              'originRegion', (select json_build_object('code', r.code, 'name', r.name, 'parent',
                  (select json_build_object('code', q.code, 'name', q.name) from region q where q.code = r.parent_code))
                from region r where r.code = p.origin_region_code)) order by p.observed_on desc, p.id desc), '[]')
            from (select * from price_observation p where p.market_id = m.id order by p.observed_on desc, p.id desc limit 10) p)))
        order by m.code), '[]'))
      from (select * from market order by code limit 10) m`,
  },
  {
    id: 'b',
    title: `prices(filter: { product: "${PRODUCT}", originUnder: "${ORIGIN}" }, first: 100) → product, variety, market, origin region`,
    hub: `{ prices(filter: { product: "${PRODUCT}", originUnder: "${ORIGIN}" }, first: 100) { nodes {
  observedOn avgPrice unit product { name } variety { name } market { code name } originRegion { code name } } } }`,
    peer: `{ allPriceObservations(first: 100, orderBy: [OBSERVED_ON_DESC, PRIMARY_KEY_DESC], filter: { productId: { in: PRODUCT_IDS }, originRegionCode: { startsWith: "${ORIGIN}" } }) { nodes {
  observedOn avgPrice unit productByProductId { name } varietyByVarietyId { name } marketByMarketId { code name } regionByOriginRegionCode { code name } } } }`,
    ceiling: `select json_build_object('nodes', coalesce(json_agg(json_build_object('observedOn', p.observed_on, 'avgPrice', p.avg_price, 'unit', p.unit,
        'product', (select json_build_object('name', pr.name) from product pr where pr.id = p.product_id),
        'variety', (select json_build_object('name', v.name) from variety v where v.id = p.variety_id),
        'market', (select json_build_object('code', mk.code, 'name', mk.name) from market mk where mk.id = p.market_id),
        'originRegion', (select json_build_object('code', r.code, 'name', r.name) from region r where r.code = p.origin_region_code))
        order by p.observed_on desc, p.id desc), '[]'))
      from (select p.* from (select id from product where code = $1 or name = $1 or $1 = any(aliases)) pr0
             cross join lateral (select * from price_observation p
                                  where p.product_id = pr0.id and p.origin_region_code like $2 || '%'
                                  order by p.observed_on desc, p.id desc limit 100) p
             order by p.observed_on desc, p.id desc limit 100) p`,
    ceilingParams: () => [PRODUCT, ORIGIN],
  },
  {
    id: 'c',
    title: `a courier's (${COURIER}) 20 newest shipments with their events, COURIER key`,
    hub: `{ shipments(first: 20) { nodes { trackingNumber status lastEventAt
  events { occurredAt status rawCode rawText areaCode location } } } }`,
    peer: `{ allShipments(first: 20, condition: { courierId: COURIER_ID }, orderBy: PRIMARY_KEY_DESC) { nodes { trackingNumber status lastEventAt
  trackingEventsByShipmentId(orderBy: [OCCURRED_AT_ASC, PRIMARY_KEY_ASC]) { nodes { occurredAt status rawCode rawText areaCode location } } } } }`,
    ceiling: `select json_build_object('nodes', coalesce(json_agg(json_build_object('trackingNumber', s.tracking_number, 'status', s.status, 'lastEventAt', s.last_event_at,
        'events', (select coalesce(json_agg(json_build_object('occurredAt', e.occurred_at, 'status', e.status, 'rawCode', e.raw_code,
            'rawText', e.raw_text, 'areaCode', e.area_code, 'location', e.location) order by e.occurred_at, e.id), '[]')
          from tracking_event e where e.shipment_id = s.id)) order by s.id desc), '[]'))
      from (select * from shipment s where s.courier_id = $1 order by s.id desc limit 20) s`,
    courierKey: true,
  },
];

/** The relations PostGraphile cannot see without foreign keys (smart tags, PostGraphile 5). */
const PEER_CONFIG = `import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { PostGraphileConnectionFilterPreset } from 'postgraphile-plugin-connection-filter';
import { makePgService } from 'postgraphile/adaptors/pg';
import { jsonPgSmartTags } from 'postgraphile/utils';
const fk = (...refs) => ({ tags: { foreignKey: refs } });
export default {
  extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset],
  plugins: [jsonPgSmartTags({ version: 1, config: { class: {
    price_observation: fk('(market_id) references market (id)', '(product_id) references product (id)', '(variety_id) references variety (id)', '(origin_region_code) references region (code)'),
    tracking_event: fk('(shipment_id) references shipment (id)', '(region_code) references region (code)'),
  } } })],
  pgServices: [makePgService({ connectionString: process.env.PEER_DATABASE_URL, schemas: ['public'] })],
  grafserv: { port: Number(process.env.PEER_PORT), host: '127.0.0.1' },
  grafast: { explain: false },
};
`;

if (!fs.existsSync(path.join(peers, 'node_modules/postgraphile-plugin-connection-filter'))) {
  console.log(`installing postgraphile@${POSTGRAPHILE} (and the connection filter plugin, for shape b) into ${peers} ...`);
  fs.mkdirSync(peers, { recursive: true });
  fs.writeFileSync(path.join(peers, 'package.json'), JSON.stringify({ name: 'bench-peers', private: true, type: 'module' }));
  execFileSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefix', peers, `postgraphile@${POSTGRAPHILE}`, 'postgraphile-plugin-connection-filter@4.0.1'],
    { stdio: 'inherit' },
  );
}
fs.writeFileSync(path.join(peers, 'graphile.config.mjs'), PEER_CONFIG);

const hub = await startHubProcess({
  PORT: process.env.BENCH_PORT ?? '4100',
  DATA_DIR: dataDir,
  EMBEDDED_PG_PORT: pgPort,
  RATE_LIMIT_PER_SECOND: '1000000',
  RATE_LIMIT_BURST: '1000000',
  // BENCH_PROFILE_DIR=/tmp/prof: a V8 CPU profile of the hub for the whole run (`npm run profile:summary -- /tmp/prof/*.cpuprofile`).
  ...(process.env.BENCH_PROFILE_DIR ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}` } : {}),
});
// The embedded cluster's own password (issue #11), kept beside it.
const password = fs.readFileSync(path.join(dataDir, 'pg-password'), 'utf8').trim();
const databaseUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${pgPort}/harvest`;
const pool = new pg.Pool({ connectionString: databaseUrl, max: connections });

/** A COURIER key for shape (c), provisioned straight into the database; returns the key and the courier's id. */
async function courierKey(): Promise<{ plaintext: string; courierId: number }> {
  const key = generateApiKey();
  const {
    rows: [courier],
  } = await pool.query<{ id: number }>('select id from courier where code = $1', [COURIER]);
  const {
    rows: [org],
  } = await pool.query<{ id: number }>(
    `insert into organisation (name, kind, courier_id) values ('bench-courier', 'COURIER', $1)
     on conflict (name) do update set courier_id = excluded.courier_id returning id`,
    [courier.id],
  );
  await pool.query(`insert into api_key (key_id, secret_hash, organisation_id, role, scopes, label) values ($1, $2, $3, 'COURIER', '{READ}', 'bench')`, [
    key.keyId,
    key.secretHash,
    org.id,
  ]);
  return { plaintext: key.plaintext, courierId: courier.id };
}

const peer = spawn(path.join(peers, 'node_modules/.bin/postgraphile'), ['-C', path.join(peers, 'graphile.config.mjs')], {
  cwd: peers,
  env: { ...process.env, GRAPHILE_ENV: 'production', PEER_DATABASE_URL: databaseUrl, PEER_PORT: peerPort },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise<void>((resolve, reject) => {
  peer.stdout!.on('data', (chunk: Buffer) => String(chunk).includes('Server listening') && resolve());
  peer.once('exit', (code) => reject(new Error(`postgraphile exited with ${code}`)));
});

interface Figure {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** CPU milliseconds per request of the server process and of PostgreSQL: unlike requests/s, not skewed by other load on the machine. */
  serverCpuMs?: number;
  databaseCpuMs?: number;
}

const TICK_MS = 10; // USER_HZ = 100 on Linux
/** CPU time (user + system, ms) of a process from /proc, 0 where there is none. */
function cpuOf(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}
/** CPU time of each process of the PostgreSQL cluster under dataDir: its postmaster and the postmaster's children (backends, writers). */
function databaseCpu(): Map<number, number> {
  const postmaster = Number(fs.readFileSync(path.join(dataDir, 'pg/postmaster.pid'), 'utf8').split('\n')[0]);
  const cpu = new Map([[postmaster, cpuOf(postmaster)]]);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1] === String(postmaster)) cpu.set(Number(entry), cpuOf(Number(entry)));
    } catch {
      // the process ended meanwhile
    }
  }
  return cpu;
}
/** CPU the cluster spent between two readings (a backend that ended in between counts for nothing, one that started for all it spent). */
function databaseCpuSince(before: Map<number, number>): number {
  let spent = 0;
  for (const [pid, now] of databaseCpu()) spent += Math.max(0, now - (before.get(pid) ?? 0));
  return spent;
}

/** One load run against a server: autocannon for `duration` seconds, and the CPU its process and PostgreSQL spent. */
async function loadOnce(url: string, body: string, headers: Record<string, string>, pid: number, duration: number): Promise<Figure> {
  const [server, database] = [cpuOf(pid), databaseCpu()];
  const result = await autocannon({ url, method: 'POST', headers, body, connections, duration });
  const requests = Math.max(result.requests.total, 1);
  return {
    requestsPerSecond: result.requests.total / duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    serverCpuMs: (cpuOf(pid) - server) / requests,
    databaseCpuMs: databaseCpuSince(database) / requests,
  };
}

interface Server {
  name: string;
  url: string;
  query: string;
  pid: number;
  headers?: Record<string, string>;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * Both servers on one shape, each for `seconds` in all: first an unmeasured warm-up of WARMUP_SECONDS each (JIT,
 * plan caches, pool connections and their backends' catalog caches: a cold start is not what the target is
 * about), then `rounds` alternating runs of seconds / rounds each (hub, peer, peer, hub, ...), so that a drift in
 * the machine's speed during the run (other load, a noisy neighbour) falls on both alike. Each figure is the
 * median over the rounds; the ratio printed is the median of the per-round-pair ratios.
 */
async function loadPair(hub: Server, peer: Server): Promise<{ hub: Figure; peer: Figure; ratios: number[] }> {
  const prepared = [hub, peer].map((server) => {
    const body = JSON.stringify({ query: server.query });
    const headers = { 'content-type': 'application/json', ...server.headers };
    return { server, body, headers };
  });
  for (const { server, body, headers } of prepared) {
    const probe = (await (await fetch(server.url, { method: 'POST', headers, body })).json()) as { errors?: unknown; data?: unknown };
    if (probe.errors) throw new Error(`${server.name}: ${JSON.stringify(probe.errors)}`);
    if (warmupSeconds > 0) await autocannon({ url: server.url, method: 'POST', headers, body, connections, duration: warmupSeconds });
  }
  const figures: Figure[][] = [[], []];
  const each = seconds / rounds;
  for (let round = 0; round < rounds; round++) {
    for (const index of round % 2 ? [1, 0] : [0, 1]) {
      const { server, body, headers } = prepared[index];
      figures[index].push(await loadOnce(server.url, body, headers, server.pid, each));
    }
  }
  const summary = (runs: Figure[]): Figure => ({
    requestsPerSecond: median(runs.map((f) => f.requestsPerSecond)),
    p50: median(runs.map((f) => f.p50)),
    p99: median(runs.map((f) => f.p99)),
    non2xx: runs.reduce((sum, f) => sum + f.non2xx, 0),
    serverCpuMs: median(runs.map((f) => f.serverCpuMs ?? 0)),
    databaseCpuMs: median(runs.map((f) => f.databaseCpuMs ?? 0)),
  });
  return { hub: summary(figures[0]), peer: summary(figures[1]), ratios: figures[0].map((f, i) => f.requestsPerSecond / figures[1][i].requestsPerSecond) };
}

/** The database alone: the prepared statement on `connections` clients, back to back, for the same time. */
async function ceiling(shape: Shape, params: unknown[]): Promise<Figure> {
  const name = `bench_ceiling_${shape.id}`;
  const latencies: number[] = [];
  const until = Date.now() + seconds * 1000;
  const database = databaseCpu();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const client = await pool.connect();
      try {
        while (Date.now() < until) {
          const started = performance.now();
          await client.query({ name, text: shape.ceiling, values: params });
          latencies.push(performance.now() - started);
        }
      } finally {
        client.release();
      }
    }),
  );
  latencies.sort((x, y) => x - y);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]);
  return {
    requestsPerSecond: latencies.length / seconds,
    p50: at(0.5),
    p99: at(0.99),
    non2xx: 0,
    databaseCpuMs: databaseCpuSince(database) / Math.max(latencies.length, 1),
  };
}

const cpu = (f: Figure) => `${(f.serverCpuMs ?? 0).toFixed(2)} + ${(f.databaseCpuMs ?? 0).toFixed(2)}`;
const cpuTotal = (f: Figure) => (f.serverCpuMs ?? 0) + (f.databaseCpuMs ?? 0);

/** One line of the result table. */
function line(shape: Shape, h: Figure, p: Figure, db: Figure, ratios: number[]): string {
  const ratio = median(ratios);
  return (
    `| (${shape.id}) ${shape.title} | ${h.requestsPerSecond.toFixed(1)} | ${p.requestsPerSecond.toFixed(1)} | ${ratio.toFixed(2)}× ${ratio >= TARGET ? 'met' : 'NOT met'} ` +
    `(rounds ${ratios.map((r) => r.toFixed(2)).join(' / ')}) | ` +
    `${db.requestsPerSecond.toFixed(1)} | ${((100 * h.requestsPerSecond) / db.requestsPerSecond).toFixed(0)} % | ${((100 * p.requestsPerSecond) / db.requestsPerSecond).toFixed(0)} % | ` +
    `${h.p50} / ${h.p99} | ${p.p50} / ${p.p99} | ${h.non2xx + p.non2xx} | ` +
    `${cpu(h)} | ${cpu(p)} | ${cpu(db)} | ${(cpuTotal(p) / cpuTotal(h)).toFixed(2)}× |`
  );
}

try {
  const courier = await courierKey();
  const { rows: products } = await pool.query<{ id: number }>('select id from product where code = $1 or name = $1 or $1 = any(aliases)', [PRODUCT]);
  console.log(
    `\n${connections} connections, ${seconds} s per server and shape in ${rounds} alternating rounds after ${warmupSeconds} s of warm-up each, same database (${databaseUrl.replace(/:[^:@/]*@/, ':***@')}); target: hub ≥ ${TARGET}× PostGraphile`,
  );
  console.log(
    '| shape | hub req/s | PostGraphile req/s | hub / PostGraphile (target ≥ 1.5) | database ceiling req/s | hub share of ceiling | PostGraphile share | hub p50 / p99 ms | PostGraphile p50 / p99 ms | non-2xx | hub CPU ms/request (server + PostgreSQL) | PostGraphile CPU ms/request | ceiling CPU ms/request | CPU per request, PostGraphile / hub |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const shape of SHAPES.filter((s) => shapes.has(s.id))) {
    const peerQuery = shape.peer.replace('COURIER_ID', String(courier.courierId)).replace('PRODUCT_IDS', JSON.stringify(products.map((p) => p.id)));
    const headers: Record<string, string> = shape.courierKey ? { 'x-api-key': courier.plaintext } : {};
    const params = shape.courierKey ? [courier.courierId] : (shape.ceilingParams?.() ?? []);
    const pair = await loadPair(
      { name: 'harvest-hub', url: `${hub.url}/graphql`, query: shape.hub, pid: hub.child.pid!, headers },
      { name: `postgraphile ${POSTGRAPHILE}`, url: `http://127.0.0.1:${peerPort}/graphql`, query: peerQuery, pid: peer.pid! },
    );
    const dbFigure = await ceiling(shape, params);
    console.log(line(shape, pair.hub, pair.peer, dbFigure, pair.ratios));
  }
} finally {
  await pool.end();
  peer.kill('SIGTERM');
  await hub.stop();
}
