import pg from 'pg';
import { parse, type OperationDefinitionNode } from 'graphql';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { storePrices } from '../../src/ingest/price-writer.js';
import { ensureMonths, maintainPartitions } from '../../src/platform/partitions.js';
import { QueryCompiler } from '../../src/query-compiler/compile.js';
import { buildHubSchema } from '../../src/schema.js';
import { anonymousViewer } from '../../src/policy/viewer.js';
import { toGlobalId } from '../../src/relay/global-id.js';

/**
 * Issue #10: a price `totalCount` is summed from `price_count` (exact counts per
 * market, product and variety, kept by triggers in the writing transaction,
 * migration 20261130010000) when its filter reads only those columns. A count
 * that can drift is a defect: after every kind of write (the ingest pipeline's
 * COPY into a month, a replayed batch, SQL through the parent and straight into
 * a partition (refused unless the transaction counts the rows itself), re-links and moves, deletes, TRUNCATE, a month dropped by
 * retention) the table equals a GROUP BY over the facts, and every compiled
 * `totalCount` equals count(*) over the facts.
 */
let t: TestHub;
let pool: pg.Pool;
const CONNECTOR = 'count-feed';

beforeAll(async () => {
  t = await startTestHub();
  pool = new pg.Pool({ connectionString: t.databaseUrl, max: 2 });
});
afterAll(async () => {
  await pool?.end();
  await t?.close();
});

/** price_count equals a GROUP BY over the facts (keys with n = 0 may stay), and no count is negative. */
async function expectCountsExact(label: string) {
  const [diff] = await t.sql(
    `with facts as (select market_id, product_id, variety_id, count(*)::bigint as n from price_observation group by 1, 2, 3),
          agg as (select market_id, product_id, variety_id, n from price_count where n <> 0)
     select (select count(*) from (select * from facts except select * from agg) x)::int as missing,
            (select count(*) from (select * from agg except select * from facts) x)::int as extra,
            (select count(*) from price_count where n < 0)::int as negative,
            (select count(*) from facts)::int as keys`,
  );
  expect({ label, ...diff }).toEqual({ label, missing: 0, extra: 0, negative: 0, keys: diff.keys });
  return diff.keys as number;
}

const TOTALS = `{
  prices(first: 1) { totalCount }
  apples: prices(first: 1, filter: { product: "apple" }) { totalCount }
  hexi: prices(first: 1, filter: { market: "taiyuan-hexi" }) { totalCount }
  shanxi: prices(first: 1, filter: { originUnder: "14" }) { totalCount }
  markets(first: 100) { nodes { code prices(first: 1) { totalCount } apples: prices(first: 1, filter: { product: "apple" }) { totalCount } } }
}`;

/** Every compiled totalCount (summed or counted) equals count(*) over the facts. */
async function expectTotalsExact(label: string) {
  const res = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: TOTALS }) });
  const { data, errors } = (await res.json()) as { data: any; errors?: unknown };
  expect(errors).toBeUndefined();
  const count = async (where: string, params: unknown[] = []) =>
    Number((await t.sql(`select count(*)::int as n from price_observation p where ${where}`, params))[0].n);
  const apple = `p.product_id in (select id from product where code = 'apple')`;
  const expected = {
    label,
    all: await count('true'),
    apples: await count(apple),
    hexi: await count(`p.market_id = (select id from market where code = 'taiyuan-hexi')`),
    shanxi: await count(`p.origin_region_code like '14%'`),
    markets: await Promise.all(
      data.markets.nodes.map(async (m: { code: string }) => ({
        code: m.code,
        all: await count(`p.market_id = (select id from market where code = $1)`, [m.code]),
        apples: await count(`p.market_id = (select id from market where code = $1) and ${apple}`, [m.code]),
      })),
    ),
  };
  expect({
    label,
    all: data.prices.totalCount,
    apples: data.apples.totalCount,
    hexi: data.hexi.totalCount,
    shanxi: data.shanxi.totalCount,
    markets: data.markets.nodes.map((m: any) => ({ code: m.code, all: m.prices.totalCount, apples: m.apples.totalCount })),
  }).toEqual(expected);
  return expected;
}

async function expectExact(label: string) {
  await expectCountsExact(label);
  return expectTotalsExact(label);
}

