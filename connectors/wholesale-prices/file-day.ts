import path from 'node:path';
import type { ReadBatch } from '../../src/ingest/connectors/connector.js';
import { readHeader, roleOfHeader, type PriceColumnsMapping } from './columns.js';

/**
 * The day of a list that has no date column, from its file name (`dayFromFileName`, off by default). Offices and
 * market boards print the day in the list's title, not in a column (3 of the 5 new layouts measured in session 7,
 * BENCHMARKS.md round 5), and save the list under that day: `大青山蔬菜价格2015-03-16.csv`, `20250218.xlsx`,
 * `价格_2024年3月5日.csv`.
 *
 * Fail closed: only a name with exactly one full day (year, month and day, a real one) gives it; a name with none
 * or two (`2024-03-04至2024-03-10.csv`, a week) gives nothing and the list is refused whole as before. The day is
 * written into each row as a `日期` column, so that a refused row kept for replay still carries it.
 */

/** The column a file's day is written into. */
export const FILE_DAY_COLUMN = '日期';

/** A day in a file name: 2024-03-05, 2024_3_5, 2024.3.5, 2024年3月5日, 20240305 (not inside a longer number). @internal */
const DAY_IN_NAME = /(?<!\d)(\d{4})(?:([-_.年])(\d{1,2})[-_.月](\d{1,2})日?|(\d{2})(\d{2}))(?!\d)/gu;

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The one day a file name says (YYYY-MM-DD), or undefined when it says none or more than one. */
export function dayOfFileName(file: string): string | undefined {
  const name = path.basename(file, path.extname(file)).normalize('NFKC');
  const days = new Set<string>();
  for (const m of name.matchAll(DAY_IN_NAME)) {
    const year = Number(m[1]);
    const month = Number(m[3] ?? m[5]);
    const day = Number(m[4] ?? m[6]);
    if (year < 1990 || year > 2100 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) continue;
    days.add(`${m[1]}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`);
  }
  return days.size === 1 ? [...days][0] : undefined;
}

/** Whether a header (as the file writes it) has a column the list's day would be read from. @internal */
function hasDateColumn(header: readonly string[], columns: PriceColumnsMapping | undefined): boolean {
  if (columns?.date !== undefined) return true;
  return header.some((h) => h !== undefined && h !== null && roleOfHeader(readHeader(String(h)).key) === 'date');
}

/**
 * Adds the file's day to a batch of a list with no date column, when `dayFromFileName` is on and the name says one
 * day. Returns the batch unchanged otherwise (the columns are then placed, or refused, as before).
 */
export function withFileDay(batch: ReadBatch, file: string, columns: PriceColumnsMapping | undefined): ReadBatch {
  if (!batch.header || hasDateColumn(batch.header, columns)) return batch;
  const day = dayOfFileName(file);
  if (day === undefined) return batch;
  for (const record of batch.records) if (record.raw && typeof record.raw === 'object') (record.raw as Record<string, unknown>)[FILE_DAY_COLUMN] = day;
  return { ...batch, header: [...batch.header, FILE_DAY_COLUMN] };
}
