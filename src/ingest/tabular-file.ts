import fs from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import type { SourceRecord } from './connectors/connector.js';
import { checkXlsxArchive } from './zip-guard.js';

/**
 * Reads price lists and spreadsheets as records (one object per row, keyed
 * by the header) in batches, for connectors: CSV (UTF-8 with or without a
 * BOM, UTF-16 or GB18030, detected: see {@link detectCsvEncoding}), XLSX (first sheet, or the named one) and JSON (an array, or an object
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
  /** The file's column names as its header row writes them (trimmed); JSON: every field name of the batch's rows. */
  header?: string[];
}

/** The field names of a batch of JSON rows, in first-seen order (rows with other fields than the first add theirs). */
export function headerOfRows(rows: readonly unknown[]): string[] {
  const names = new Set<string>();
  for (const row of rows) if (row && typeof row === 'object' && !Array.isArray(row)) for (const name of Object.keys(row)) names.add(name);
  return [...names];
}

/** Text encodings a CSV may come in: UTF-8 (with or without a BOM), UTF-16 (as Excel's "Unicode text"), GB18030 (and so GBK and GB2312, as Excel on a Chinese Windows saves "CSV"). */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'gb18030';

/** A text file in no encoding the hub reads (issue #11: never stored as mojibake). */
export class UnreadableEncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableEncodingError';
  }
}

/** Whether a character is one Chinese text is written in: CJK ideographs, CJK punctuation, full-width forms, bopomofo. @internal */
const CHINESE_TEXT = /[\u3000-\u303f\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/u;

/** Share of the non-ASCII characters of GB18030-decoded text that must be Chinese for the guess to stand. @internal */
const GB18030_MIN_CHINESE = 0.9;

/** Decodes all of `file` as `encoding`, throwing TypeError at the first invalid sequence; counts lines and Chinese characters. @internal */
async function decodeAll(file: string, encoding: TextEncoding): Promise<{ lines: number; nonAscii: number; chinese: number }> {
  const decoder = new TextDecoder(encoding, { fatal: true });
  let lines = 0;
  let nonAscii = 0;
  let chinese = 0;
  const count = (text: string) => {
    for (const ch of text) {
      if (ch === '\n') lines++;
      else if (ch > '\u007f') {
        nonAscii++;
        if (CHINESE_TEXT.test(ch)) chinese++;
      }
    }
  };
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) count(decoder.decode(chunk, { stream: true }));
  count(decoder.decode());
  return { lines, nonAscii, chinese };
}

/** The first invalid UTF-8 sequence of `file`, for the refusal's message. @internal */
async function firstInvalidUtf8(file: string): Promise<string> {
  const head = Buffer.alloc(1 << 20);
  const handle = await fs.promises.open(file, 'r');
  try {
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const bytes = head.subarray(0, bytesRead);
    for (let i = 0; i < bytes.length;) {
      const b = bytes[i];
      const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
      const valid = need >= 0 && bytes.subarray(i + 1, i + 1 + need).every((c) => c >= 0x80 && c <= 0xbf) && i + need < bytes.length;
      if (!valid) return `byte 0x${b.toString(16).toUpperCase().padStart(2, '0')} at offset ${i}`;
      i += need + 1;
    }
    return 'a sequence past the first megabyte';
  } finally {
    await handle.close();
  }
}

/** UTF-16 by the first bytes of a file: a BOM, or (without one) NUL bytes in every other place, as ASCII text in UTF-16 has. @internal */
function utf16Of(start: Buffer): 'utf-16le' | 'utf-16be' | undefined {
  if (start[0] === 0xff && start[1] === 0xfe) return 'utf-16le';
  if (start[0] === 0xfe && start[1] === 0xff) return 'utf-16be';
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < start.length; i++) {
    if (start[i] !== 0) continue;
    if (i % 2) oddNul++;
    else evenNul++;
  }
  const pairs = start.length / 2;
  if (pairs && oddNul > pairs * 0.3 && evenNul < pairs * 0.05) return 'utf-16le';
  if (pairs && evenNul > pairs * 0.3 && oddNul < pairs * 0.05) return 'utf-16be';
  return undefined;
}

/**
 * The encoding of a CSV file and its line count, in one pass (issue #11): a
 * BOM decides (UTF-8, UTF-16LE/BE); otherwise UTF-16 without a BOM shows as
 * NUL bytes in every other place; otherwise the whole file must decode as
 * UTF-8, or else as GB18030 with Chinese text (at least 90 % of its non-ASCII
 * characters CJK: bytes of another legacy encoding rarely decode so). Anything
 * else is refused with {@link UnreadableEncodingError} naming the first
 * invalid byte, before a row is read.
 */