const quote = (i: number, market: string, product: string | undefined, observedOn: string, extra: Record<string, unknown> = {}) => ({
  sourceKey: `q-${i}-${market}-${observedOn}`,
  rawName: product ?? '不认识的东西',
  product,
  market,
  observedOn,
  avgPrice: 3 + (i % 7),
  lowPrice: 3 + (i % 7),
  highPrice: 3 + (i % 7),
  unit: '公斤',
  originRegion: i % 2 ? '140821' : undefined,
  ...extra,
});

describe('price_count stays exact', () => {
  it('through the ingest pipeline, a replay, SQL on the parent and on a partition, updates, deletes, TRUNCATE and retention', async () => {
    // The ingest pipeline: COPY straight into each month's partition; varieties, origins and no origin.
    const [{ variety }] = await t.sql(
      `select v.name as variety from variety v join product p on p.id = v.product_id where p.code = 'apple' order by v.id limit 1`,
    );
    const batch = [];
    for (let i = 0; i < 60; i++) {
      const market = ['taiyuan-hexi', 'beijing-xinfadi', 'jincheng-lvxin'][i % 3];
      const product = ['apple', 'pear', 'grape'][i % 4] ?? 'apple';
      batch.push(quote(i, market, product, `2026-0${3 + (i % 4)}-1${i % 10}`, i % 5 === 0 && product === 'apple' ? { variety } : {}));
    }
    const [{ n: base }] = await t.sql(`select count(*)::int as n from price_observation`);
    const first = await storePrices(t.hub.db.orm.em.fork(), t.hub.pubSub.pubSub, CONNECTOR, batch as never);
    expect(first.stored.length).toBe(60);
    const afterIngest = await expectExact('ingest');
    expect(afterIngest.all).toBe(base + 60);
    expect(afterIngest.apples).toBeGreaterThan(0);

    // The same batch again (a replay, a re-sent file): nothing stored, nothing counted.
    const again = await storePrices(t.hub.db.orm.em.fork(), t.hub.pubSub.pubSub, CONNECTOR, batch as never);
    expect(again.stored).toHaveLength(0);
    expect((await expectExact('replay')).all).toBe(base + 60);

    // SQL through the parent (routed to several months and the default partition), rows without a product or per-kg price.
    await t.sql(
      `insert into price_observation (source_connector, source_key, product_id, variety_id, market_id, observed_on, raw_name, avg_price, unit, avg_per_kg)
       select 'count-sql', 'sql-' || g, case when g % 3 = 0 then null else (select id from product where code = 'apple') end, null,
              (select id from market where code = case when g % 2 = 0 then 'taiyuan-hexi' else 'jincheng-lvxin' end),
              case when g = 7 then date '2019-06-01' else date '2026-03-01' + g * 9 end, '苹果', 4, '斤', case when g % 4 = 0 then null else 8 end
         from generate_series(0, 11) g`,
    );
    expect((await expectExact('through the parent')).all).toBe(base + 72);

    // Straight into one month's partition: refused unless the transaction adds the rows to the aggregates itself
    // (migration 20261130050000: the partitions have no insert triggers), as the bulk writer does.
    const intoPartition = `insert into price_observation_202604 (source_connector, source_key, product_id, market_id, observed_on, raw_name, avg_price, unit)
       select 'count-sql', 'part-' || g, (select id from product where code = 'pear'), (select id from market where code = 'beijing-xinfadi'),
              date '2026-04-20', '梨', 3, '公斤' from generate_series(1, 5) g`;
    await expect(t.sql(intoPartition)).rejects.toThrow(/would not be counted/);
    expect((await expectExact('refused')).all).toBe(base + 72);
    await t.sql(
      `select price_facts_added('{}', '{}', '{}', '{}', '{}', '{}', '{}',
         array[(select id from market where code = 'beijing-xinfadi')], array[(select id from product where code = 'pear')], array[null]::int[], array[5]);
       ${intoPartition}`,
    );
    expect((await expectExact('into a partition')).all).toBe(base + 77);
    // The promise lasts one transaction: the next one is refused again.
    await expect(t.sql(intoPartition.replace(`'part-'`, `'late-'`))).rejects.toThrow(/would not be counted/);

    // Updates: a re-link to another product (the review queue), a move to another market, a move across months,
    // an unmatched row matched, an update that touches no key.
    await t.sql(
      `update price_observation set product_id = (select id from product where code = 'apple') where source_key like 'part-%' and source_key <> 'part-5'`,
    );
    await t.sql(`update price_observation set market_id = (select id from market where code = 'beijing-xinfadi') where source_key in ('sql-1', 'sql-2')`);
    await t.sql(`update price_observation set observed_on = date '2026-06-02' where source_key = 'sql-4'`);
    await t.sql(`update price_observation set product_id = (select id from product where code = 'grape') where source_key = 'sql-3'`);
    await t.sql(`update price_observation set avg_price = avg_price + 1 where source_connector = $1`, [CONNECTOR]);
    await t.sql(`update price_observation_202604 set variety_id = (select id from variety where name = $1 limit 1) where source_key = 'part-1'`, [variety]);
    expect((await expectExact('updated')).all).toBe(base + 77);

    // Deletes through the parent and from a partition.
    await t.sql(`delete from price_observation where source_connector = $1 and market_id = (select id from market where code = 'jincheng-lvxin')`, [CONNECTOR]);
    await t.sql(`delete from price_observation_202604 where source_key = 'part-2'`);
    const afterDelete = await expectExact('deleted');
    expect(afterDelete.all).toBe(base + 56); // 20 of the feed's rows at jincheng-lvxin, one of the partition's

    // TRUNCATE of one month.
    const [{ n: inMarch }] = await t.sql(`select count(*)::int as n from price_observation_202603`);
    expect(inMarch).toBeGreaterThan(0);
    await t.sql(`truncate price_observation_202603`);
    expect((await expectExact('truncated')).all).toBe(base + 56 - inMarch);

    // Retention: months past the cut-off dropped whole (truncated first) and old rows deleted from the default partition.
    const [{ n: kept }] = await t.sql(`select count(*)::int as n from price_observation where observed_on >= date '2026-05-01'`);
    const report = await maintainPartitions(pool, [{ table: 'price_observation', retentionDays: 30, truncateBeforeDrop: true }], {
      now: new Date(Date.UTC(2026, 4, 1) + 30 * 86_400_000),
    });
    expect(report.dropped).toContain('price_observation_202604');
    expect(report.deletedRows).toBeGreaterThanOrEqual(1);
    expect((await expectExact('retention')).all).toBe(kept);
  }, 120_000);

  it('counts concurrent writers of the same keys (NULLs included) once each', async () => {
    const [{ n: before }] = await t.sql(`select count(*)::int as n from price_observation`);
    const writers = [new pg.Client({ connectionString: t.databaseUrl }), new pg.Client({ connectionString: t.databaseUrl })];
    await Promise.all(writers.map((c) => c.connect()));
    try {
      await Promise.all(writers.map((c) => c.query('begin')));
      // Both write new keys of the same market (an unmatched product: NULL) before either commits; the second waits on the first's key.
      const insert = (c: pg.Client, tag: string) =>
        c.query(
          `insert into price_observation (source_connector, source_key, product_id, market_id, observed_on, raw_name, avg_price, unit)
           select 'count-concurrent', $1 || g, case when g % 2 = 0 then null else (select id from product where code = 'peach') end,
                  (select id from market where code = 'jincheng-lvxin'), date '2026-07-01' + g, '桃', 3, '公斤' from generate_series(1, 6) g`,
          [tag],
        );
      const first = insert(writers[0], 'a-');
      await first;
      const second = insert(writers[1], 'b-');
      await writers[0].query('commit');
      await second;
      await writers[1].query('commit');
    } finally {
      await Promise.all(writers.map((c) => c.end()));
    }
    expect((await expectExact('concurrent writers')).all).toBe(before + 12);
  });

  it('counts from the triggers of every partition, a month created later included', async () => {
    await ensureMonths(pool, 'price_observation', ['2031-02']);
    const missing = await t.sql(
      `select c.relname, t.name from pg_inherits i join pg_class c on c.oid = i.inhrelid
         cross join unnest(array['price_partition_insert_guard', 'price_count_update', 'price_count_delete', 'price_count_truncate',
                                 'price_series_update', 'price_series_delete']) t(name)
        where i.inhparent = 'price_observation'::regclass
          and not exists (select 1 from pg_trigger g where g.tgrelid = c.oid and g.tgname = t.name)`,
    );
    expect(missing).toEqual([]);
    // No partition keeps an insert trigger with a transition table (the bulk COPY would pay for it); the parent does.
    const insertTriggers = await t.sql(
      `select c.relname, g.tgname from pg_trigger g join pg_class c on c.oid = g.tgrelid
        where g.tgname in ('price_count_insert', 'price_series_insert')
          and (c.oid = 'price_observation'::regclass or c.oid in (select inhrelid from pg_inherits where inhparent = 'price_observation'::regclass))
        order by 1, 2`,
    );
    expect(insertTriggers).toEqual([
      { relname: 'price_observation', tgname: 'price_count_insert' },
      { relname: 'price_observation', tgname: 'price_series_insert' },
    ]);
    const insert = `insert into price_observation_203102 (source_connector, source_key, product_id, market_id, observed_on, raw_name, avg_price, unit)
       values ('count-sql', 'future', (select id from product where code = 'apple'), (select id from market where code = 'taiyuan-hexi'), '2031-02-03', '苹果', 5, '公斤')`;
    await expect(t.sql(insert)).rejects.toThrow(/would not be counted/);
    await t.sql(insert.replace('price_observation_203102', 'price_observation'));
    await expectExact('a new month');
  });

  it('sums the counts only where the filter reads their key columns, and counts the rows otherwise', async () => {
    const compiler = new QueryCompiler(await buildHubSchema({} as never), t.hub.db.orm.getMetadata());
    const text = (query: string) => compiler.compile(parse(query).definitions[0] as OperationDefinitionNode, {}, {}, anonymousViewer())!.text;
    expect(text('{ markets(first: 2) { nodes { prices(first: 1) { totalCount } } } }')).toContain(
      `(select coalesce(sum(p.n), 0)::int from "price_count" p where p."market_id" = t1."id")`,
    );
    expect(text('{ prices(first: 1, filter: { product: "apple", market: "taiyuan-hexi" }) { totalCount } }')).toContain('from "price_count" p');
    // The compiled path reads them (a count put off by hand shows: graphql-js would count the facts), and
    // price_count_rebuild() puts them right.
    const hexi = async () => {
      const res = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ prices(first: 1, filter: { market: "taiyuan-hexi" }) { totalCount } }' }),
      });
      return ((await res.json()) as { data: { prices: { totalCount: number } } }).data.prices.totalCount;
    };
    const exact = await hexi();
    await t.sql(`update price_count set n = n + 1000 where market_id = (select id from market where code = 'taiyuan-hexi') and n > 0`);
    expect(await hexi()).toBeGreaterThanOrEqual(exact + 1000);
    await t.sql(`select price_count_rebuild()`);
    expect(await hexi()).toBe(exact);
    await expectExact('rebuilt');
    for (const filter of ['originUnder: "14"', 'connector: "x"', 'product: "apple", originUnder: "14"']) {
      const sql = text(`{ prices(first: 1, filter: { ${filter} }) { totalCount } }`);
      expect(sql).not.toContain('price_count');
      expect(sql).toContain('select count(*)::int from "price_observation" p');
    }
  });

  it('reads a product filter naming several products product by product, with the same rows in the same order as one WHERE', async () => {
    // 'apple' names the apple (its code) and, from now on, the pear (an alias).
    await t.sql(`update product set aliases = array_append(aliases, 'apple') where code = 'pear'`);
    for (const [orderBy, order] of [
      ['OBSERVED_ON_DESC', 'observed_on desc, id desc'],
      ['AVG_PRICE_ASC', 'avg_price asc, id asc'],
    ]) {
      const query = `{ prices(first: 7, orderBy: ${orderBy}, filter: { product: "apple", market: "beijing-xinfadi" }) { totalCount nodes { id } } }`;
      const res = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      const { data } = (await res.json()) as { data: { prices: { totalCount: number; nodes: { id: string }[] } } };
      const where = `product_id in (select id from product where code = 'apple' or 'apple' = any(aliases)) and market_id = (select id from market where code = 'beijing-xinfadi')`;
      const rows = await t.sql(`select id from price_observation where ${where} order by ${order} limit 7`);
      const [{ n }] = await t.sql(`select count(*)::int as n from price_observation where ${where}`);
      const products = await t.sql(`select distinct product_id from price_observation where ${where}`);
      expect(products.length).toBe(2);
      expect(data.prices.nodes.map((node) => node.id)).toEqual(rows.map((r) => toGlobalId('PriceObservation', r.id)));
      expect(data.prices.totalCount).toBe(n);
    }
  });
});
