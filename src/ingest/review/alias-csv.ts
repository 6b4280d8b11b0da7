import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { BadUserInputError } from '../../platform/errors.js';
import { ALIAS_CSV_COLUMNS, type AliasImportRow } from './review.service.js';

/**
 * The alias table as CSV (issue #14): UTF-8 with a BOM (spreadsheet programs
 * then read Chinese correctly), header `alias,product,variety,source,
 * created_by,created_at,note`. An import needs `alias` and `product` columns;
 * `variety` and `note` are optional and other columns (an export's `source`…)
 * are ignored, so an exported file can be edited and imported back.
 */
export function aliasesToCsv(rows: readonly string[][]): string {
  // Cells a spreadsheet would run as a formula (= + - @, tab, CR and their full-width forms) get a leading ', as the
  // subsidy CSV's do (issue #11): an alias comes from names in ingested data (acceptMatch) or an import, and
  // `=HYPERLINK(…)` went out as a live formula (found by probing, session 6). parseAliasCsv takes the ' off again.
  // A value that itself looks escaped (' then a formula character or another ') gets one more ', or the import would
  // take its own ' off: the alias '=SUM(1) came back as =SUM(1) (session 7). A spreadsheet shows ''=… as '=… as well.
  const escaped = rows.map((row) => row.map((cell) => (LOOKS_ESCAPED.test(cell) ? `'${cell}` : cell)));
  return '\uFEFF' + stringify([[...ALIAS_CSV_COLUMNS], ...escaped], { escape_formulas: true });
}

/** A cell that starts with the ' aliasesToCsv writes in front of a formula character (or of such a cell). @internal */
const LOOKS_ESCAPED = /^'[=+\-@\t\r＝＋－＠']/;

/** A cell as written before aliasesToCsv escaped it: its leading ' taken off. @internal */
const unescapeFormula = (value: string | undefined): string | undefined => (value && LOOKS_ESCAPED.test(value) ? value.slice(1) : value);

/** Most rows one import may carry. */
export const MAX_IMPORT_ROWS = 20_000;

/** Reads an alias CSV; refuses a file that is not one, naming what is wrong. */
export function parseAliasCsv(text: string): (AliasImportRow & { line: number })[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      bom: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
      relax_column_count: false,
    });
  } catch (error) {
    throw new BadUserInputError(`The alias file is not valid CSV: ${(error as Error).message}`, 'csv');
  }
  if (!records.length) throw new BadUserInputError('The alias file has no rows.', 'csv');
  const columns = Object.keys(records[0].record);
  const missing = ['alias', 'product'].filter((c) => !columns.includes(c));
  if (missing.length) throw new BadUserInputError(`The alias file has no ${missing.join(' and ')} column (header: ${columns.join(',')}).`, 'csv');
  if (records.length > MAX_IMPORT_ROWS) throw new BadUserInputError(`The alias file has ${records.length} rows; at most ${MAX_IMPORT_ROWS} per import.`, 'csv');
  return records.map(({ record, info }) => ({
    line: info.lines,
    alias: unescapeFormula(record.alias)!,
    product: unescapeFormula(record.product)!,
    variety: unescapeFormula(record.variety) || undefined,
    note: unescapeFormula(record.note) || undefined,
  }));
}