export async function detectCsvEncoding(file: string): Promise<{ encoding: TextEncoding; lines: number }> {
  const name = path.basename(file);
  const head = Buffer.alloc(4096);
  const handle = await fs.promises.open(file, 'r');
  let bytesRead: number;
  try {
    ({ bytesRead } = await handle.read(head, 0, head.length, 0));
  } finally {
    await handle.close();
  }
  const start = head.subarray(0, bytesRead);
  const utf16 = utf16Of(start);
  const candidates: TextEncoding[] = start[0] === 0xef && start[1] === 0xbb && start[2] === 0xbf ? ['utf-8'] : utf16 ? [utf16] : ['utf-8', 'gb18030'];
  for (const encoding of candidates) {
    try {
      const { lines, nonAscii, chinese } = await decodeAll(file, encoding);
      if (encoding === 'gb18030' && chinese < nonAscii * GB18030_MIN_CHINESE) continue;
      return { encoding, lines };
    } catch (error) {
      // Node's TextDecoder: TypeError ERR_ENCODING_INVALID_ENCODED_DATA (checked by code: the class may come from another realm).
      if ((error as { code?: string }).code !== 'ERR_ENCODING_INVALID_ENCODED_DATA') throw error;
    }
  }
  const where = candidates.includes('utf-8')
    ? `: ${await firstInvalidUtf8(file)} is not UTF-8, and the file is not Chinese text in GB18030/GBK either`
    : ` as ${candidates[0].toUpperCase()}`;
  throw new UnreadableEncodingError(
    `${name}: the text cannot be decoded${where}. Save the sheet as "CSV UTF-8" (or UTF-16 / GB18030 text) and upload it again; nothing was imported.`,
  );
}

/** Decodes a byte stream as `encoding` into text chunks for the CSV parser; an invalid sequence fails the stream. @internal */
function decoding(encoding: TextEncoding): Transform {
  const decoder = new TextDecoder(encoding, { fatal: true });
  return new Transform({
    readableObjectMode: false,
    transform(chunk: Buffer, _enc, done) {
      try {
        done(null, decoder.decode(chunk, { stream: true }));
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done) {
      try {
        done(null, decoder.decode());
      } catch (error) {
        done(error as Error);
      }
    },
  });
}

/**
 * One pass over a CSV file's bytes: its newlines (the row count, for progress, without parsing) and whether the
 * simple reader may read it: no `"` anywhere (so no quoted field, no field with a separator or newline inside) and
 * no lone `\r` (a file with old Mac line ends). @internal
 */
async function scanCsv(file: string): Promise<{ lines: number; simple: boolean; utf8: boolean }> {
  let lines = 0;
  let simple = true;
  let afterCr = false;
  // UTF-8 checked natively as the bytes stream by (issue #11); UTF-16 (a BOM or NUL bytes in every other place) is valid UTF-8 byte-wise but is not.
  const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
  let utf8: boolean | undefined;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    if (utf8 === undefined) utf8 = !utf16Of(chunk.subarray(0, 4096));
    if (utf8) utf8 = decodes(utf8Decoder, chunk);
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    if (!simple) continue;
    if (chunk.includes(0x22)) simple = false;
    // A \r must be followed by \n (also across chunks).
    if (afterCr && chunk[0] !== 10) simple = false;
    for (let i = chunk.indexOf(13); simple && i !== -1; i = chunk.indexOf(13, i + 1)) if (i + 1 < chunk.length && chunk[i + 1] !== 10) simple = false;
    afterCr = chunk[chunk.length - 1] === 13;
  }
  if (utf8) utf8 = decodes(utf8Decoder);
  return { lines, simple: simple && utf8 !== false, utf8: utf8 !== false };
}

/** Whether `chunk` (or, without one, the end of the stream) decodes; false at the first invalid sequence. @internal */
function decodes(decoder: InstanceType<typeof TextDecoder>, chunk?: Buffer): boolean {
  try {
    if (chunk) decoder.decode(chunk, { stream: true });
    else decoder.decode();
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') return false;
    throw error;
  }
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
        yield { records, total, header: headers };
        records = [];
      }
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest) take(rest);
  if (records.length) yield { records, total, header: headers };
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
    let total = Math.max(0, scan.lines - 1);
    let source: NodeJS.ReadableStream = fs.createReadStream(file);
    if (scan.utf8) {
      if (scan.simple) {
        yield* readSimpleCsv(file, batchSize, total);
        return;
      }
    } else {
      // Not UTF-8: UTF-16 or GB18030 decoded, anything else refused before a row is read (issue #11: never mojibake).
      const { encoding, lines } = await detectCsvEncoding(file);
      total = Math.max(0, lines - 1);
      source = source.pipe(decoding(encoding));
    }
    let header: string[] | undefined;
    const parser = source.pipe(
      parse({
        bom: true,
        columns: (names: string[]) => (header = names.map((h) => h.trim())),
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
        yield { records, total, header };
        records = [];
      }
    }
    if (records.length) yield { records, total, header };
    return;
  }
  if (format === 'xlsx') {
    yield* readXlsx(file, batchSize, options.sheet);
    return;
  }
  const json: unknown = JSON.parse(await fs.promises.readFile(file, 'utf8'));
  const rows = rowsOfJson(json).map((raw, i) => ({ raw, position: `${name}:[${i}]` }));
  for (let start = 0; start < rows.length; start += batchSize) {
    const records = rows.slice(start, start + batchSize);
    yield { records, total: rows.length, header: headerOfRows(records.map((r) => r.raw)) };
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
    // (Indexed by column number from 1: a sheet's header row may have gaps.)
    let named: string[] | undefined;
    const headerRow = () => (named ??= headers.filter((h) => h !== undefined));
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
        yield { records, header: headerRow() };
        records = [];
      }
    }
    if (records.length) yield { records, header: headerRow() };
    // The first sheet (or the one asked for) only.
    return;
  }
  throw new Error(`${name}: no worksheet${sheetName ? ` named "${sheetName}"` : ''}`);
}
