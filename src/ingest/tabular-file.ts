import fs from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import type { SourceRecord } from './connectors/connector.js';
import { checkXlsxArchive } from './zip-guard.js';

/**
 * Reads price lists and spreadsheets as records (one object per row, keyed
 * by the header) in batches, for connectors: CSV (UTF-8, with or without a
 * BOM), XLSX (first sheet, or the named one) and JSON (an array, or an object
 * holding one under `list`, `data`, `rows`, `items` or `prices`, as the
 * Xinfadi web API's `{current, limit, count, list}` does).
 */

export type TableFormat = 'csv' | 'xlsx' | 'json';

/** The format of a file by its extension. */
export function formatOf(file: string): TableFormat | undefined {
  const ext = path.extname(file).toLowerCase();
  return ext === '.csv' || ext === '.txt' ? 'csv' : ext === '.xlsx' ? 'xlsx' : ext === '.json' ? 'json' : undefined;
}

export interface TableBatch {
  records: SourceRecord[];
  /** Rows in the file, when known before reading (CSV: counted lines; JSON and XLSX: exact). */
  total?: number;
}

/**
 * One pass over a CSV file's bytes: its newlines (the row count, for progress, without parsing) and whether the
 * simple reader may read it: no `"` anywhere (so no quoted field, no field with a separator or newline inside) and
 * no lone `\r` (a file with old Mac line ends). @internal
 */
async function scanCsv(file: string): Promise<{ lines: number; simple: boolean }> {
  let lines = 0;
  let simple = true;
  let afterCr = false;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    if (!simple) continue;
    if (chunk.includes(0x22)) simple = false;
    // A \r must be followed by \n (also across chunks).
    if (afterCr && chunk[0] !== 10) simple = false;
    for (let i = chunk.indexOf(13); simple && i !== -1; i = chunk.indexOf(13, i + 1)) if (i + 1 < chunk.length && chunk[i + 1] !== 10) simple = false;
    afterCr = chunk[chunk.length - 1] === 13;
  }
  return { lines, simple };
}

/**
 * csv-parse's `trim`, exactly: on the left spaces, tabs, form feeds and line ends only; on the right any white space
 * (it ends with `trimEnd()`). @internal
 */
function trimCsv(field: string): string {
  let start = 0;
  for (let c = field.charCodeAt(0); c === 32 || c === 9 || c === 12 || c === 13 || c === 10; c = field.charCodeAt(++start));
  const left = start ? field.slice(start) : field;
  // (A field ending in a letter or digit, the usual case, needs no trimEnd.)
  const z = left.charCodeAt(left.length - 1);
  return z > 32 && z < 127 ? left : left.trimEnd();
}

/**
 * The CSV reader for files without quotes (every price list seen so far, issue #13): lines split on `\n` and fields
 * on `,`, read as the file streams in, with what csv-parse gave for them under the options below (a BOM dropped,
 * trimmed headers and fields, empty and blank lines skipped, missing fields absent and extra ones dropped, the
 * position's line number counted from 1 with the header) — without csv-parse's per-character state machine and its
 * per-record `info` objects, which were the largest cost of reading a large list (BENCHMARKS.md). Any file with a
 * quote goes to csv-parse. @internal
 */
async function* readSimpleCsv(file: string, batchSize: number, total: number): AsyncGenerator<TableBatch> {
  const name = path.basename(file);
  const decoder = new StringDecoder('utf8');
  let headers: string[] | undefined;
  let lineNo = 0;
  let records: SourceRecord[] = [];
  let rest = '';
  const take = (line: string) => {
    lineNo++;
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (!headers) {
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
      if (!line) return;
      headers = line.split(',').map((h) => h.trim());
      return;
    }
    const fields = line.split(',');
    // A blank line (nothing but spaces, tabs, form feeds) is skipped; one holding other white space is a record.
    if (fields.length === 1 && /^[ \t\f\r]*$/.test(line)) return;
    const record: Record<string, string> = {};
    const n = Math.min(fields.length, headers.length);
    for (let i = 0; i < n; i++) record[headers[i]] = trimCsv(fields[i]);
    records.push({ raw: record, position: `${name}:${lineNo}` });
  };
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const text = rest + decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      take(text.slice(start, nl));
      start = nl + 1;
      if (records.length >= batchSize) {
        yield { records, total };
        records = [];
      }
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest) take(rest);
  if (records.length) yield { records, total };
}

