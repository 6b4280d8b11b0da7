/**
 * Generates a year of data for the whole province, for the analytics
 * benchmark (issue #7): about 3 million parcels (upstream from and downstream
 * to all of Shanxi's ~22,000 villages) and daily wholesale prices of every
 * catalogue product at ~50 markets. Everything is generated inside PostgreSQL
 * with `insert ... select ... from generate_series(...)`, a month per
 * statement, so nothing goes row by row through Node.
 *
 *   createdb -h 127.0.0.1 -U root analytics_bench
 *   DATABASE_URL=postgres://root@127.0.0.1:5432/analytics_bench npm run bench:generate
 *   BENCH_SHIPMENTS=300000 BENCH_YEAR=2025 ...    # smaller or another year
 *
 * It migrates the database and loads the reference data first. Refuses a
 * database that already holds generated parcels (drop and recreate it).
 */
import 'reflect-metadata';
import type pg from 'pg';
import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '../src/database.js';
import { createLogger } from '../src/platform/logger.js';
import { seedReferenceData } from '../seeds/index.js';
import { ensureMonths } from '../src/platform/partitions.js';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('Set DATABASE_URL to a database of its own, e.g. postgres://root@127.0.0.1:5432/analytics_bench');
  process.exit(2);
}
const shipments = Number(process.env.BENCH_SHIPMENTS ?? 3_000_000);
const year = Number(process.env.BENCH_YEAR ?? 2025);
const extraMarkets = Number(process.env.BENCH_MARKETS ?? 40);
const CONNECTOR = 'bench-generator';

const log = createLogger('info');
const orm = await MikroORM.init(ormOptions(url, 2));
await orm.migrator.up();
const em = orm.em.fork();
const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => em.getConnection().execute<T[]>(text, params);
const step = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  const result = await run();
  console.log(`${what}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
};

await step('reference data (regions, catalogue, markets, couriers)', () => seedReferenceData(em, log));
const [{ n: existing }] = await sql<{ n: string }>(`select count(*) as n from shipment where source_connector = ?`, [CONNECTOR]);
if (Number(existing) > 0) {
  console.error(`This database already holds ${existing} generated parcels; drop and recreate it to generate again.`);
  process.exit(1);
}

// ---- markets and prices ---------------------------------------------------------------------------
await step(`${extraMarkets} extra wholesale markets in the cities of Shanxi`, () =>
  sql(
    `insert into market (code, name, channel, region_code)
       select 'bench-market-' || g, '基准批发市场' || g, 'WHOLESALE_MARKET', c.code
         from generate_series(1, ?) g
         join lateral (select code from region where level = 'CITY' order by code offset (g % 11) limit 1) c on true
       on conflict (code) do nothing`,
    [extraMarkets],
  ),
);

// The year's monthly partitions first: rows of a month without one land in the default partition, which
// then keeps growing with every generated year (no partition pruning, one big index). The partition
// maintenance job only creates months around today, so a generated past year needs them made here.
const months = Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`);
await step(`monthly partitions of ${year}`, async () => {
  const pool = (await em.getConnection().getNativeClient()) as pg.Pool;
  for (const table of ['price_observation', 'tracking_event']) {
    const created = await ensureMonths(pool, table, months, log);
    const [{ missing }] = await sql<{ missing: number }>(
      `select count(*)::int as missing from unnest(?::text[]) m where to_regclass(? || '_' || replace(m, '-', '')) is null`,
      [`{${months.join(',')}}`, table],
    );
    if (missing) throw new Error(`${table}: ${missing} months of ${year} have no partition (the default partition may already hold rows of them)`);
    console.log(`  ${table}: ${created.length} created`);
  }
});

