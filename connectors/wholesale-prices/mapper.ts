import { normaliseName } from '../../src/ingest/matching/normalise.js';
import { reject, type CanonicalRecordInput, type MappingFailure } from '../../src/ingest/records.js';
import { planColumns, PriceColumnsError, type ColumnPlan, type PriceColumnsMapping } from './columns.js';
import { readPriceCell } from './price-cell.js';
import { knownUnit, rowPrices, sameUnit, unknownUnit, type RowPrices } from './row-prices.js';

/**
 * Wholesale price lists -> canonical price records. A list's columns are
 * placed once per file from its header (columns.ts: a synonym table per role,
 * Chinese and English, or the config's explicit `columns`), then each row is
 * read by that plan. The three shapes the hub began with are cases of it:
 *
 * - Xinfadi's price list (CSV/XLSX): `品名,最低价,平均价,最高价,规格,单位,发布日期`,
 *   also the officials' spreadsheet layout, which may add `品种`, `产地`, `市场`;
 * - Xinfadi's web API items: `prodName, prodCat, prodPcat, lowPrice, avgPrice,
 *   highPrice, place, specInfo, unitInfo, pubDate` (prices as strings);
 * - the ministry portal: `varietyCode, varietyName, meteringUnit, marketName,
 *   provinceName, reportDate, minPrice, avgPrice, maxPrice` (yuan per kg).
 *
 * The natural key is (market, date, name, spec, unit, low, avg, high): a list
 * that repeats a row repeats the fact (stored once); two different quotes for
 * the same name on the same day are two facts, never one overwriting the other.
 */

export interface PriceMapperConfig {
  /** Market code the list belongs to, when rows do not say. */
  market: string;
  /** Market names in the source -> hub market codes (ministry rows name their market). */
  marketCodes: Record<string, string>;
  /** Role -> header, for lists whose headers the synonym table does not place (columns.ts). */
  columns?: PriceColumnsMapping;
  /** The unit prices are per when a list has no unit column and its price headers name none. */
  unit?: string;
}

type Row = Record<string, unknown>;

const present = (value: unknown) => value !== undefined && value !== null && String(value).trim() !== '';
const str = (value: unknown) => (present(value) ? String(value).trim() : undefined);

/** Days as written -> YYYY-MM-DD: a list repeats a few thousand days over its rows. @internal */
const dayCache = new Map<string, string>();

/** Days in a month of a year (proleptic Gregorian). @internal */
const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** An Excel serial day (1900 system, as a number or the digits of one) as YYYY-MM-DD. @internal */
const fromSerial = (serial: number) => new Date(Date.UTC(1899, 11, 30) + Math.floor(serial) * 86_400_000).toISOString().slice(0, 10);

/**
 * A day as written -> YYYY-MM-DD, or undefined: `2013-06-10`, `2013/6/10`, `2013.6.10`, `2024年3月5日`, `20240305`,
 * each with or without a time after it, full-width digits too. A month or day out of range (`2024-13-45`,
 * `2016-02-30`) is refused, never wrapped into another day. @internal
 */
function parseDay(text: string): string | undefined {
  const t = text.normalize('NFKC').trim();
  const match = /^(\d{4})(?:[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)|(\d{2})(\d{2})(?![\d.]))/u.exec(t);
  if (!match) return /^\d{5}(\.\d+)?$/.test(t) && Number(t) > 20000 && Number(t) < 80000 ? fromSerial(Number(t)) : undefined;
  const year = Number(match[1]);
  const month = Number(match[2] ?? match[4]);
  const dayOfMonth = Number(match[3] ?? match[5]);
  if (month < 1 || month > 12 || dayOfMonth < 1 || dayOfMonth > daysIn(year, month)) return undefined;
  return `${match[1]}-${String(month).padStart(2, '0')}-${String(dayOfMonth).padStart(2, '0')}`;
}

/** A date cell (see {@link parseDay}; an Excel serial day as a number) as YYYY-MM-DD. */
function day(row: Row, field: string): string | MappingFailure {
  const value = row[field];
  if (!present(value)) return reject(`${field} is missing`, field);
  if (typeof value === 'number' && value > 20000 && value < 80000) return fromSerial(value);
  const text = String(value);
  const known = dayCache.get(text);
  if (known) return known;
  const iso = parseDay(text);
  if (!iso) return reject(`${field} is not a date: "${text}"`, field);
  if (dayCache.size > 100_000) dayCache.clear();
  dayCache.set(text, iso);
  return iso;
}

const unitCache = new Map<string, string | undefined>();

/** The per-unit suffix of a name (`椰青/个` -> 个), cached: a list repeats a few hundred names. */
function unitInName(name: string): string | undefined {
  if (!unitCache.has(name)) {
    if (unitCache.size > 100_000) unitCache.clear();
    unitCache.set(name, normaliseName(name).unit);
  }
  return unitCache.get(name);
}

function isFailure(value: unknown): value is MappingFailure {
  return typeof value === 'object' && value !== null && (value as MappingFailure).rejected === true;
}

