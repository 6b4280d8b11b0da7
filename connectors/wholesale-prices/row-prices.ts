import { reject, type MappingFailure } from '../../src/ingest/records.js';
import { bareUnit, kgPerUnit, unitKind } from '../../src/ingest/units.js';
import type { ColumnPlan } from './columns.js';
import { readPriceCell, type PriceCell } from './price-cell.js';

/**
 * The prices one row of a price list says, read by its file's column plan: plain numbers as before (the bulk path),
 * and the cell forms real lists write (price-cell.ts): a range in the average (`价格`) or range (`价格区间`) column
 * gives the low and high, and the average is their midpoint unless an average column says otherwise; a unit inside
 * a cell (`2.5元/斤`) is the row's unit, and must agree with the unit column, the header's or the config's.
 */

/** The prices of one row, and the unit its price cells name (if they name one). */
export interface RowPrices {
  low?: number;
  /** Undefined when only low and high are known: the caller takes their midpoint (README). */
  avg?: number;
  high?: number;
  /** The unit the price cells name (`2.5元/斤` -> 斤), and the column it was read from. */
  cellUnit?: string;
  cellUnitField?: string;
}

type Row = Record<string, unknown>;
type Cell = number | PriceCell | undefined | MappingFailure;

const isFailure = (value: unknown): value is MappingFailure => typeof value === 'object' && value !== null && (value as MappingFailure).rejected === true;

/**
 * One price cell: a number as it is (Number() takes surrounding white space), empty as undefined, and only a cell
 * that is not a plain number through {@link readPriceCell} (issue #13: no regular expression per plain cell).
 */
function cell(row: Row, field: string): Cell {
  const value = row[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? value : reject(`${field} is not a number: "${String(value)}"`, field);
  const text = typeof value === 'string' ? value : String(value);
  const n = Number(text);
  if (Number.isFinite(n)) return text.trim() === '' ? undefined : n;
  if (text.trim() === '') return undefined;
  const read = readPriceCell(text);
  return typeof read === 'string' ? reject(`${field}: ${read}`, field) : read;
}

const isCell = (value: Cell): value is PriceCell => typeof value === 'object' && !isFailure(value);

/**
 * The prices of `row` by `plan`, or why the row is refused (the column and the value as written). Fail closed: a
 * range in the lowest or highest price column, a range that disagrees with the row's low or high column, or price
 * cells naming two units refuse the row.
 */
export function rowPrices(row: Row, plan: ColumnPlan): RowPrices | MappingFailure {
  const low = plan.low === undefined ? undefined : cell(row, plan.low);
  const avg = plan.avg === undefined ? undefined : cell(row, plan.avg);
  const high = plan.high === undefined ? undefined : cell(row, plan.high);
  const range = plan.range === undefined ? undefined : cell(row, plan.range);
  // The bulk path: plain numbers (or nothing) in every price column (a parsed cell or a refusal is an object).
  if (typeof low !== 'object' && typeof avg !== 'object' && typeof high !== 'object' && typeof range !== 'object') return { low, avg, high };
  for (const value of [low, avg, high, range]) if (isFailure(value)) return value;

  const out: RowPrices = {};
  const cells: [string | undefined, Cell][] = [
    [plan.low, low],
    [plan.avg, avg],
    [plan.high, high],
    [plan.range, range],
  ];
  for (const [field, value] of cells) {
    if (!isCell(value) || value.unit === undefined) continue;
    if (out.cellUnit !== undefined && !sameUnit(out.cellUnit, value.unit))
      return reject(`${out.cellUnitField} is per ${out.cellUnit} but ${field} is per ${value.unit}`, field);
    out.cellUnit ??= value.unit;
    out.cellUnitField ??= field;
  }
  const single = (field: string | undefined, value: Cell): number | undefined | MappingFailure => {
    if (!isCell(value)) return value as number | undefined;
    if (value.range) return reject(`${field} holds a range ("${String(row[field!]).trim()}"); only a price or price-range column may`, field);
    return value.low;
  };
  const lowValue = single(plan.low, low);
  const highValue = single(plan.high, high);
  if (isFailure(lowValue)) return lowValue;
  if (isFailure(highValue)) return highValue;
  out.low = lowValue;
  out.high = highValue;

  // A range in the average column or the range column: its ends are the low and high; the average is the average
  // column's single price if it has one, else the midpoint (taken by the caller).
  for (const [field, value] of [
    [plan.range, range],
    [plan.avg, avg],
  ] as const) {
    if (value === undefined) continue;
    const ends = isCell(value) ? value : { low: value as number, high: value as number, range: false };
    if (field === plan.avg && !ends.range) {
      out.avg = ends.low;
      continue;
    }
    if ((out.low !== undefined && out.low !== ends.low) || (out.high !== undefined && out.high !== ends.high))
      return reject(`${field} says ${ends.low}-${ends.high} but the row's low/high columns say ${out.low ?? '-'}-${out.high ?? '-'}`, field);
    out.low = ends.low;
    out.high = ends.high;
  }
  return out;
}

/** Two units written differently that mean the same (`公斤`, `千克`, `kg`, `元/公斤`; `斤`, `500g`). */
export function sameUnit(a: string, b: string): boolean {
  if (a === b) return true;
  const ka = kgPerUnit(a);
  if (ka !== undefined) return ka === kgPerUnit(b);
  return bareUnit(a) === bareUnit(b);
}

/** The last unit checked and its verdict: a list repeats one or a few units over all its rows. @internal */
let lastUnit: string | undefined;
let lastKnown = false;

/** Whether the hub reads `unit`: a weight (converted to per kg) or a count (`个`, `箱`, `5升`: stored with its unit, no per-kg price). */
export function knownUnit(unit: string): boolean {
  if (unit !== lastUnit) {
    lastUnit = unit;
    lastKnown = unitKind(unit) !== 'unknown';
  }
  return lastKnown;
}

/** The refusal of a row whose unit (read from `where`: a cell, the unit column, a header, the config) the hub cannot read. */
export function unknownUnit(unit: string, where: string, field?: string): MappingFailure {
  return reject(`${where}: "${unit}" is not a unit the hub can read; give a weight (斤, 公斤, 千克, kg, 克, 500g) or a count (个, 箱, 头, 件)`, field);
}
