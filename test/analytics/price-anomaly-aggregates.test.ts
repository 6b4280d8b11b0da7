import pg from 'pg';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { anomalyStatement, findPriceAnomalies, refreshPriceSeries, type AnomalyScanOptions } from '../../src/analytics/price-anomaly.service.js';
import { storePrices } from '../../src/ingest/price-writer.js';

/**
 * priceAnomalies reads per-series-day aggregates (price_series_day) and stored
 * rolling statistics (price_anomaly_candidate), never the price facts (issue
 * #13). Here the same anomalies are computed straight from the facts, with the
 * rule written out in SQL (daily means, `avg` and `stddev_samp` over the
 * previous `window` days with prices), and compared on a generated data set
 * loaded in-order, late and out of order, twice (an idempotent re-run), with
 * several quotes per day, varieties, a re-link and deletions.
 */

let t: TestHub;
const CONNECTOR = 'agg-feed';

/** A small deterministic generator (mulberry32), so the data set is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), a | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

interface Quote {
  sourceKey: string;
  rawName: string;
  product: string;
  variety?: string;
  market: string;
  observedOn: string;
  avgPrice: number;
  lowPrice: number;
  highPrice: number;
  unit: string;
  originRegion?: string;
}

const day = (i: number) => new Date(Date.UTC(2025, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
const DAYS = 100;

/** The rule over the facts themselves: what the aggregates must reproduce. */
async function fromFacts(o: {
  from: string;
  to: string;
  k: number;
  window: number;
  minHistory: number;
  minChange: number;
  productId?: number;
  market?: string;
}) {
  const rows = await t.sql(
    `with daily as (
       select product_id, coalesce(variety_id, 0) as variety_id, market_id, observed_on as day, avg(avg_per_kg) as price
         from price_observation
        where avg_per_kg is not null and product_id is not null and market_id is not null and observed_on <= $2
          and ($6::int is null or product_id = $6) and ($7::text is null or market_id in (select id from market where code = $7))
        group by 1, 2, 3, 4
     ), judged as (
       select d.*, avg(price) over w as mean, stddev_samp(price) over w as sd, count(*) over w as n
         from daily d
       window w as (partition by product_id, variety_id, market_id order by day rows between ${o.window} preceding and 1 preceding)
     )
     select to_char(day, 'YYYY-MM-DD') as day, product_id, variety_id, market_id, round(price, 2)::float8 as price,
            round(mean, 4)::float8 as mean, round(sd, 4)::float8 as sd, ((price - mean) / sd)::float8 as z
       from judged
      where day between $1 and $2 and n >= $3 and sd > 0 and abs(price - mean) > $4 * sd and abs(price - mean) >= $5 * mean`,
    [o.from, o.to, Math.min(o.minHistory, o.window), o.k, o.minChange, o.productId ?? null, o.market ?? null],
  );
  return rows as { day: string; product_id: number; variety_id: number; market_id: number; price: number; mean: number; sd: number; z: number }[];
}

/** Compares findPriceAnomalies with the rule over the facts: the same days and series, the same figures. */
async function expectSameAsFacts(options: Partial<AnomalyScanOptions> & { from: string; to: string }): Promise<number> {
  const o = { k: 3, window: 20, minHistory: 10, minChange: 0.05, ...options };
  const productId = options.product ? Number((await t.sql(`select id from product where code = $1`, [options.product]))[0].id) : undefined;
  const expected = await fromFacts({ ...o, minChange: o.minRelativeChange ?? o.minChange, productId, market: options.market });
  const found = (await findPriceAnomalies(t.hub.db.orm.em.fork(), o)) as (Awaited<ReturnType<typeof findPriceAnomalies>>[number] & {
    varietyId: number | null;
  })[];
  const key = (d: string, p: number, v: number | null, m: number) => `${d}/${p}/${v ?? 0}/${m}`;
  expect(found.map((a) => key(a.day, a.productId, a.varietyId, a.marketId)).sort()).toEqual(
    expected.map((e) => key(e.day, e.product_id, e.variety_id, e.market_id)).sort(),
  );
  const byKey = new Map(expected.map((e) => [key(e.day, e.product_id, e.variety_id, e.market_id), e]));
  for (const a of found) {
    const e = byKey.get(key(a.day, a.productId, a.varietyId, a.marketId))!;
    // The API's figures: price to 2 decimals, mean and deviation to 4 then 2, z from those (README).
    expect(a.price).toBe(e.price);
    expect(a.mean).toBeCloseTo(Math.round(e.mean * 100) / 100, 9);
    expect(a.stddev).toBeCloseTo(Math.round(e.sd * 100) / 100, 9);
    expect(a.zScore).toBeCloseTo(Math.round(((e.price - e.mean) / e.sd) * 100) / 100, 9);
    // And the exact z of the facts, within that rounding.
    expect(Math.abs(a.zScore - e.z)).toBeLessThanOrEqual(0.01 + (0.005 + 0.0001 * Math.abs(e.z)) / e.sd);
    expect(a.kind).toBe(e.z > 0 ? 'PRICE_SPIKE' : 'PRICE_DROP');
  }
  return found.length;
}

