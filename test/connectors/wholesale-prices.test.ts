import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { startTestHub, type TestHub } from '../support/test-hub.js';

let t: TestHub;
let dir: string;
beforeAll(async () => {
  t = await startTestHub({ CONNECTOR_SCHEDULER: 'false' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-prices-'));
});
afterAll(async () => {
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const RUN = `mutation ($name: String!, $file: String) {
  runConnector(name: $name, file: $file) { status error counts { read stored duplicates rejected unmatched } connector { name status lastSuccessAt lastCounts { stored } } }
}`;

// Our own small fixture in the Xinfadi list's shape: BOM, bracketed specs, 斤, a repeated row, a per-piece name, a bad row.
const XINFADI_CSV =
  '\uFEFF品名,最低价,平均价,最高价,规格,单位,发布日期\n' +
  '富士（纸袋Φ85以上）,3.00,3.50,4.00,普通,斤,2015-10-01\n' +
  '富士（纸袋Φ85以上）,3.00,3.50,4.00,普通,斤,2015-10-01\n' +
  '王林苹果,2.50,2.80,3.00,普通,斤,2015-10-01\n' +
  '椰青/个,4.00,4.50,5.00,普通,斤,2015-10-01\n' +
  '沙蜜托,1.00,1.20,1.50,普通,斤,2015-10-01\n' +
  '玫瑰香,7.00,6.80,7.50,普通,斤,2015-10-01\n' +
  '鸭梨,abc,1.50,2.00,普通,斤,2015-10-01\n';

describe('wholesale price lists', () => {
  it('loads a Xinfadi-shaped CSV: per-kg prices from 斤, per-piece names kept per piece, repeats stored once, bad rows kept with reason', async () => {
    const file = path.join(dir, 'xinfadi.csv');
    fs.writeFileSync(file, XINFADI_CSV);
    const res = await t.gql(RUN, { name: 'wholesale-prices', file });
    expect(res.errors).toBeUndefined();
    expect(res.data.runConnector).toMatchObject({ status: 'OK', counts: { read: 7, stored: 4, duplicates: 1, rejected: 2, unmatched: 1 } });

    const rows = await t.sql(
      `select raw_name, p.code, v.name as variety, avg_price::float, avg_per_kg::float, unit, spec from price_observation o
         left join product p on p.id = o.product_id left join variety v on v.id = o.variety_id
        where source_connector = 'wholesale-prices' order by raw_name`,
    );
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ raw_name: '富士（纸袋Φ85以上）', code: 'apple', variety: '红富士', avg_price: 3.5, avg_per_kg: 7, unit: '斤' }),
        expect.objectContaining({ raw_name: '王林苹果', code: 'apple', variety: '王林' }),
        expect.objectContaining({ raw_name: '椰青/个', unit: '个', avg_per_kg: null, avg_price: 4.5 }),
        expect.objectContaining({ raw_name: '沙蜜托', code: null }),
      ]),
    );

    const rejected = await t.gql(`{ rejectedRecords(connector: "wholesale-prices") { totalCount nodes { reason field position pipeline raw } } }`);
    const reasons = rejected.data.rejectedRecords.nodes.map((n: any) => [n.field, n.position, n.pipeline]);
    expect(reasons).toEqual(
      expect.arrayContaining([
        ['avgPrice', 'xinfadi.csv:7', 'wholesale-prices'],
        ['最低价', 'xinfadi.csv:8', 'wholesale-prices'],
      ]),
    );
  });

  it('adds nothing when the same list is loaded again', async () => {
    const res = await t.gql(RUN, { name: 'wholesale-prices', file: path.join(dir, 'xinfadi.csv') });
    expect(res.data.runConnector.counts).toMatchObject({ read: 7, stored: 0, duplicates: 5 });
    const [{ n }] = await t.sql(`select count(*)::int as n from price_observation where source_connector = 'wholesale-prices'`);
    expect(n).toBe(4);
  });

  it('queues unmatched names with counts and examples; accepting one adds an alias and re-links past rows', async () => {
    const queue = await t.gql(`{ unmatchedNames(first: 50) { nodes { rawName count connectors examples } } }`);
    const entry = queue.data.unmatchedNames.nodes.find((n: any) => n.rawName === '沙蜜托');
    expect(entry).toMatchObject({ count: 1, connectors: ['wholesale-prices'] });
    expect(entry.examples[0]).toMatchObject({ connector: 'wholesale-prices', observedOn: '2015-10-01' });

    const accepted = await t.gql(`mutation { acceptMatch(input: { rawName: "沙蜜托", product: "melon" }) { relinked entry { status relinked } } }`);
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data.acceptMatch).toMatchObject({ relinked: 1, entry: { status: 'ACCEPTED', relinked: 1 } });
    const [row] = await t.sql(`select p.code from price_observation o join product p on p.id = o.product_id where raw_name = '沙蜜托'`);
    expect(row.code).toBe('melon');
    const [alias] = await t.sql(`select a.alias, a.source, p.code from catalog_alias a join product p on p.id = a.product_id where a.alias = '沙蜜托'`);
    expect(alias).toMatchObject({ source: 'REVIEW', code: 'melon' });
    const pending = await t.gql(`{ unmatchedNames(first: 50) { nodes { rawName } } }`);
    expect(pending.data.unmatchedNames.nodes.map((n: any) => n.rawName)).not.toContain('沙蜜托');
  });

  it('reads the Xinfadi web-API JSON and the ministry portal shapes, with origins matched to region codes where one region is named', async () => {
    const api = path.join(dir, 'api.json');
    fs.writeFileSync(
      api,
      JSON.stringify({
        current: 1,
        limit: 20,
        count: 2,
        list: [
          {
            prodName: '红富士',
            prodCat: '水果',
            prodPcat: '',
            lowPrice: '3.2',
            avgPrice: '3.6',
            highPrice: '4.0',
            place: '山西运城临猗',
            specInfo: '',
            unitInfo: '斤',
            pubDate: '2024-11-02 00:00:00',
          },
          {
            prodName: '鸭梨',
            prodCat: '水果',
            prodPcat: '',
            lowPrice: '1.5',
            avgPrice: '1.8',
            highPrice: '2.0',
            place: '冀鲁豫',
            specInfo: '',
            unitInfo: '斤',
            pubDate: '2024-11-02 00:00:00',
          },
        ],
      }),
    );
    const ministry = path.join(dir, 'ministry.json');
    fs.writeFileSync(
      ministry,
      JSON.stringify({
        data: [
          {
            varietyCode: 'AL001',
            varietyName: '苹果',
            meteringUnit: '公斤',
            marketName: '山西晋城绿欣农产品批发市场',
            provinceName: '山西',
            reportDate: '2024-11-02',
            minPrice: 6,
            avgPrice: 7,
            maxPrice: 8,
          },
        ],
      }),
    );
    expect((await t.gql(RUN, { name: 'wholesale-prices', file: api })).data.runConnector.counts).toMatchObject({ read: 2, stored: 2, rejected: 0 });
    const ministryRun = await t.gql(RUN, { name: 'wholesale-prices', file: ministry });
    // The ministry market name is not a hub market code and the default config maps no names: kept, not guessed.
    expect(ministryRun.data.runConnector.counts).toMatchObject({ read: 1, stored: 0, rejected: 1 });
    const rows = await t.sql(
      `select raw_name, origin_text, origin_region_code, avg_per_kg::float from price_observation where observed_on = '2024-11-02' order by raw_name`,
    );
    expect(rows).toEqual([
      { raw_name: '红富士', origin_text: '山西运城临猗', origin_region_code: '140821', avg_per_kg: 7.2 },
      { raw_name: '鸭梨', origin_text: '冀鲁豫', origin_region_code: null, avg_per_kg: 3.6 },
    ]);
  });

  it('replays a rejected record once it is corrected, and keeps refusing what is still wrong', async () => {
    // An operator corrects the ministry row's market (a name the hub has no code for) to the hub's code.
    const [rejected] = await t.sql(`select id from rejected_record where status = 'PENDING' and raw->>'marketName' is not null`);
    await t.sql(`update rejected_record set raw = jsonb_set(raw, '{marketName}', '"jincheng-lvxin"') where id = $1`, [rejected.id]);
    const res = await t.gql(
      `mutation { replayRejected(connector: "wholesale-prices") { replayed stillRejected counts { stored } records { status replayedAt } } }`,
    );
    expect(res.errors).toBeUndefined();
    // The two source errors in the CSV still fail (their reason is kept, and loading the CSV twice did not keep them twice); the ministry row is stored.
    expect(res.data.replayRejected).toMatchObject({ replayed: 1, stillRejected: 2, counts: { stored: 1 }, records: [{ status: 'REPLAYED' }] });
    const [row] = await t.sql(
      `select avg_per_kg::float, unit from price_observation o join market m on m.id = o.market_id where m.code = 'jincheng-lvxin' and raw_name = '苹果'`,
    );
    expect(row).toEqual({ avg_per_kg: 7, unit: '公斤' });
  });

  it("imports an officials' XLSX sheet through the spreadsheet-upload connector, by mutation", async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('价格');
    sheet.addRow(['品名', '品种', '产地', '规格', '单位', '最低价', '平均价', '最高价', '日期']);
    sheet.addRow(['苹果', '红富士', '晋中太谷', '一级', '公斤', 5, 6, 7, new Date(Date.UTC(2024, 10, 3))]);
    sheet.addRow(['小米', '', '临猗县', '', '吨', 5000, 5200, 5400, '2024-11-03']);
    const file = path.join(dir, 'sheet.xlsx');
    await workbook.xlsx.writeFile(file);
    const res = await t.gql(`mutation ($path: String!) { importSpreadsheet(path: $path) { status counts { read stored rejected } connector { name kind } } }`, {
      path: file,
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.importSpreadsheet).toMatchObject({
      status: 'OK',
      counts: { read: 2, stored: 2, rejected: 0 },
      connector: { name: 'spreadsheet-upload', kind: 'push' },
    });
    const rows = await t.sql(
      `select raw_name, origin_region_code, avg_per_kg::float, unit from price_observation where source_connector = 'spreadsheet-upload' order by raw_name`,
    );
    expect(rows).toEqual([
      { raw_name: '小米', origin_region_code: '140821', avg_per_kg: 5.2, unit: '吨' },
      { raw_name: '苹果', origin_region_code: '140703', avg_per_kg: 6, unit: '公斤' },
    ]);
  });

  it('exposes lineage: every price has its source, and a product lists the sources behind it by origin', async () => {
    const res = await t.gql(`{
      prices(filter: { product: "apple", from: "2024-11-02", to: "2024-11-03" }, first: 50) { nodes { source { connector key ingestedAt } } }
      products(first: 100) { nodes { code originProfile { connector kind facts originRegion { code } firstDay lastDay } } }
    }`);
    expect(res.errors).toBeUndefined();
    const connectors = new Set(res.data.prices.nodes.map((n: any) => n.source.connector));
    expect([...connectors]).toEqual(expect.arrayContaining(['wholesale-prices', 'spreadsheet-upload']));
    const apple = res.data.products.nodes.find((p: any) => p.code === 'apple');
    expect(apple.originProfile).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ connector: 'wholesale-prices', kind: 'PRICE', originRegion: { code: '140821' }, facts: 1, firstDay: '2024-11-02' }),
        expect.objectContaining({ connector: 'spreadsheet-upload', kind: 'PRICE', originRegion: { code: '140703' }, facts: 1 }),
      ]),
    );
  });

  it('lists the connectors that ran with their status, counts and lag', async () => {
    const res = await t.gql(`{ connectors { name module kind status lastSuccessAt lagSeconds totalCounts { read stored } lastError } }`);
    expect(res.errors).toBeUndefined();
    const wholesale = res.data.connectors.find((c: any) => c.name === 'wholesale-prices');
    expect(wholesale).toMatchObject({ module: 'wholesale-prices', kind: 'pull', status: 'OK', lastError: null });
    expect(wholesale.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(wholesale.totalCounts.stored).toBeGreaterThanOrEqual(6);
  });
});