/** The array of rows inside a JSON document. */
export function rowsOfJson(json: unknown): unknown[] {
  if (Array.isArray(json)) return json;
  if (json && typeof json === 'object') {
    for (const key of ['list', 'data', 'rows', 'items', 'prices', 'records']) {
      const value = (json as Record<string, unknown>)[key];
      if (Array.isArray(value)) return value;
      if (value && typeof value === 'object') {
        const nested = rowsOfJson(value);
        if (nested.length) return nested;
      }
    }
  }
  return [];
}

/** Reads `file` in batches of `batchSize` records; positions are `<file name>:<line or row>`. */
export async function* readTableFile(file: string, options: { format?: TableFormat; batchSize?: number; sheet?: string } = {}): AsyncGenerator<TableBatch> {
  const format = options.format ?? formatOf(file);
  const batchSize = options.batchSize ?? 5_000;
  const name = path.basename(file);
  if (!format) throw new Error(`${name}: unknown file type (expected .csv, .xlsx or .json)`);
  if (format === 'csv') {
    const scan = await scanCsv(file);
    const total = Math.max(0, scan.lines - 1);
    if (scan.simple) {
      yield* readSimpleCsv(file, batchSize, total);
      return;
    }
    const parser = fs.createReadStream(file).pipe(
      parse({
        bom: true,
        columns: (header: string[]) => header.map((h) => h.trim()),
        relax_column_count: true,
        skip_empty_lines: true,
        trim: true,
        info: true,
      }),
    );
    let records: SourceRecord[] = [];
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      records.push({ raw: record, position: `${name}:${info.lines}` });
      if (records.length >= batchSize) {
        yield { records, total };
        records = [];
      }
    }
    if (records.length) yield { records, total };
    return;
  }
  if (format === 'xlsx') {
    yield* readXlsx(file, batchSize, options.sheet);
    return;
  }
  const json: unknown = JSON.parse(await fs.promises.readFile(file, 'utf8'));
  const rows = rowsOfJson(json).map((raw, i) => ({ raw, position: `${name}:[${i}]` }));
  for (let start = 0; start < rows.length; start += batchSize) {
    yield { records: rows.slice(start, start + batchSize), total: rows.length };
  }
}

/**
 * The rows of a worksheet as objects keyed by the first row's headers, in
 * batches, read with ExcelJS's streaming reader: rows are parsed as the sheet's
 * XML is inflated, so a large upload never sits whole in memory (issue #15).
 * The row count is not known before the end, so batches carry no total.
 */
async function* readXlsx(file: string, batchSize: number, sheetName?: string): AsyncGenerator<TableBatch> {
  // A zip bomb, a truncated or a corrupt archive is refused before ExcelJS inflates anything (issue #11).
  await checkXlsxArchive(file);
  const name = path.basename(file);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  for await (const sheet of reader) {
    // ExcelJS sets the sheet's name from workbook.xml; its typings leave it out.
    const sheetLabel = (sheet as unknown as { name: string }).name;
    if (sheetName && sheetLabel !== sheetName) continue;
    const headers: string[] = [];
    let records: SourceRecord[] = [];
    for await (const row of sheet) {
      if (!row.hasValues) continue;
      if (!headers.length) {
        row.eachCell({ includeEmpty: true }, (cell, column) => {
          headers[column] = String(cell.text ?? '').trim();
        });
        continue;
      }
      const record: Record<string, unknown> = {};
      row.eachCell({ includeEmpty: false }, (cell, column) => {
        const header = headers[column];
        if (!header) return;
        const value = cell.value;
        // Dates stay dates (ISO day); formulas give their result; rich text its text.
        record[header] =
          value instanceof Date
            ? value.toISOString().slice(0, 10)
            : value && typeof value === 'object' && 'result' in value
              ? (value as { result: unknown }).result
              : value && typeof value === 'object'
                ? cell.text
                : value;
      });
      records.push({ raw: record, position: `${name}:${sheetLabel}!${row.number}` });
      if (records.length >= batchSize) {
        yield { records };
        records = [];
      }
    }
    if (records.length) yield { records };
    // The first sheet (or the one asked for) only.
    return;
  }
  throw new Error(`${name}: no worksheet${sheetName ? ` named "${sheetName}"` : ''}`);
}