function build(fields: {
  name?: string;
  nameField: string;
  prices: RowPrices | MappingFailure;
  avgField: string;
  date: string | MappingFailure;
  unit?: string | MappingFailure;
  spec?: string;
  origin?: string;
  variety?: string;
  market: string;
  category?: string;
}): CanonicalRecordInput | MappingFailure {
  for (const value of [fields.prices, fields.date, fields.unit]) if (isFailure(value)) return value;
  if (!fields.name) return reject(`${fields.nameField} is missing`, fields.nameField);
  const prices = fields.prices as RowPrices;
  const { low, high } = prices;
  // A list with only low and high, or a range in one cell (1.20-1.80), gets their midpoint as the average (README).
  const avg = prices.avg ?? (low !== undefined && high !== undefined ? Math.round(((low + high) / 2) * 100) / 100 : undefined);
  if (avg === undefined) return reject(`${fields.avgField} is missing`, fields.avgField);
  // A unit in the name (椰青/个) says what the price is per, whatever the unit column says; a unit in a price cell
  // (2.5元/斤) must then agree with it.
  const named = unitInName(fields.name);
  if (named !== undefined && prices.cellUnit !== undefined && !sameUnit(named, prices.cellUnit))
    return reject(`${fields.name} is per ${named} but ${prices.cellUnitField} is per ${prices.cellUnit}`, prices.cellUnitField);
  const unit = named ?? (fields.unit as string | undefined);
  if (!unit) return reject('unit is missing', 'unit');
  const date = fields.date as string;
  const spec = fields.spec;
  return {
    kind: 'price',
    sourceKey: `${fields.market}|${date}|${fields.name}|${spec ?? ''}|${unit}|${low ?? ''}|${avg}|${high ?? ''}`,
    rawName: fields.name,
    variety: fields.variety,
    market: fields.market,
    originText: fields.origin,
    observedOn: date,
    lowPrice: low,
    avgPrice: avg,
    highPrice: high,
    unit,
    spec,
    category: fields.category,
  };
}

/** The unit a row falls back to when its unit cell is empty or absent: the header's, the config's, the source's convention. @internal */
function fallbackUnit(plan: ColumnPlan, config: PriceMapperConfig): FallbackUnit {
  if (plan.headerUnit !== undefined) return { unit: plan.headerUnit, where: `the header "${plan.avg ?? plan.range ?? plan.low ?? plan.high}"` };
  if (config.unit !== undefined) return { unit: config.unit, where: "the connector config's unit" };
  return { unit: plan.defaultUnit, where: "the source's convention" };
}

/** Where a row's unit came from when no unit column says it: for the messages that refuse a row. @internal */
interface FallbackUnit {
  unit?: string;
  /** `the header "价格(元/公斤)"`, `the connector config's unit`. */
  where: string;
}

/**
 * The unit of a row: a unit in a price cell (2.5元/斤), else its unit column, else the fallback (the header's, the
 * config's, the source's convention). A cell's unit must agree with the unit column or the fallback, and every unit
 * must be one the hub reads (a weight or a count): otherwise the row is refused, naming the column and the value.
 * The unit column's text is kept as written (it is part of the row's source key). @internal
 */
function rowUnit(row: Row, plan: ColumnPlan, prices: RowPrices | MappingFailure, fallback: FallbackUnit): string | undefined | MappingFailure {
  const column = plan.unit === undefined ? undefined : str(row[plan.unit]);
  // (The message is built only for a refused row: this runs once per row of every list.)
  if (column !== undefined && !knownUnit(column)) return unknownUnit(column, `${plan.unit} ("${column}")`, plan.unit);
  const cellUnit = isFailure(prices) ? undefined : prices.cellUnit;
  if (cellUnit === undefined) {
    if (column !== undefined || fallback.unit === undefined) return column ?? fallback.unit;
    return knownUnit(fallback.unit) ? fallback.unit : unknownUnit(fallback.unit, fallback.where);
  }
  const field = (prices as RowPrices).cellUnitField!;
  if (!knownUnit(cellUnit)) return unknownUnit(cellUnit, `${field} ("${String(row[field]).trim()}")`, field);
  const other = column ?? fallback.unit;
  if (other !== undefined && !sameUnit(cellUnit, other)) {
    const where = column !== undefined ? `${plan.unit} says "${column}"` : `${fallback.where} says "${other}"`;
    return reject(`${field} ("${String(row[field]).trim()}") is per ${cellUnit} but ${where}`, field);
  }
  return other ?? cellUnit;
}

