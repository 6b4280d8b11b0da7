import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestHub, type TestHub } from '../support/test-hub.js';

/**
 * Price lists in the exact column shapes of public lists the hub had not seen (BENCHMARKS.md, "Catalogue matching on
 * real price lists", session 7), a handful of rows each written for the test (fixtures/real-layouts/), each through
 * the wholesale-prices connector into PostgreSQL. A row counts as stored correctly when its low, average and high
 * per kg are the list's (or, for a per-piece unit, it is stored with that unit and no per-kg price); the figures
 * before and after the cell forms (price-cell.ts) are in BENCHMARKS.md.
 *
 * Where the page prints its day only in its title, a `日期` column carries it (the hub has no default day).
 */

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'real-layouts');

interface Expected {
  name: string;
  /** Per kg: low, average, high (null where the list has none); or the unit of a per-piece price. */
  perKg: [number | null, number, number | null] | { unit: string };
}

const LAYOUTS: { connector: string; file: string; config: object; rows: number; expected: Expected[] }[] = [
  {
    // Lanzhou 大青山 board: `蔬菜 | 价格`, the unit in the title (单位:元/公斤), ranges in the price cell.
    connector: 'lanzhou-board',
    file: 'lanzhou-board.csv',
    config: { unit: '公斤' },
    rows: 6,
    expected: [
      { name: '大白菜', perKg: [null, 1.4, null] },
      { name: '青笋', perKg: [1.8, 2.2, 2.6] },
      { name: '香菜', perKg: [3, 3.5, 4] },
      { name: '土豆', perKg: [1.3, 2.35, 3.4] },
      { name: '菠菜', perKg: [null, 2.8, null] },
      { name: '西红柿', perKg: [null, 3, null] },
    ],
  },
  {
    // A county's monthly report: `商品名称 | 规格等级 | 价格(元/500克) | 与上月比 | 与上年同期比`.
    connector: 'county-monthly',
    file: 'county-monthly.csv',
    config: {},
    rows: 5,
    expected: [
      { name: '精粉', perKg: [null, 6, null] },
      { name: '大米', perKg: [null, 5.4, null] },
      { name: '鲜猪肉', perKg: [null, 26, null] },
      { name: '鸡蛋', perKg: [null, 9, null] },
      { name: '大白菜', perKg: [null, 2.4, null] },
    ],
  },
  {
    // A daily price-by-province page: `产品名称 | 省份 | 今日均价 | 与昨日相比 | 与去年同期相比`, cells `12.05元/千克`.
    connector: 'province-daily',
    file: 'province-daily.csv',
    config: {},
    rows: 4,
    expected: [
      { name: '香菇', perKg: [null, 8.33, null] },
      { name: '香菇', perKg: [null, 10, null] },
      { name: '香菇', perKg: [null, 11.92, null] },
      { name: '香菇', perKg: [null, 12.05, null] },
    ],
  },
  {
    // A city's price-monitoring sheet: `商品名称 | 规格、等级 | 单位 | 监测点1 零售价格 | 监测点2 零售价格 | 指标解释`, a unit
    // per row (元/500克, 元/5升); the operator names the price column. `无` (no quote) is refused, not stored.
    connector: 'city-monitoring',
    file: 'city-monitoring.csv',
    config: { columns: { avg: '监测点1 零售价格' } },
    rows: 5,
    expected: [
      { name: '大白菜', perKg: [null, 5, null] },
      { name: '大豆油', perKg: { unit: '元/5升' } },
      { name: '鲜猪肉', perKg: [null, 40, null] },
      { name: '鸡蛋', perKg: [null, 14, null] },
    ],
  },
  {
    // A city bureau's weekly aquatic list: days in the price headers (`2023/2/23均价`), units in the spec: not read.
    connector: 'aquatic-weekly',
    file: 'aquatic-weekly.csv',
    config: {},
    rows: 3,
    expected: [],
  },
  {
    // Xinfadi's web API as scrapers export it: `一级分类,二级分类,品名,最低价,平均价,最高价,规格,产地,单位,发布日期`.
    connector: 'xinfadi-api-export',
    file: 'xinfadi-api-export.csv',
    config: {},
    rows: 3,
    expected: [
      { name: '菠菜', perKg: [4, 5, 6] },
      { name: '富士苹果', perKg: [8, 9.5, 11] },
      { name: '西红柿', perKg: [6, 7, 8] },
    ],
  },
];

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({
    CONNECTOR_SCHEDULER: 'false',
    CONNECTORS: JSON.stringify(LAYOUTS.map((l) => ({ name: l.connector, module: 'wholesale-prices', config: l.config }))),
  });
});
afterAll(async () => {
  await t?.close();
});

