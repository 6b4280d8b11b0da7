import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestHub, type TestHub } from '../support/test-hub.js';

/**
 * The review queue (issue #14): names and origins the matchers could not
 * place wait with ranked candidates; officials decide; a decision holds for
 * every source, re-links the stored facts and keeps what they were before.
 */
let t: TestHub;
let dir: string;
let official: string;
let platform: string;

const RUN = `mutation ($file: String) { runConnector(name: "wholesale-prices", file: $file) { status counts { stored unmatched } } }`;
const CSV =
  '\uFEFF品名,最低价,平均价,最高价,规格,单位,发布日期,产地\n' +
  '沙蜜托,1.00,1.20,1.50,普通,斤,2024-10-01,红星农场\n' +
  '沙蜜托,1.10,1.30,1.60,普通,斤,2024-10-02,红星农场\n' +
  '小白菜,0.80,1.00,1.20,普通,斤,2024-10-01,临猗县\n' +
  '高山白菜,0.60,0.70,0.80,普通,斤,2024-10-01,冀鲁\n';

beforeAll(async () => {
  t = await startTestHub({ CONNECTOR_SCHEDULER: 'false' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-review-'));
  fs.writeFileSync(path.join(dir, 'list.csv'), CSV);
  official = await t.createKey({ role: 'OFFICIAL', organisation: 'shanxi-agri' });
  platform = await t.createKey({ role: 'PLATFORM', platform: 'pinduoduo' });
  const res = await t.gql(RUN, { file: path.join(dir, 'list.csv') });
  expect(res.data.runConnector).toMatchObject({ status: 'OK', counts: { stored: 4, unmatched: 3 } });
});
afterAll(async () => {
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the product-name queue', () => {
  it('holds the names no unambiguous evidence matched, with ranked candidates and the evidence for each', async () => {
    const res = await t.as(official).gql(`{ unmatchedNames(first: 10) { nodes { rawName count candidates { product { code } score rule evidence } } } }`);
    expect(res.errors).toBeUndefined();
    const byName = Object.fromEntries(res.data.unmatchedNames.nodes.map((n: any) => [n.rawName, n]));
    expect(Object.keys(byName).sort()).toEqual(['沙蜜托', '高山白菜']);
    const candidates = byName['高山白菜'].candidates;
    expect(candidates.map((c: any) => c.product.code)).toEqual(expect.arrayContaining(['chinese-cabbage']));
    expect(candidates[0]).toMatchObject({ rule: 'SIMILAR', evidence: expect.stringContaining('白菜') });
    const [{ code }] = await t.sql(`select p.code from price_observation o join product p on p.id = o.product_id where raw_name = '小白菜'`);
    expect(code).toBe('bok-choy');
  });

  it('lets an official accept a name: an alias for every source, past facts re-linked, the earlier product kept in the lineage', async () => {
    // An earlier (wrong) link of one of the rows, as an older matcher would have left it.
    await t.sql(
      `update price_observation set product_id = (select id from product where code = 'hami-melon') where raw_name = '沙蜜托' and observed_on = '2024-10-02'`,
    );
    const res = await t.as(official).gql(`mutation { acceptMatch(input: { rawName: "沙蜜托", product: "melon" }) { relinked entry { status } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.acceptMatch).toMatchObject({ relinked: 2, entry: { status: 'ACCEPTED' } });
    const lineage = await t.as(official).gql(`{ relinks(raw: "沙蜜托") { kind factTable previousProduct { code } product { code } actor } }`);
    expect(lineage.data.relinks).toHaveLength(2);
    expect(lineage.data.relinks.map((r: any) => r.previousProduct?.code ?? null).sort()).toEqual(['hami-melon', null]);
    for (const r of lineage.data.relinks)
      expect(r).toMatchObject({ kind: 'PRODUCT', factTable: 'price_observation', product: { code: 'melon' }, actor: 'shanxi-agri' });
  });

  it('matches the accepted name in every later load, from any source', async () => {
    fs.writeFileSync(path.join(dir, 'later.csv'), '品名,最低价,平均价,最高价,规格,单位,发布日期\n沙蜜托,1.00,1.40,1.50,普通,斤,2024-11-01\n');
    const res = await t.gql(RUN, { file: path.join(dir, 'later.csv') });
    expect(res.data.runConnector.counts).toMatchObject({ stored: 1, unmatched: 0 });
    const [{ code }] = await t.sql(`select p.code from price_observation o join product p on p.id = o.product_id where observed_on = '2024-11-01'`);
    expect(code).toBe('melon');
  });

  it('refuses to give a name that already names a product to another one', async () => {
    const res = await t.as(official).gql(`mutation { acceptMatch(input: { rawName: "小白菜", product: "chinese-cabbage" }) { relinked } }`);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'rawName', product: 'bok-choy' });
  });

  it('is decided by officials only', async () => {
    const res = await t.as(platform).gql(`mutation { acceptMatch(input: { rawName: "高山白菜", product: "chinese-cabbage" }) { relinked } }`);
    expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('the origin queue', () => {
  it('holds origin strings no region matched, but not lists of provinces', async () => {
    const res = await t.as(official).gql(`{ unmatchedOrigins(first: 10) { nodes { rawText count connectors } } }`);
    expect(res.data.unmatchedOrigins.nodes).toEqual([{ rawText: '红星农场', count: 2, connectors: ['wholesale-prices'] }]);
  });

  it('lets an official tie an origin to a region: past prices re-linked with their lineage, later loads resolve it', async () => {
    const res = await t
      .as(official)
      .gql(`mutation { acceptOrigin(input: { rawText: "红星农场", regionCode: "140821" }) { relinked entry { status regionCode } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.acceptOrigin).toMatchObject({ relinked: 2, entry: { status: 'ACCEPTED', regionCode: '140821' } });
    const rows = await t.sql(`select distinct origin_region_code from price_observation where origin_text = '红星农场'`);
    expect(rows).toEqual([{ origin_region_code: '140821' }]);
    const lineage = await t.as(official).gql(`{ relinks(kind: "ORIGIN") { raw previousRegionCode regionCode } }`);
    expect(lineage.data.relinks).toEqual([
      { raw: '红星农场', previousRegionCode: null, regionCode: '140821' },
      { raw: '红星农场', previousRegionCode: null, regionCode: '140821' },
    ]);
    fs.writeFileSync(path.join(dir, 'origin.csv'), '品名,最低价,平均价,最高价,规格,单位,发布日期,产地\n小白菜,0.80,1.00,1.20,普通,斤,2024-11-03,红星农场\n');
    await t.gql(RUN, { file: path.join(dir, 'origin.csv') });
    const [{ origin_region_code }] = await t.sql(`select origin_region_code from price_observation where observed_on = '2024-11-03'`);
    expect(origin_region_code).toBe('140821');
  });

  it('refuses a region code the hub does not know', async () => {
    const res = await t.as(official).gql(`mutation { acceptOrigin(input: { rawText: "红星农场", regionCode: "149999" }) { relinked } }`);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'regionCode' });
  });
});

describe('the alias table as CSV', () => {
  it('exports every catalogue name and reviewed alias to officials', async () => {
    const res = await t.as(official).gql(`{ aliasesCsv }`);
    expect(res.errors).toBeUndefined();
    const lines = res.data.aliasesCsv
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(lines[0]).toBe('alias,product,variety,source,created_by,created_at,note');
    expect(lines).toContain('圆白菜,cabbage,,CATALOGUE,,,');
    expect(lines.find((l: string) => l.startsWith('沙蜜托,melon,,REVIEW,shanxi-agri,'))).toBeDefined();
    expect(lines.length).toBeGreaterThan(2000);
    const refused = await t.as(platform).gql(`{ aliasesCsv }`);
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('imports a file only when every row is valid, naming each problem by line and field', async () => {
    const bad =
      'alias,product,variety\n高山白菜,chinese-cabbage,\n沙白瓜,melon-typo,\n红星苹果,apple,不存在的品种\n包菜,chinese-cabbage,\n高山白菜,chinese-cabbage,\n';
    const res = await t.as(official).gql(`mutation ($csv: String!) { importAliases(csv: $csv) { imported } }`, { csv: bad });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'csv' });
    expect(res.errors?.[0].extensions?.problems).toEqual([
      { line: 3, field: 'product', message: 'Unknown product "melon-typo".' },
      { line: 4, field: 'variety', message: 'Product "apple" has no variety "不存在的品种".' },
      { line: 5, field: 'alias', message: '"包菜" already names product "cabbage"' },
      { line: 6, field: 'alias', message: '"高山白菜" is also on line 2' },
    ]);
    const [{ n }] = await t.sql(`select count(*)::int as n from catalog_alias where source = 'IMPORT'`);
    expect(n).toBe(0);
    const good = '\uFEFFalias,product,variety,note\n高山白菜,chinese-cabbage,,Beijing trade name\n沙蜜托,melon,,\n红星苹果,apple,红星,\n';
    const ok = await t.as(official).gql(`mutation ($csv: String!) { importAliases(csv: $csv) { imported unchanged relinked } }`, { csv: good });
    expect(ok.errors).toBeUndefined();
    expect(ok.data.importAliases).toEqual({ imported: 2, unchanged: 1, relinked: 1 });
    const [{ code }] = await t.sql(`select p.code from price_observation o join product p on p.id = o.product_id where raw_name = '高山白菜'`);
    expect(code).toBe('chinese-cabbage');
  });

  it('is also a file at /catalog/aliases.csv behind the access guard', async () => {
    const get = await fetch(`${t.hub.url}/catalog/aliases.csv`, { headers: { authorization: `Bearer ${official}` } });
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toMatch(/text\/csv/);
    expect(await get.text()).toContain('高山白菜,chinese-cabbage,,IMPORT,shanxi-agri,');
    expect((await fetch(`${t.hub.url}/catalog/aliases.csv`, { headers: { authorization: `Bearer ${platform}` } })).status).toBe(403);
    expect((await fetch(`${t.hub.url}/catalog/aliases.csv`)).status).toBe(403);
    const post = await fetch(`${t.hub.url}/catalog/aliases.csv`, {
      method: 'POST',
      headers: { authorization: `Bearer ${official}`, 'content-type': 'text/csv' },
      body: 'alias,product\n,apple\n',
    });
    expect(post.status).toBe(400);
    expect(((await post.json()) as any).errors[0].extensions.problems).toEqual([{ line: 2, field: 'alias', message: 'is empty' }]);
  });
});

describe("the queue's candidates and the list's category column", () => {
  it('are looked up within the category the list filed the name under, as the match was (红辣椒 under 干鲜 is no fresh chili)', async () => {
    fs.writeFileSync(
      path.join(dir, 'dried.csv'),
      '\uFEFF品名,最低价,平均价,最高价,规格,单位,发布日期,一级分类\n红辣椒,10.00,12.00,14.00,普通,斤,2024-10-01,干鲜\n',
    );
    const run = await t.gql(RUN, { file: path.join(dir, 'dried.csv') });
    expect(run.data.runConnector).toMatchObject({ status: 'OK', counts: { stored: 1, unmatched: 1 } });
    const res = await t.as(official).gql(`{ unmatchedNames(first: 20) { nodes { rawName suggestionScore candidates { product { code } score evidence } } } }`);
    expect(res.errors).toBeUndefined();
    const entry = res.data.unmatchedNames.nodes.find((n: any) => n.rawName === '红辣椒');
    // The candidate as the queue stored it: the fresh chili, vetoed by the category, with the reason; not a match of score 1.
    expect(entry.candidates[0]).toMatchObject({ product: { code: 'chili-pepper' }, evidence: expect.stringContaining('"干鲜"') });
    expect(entry.candidates[0].score).toBeLessThan(0.8);
    expect(entry.candidates[0].score).toBeCloseTo(entry.suggestionScore, 5);
  });
});
