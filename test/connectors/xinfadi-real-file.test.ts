import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { announceSkip } from '../support/skip.js';

/**
 * The real Xinfadi price list (79,621 rows, 2013-2016), read in place from
 * ../shared/data beside the repository. A clone without it runs the rest of
 * the suite; this file then says why it skipped (the fixture-based tests in
 * wholesale-prices.test.ts cover the same shapes). XINFADI_FILE points elsewhere.
 */
const FILE =
  process.env.XINFADI_FILE ?? path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../shared/data/xinfadi-fruit-prices-2013-2016.csv');
const GOLD = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../matching/gold-set.csv');
const present = fs.existsSync(FILE);
if (!present) announceSkip(`skipping "the real Xinfadi price list": ${FILE} is absent (it lives in ../shared/data; XINFADI_FILE points elsewhere)`);
// Conditional on the shared data being there (CI has it): not a skipped test by intent.
const describeWithRealFile = present ? describe : describe.skip;

let t: TestHub;
const RUN = `mutation ($file: String) { runConnector(name: "xinfadi-prices", file: $file) { status error counts { read stored duplicates rejected unmatched } } }`;

describeWithRealFile('the real Xinfadi price list', () => {
  beforeAll(async () => {
    t = await startTestHub({
      CONNECTORS: JSON.stringify([{ name: 'xinfadi-prices', module: 'wholesale-prices', config: { market: 'beijing-xinfadi', batchSize: 20000 } }]),
    });
  });
  afterAll(() => t?.close());

  it('loads completely: every row is stored, a repeat of a stored row, or in the rejected store with a reason', async () => {
    const res = await t.gql(RUN, { file: FILE });
    expect(res.errors).toBeUndefined();
    const { read, stored, duplicates, rejected, unmatched } = res.data.runConnector.counts;
    expect(res.data.runConnector.status).toBe('OK');
    expect(read).toBe(79_621);
    expect(stored + duplicates + rejected).toBe(read);
    const [{ n, matched }] = await t.sql(
      `select count(*)::int as n, count(product_id)::int as matched from price_observation where source_connector = 'xinfadi-prices'`,
    );
    expect(n).toBe(stored);
    const reasons = await t.sql(
      `select count(*)::int as n, count(*) filter (where reason <> '' and position like 'xinfadi-fruit-prices-2013-2016.csv:%')::int as explained from rejected_record where connector = 'xinfadi-prices'`,
    );
    expect(reasons[0]).toEqual({ n: rejected, explained: rejected });
    expect(matched).toBe(stored - unmatched);
    const [{ names, matchedNames }] = await t.sql(
      `select count(distinct raw_name)::int as names, count(distinct raw_name) filter (where product_id is not null)::int as "matchedNames" from price_observation where source_connector = 'xinfadi-prices'`,
    );
    console.log(
      `Xinfadi match rate: ${matched}/${stored} rows (${((100 * matched) / stored).toFixed(1)}%), ${matchedNames}/${names} distinct names; ${rejected} rows rejected, ${duplicates} repeats`,
    );
    // Issue #14's target, on a database with reference data only (the test hub runs with SEED_DEMO=false).
    expect(matched / stored).toBeGreaterThanOrEqual(0.95);
  }, 180_000);

  it('links every stored row to the product the gold set says, or leaves it for review (issue #14)', async () => {
    const gold = new Map(
      (parse(fs.readFileSync(GOLD), { columns: true, bom: true }) as Record<string, string>[])
        .filter((g) => g.list === 'xinfadi-fruit-prices-2013-2016')
        .map((g) => [g.name, g.expected]),
    );
    const rows = await t.sql<{ raw_name: string; code: string | null; n: number }>(
      `select o.raw_name, p.code, count(*)::int as n from price_observation o left join product p on p.id = o.product_id
        where o.source_connector = 'xinfadi-prices' group by 1, 2`,
    );
    let stored = 0,
      matched = 0,
      correct = 0;
    const wrong: string[] = [];
    for (const r of rows) {
      stored += r.n;
      if (!r.code) continue;
      matched += r.n;
      const expected = gold.get(r.raw_name) ?? gold.get(r.raw_name.replace(/^\uFEFF/, ''));
      if (expected === r.code) correct += r.n;
      else wrong.push(`${r.raw_name} -> ${r.code} (gold: ${expected})`);
    }
    console.log(
      `Xinfadi fruit list through the connector: recall ${((100 * matched) / stored).toFixed(1)} % of ${stored} stored rows, precision ${((100 * correct) / matched).toFixed(1)} %`,
    );
    expect(wrong).toEqual([]);
    expect(correct / matched).toBeGreaterThanOrEqual(0.99);
  });

  it('adds nothing when loaded a second time', async () => {
    const res = await t.gql(RUN, { file: FILE });
    expect(res.data.runConnector.counts).toMatchObject({ read: 79_621, stored: 0 });
    const [{ n }] = await t.sql(`select count(*)::int as n from rejected_record where connector = 'xinfadi-prices'`);
    expect(n).toBe(res.data.runConnector.counts.rejected);
  }, 180_000);

  it('answers by canonical product, variety and date, in yuan per kg', async () => {
    const res = await t.gql(`{
      prices(filter: { product: "apple", variety: "红富士", market: "beijing-xinfadi", from: "2015-10-01", to: "2015-10-31" }, first: 5, orderBy: OBSERVED_ON_ASC) {
        totalCount nodes { observedOn rawName avgPrice unit avgPerKg product { code } variety { name } source { connector } }
      }
    }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.prices.totalCount).toBeGreaterThan(10);
    for (const node of res.data.prices.nodes) {
      expect(node).toMatchObject({ unit: '斤', product: { code: 'apple' }, variety: { name: '红富士' }, source: { connector: 'xinfadi-prices' } });
      expect(node.avgPerKg).toBeCloseTo(node.avgPrice * 2, 2);
      expect(node.observedOn >= '2015-10-01' && node.observedOn <= '2015-10-31').toBe(true);
    }
  });

  it('queues the names it could not match, most frequent first, with examples', async () => {
    const res = await t.gql(
      `{ unmatchedNames(connector: "xinfadi-prices", first: 5) { totalCount nodes { rawName count examples suggestedProduct { code } suggestionScore } } }`,
    );
    expect(res.data.unmatchedNames.totalCount).toBeGreaterThan(10);
    const counts = res.data.unmatchedNames.nodes.map((n: any) => n.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(res.data.unmatchedNames.nodes[0].examples.length).toBeGreaterThan(0);
  });
});
