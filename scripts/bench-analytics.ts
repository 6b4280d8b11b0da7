/**
 * Times the officials' analytics (issue #7) over GraphQL HTTP against a hub
 * started in this process on a generated province-year
 * (scripts/generate-province-year.ts): price series and parcel statistics
 * above all, and the other analytics for reference. Each query runs once to
 * warm up, then BENCH_RUNS times; prints median, p95 and max in ms.
 *
 *   DATABASE_URL=postgres://root@127.0.0.1:5432/analytics_bench npm run bench:analytics
 *
 * With BENCH_COMPARE=1 it also times the parcel statistics computed straight
 * from the shipment table (what the rollup saves) and the price anomalies over
 * the raw rows (the anchors; the non-default window's is printed next to it,
 * BENCH_COMPARE_RUNS times, default 2).
 */
import 'reflect-metadata';
import pg from 'pg';
import { loadConfig } from '../src/platform/config.js';
import { createLogger } from '../src/platform/logger.js';
import { startHub } from '../src/app.js';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('Set DATABASE_URL to the generated database, e.g. postgres://root@127.0.0.1:5432/analytics_bench');
  process.exit(2);
}
const runs = Number(process.env.BENCH_RUNS ?? 20);
const year = Number(process.env.BENCH_YEAR ?? 2025);
const from = `${year}-01-01`;
const to = `${year}-12-31`;

const hub = await startHub(
  loadConfig({ ...process.env, DATABASE_URL: url, PORT: '0', HOST: '127.0.0.1', SEED_DEMO: 'false', LOG_LEVEL: 'warn', DEMO_MODE: 'true' }),
  createLogger('warn'),
);
const db = new pg.Client({ connectionString: url });
await db.connect();
const [{ shipments }] = (await db.query(`select count(*)::int as shipments from shipment`)).rows;
const [{ prices }] = (await db.query(`select count(*)::int as prices from price_observation`)).rows;
const [{ rollup }] = (await db.query(`select count(*)::int as rollup from parcel_daily_stat`)).rows;
console.log(
  `data: ${shipments.toLocaleString('en')} shipments, ${prices.toLocaleString('en')} prices, ${rollup.toLocaleString('en')} rollup rows; ${runs} runs each\n`,
);