/** The series-days of `price_series_day` and the groups appended to `price_series_day_delta` not folded yet, as one. */
const SERIES_WITH_DELTA = `select product_id, variety_id, market_id, day, sum(n)::int as n, sum(total) as total, min(origin_region_code) as origin
  from (select * from price_series_day union all select * from price_series_day_delta) u group by 1, 2, 3, 4`;

/** The appended groups not folded yet. */
const unfolded = async () => Number((await t.sql(`select count(*)::int as n from price_series_day_delta`))[0].n);

/**
 * The aggregates equal a GROUP BY over the facts, exactly: with the groups appended since the last fold added, and
 * after a fold in `price_series_day` alone (what every read sees: reads fold first).
 */
async function expectAggregatesExact() {
  const diff = async (agg: string) =>
    (
      await t.sql(
        `with facts as (
       select product_id, coalesce(variety_id, 0) as variety_id, market_id, observed_on as day, count(*)::int as n, sum(avg_per_kg) as total, min(origin_region_code) as origin
         from price_observation where avg_per_kg is not null and product_id is not null and market_id is not null group by 1, 2, 3, 4),
     agg as (${agg})
     select (select count(*) from (select * from facts except select * from agg) x)::int as missing,
            (select count(*) from (select * from agg except select * from facts) x)::int as extra,
            (select count(*) from agg)::int as rows`,
      )
    )[0];
  const before = await diff(SERIES_WITH_DELTA);
  expect(before).toMatchObject({ missing: 0, extra: 0 });
  expect(before.rows).toBeGreaterThan(0);
  await t.sql(`select price_series_fold()`);
  expect(await unfolded()).toBe(0);
  expect(await diff(`select product_id, variety_id, market_id, day, n, total, origin_region_code as origin from price_series_day`)).toMatchObject({
    missing: 0,
    extra: 0,
  });
}

const dirtySeries = async () => Number((await t.sql(`select count(*)::int as n from price_series_dirty`))[0].n);

/** The cases compared in every state: the default rule, other thresholds and windows, filters. */
async function compareAll(label: string) {
  const counts: Record<string, number> = {};
  counts.default = await expectSameAsFacts({ from: day(30), to: day(DAYS - 1) });
  counts.k15 = await expectSameAsFacts({ from: day(0), to: day(DAYS - 1), k: 1.5 });
  counts.k1 = await expectSameAsFacts({ from: day(20), to: day(60), k: 1, minRelativeChange: 0 });
  counts.window7 = await expectSameAsFacts({ from: day(10), to: day(80), k: 2, window: 7 });
  counts.product = await expectSameAsFacts({ from: day(0), to: day(DAYS - 1), k: 2, product: 'pear' });
  counts.market = await expectSameAsFacts({ from: day(45), to: day(75), k: 2, market: 'taiyuan-hexi' });
  counts.oneDay = await expectSameAsFacts({ from: day(70), to: day(70), k: 1, minRelativeChange: 0 });
  // Not an empty comparison: the generated spikes and drops are found.
  expect({ label, default: counts.default > 5, k1: counts.k1 > counts.default }).toEqual({ label, default: true, k1: true });
}

beforeAll(async () => {
  // (No periodic fold or refresh: the test says when the appended groups are folded.)
  t = await startTestHub({ PRICE_SERIES_REFRESH_INTERVAL_S: '0' });
});
afterAll(() => t.close());