// Per product a base price (yuan/kg, from the product's category), per market a level, per day a
// seasonal swing and noise: quotes in the range Shanxi markets report. 3 % of days have no quote.
const priceRows = await step('a year of daily prices (every product at every market)', async () => {
  let total = 0;
  for (let month = 1; month <= 12; month++) {
    const start = `${year}-${String(month).padStart(2, '0')}-01`;
    const [{ n }] = await sql<{ n: string }>(
      `with inserted as (
         insert into price_observation (source_connector, source_key, product_id, market_id, origin_region_code, observed_on, raw_name,
                                        low_price, avg_price, high_price, unit, low_per_kg, avg_per_kg, high_per_kg, volume, volume_unit)
         select ?, 'p-' || m.id || '-' || p.id || '-' || d::date, p.id, m.id, counties.codes[1 + (p.id * 7 + m.id) % array_length(counties.codes, 1)], d::date, p.name,
                round(v.avg * 0.85, 2), round(v.avg, 2), round(v.avg * 1.15, 2), '公斤',
                round(v.avg * 0.85, 2), round(v.avg, 2), round(v.avg * 1.15, 2), round((50 + random() * 950)::numeric, 0), 'kg'
           from market m
          cross join product p
          cross join generate_series(?::date, (?::date + interval '1 month' - interval '1 day'), interval '1 day') d
          cross join lateral (select ((2 + (p.id * 37 % 23)) * (0.9 + (m.id % 7) * 0.03)
                                     * (1 + 0.15 * sin(2 * pi() * extract(doy from d) / 365.0 + p.id))
                                     * (0.94 + random() * 0.12))::numeric as avg) v
          cross join (select array_agg(code order by code) as codes from region where level = 'COUNTY') counties
          where random() > 0.03
         returning 1)
       select count(*) as n from inserted`,
      [CONNECTOR, start, start],
    );
    total += Number(n);
    process.stdout.write(`  ${start.slice(0, 7)}: ${Number(n).toLocaleString('en')} prices\n`);
  }
  return total;
});

// The prices' rolling statistics (price_anomaly_candidate, issue #13): the triggers kept the daily aggregates
// and marked every series; one refresh computes what priceAnomalies reads.
await step('rolling statistics of the price series', () => sql(`select price_series_refresh(20)`));

// ---- parcels --------------------------------------------------------------------------------------
await sql(`drop table if exists bench_village`);
await sql(`create unlogged table bench_village as select row_number() over (order by code)::int as idx, code from region where level = 'VILLAGE'`);
await sql(`create index on bench_village (idx)`);
const [{ villages }] = await sql<{ villages: number }>(`select count(*)::int as villages from bench_village`);
// Far ends of parcels: Beijing, Shanghai, Shenzhen, Hangzhou, Chengdu, Zhengzhou, Xi'an, Taiyuan districts.
const FAR_ENDS = ['110105', '310115', '440305', '330106', '510107', '410105', '610113', '140105', '140106', '140109'];

