import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { evaluate, percent, REVIEW, type GoldLabel } from '../../src/ingest/matching/match-report.js';
import { matcherFromCatalogueFiles } from '../../seeds/catalog.matcher.js';
import { PRODUCTS } from '../../seeds/catalog.data.js';

/**
 * Matching measured on real price lists (issue #14), from the labelled
 * gold set alone: each gold row is a real trade name with its row count in
 * its list and the product it must get (or REVIEW when the name does not say
 * which product). Row-weighted, so a name quoted 900 times counts 900 times.
 * Runs on a fresh clone: the raw lists are not needed (their sources are in
 * test/matching/README.md). Targets: >= 99 % of matched rows correct; >= 95 %
 * of the rows that name a product matched. The recall over all rows is
 * printed; the lists' REVIEW rows bound it (see README, "Catalogue and matching").
 */
const GOLD = path.join(path.dirname(new URL(import.meta.url).pathname), 'gold-set.csv');
const gold = (parse(fs.readFileSync(GOLD), { columns: true, bom: true }) as Record<string, string>[]).map((r): GoldLabel => ({
  list: r.list,
  name: r.name,
  rows: Number(r.rows),
  expected: r.expected,
  note: r.note || undefined,
}));
const lists = [...new Set(gold.map((g) => g.list))];
const matcher = matcherFromCatalogueFiles();
/**
 * Lists whose row recall stays below 95 % because more than 5 % of their rows
 * carry names that do not say which product (labelled REVIEW, each with its
 * reason in the gold set). The Xinfadi fruit list left this list in round 4
 * (95.0 %: the head-final rule, README "How names are matched").
 */
const BOUNDED_BY_REVIEW = [
  // Qingdao's 城阳 market (round 3): Jiaodong names that mean another product elsewhere (大头菜, 胡瓜, 芸豆, 刀鱼,
  // 大头鱼, 面条鱼) and local fish names no source placed (红头鱼, 石甲鱼, 逛鱼, 古眼酱): 10.7 % of its names.
  'qingdao-chengyang-2018',
  // A Wuhan caterer's purchase list (round 3): garnish herbs the catalogue does not carry (香茅, 酸模, 迷迭香), fish
  // parts (鳙鱼头, 草鱼尾), meat that does not say its animal (肉末, 肉丝) and 鲈鱼, 豆芽, 红椒: 8.9 % of its names.
  'wuhan-caterer-purchases',
  // Round 4's fresh lists: the Lanzhou 大青山 board (番瓜, 龙豆, 豆角, 蒜苗 mean other products elsewhere; 圆姑, 良椒, 大红椒
  // not placed: 7 of 39 names) and the market reports of round 4 (沙白瓜, 蜜宝王, 密椒, 毛白菜 not placed: 4 of 52).
  'lanzhou-daqingshan-2015',
  'market-reports-round4',
];

describe('the gold set', () => {
  it('labels at least 400 distinct real trade names from at least three lists, each with a catalogue product or REVIEW', () => {
    const codes = new Set(PRODUCTS.map((p) => p.code));
    expect(new Set(gold.map((g) => g.name)).size).toBeGreaterThanOrEqual(400);
    expect(lists.length).toBeGreaterThanOrEqual(3);
    expect(gold.filter((g) => g.expected !== REVIEW && !codes.has(g.expected))).toEqual([]);
    expect(gold.filter((g) => !(g.rows > 0))).toEqual([]);
    const keys = gold.map((g) => `${g.list}\u0000${g.name}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });
});

describe.each(lists)('matching the real list %s', (list) => {
  const labels = gold.filter((g) => g.list === list);
  const report = evaluate(
    labels.map((g) => ({ name: g.name, rows: g.rows })),
    new Map(labels.map((g) => [g.name, g])),
    (name) => matcher.match(name),
  );

  it('matches at least 99 % of matched rows to the right product', () => {
    const wrong = report.wrong.map((w) => `${w.name} -> ${w.matched}, expected ${w.expected} (${w.rows} rows)`);
    console.log(
      `${list}: recall ${percent(report.recall)} of ${report.rows} rows (${percent(report.productRecall)} of rows naming a product), precision ${percent(report.precision)}${wrong.length ? `; wrong: ${wrong.join('; ')}` : ''}`,
    );
    expect(report.precision).toBeGreaterThanOrEqual(0.99);
  });

  it('matches at least 95 % of the rows whose name says which product', () => {
    expect(report.productRecall).toBeGreaterThanOrEqual(0.95);
  });

  it('matches at least 95 % of all rows, unless names that do not say which product (REVIEW) hold more than 5 % of them', () => {
    if (report.recall < 0.95) {
      const blocking = labels
        .filter((g) => g.expected === REVIEW)
        .sort((a, b) => b.rows - a.rows)
        .slice(0, 8)
        .map((g) => `${g.name} (${g.rows})`);
      console.log(
        `${list}: recall ${percent(report.recall)} is bounded by REVIEW names holding ${percent(report.reviewRows / report.rows)} of the rows: ${blocking.join(', ')} (test/matching/README.md says why each is REVIEW)`,
      );
      expect(BOUNDED_BY_REVIEW).toContain(list);
      expect((report.matchedRows + report.reviewRows) / report.rows).toBeGreaterThanOrEqual(0.95);
    } else expect(report.recall).toBeGreaterThanOrEqual(0.95);
  });

  it('sends every name labelled REVIEW to the review queue', () => {
    const matchedReview = labels
      .filter((g) => g.expected === REVIEW && matcher.match(g.name).match)
      .map((g) => `${g.name} -> ${matcher.match(g.name).match!.productCode}`);
    expect(matchedReview).toEqual([]);
  });
});