it('gives exactly the anomalies of the facts, through in-order, late, repeated and re-linked batches', async () => {
  const random = prng(20251129);
  const products = ['apple', 'pear', 'grape', 'peach'];
  const markets = ['beijing-xinfadi', 'taiyuan-hexi', 'jincheng-lvxin'];
  const [{ code: varietyProduct, variety }] = await t.sql(
    `select p.code, v.name as variety from variety v join product p on p.id = v.product_id where p.code = any($1) order by p.code, v.id limit 1`,
    [products],
  );
  const quotes: Quote[] = [];
  for (const product of products) {
    for (const market of markets) {
      const base = 2 + random() * 8;
      for (let i = 0; i < DAYS; i++) {
        if (random() < 0.06) continue; // no quote that day
        const shock = random() < 0.04 ? (random() < 0.5 ? 1.6 : 0.55) : 1;
        const price = Math.round(base * (1 + 0.1 * Math.sin(i / 9)) * (0.95 + random() * 0.1) * shock * 100) / 100;
        const quote: Quote = {
          sourceKey: `${product}-${market}-${i}`,
          rawName: product,
          product,
          market,
          observedOn: day(i),
          avgPrice: price,
          lowPrice: price,
          highPrice: price,
          unit: '公斤',
          originRegion: random() < 0.5 ? '140821' : '140822',
        };
        quotes.push(quote);
        // A second quote the same day at some markets (the day's mean is their average).
        if (random() < 0.15)
          quotes.push({ ...quote, sourceKey: `${quote.sourceKey}-b`, avgPrice: price * 1.02, lowPrice: price * 1.02, highPrice: price * 1.02 });
        // A variety of its own series.
        if (product === varietyProduct && market === 'taiyuan-hexi' && random() < 0.9) {
          quotes.push({ ...quote, sourceKey: `${quote.sourceKey}-v`, variety, avgPrice: price * 1.3, lowPrice: price * 1.3, highPrice: price * 1.3 });
        }
      }
    }
  }
  // A tenth held back, to arrive late and out of order.
  const late = quotes.filter(() => random() < 0.1);
  const lateKeys = new Set(late.map((q) => q.sourceKey));
  const onTime = quotes.filter((q) => !lateKeys.has(q.sourceKey));
  const store = (batch: Quote[]) => storePrices(t.hub.db.orm.em.fork(), t.hub.pubSub.pubSub, CONNECTOR, batch as never);

  // In order, ten days per batch, through the ingest pipeline (COPY straight into the month's partition).
  for (let from = 0; from < DAYS; from += 10) {
    await store(onTime.filter((q) => q.observedOn >= day(from) && q.observedOn < day(from + 10)));
  }
  await expectAggregatesExact();
  await compareAll('in order');

  // Late and out of order: newest first, in batches of 40. (The anomaly watcher's scans after these batches would
  // fold their groups: holding the refresh lock keeps them waiting until the groups have been read unfolded.)
  const lateHolder = new pg.Client({ connectionString: t.databaseUrl });
  lateHolder.on('error', () => {});
  await lateHolder.connect();
  await lateHolder.query(`select pg_advisory_lock(hashtext('price_series_refresh'))`);
  const reversed = [...late].sort((a, b) => (a.observedOn < b.observedOn ? 1 : -1));
  for (let i = 0; i < reversed.length; i += 40) await store(reversed.slice(i, i + 40));
  // Read while their groups are only appended (not folded): the reads fold first, the figures are exact.
  expect(await unfolded()).toBeGreaterThan(0);
  await compareAll('late, appended groups not folded');
  await lateHolder.end();
  await expectAggregatesExact();

  // A re-run of a whole month and of a mixed batch: nothing stored twice, nothing counted twice.
  const before = await t.sql(`select * from price_series_day order by 1, 2, 3, 4`);
  const rerun = await store(quotes.filter((q) => q.observedOn < day(31)));
  expect(rerun.stored).toHaveLength(0);
  expect(await t.sql(`select * from price_series_day order by 1, 2, 3, 4`)).toEqual(before);
  await compareAll('re-run');

  // Straight SQL through the parent table (routed to the partitions), a late spike among them, never refreshed:
  // those series are judged from their aggregates at query time. (The anomaly watcher refreshes after the
  // pipeline's batches: holding the refresh lock keeps it from doing so until the end.)
  await refreshPriceSeries(t.hub.db.orm.em.fork());
  expect(await dirtySeries()).toBe(0);
  const holder = new pg.Client({ connectionString: t.databaseUrl });
  await holder.connect();
  await holder.query(`select pg_advisory_lock(hashtext('price_series_refresh'))`);
  await t.sql(
    `insert into price_observation (source_connector, source_key, product_id, market_id, observed_on, raw_name, avg_price, unit, avg_per_kg)
     select 'agg-sql', 'sql-' || g, p.id, m.id, date '2025-02-10' + g, p.name, 4.5 + (g % 3), '公斤', 4.5 + (g % 3)
       from generate_series(0, 5) g join product p on p.code = 'peach' join market m on m.code = 'jincheng-lvxin'
     union all
     select 'agg-sql', 'sql-spike', p.id, m.id, date '2025-03-20', p.name, 40, '公斤', 40
       from product p join market m on m.code = 'beijing-xinfadi' where p.code = 'apple'`,
  );
  expect(await dirtySeries()).toBe(2);
  await expectAggregatesExact();
  await compareAll('dirty, not refreshed');

  // A fold that dies half way (its backend killed before it commits) loses nothing: the groups stay appended.
  await store([{ ...quotes[0], sourceKey: 'late-after-fold', avgPrice: 3.33, lowPrice: 3.33, highPrice: 3.33 }]);
  const pending = await unfolded();
  expect(pending).toBeGreaterThan(0);
  const folder = new pg.Client({ connectionString: t.databaseUrl });
  folder.on('error', () => {});
  await folder.connect();
  await folder.query('begin');
  await folder.query('select price_series_fold()');
  const [{ pid }] = (await folder.query('select pg_backend_pid() as pid')).rows;
  await t.sql('select pg_terminate_backend($1)', [pid]);
  await folder.end().catch(() => {});
  expect(await unfolded()).toBe(pending);

  // Groups appended for the very series-days a re-link then recomputes (not folded when it starts): counted once.
  await t.sql(
    `insert into price_observation (source_connector, source_key, product_id, market_id, observed_on, raw_name, avg_price, unit, avg_per_kg)
     select 'agg-sql', 'sql-grape-' || g, p.id, m.id, date '2025-02-03' + g, p.name, 7.25, '公斤', 7.25
       from generate_series(0, 3) g join product p on p.code = 'grape' join market m on m.code = 'taiyuan-hexi'`,
  );
  expect(await unfolded()).toBeGreaterThan(pending);

  // A re-link (a series-day moves to another product) and deletions: recomputed from the facts.
  await t.sql(
    `update price_observation set product_id = (select id from product where code = 'pear')
      where (source_connector = $1 and source_key like 'grape-taiyuan-hexi-%' or source_key like 'sql-grape-%') and observed_on between '2025-02-01' and '2025-02-20'`,
    [CONNECTOR],
  );
  expect(await unfolded()).toBe(0);
  await t.sql(`delete from price_observation where source_connector = $1 and source_key like 'apple-jincheng-lvxin-%' and observed_on < '2025-02-15'`, [
    CONNECTOR,
  ]);
  await expectAggregatesExact();
  await compareAll('re-linked and deleted, not refreshed');
  expect(await dirtySeries()).toBeGreaterThan(2);

  await holder.query(`select pg_advisory_unlock(hashtext('price_series_refresh'))`);
  await holder.end();

  // And once refreshed: every series on the stored path.
  await refreshPriceSeries(t.hub.db.orm.em.fork());
  expect(await dirtySeries()).toBe(0);
  await compareAll('refreshed');
}, 180_000);

