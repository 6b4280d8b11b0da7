import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { lookupKey } from '../src/ingest/matching/normalise.js';

/**
 * The product catalogue, read from the reviewable CSV files in
 * `seeds/catalogue/` (issue #14; how they are built and maintained: README,
 * "Catalogue and matching"):
 *
 * - `classes.csv`: sectors and classes with the code of the standard they
 *   come from (NY/T 3177-2018 农产品分类与代码: 0104 蔬菜 → 010402 白菜类 …),
 *   or `hub` where no standard code could be verified (meat, aquatic …);
 * - `products.csv`: one row per product, its class, trade names and aliases
 *   (`|`-separated), farm-product flag and cold-chain range;
 * - `varieties.csv`: varieties (品种) of a product with their other names, and where each came from
 *   (`source`: a report that names it as a cultivar of that fruit, or trade knowledge; empty for the
 *   rows of rounds 1–3, whose basis is in test/matching/README.md).
 *
 * The files are checked when read: unknown classes, duplicate codes or
 * names, and a name given to two products stop the load with the file and
 * line, so a catalogue that would match one name to two products never
 * reaches a database.
 */

/** A variety: its canonical name, then its other names. */
export type VarietyData = readonly [name: string, ...aliases: string[]];

export type CategoryLevelData = 'SECTOR' | 'CLASS';

export interface CategoryData {
  /** Stable slug. */
  code: string;
  name: string;
  nameEn?: string;
  level: CategoryLevelData;
  /** Code of the parent category (the sector of a class). */
  parent?: string;
  /** `NY/T 3177-2018`, or `hub` for a grouping without a verified standard code. */
  standard?: string;
  /** Code in that standard, e.g. `010402`. */
  standardCode?: string;
}

export interface ColdChainRange {
  minC: number;
  maxC: number;
}

export interface ProductData {
  /** Stable slug, never renamed: other data and URLs refer to it. */
  code: string;
  /** Canonical Chinese name. */
  name: string;
  nameEn: string;
  /** Category (class) code. */
  category: string;
  /** Other names of the product; unique across the catalogue so that a name resolves to one product. */
  aliases?: readonly string[];
  /**
   * Whether it counts as a farm product (农产品) for the parcel subsidies: the
   * primary products of farming, forestry and animal husbandry, including
   * primary processing (drying, chilling, freezing, cutting), per the
   * Agricultural Product Quality Safety Law. Processed foods (vinegar, liquor,
   * cooked meat, oil) are not. @default true
   */
  isFarmProduct?: boolean;
  /** Temperature range the product must be kept in during storage and transport; absent when it needs no cold chain. */
  coldChain?: ColdChainRange;
  varieties?: readonly VarietyData[];
}

/** The folder of the catalogue files (with a trailing separator). */
export const CATALOGUE_DIR: string = fileURLToPath(new URL('./catalogue/', import.meta.url));
const FILES = { classes: 'classes.csv', products: 'products.csv', varieties: 'varieties.csv' } as const;

/** Thrown when a catalogue file is wrong; names the file and line of each problem. */
export class CatalogueDataError extends Error {
  constructor(readonly problems: string[]) {
    super(`Catalogue files in seeds/catalogue are invalid:\n  ${problems.join('\n  ')}`);
    this.name = 'CatalogueDataError';
  }
}

type Row = Record<string, string> & { __line: string };

function readCsv(dir: string, file: string): Row[] {
  const text = fs.readFileSync(dir + file, 'utf8');
  // relax_column_count: a row may leave out trailing optional columns (varieties.csv's `source`).
  const rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, info: true, bom: true, relax_column_count: true }) as {
    record: Record<string, string>;
    info: { lines: number };
  }[];
  return rows.map(({ record, info }) => ({ ...record, __line: String(info.lines) }));
}

const list = (value: string | undefined) =>
  value
    ? value
        .split('|')
        .map((a) => a.trim())
        .filter(Boolean)
    : [];