const parcelRows = await step(`${shipments.toLocaleString('en')} parcels over ${year}, from and to ${villages.toLocaleString('en')} villages`, async () => {
  let total = 0;
  const perMonth = Math.ceil(shipments / 12);
  for (let month = 1; month <= 12; month++) {
    const started = performance.now();
    const first = (month - 1) * perMonth + 1;
    const last = Math.min(shipments, month * perMonth);
    const start = `${year}-${String(month).padStart(2, '0')}-01`;
    const [{ n }] = await sql<{ n: string }>(
      `with inserted as (
         insert into shipment (courier_id, tracking_number, status, direction, origin_region_code, origin_code, destination_region_code, destination_code,
                               platform_id, is_farm_product, weight_kg, recipient_phone, promised_at, picked_up_at, delivered_at, last_event_at,
                               source_connector, source_key, ingested_at)
         select c.ids[1 + (g.g % array_length(c.ids, 1))], 'PY' || lpad(g.g::text, 11, '0'),
                (case when g.delivered then 'DELIVERED' else 'IN_TRANSIT' end)::shipment_status, g.direction::shipment_direction,
                case when g.direction = 'DOWNSTREAM' then null else v.code end, case when g.direction = 'DOWNSTREAM' then g.far else v.code end,
                case when g.direction = 'DOWNSTREAM' then v.code else null end, case when g.direction = 'DOWNSTREAM' then v.code else g.far end,
                case when g.online then pl.ids[1 + (g.g % array_length(pl.ids, 1))] end, g.farm, round((0.3 + g.r3 * 12)::numeric, 2),
                '1' || (30 + g.g % 60) || lpad((g.g * 7919 % 100000000)::text, 8, '0'),
                g.picked + interval '72 hours', g.picked,
                case when g.delivered then g.picked + (18 + g.r4 * 80) * interval '1 hour' end,
                g.picked + (18 + g.r4 * 80) * interval '1 hour',
                ?, 'py-' || g.g, g.picked
           -- random() in the select list is drawn per row (an uncorrelated sub-select would be drawn once).
           from (select r.g, r.vi, r.r3, r.r4, r.far, r.picked,
                        case when r.r1 < 0.55 then 'UPSTREAM' when r.r1 < 0.95 then 'DOWNSTREAM' else 'NONE' end as direction,
                        case when r.r1 < 0.55 then r.r2 < 0.7 else r.r2 < 0.1 end as farm,
                        case when r.r1 < 0.55 then r.r2 < 0.8 else r.r2 < 0.6 end as online,
                        r.r5 < 0.96 as delivered
                   from (select s as g, (1 + floor(random() * ?))::int as vi, random() as r1, random() as r2, random() as r3, random() as r4, random() as r5,
                                (array[${FAR_ENDS.map((c) => `'${c}'`).join(',')}])[1 + floor(random() * ${FAR_ENDS.length})::int] as far,
                                ?::timestamp at time zone 'Asia/Shanghai' + random() * (?::date + interval '1 month' - ?::date) as picked
                           from generate_series(?::bigint, ?::bigint) s) r) g
           join bench_village v on v.idx = g.vi
          cross join (select array_agg(id order by id) as ids from courier) c
          cross join (select array_agg(id order by id) as ids from market where channel = 'ECOMMERCE_PLATFORM') pl
         returning 1)
       select count(*) as n from inserted`,
      [CONNECTOR, villages, start, start, start, first, last],
    );
    total += Number(n);
    process.stdout.write(`  ${start.slice(0, 7)}: ${Number(n).toLocaleString('en')} parcels (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  }
  return total;
});
await sql(`drop table bench_village`);

// Pickup and delivery scans for the parcels of one county, so that the subsidy report has scan data to check.
const SCAN_COUNTY = process.env.BENCH_SCAN_COUNTY ?? '140821';
await step(`pickup and delivery scans of the parcels of ${SCAN_COUNTY}`, () =>
  sql(
    `insert into tracking_event (shipment_id, occurred_at, status, region_code, area_code, source_connector, source_key)
       select s.id, e.at, e.status::shipment_status, case when e.area like '14%' and length(e.area) >= 6 then e.area end, e.area, ?, 'py-' || s.id || '-' || e.status
         from shipment s
        cross join lateral (values (s.picked_up_at, 'PICKED_UP', coalesce(s.origin_region_code, s.origin_code)),
                                   (s.delivered_at, 'DELIVERED', coalesce(s.destination_region_code, s.destination_code))) e(at, status, area)
        where (s.origin_region_code like ? or s.destination_region_code like ?) and e.at is not null`,
    [CONNECTOR, `${SCAN_COUNTY}%`, `${SCAN_COUNTY}%`],
  ),
);
// Vacuum, not only analyze: a freshly loaded table has no visibility map yet, so an "index-only" scan still reads
// every row's heap page (courierQuality's covering index: 250,000 heap fetches for a month, 2.4 s instead of a
// fraction of it). Autovacuum sets it eventually; the benchmark measures the steady state.
// The parcel counts the shipment triggers appended, folded into the rollup (what the hub's fold job does every 15 s).
await step('fold parcel statistics', () => sql('select parcel_daily_stat_fold()'));
await step('vacuum and analyze', () => sql('vacuum (analyze)'));

const [{ rollup }] = await sql<{ rollup: string }>(`select count(*) as rollup from parcel_daily_stat`);
console.log(
  `done: ${priceRows.toLocaleString('en')} prices, ${parcelRows.toLocaleString('en')} parcels, ${Number(rollup).toLocaleString('en')} rollup rows (parcel_daily_stat)`,
);
await orm.close();