/** One row by a plan made once for its list: per-row work is reading the planned cells, as it was for the three fixed shapes. @internal */
function mapRow(row: Row, plan: ColumnPlan, fallback: FallbackUnit, config: PriceMapperConfig): CanonicalRecordInput | MappingFailure {
  const marketCell = plan.market === undefined ? undefined : row[plan.market];
  const prices = rowPrices(row, plan);
  return build({
    name: str(row[plan.name]),
    nameField: plan.name,
    variety: plan.variety === undefined ? undefined : str(row[plan.variety]),
    prices,
    avgField: plan.avg ?? plan.range ?? plan.high ?? plan.low!,
    date: day(row, plan.date),
    unit: rowUnit(row, plan, prices, fallback),
    spec: plan.spec === undefined ? undefined : str(row[plan.spec]),
    origin: plan.origin === undefined ? undefined : str(row[plan.origin]),
    category: plan.category === undefined ? undefined : str(row[plan.category]),
    market: present(marketCell) ? (config.marketCodes[String(marketCell).trim()] ?? String(marketCell).trim()) : config.market,
  });
}

/** Whether every named row of `records` says its unit in its name (`椰青/个`), for a list with no unit elsewhere. @internal */
function namesCarryUnits(records: readonly { raw: unknown }[], nameHeader: string): boolean {
  let names = 0;
  for (const { raw } of records) {
    const name = raw && typeof raw === 'object' ? str((raw as Row)[nameHeader]) : undefined;
    if (name === undefined) continue;
    if (unitInName(name) === undefined) return false;
    names++;
  }
  return names > 0;
}

/** Whether every sampled row that has a price says its unit in a price cell (`2.5元/斤`), for a list with no unit elsewhere. @internal */
function pricesCarryUnits(records: readonly { raw: unknown }[], priceHeaders: readonly string[]): boolean {
  let priced = 0;
  for (const { raw } of records) {
    if (!raw || typeof raw !== 'object') continue;
    let any = false;
    let unit = false;
    for (const h of priceHeaders) {
      const text = str((raw as Row)[h]);
      if (text === undefined) continue;
      any = true;
      const read = Number.isFinite(Number(text)) ? undefined : readPriceCell(text);
      if (typeof read === 'object' && read.unit !== undefined) unit = true;
    }
    if (!any) continue;
    if (!unit) return false;
    priced++;
  }
  return priced > 0;
}

/** The file a position names (`list.csv:12` -> `list.csv`). @internal */
const fileOf = (position: string | undefined) => (position ? position.replace(/:[^:]*$/, '') : 'price list');

/**
 * The mapper for one price list, its columns placed once from its header (see columns.ts): the connectors'
 * `mapperFor`, called by the pipeline once per file. Throws {@link PriceColumnsError} (the whole file refused, with the
 * headers seen and the `columns` setting that fixes it) when a column cannot be placed.
 */
export function priceMapperFor(
  header: readonly string[],
  config: PriceMapperConfig,
  sample: readonly { raw: unknown; position?: string }[],
): (raw: unknown) => CanonicalRecordInput | MappingFailure {
  let plan: ColumnPlan;
  try {
    plan = planColumns(header, {
      columns: config.columns,
      unitKnown: config.unit !== undefined,
      namesCarryUnits: (h) => namesCarryUnits(sample, h),
      pricesCarryUnits: (hs) => pricesCarryUnits(sample, hs),
    });
  } catch (error) {
    if (error instanceof PriceColumnsError) throw new PriceColumnsError(`${fileOf(sample[0]?.position)}: ${error.message}`);
    throw error;
  }
  const unit = fallbackUnit(plan, config);
  return (raw) => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return reject('not an object with named fields');
    return mapRow(raw as Row, plan, unit, config);
  };
}

/** Plans made from a row's own fields (rows mapped without their file: replays, direct calls), per config. @internal */
const rowPlans = new WeakMap<PriceMapperConfig, Map<string, ColumnPlan | PriceColumnsError>>();

/**
 * Maps one row without its file's header (a replayed rejected record, a direct call): its columns are placed from
 * the row's own field names, as {@link priceMapperFor} places a file's (cached by those names). A list read from a
 * file goes through {@link priceMapperFor} instead, once per file.
 */
export function mapPriceRow(raw: unknown, config: PriceMapperConfig): CanonicalRecordInput | MappingFailure {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return reject('not an object with named fields');
  const row = raw as Row;
  const fields = Object.keys(row);
  const key = fields.join('\u0000');
  let plans = rowPlans.get(config);
  if (!plans) rowPlans.set(config, (plans = new Map()));
  let plan = plans.get(key);
  if (!plan) {
    try {
      plan = planColumns(fields, {
        columns: config.columns,
        unitKnown: config.unit !== undefined,
        namesCarryUnits: (h) => namesCarryUnits([{ raw }], h),
        pricesCarryUnits: (hs) => pricesCarryUnits([{ raw }], hs),
      });
    } catch (error) {
      if (!(error instanceof PriceColumnsError)) throw error;
      plan = error;
    }
    // (A unit carried by a name or a price cell is a property of the row, not of its fields: such plans are not kept.)
    if (plans.size > 1_000) plans.clear();
    if (plan instanceof PriceColumnsError || !plan.unitFromName) plans.set(key, plan);
  }
  if (plan instanceof PriceColumnsError) return reject(plan.message);
  return mapRow(row, plan, fallbackUnit(plan, config), config);
}
