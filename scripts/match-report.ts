/**
 * Match report (issue #14): how well the catalogue matches a real price list.
 *
 *   npm run match:report -- --file <list.csv> --gold test/matching/gold-set.csv [--list <name>] [--top 20] [--database]
 *
 * The list is a price list as published (one row per quote, a `品名`/`prodName`/
 * `varietyName`/`name` column) or a name list with a `rows` column; a category
 * column (`一级分类`, `prodCat`, `分类`, `类别`, `category`, `section`) is passed to
 * the matcher, which sends a match into another sector to review. Prints
 * recall (rows matched), precision (matched rows matched to the product the
 * gold set says), the wrong pairs and the most frequent unmatched names with
 * the review queue's best candidate. The gold labels used are those of the
 * list named by --list (default: the file name without extension).
 * --database matches with the catalogue in DATABASE_URL (including reviewed
 * aliases) instead of the catalogue files. --names prints every name's outcome
 * (name, rows, product or -, gold label, evidence), for labelling a new list.
 *
 *   npm run match:report -- --gold test/matching/gold-set.csv --holdout
 *
 * leaves each list of the gold set out in turn (src/ingest/matching/hold-out.ts:
 * the catalogue without the aliases and varieties only that list carries) and
 * prints its recall and precision held out and with the whole catalogue.
 * Exit code 0; 2 on wrong arguments.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { MikroORM } from '@mikro-orm/postgresql';
import { evaluate, percent, rowsByName, type GoldLabel, type ListRow } from '../src/ingest/matching/match-report.js';
import { ProductMatcher } from '../src/ingest/matching/product-matcher.js';
import { ormOptions } from '../src/database.js';
import { catalogueRowsFromFiles, matcherFromCatalogueFiles } from '../seeds/catalog.matcher.js';
import { holdOut } from '../src/ingest/matching/hold-out.js';

const NAME_COLUMNS = ['品名', 'prodName', 'varietyName', 'name', '品种名称'];
/** A list's own category or section (issue #14, round 4): a match into another sector goes to review. */
const CATEGORY_COLUMNS = ['一级分类', 'prodCat', '分类', '类别', 'category', 'section'];

function args(argv: string[]): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next && !next.startsWith('--')) {
      out[a.slice(2)] = next;
      i++;
    } else out[a.slice(2)] = true;
  }
  return out;
}

/** A price list or name list -> names with their row counts. */
export function readList(file: string): ListRow[] {
  const records = parse(fs.readFileSync(file), { columns: true, bom: true, skip_empty_lines: true, relax_column_count: true }) as Record<string, string>[];
  if (!records.length) return [];
  const column = NAME_COLUMNS.find((c) => c in records[0]);
  if (!column) throw new Error(`${file}: no name column (one of ${NAME_COLUMNS.join(', ')})`);
  const categoryColumn = CATEGORY_COLUMNS.find((c) => c in records[0]);
  return rowsByName(
    records
      .map((r) => ({
        name: r[column].trim(),
        rows: 'rows' in r ? Number(r.rows) : 1,
        category: categoryColumn ? r[categoryColumn]?.trim() || undefined : undefined,
      }))
      .filter((r) => r.name),
  );
}

export function readGold(file: string): GoldLabel[] {
  const records = parse(fs.readFileSync(file), { columns: true, bom: true, skip_empty_lines: true }) as Record<string, string>[];
  return records.map((r) => ({ list: r.list, name: r.name, rows: Number(r.rows), expected: r.expected, note: r.note || undefined }));
}