const RUN = `mutation ($name: String!, $file: String) {
  runConnector(name: $name, file: $file) { status error counts { read stored rejected } }
}`;

async function storedRows(connector: string) {
  return t.sql<{ raw_name: string; low: number | null; avg: number | null; high: number | null; unit: string }>(
    `select raw_name, low_per_kg::float as low, avg_per_kg::float as avg, high_per_kg::float as high, unit
       from price_observation where source_connector = $1 order by raw_name, avg_price`,
    [connector],
  );
}

/** How many of a layout's expected rows are stored as expected. */
function correct(rows: Awaited<ReturnType<typeof storedRows>>, expected: Expected[]): number {
  const left = [...rows];
  let n = 0;
  for (const e of expected) {
    const i = left.findIndex((r) =>
      r.raw_name !== e.name
        ? false
        : 'unit' in e.perKg
          ? r.unit === e.perKg.unit && r.avg === null
          : r.low === e.perKg[0] && r.avg === e.perKg[1] && r.high === e.perKg[2],
    );
    if (i >= 0) {
      n++;
      left.splice(i, 1);
    }
  }
  return n;
}

describe('price lists in the column shapes of public lists, rows stored correctly', () => {
  const figures: string[] = [];
  afterAll(() => console.log(`rows stored correctly per layout:\n${figures.join('\n')}`));

  it.each(LAYOUTS.map((l) => [l.connector, l] as const))('%s', async (_name, layout) => {
    const res = await t.gql(RUN, { name: layout.connector, file: path.join(FIXTURES, layout.file) });
    expect(res.errors).toBeUndefined();
    const rows = await storedRows(layout.connector);
    const ok = correct(rows, layout.expected);
    figures.push(`  ${layout.connector}: ${ok} of ${layout.rows} rows (${rows.length} stored, ${layout.expected.length} storable)`);
    expect(ok).toBe(layout.expected.length);
    expect(rows).toHaveLength(layout.expected.length);
  });
});

describe('rows an earlier hub refused for their cells, in the rejected store', () => {
  it('are stored by replayRejected now that the cells are read (a range, a unit in the cell)', async () => {
    // As main at a4a72fa kept them: the raw row with the file's header, refused as "not a number".
    const old = [
      { raw: { 品名: '青笋', 价格: '1.8-2.6', 单位: '元/公斤', 日期: '2024-03-07' }, reason: '价格 is not a number: "1.8-2.6"' },
      { raw: { 品名: '香菇', 价格: '12.05元/千克', 日期: '2024-03-07' }, reason: '价格 is not a number: "12.05元/千克"' },
      { raw: { 品名: '白菜', 价格: '1.8-1.2', 单位: '元/公斤', 日期: '2024-03-07' }, reason: '价格 is not a number: "1.8-1.2"' },
    ];
    for (const [i, r] of old.entries())
      await t.sql(
        `insert into rejected_record (connector, pipeline, reason, field, position, raw, fingerprint) values ('county-monthly', 'wholesale-prices', $1, '价格', $2, $3, $4)`,
        [r.reason, `old.csv:${i + 2}`, JSON.stringify(r.raw), `old-${i}`],
      );
    const res = await t.gql(`mutation { replayRejected(connector: "county-monthly") { replayed stillRejected skipped counts { stored } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.replayRejected).toMatchObject({ replayed: 2, stillRejected: 1, skipped: 0, counts: { stored: 2 } });
    expect(
      await t.sql(
        `select raw_name, low_price::float as low, avg_price::float as avg, high_price::float as high, avg_per_kg::float as per_kg from price_observation where observed_on = '2024-03-07' order by raw_name`,
      ),
    ).toEqual([
      { raw_name: '青笋', low: 1.8, avg: 2.2, high: 2.6, per_kg: 2.2 },
      { raw_name: '香菇', low: null, avg: 12.05, high: null, per_kg: 12.05 },
    ]);
    // The reversed range is still refused, now with the reason that says why.
    expect(await t.sql(`select reason from rejected_record where connector = 'county-monthly' and status = 'PENDING'`)).toEqual([
      { reason: expect.stringMatching(/"1\.8-1\.2" is a reversed range/) },
    ]);
  });
});