/** The plan nodes of a statement, depth first. */
function planNodes(plan: Record<string, unknown>): Record<string, unknown>[] {
  return [plan, ...((plan.Plans as Record<string, unknown>[] | undefined) ?? []).flatMap(planNodes)];
}

it('judges another window province-wide without reading every series-day (no sequential scan of price_series_day: it took ~13 s on a province-year)', async () => {
  const em = t.hub.db.orm.em.fork();
  for (const options of [
    { from: day(10), to: day(80), k: 2, window: 7 },
    { from: day(45), to: day(75), k: 2, window: 5, market: 'taiyuan-hexi' },
  ]) {
    const { sql, params } = await anomalyStatement(em, options);
    const [row] = await em.getConnection().execute<{ 'QUERY PLAN': [{ Plan: Record<string, unknown> }] }[]>(`explain (format json) ${sql}`, params);
    const scans = planNodes(row['QUERY PLAN'][0].Plan).filter((n) => n['Relation Name'] === 'price_series_day');
    expect(scans.length).toBeGreaterThan(0);
    expect(scans.filter((n) => n['Node Type'] === 'Seq Scan')).toEqual([]);
  }
  // And the same anomalies as the facts (the screen in float8 keeps every day the exact rule finds).
  await expectSameAsFacts({ from: day(10), to: day(80), k: 2, window: 7 });
  await expectSameAsFacts({ from: day(0), to: day(DAYS - 1), k: 1, window: 3, minHistory: 3, minRelativeChange: 0 });
});