async function gql(query: string, variables: Record<string, unknown>) {
  const res = await fetch(`${hub.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: unknown; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const results: { name: string; median: number; p95: number; max: number; size: string }[] = [];
async function time(name: string, run: () => Promise<unknown>, describe: (result: unknown) => string, times_ = runs) {
  const first = await run();
  const times: number[] = [];
  for (let i = 0; i < times_; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  const row = { name, median: at(0.5), p95: at(0.95), max: times[times.length - 1], size: describe(first) };
  results.push(row);
  console.log(`${name.padEnd(68)} median ${row.median.toFixed(1).padStart(7)} ms   p95 ${row.p95.toFixed(1).padStart(7)} ms   ${row.size}`);
}

/**
 * The anomaly rule straight over the price facts, the anchor the aggregates are measured against: a series-day is
 * an anomaly when its price is more than `k` sample deviations (and 5 %) off the mean of its previous `window` days,
 * with at least `minPoints` of them. `lookbackDays` bounds how far back the facts are read (unbounded when absent).
 */
async function anomaliesFromFacts(rule: { k: number; window: number; minPoints: number; lookbackDays?: number }) {
  const since = rule.lookbackDays === undefined ? '' : `and observed_on >= $1::date - ${rule.lookbackDays}`;
  const { rows } = await db.query(
    `with daily as (
       select product_id, variety_id, market_id, observed_on as day, avg(avg_per_kg) as price
         from price_observation
        where avg_per_kg is not null and product_id is not null and market_id is not null and observed_on <= $2 ${since}
        group by 1, 2, 3, 4
     ), judged as (
       select d.*, avg(price) over w as mean, stddev_samp(price) over w as sd, count(*) over w as n from daily d
       window w as (partition by product_id, variety_id, market_id order by day rows between ${rule.window} preceding and 1 preceding))
     select * from judged
      where day between $1 and $2 and n >= ${rule.minPoints} and sd > 0 and abs(price - mean) > ${rule.k} * sd and abs(price - mean) >= 0.05 * mean`,
    [`${year}-06-01`, `${year}-06-30`],
  );
  return rows;
}

const SERIES = `query ($filter: PriceSeriesFilter!, $interval: TimeInterval, $splitBy: PriceSplit) {
  priceSeries(filter: $filter, interval: $interval, splitBy: $splitBy) { key points { bucket low average median high volume observations } } }`;
const points = (d: unknown) => {
  const series = (d as { priceSeries: { points: { observations: number }[] }[] }).priceSeries;
  return `${series.length} series, ${series.reduce((n, s) => n + s.points.length, 0)} points, ${series.reduce((n, s) => n + s.points.reduce((m, p) => m + p.observations, 0), 0).toLocaleString('en')} quotes`;
};
await time('priceSeries apple, province, year, WEEK', () => gql(SERIES, { filter: { product: 'apple', from, to }, interval: 'WEEK' }), points);
await time('priceSeries apple, province, year, DAY', () => gql(SERIES, { filter: { product: 'apple', from, to }, interval: 'DAY' }), points);
await time(
  'priceSeries pear, year, MONTH, split by MARKET',
  () => gql(SERIES, { filter: { product: 'pear', from, to }, interval: 'MONTH', splitBy: 'MARKET' }),
  points,
);
await time(
  'priceSeries millet, origins in Shanxi, year, WEEK, split by ORIGIN_CITY',
  () => gql(SERIES, { filter: { product: 'millet', originUnder: '14', from, to }, interval: 'WEEK', splitBy: 'ORIGIN_CITY' }),
  points,
);

const STATS = `query ($region: String!, $from: LocalDate!, $to: LocalDate!, $groupBy: ParcelGrouping, $direction: ShipmentDirection) {
  parcelStats(region: $region, from: $from, to: $to, groupBy: $groupBy, direction: $direction) {
    total { parcels upstream downstream farmProductShare deliveredShare } rows { regionCode parcels upstream downstream farmProductShare deliveredShare } } }`;
const rows = (d: unknown) => {
  const s = (d as { parcelStats: { total: { parcels: number }; rows: unknown[] } }).parcelStats;
  return `${s.rows.length} rows, ${s.total.parcels.toLocaleString('en')} parcels`;
};
await time('parcelStats province, year, per COUNTY', () => gql(STATS, { region: '14', from, to, groupBy: 'COUNTY' }), rows);
await time('parcelStats province, year, per CITY, UPSTREAM', () => gql(STATS, { region: '14', from, to, groupBy: 'CITY', direction: 'UPSTREAM' }), rows);
await time('parcelStats province, year, per TOWNSHIP', () => gql(STATS, { region: '14', from, to, groupBy: 'TOWNSHIP' }), rows);
await time(
  'parcelStats Yuncheng (1408), one month, per TOWNSHIP',
  () => gql(STATS, { region: '1408', from: `${year}-06-01`, to: `${year}-06-30`, groupBy: 'TOWNSHIP' }),
  rows,
);

await time(
  'subsidyReport 临猗县 (140821), June',
  () =>
    gql(
      `{ subsidyReport(county: "140821", month: "${year}-06") { totalAmount upstream { parcels eligible flagged } downstream { parcels } byCourier { courierCode amount } parcels(first: 100) { trackingNumber flags } } }`,
      {},
    ),
  (d) => `${(d as { subsidyReport: { upstream: { parcels: number } } }).subsidyReport.upstream.parcels} upstream parcels`,
);
await time(
  'villageCoverage province (121 counties)',
  () => gql(`{ villageCoverage(region: "14", asOf: "${year}-12-31") { countyCode villagesWithRecentDelivery } }`, {}),
  (d) => `${(d as { villageCoverage: unknown[] }).villageCoverage.length} counties`,
);
await time(
  'courierQuality province, one month',
  () => gql(`{ courierQuality(region: "14", from: "${year}-06-01", to: "${year}-06-30") { courierCode parcels onTimeRate } }`, {}),
  (d) => `${(d as { courierQuality: unknown[] }).courierQuality.length} couriers`,
);
await time(
  'priceAnomalies province, one month, k=3',
  () => gql(`{ priceAnomalies(from: "${year}-06-01", to: "${year}-06-30") { day } }`, {}),
  (d) => `${(d as { priceAnomalies: unknown[] }).priceAnomalies.length} anomalies`,
);

await time(
  'priceAnomalies province, one month, k=2, window=7 (judged from aggregates)',
  () => gql(`{ priceAnomalies(from: "${year}-06-01", to: "${year}-06-30", k: 2, window: 7) { day } }`, {}),
  (d) => `${(d as { priceAnomalies: unknown[] }).priceAnomalies.length} anomalies`,
);
if (process.env.BENCH_COMPARE) {
  // Its anchor: the same rule (k=2, window 7) over the raw rows, next to it. 12-13 s a run on a quiet machine, so
  // BENCH_COMPARE_RUNS times only (default 2).
  await time(
    '(raw rows) priceAnomalies province, one month, k=2, window=7, from the facts',
    () => anomaliesFromFacts({ k: 2, window: 7, minPoints: 7 }),
    (r) => `${(r as unknown[]).length} anomalies`,
    Number(process.env.BENCH_COMPARE_RUNS ?? 2),
  );
}
const [{ dirty }] = (await db.query(`select count(*)::int as dirty from price_series_dirty`)).rows;
console.log(`  (series awaiting a refresh of their rolling statistics: ${dirty})`);

if (process.env.BENCH_COMPARE) {
  // The same rule straight over the facts (the query before issue #13, without its lookback bound shortcut):
  // what the per-series-day aggregates save.
  await time(
    '(without aggregates) priceAnomalies province, one month, k=3, from the facts',
    () => anomaliesFromFacts({ k: 3, window: 20, minPoints: 10, lookbackDays: 67 }),
    (r) => `${(r as unknown[]).length} anomalies`,
  );
  await time(
    '(without rollup) parcels per county straight from shipment, year',
    async () =>
      (
        await db.query(
          `select left(case when direction = 'DOWNSTREAM' then coalesce(destination_region_code, destination_code) else coalesce(origin_region_code, origin_code) end, 6) as county,
                            count(*), count(*) filter (where is_farm_product), count(*) filter (where status = 'DELIVERED')
                       from shipment where (coalesce(picked_up_at, ingested_at) at time zone 'Asia/Shanghai')::date between $1 and $2 group by 1`,
          [from, to],
        )
      ).rows,
    (r) => `${(r as unknown[]).length} rows`,
  );
}

await db.end();
await hub.close();