async function main(): Promise<number> {
  const a = args(process.argv.slice(2));
  if (a.holdout && typeof a.gold === 'string' && a.file === undefined) return leaveOneListOut(readGold(a.gold));
  if (typeof a.file !== 'string' || typeof a.gold !== 'string') {
    console.error(
      'usage: npm run match:report -- --file <list.csv> --gold <gold-set.csv> [--list <name>] [--top 20] [--database] [--names]\n       npm run match:report -- --gold <gold-set.csv> --holdout',
    );
    return 2;
  }
  const listName = typeof a.list === 'string' ? a.list : path.basename(a.file).replace(/\.[^.]+$/, '');
  const list = readList(a.file);
  const gold = new Map(
    readGold(a.gold)
      .filter((g) => g.list === listName)
      .map((g) => [g.name, g]),
  );
  let matcher: ProductMatcher;
  let orm: MikroORM | undefined;
  if (a.database) {
    if (!process.env.DATABASE_URL) throw new Error('--database needs DATABASE_URL');
    orm = await MikroORM.init(ormOptions(process.env.DATABASE_URL, 2));
    matcher = await ProductMatcher.load(orm.em.fork());
  } else matcher = matcherFromCatalogueFiles();
  const report = evaluate(list, gold, (name, category) => matcher.match(name, undefined, undefined, category));
  await orm?.close(true);
  const top = Number(a.top ?? 20);
  console.log(
    `list ${listName} (${a.file}): ${report.names} names, ${report.rows} rows; gold labels for ${gold.size} names (${report.rows - report.unlabelledRows} rows)`,
  );
  console.log(`recall    ${percent(report.recall)}  (${report.matchedRows} of ${report.rows} rows matched to a product)`);
  console.log(
    `          ${percent(report.productRecall)} of the ${report.rows - report.unlabelledRows - report.reviewRows} rows the gold set gives a product (${report.reviewRows} rows carry names labelled REVIEW: they do not say which product)`,
  );
  console.log(`precision ${percent(report.precision)}  (${report.correctRows} of ${report.labelledMatchedRows} labelled matched rows matched correctly)`);
  console.log(`\nwrong pairs (${report.wrong.length}):`);
  for (const w of report.wrong) console.log(`  ${w.name}  ->  ${w.matched}, expected ${w.expected}  (${w.rows} rows; ${w.evidence})`);
  console.log(`\ntop unmatched names (${report.unmatched.length} names, ${report.rows - report.matchedRows} rows):`);
  for (const u of report.unmatched.slice(0, top))
    console.log(`  ${u.name}  (${u.rows} rows${u.expected ? `; gold: ${u.expected}` : ''})${u.suggestion ? `  candidate: ${u.suggestion}` : ''}`);
  if (a.names) {
    console.log('\nevery name (name, rows, product or -, gold label, evidence):');
    for (const { name, rows, category } of list) {
      const outcome = matcher.match(name, undefined, undefined, category);
      console.log(
        `  ${name}\t${rows}\t${outcome.match?.productCode ?? '-'}\t${gold.get(name)?.expected ?? ''}\t${outcome.match?.evidence ?? outcome.suggestion?.evidence ?? ''}`,
      );
    }
  }
  return 0;
}

/** Each list of the gold set measured with the catalogue that never saw it, and with the whole catalogue. */
function leaveOneListOut(gold: GoldLabel[]): number {
  const { products, varieties } = catalogueRowsFromFiles();
  const full = matcherFromCatalogueFiles();
  const lists = [...new Set(gold.map((g) => g.list))];
  console.log('list | rows | names | held out: recall | precision | whole catalogue: recall | precision | names held out');
  for (const list of lists) {
    const labels = gold.filter((g) => g.list === list);
    const rows = labels.map((g) => ({ name: g.name, rows: g.rows }));
    const byName = new Map(labels.map((g) => [g.name, g]));
    const held = holdOut(
      products,
      varieties,
      labels.map((g) => g.name),
      gold.filter((g) => g.list !== list).map((g) => g.name),
    );
    const matcher = ProductMatcher.fromCatalogue(held.products, held.varieties, [], held.ambiguousNames);
    const out = evaluate(rows, byName, (name) => matcher.match(name));
    const all = evaluate(rows, byName, (name) => full.match(name));
    console.log(
      `${list} | ${out.rows} | ${out.names} | ${percent(out.recall)} | ${percent(out.precision)} | ${percent(all.recall)} | ${percent(all.precision)} | ${held.removed.length}`,
    );
    for (const w of out.wrong) console.log(`    held out, wrong: ${w.name} -> ${w.matched}, expected ${w.expected} (${w.rows} rows; ${w.evidence})`);
  }
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('match-report.ts')) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