/** Reads and checks the catalogue files. @internal */
export function readCatalogue(dir: string = CATALOGUE_DIR): { categories: CategoryData[]; products: ProductData[] } {
  const problems: string[] = [];
  const at = (file: string, row: Row) => `${file}:${row.__line}`;

  const categories: CategoryData[] = [];
  const categoryCodes = new Set<string>();
  for (const row of readCsv(dir, FILES.classes)) {
    const where = at(FILES.classes, row);
    if (!/^[a-z][a-z0-9-]{0,63}$/.test(row.code ?? '')) problems.push(`${where}: code "${row.code}" is not a slug`);
    if (categoryCodes.has(row.code)) problems.push(`${where}: duplicate class code "${row.code}"`);
    if (row.level !== 'SECTOR' && row.level !== 'CLASS') problems.push(`${where}: level must be SECTOR or CLASS, got "${row.level}"`);
    if (row.parent && !categoryCodes.has(row.parent)) problems.push(`${where}: parent "${row.parent}" is not defined above`);
    if (row.standard === 'NY/T 3177-2018' && !/^\d{4}(\d{2})?$/.test(row.standard_code ?? ''))
      problems.push(`${where}: NY/T 3177 codes have 4 or 6 digits, got "${row.standard_code}"`);
    if (row.standard_code && row.parent) {
      const parentCode = categories.find((c) => c.code === row.parent)?.standardCode;
      if (parentCode && !row.standard_code.startsWith(parentCode))
        problems.push(`${where}: code ${row.standard_code} does not extend its sector's ${parentCode}`);
    }
    categoryCodes.add(row.code);
    categories.push({
      code: row.code,
      name: row.name,
      nameEn: row.name_en || undefined,
      level: row.level as CategoryLevelData,
      parent: row.parent || undefined,
      standard: row.standard || undefined,
      standardCode: row.standard_code || undefined,
    });
  }

  const products: (ProductData & { varieties: VarietyData[] })[] = [];
  const byCode = new Map<string, (typeof products)[number]>();
  const names = new Map<string, string>();
  /** Product-level lookup keys -> product code, to refuse a name given to two products. */
  const productKeys = new Map<string, string>();
  const claim = (key: string, code: string, name: string, where: string) => {
    if (!key) return;
    const owner = productKeys.get(key);
    if (owner && owner !== code) problems.push(`${where}: "${name}" already names product "${owner}"`);
    else productKeys.set(key, code);
  };
  for (const row of readCsv(dir, FILES.products)) {
    const where = at(FILES.products, row);
    if (!/^[a-z][a-z0-9-]{0,63}$/.test(row.code ?? '')) problems.push(`${where}: code "${row.code}" is not a slug`);
    if (byCode.has(row.code)) problems.push(`${where}: duplicate product code "${row.code}"`);
    if (!row.name) problems.push(`${where}: name is empty`);
    if (names.has(row.name)) problems.push(`${where}: name "${row.name}" is also product "${names.get(row.name)}"`);
    if (!categoryCodes.has(row.class)) problems.push(`${where}: unknown class "${row.class}"`);
    let coldChain: ColdChainRange | undefined;
    if (row.cold_chain) {
      const m = /^(-?\d+(?:\.\d+)?)\.\.(-?\d+(?:\.\d+)?)$/.exec(row.cold_chain);
      if (!m || Number(m[1]) > Number(m[2])) problems.push(`${where}: cold_chain must be "min..max" in °C, got "${row.cold_chain}"`);
      else coldChain = { minC: Number(m[1]), maxC: Number(m[2]) };
    }
    if (row.farm && row.farm !== '0' && row.farm !== '1') problems.push(`${where}: farm must be 0, 1 or empty, got "${row.farm}"`);
    const aliases = list(row.aliases);
    for (const name of [row.code, row.name, ...aliases]) claim(lookupKey(name), row.code, name, where);
    const product = {
      code: row.code,
      name: row.name,
      nameEn: row.name_en,
      category: row.class,
      aliases,
      isFarmProduct: row.farm !== '0',
      coldChain,
      varieties: [] as VarietyData[],
    };
    byCode.set(row.code, product);
    names.set(row.name, row.code);
    products.push(product);
  }

  const varietyNames = new Set<string>();
  for (const row of readCsv(dir, FILES.varieties)) {
    const where = at(FILES.varieties, row);
    const product = byCode.get(row.product);
    if (!product) {
      problems.push(`${where}: unknown product "${row.product}"`);
      continue;
    }
    if (!row.name) problems.push(`${where}: variety name is empty`);
    if (varietyNames.has(`${row.product}\u0000${row.name}`)) problems.push(`${where}: duplicate variety "${row.name}" of "${row.product}"`);
    varietyNames.add(`${row.product}\u0000${row.name}`);
    const aliases = list(row.aliases);
    // A variety name may be shared by varieties of different products (凯特: a mango and an apricot; the
    // matcher then refuses the bare name), but never be another product's own name.
    for (const name of [row.name, ...aliases]) {
      const owner = productKeys.get(lookupKey(name));
      if (owner && owner !== row.product) problems.push(`${where}: variety name "${name}" is the name of product "${owner}"`);
    }
    product.varieties.push([row.name, ...aliases]);
  }
  if (problems.length) throw new CatalogueDataError(problems);
  return { categories, products };
}

/** SHA-256 of the catalogue files: the version stored in `seed_version` (a changed file reloads the catalogue). */
export function catalogueHash(): string {
  const hash = createHash('sha256');
  for (const file of Object.values(FILES))
    hash
      .update(file)
      .update('\u0000')
      .update(fs.readFileSync(CATALOGUE_DIR + file));
  return hash.digest('hex');
}

const catalogue = readCatalogue();

export const CATEGORIES: readonly CategoryData[] = catalogue.categories;
export const PRODUCTS: readonly ProductData[] = catalogue.products;
