import { normaliseName } from '../../src/ingest/matching/normalise.js';
import { reject, type CanonicalRecordInput, type MappingFailure } from '../../src/ingest/records.js';
import { planColumns, PriceColumnsError, type ColumnPlan, type PriceColumnsMapping } from './columns.js';

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

/** A price cell: a number, a numeric string, or empty. */
function price(row: Row, field: string): number | undefined | MappingFailure {
  const value = row[field];
  if (!present(value)) return undefined;
  // A plain number is read as it is (Number() ignores the same surrounding white space); only a number written with
  // separators or a currency sign goes through the clean-up (issue #13: a regex per cell was a cost of bulk loads).
  let n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(n) && typeof value !== 'number') n = Number(String(value).replace(/[,，\s元]/g, ''));
  return Number.isFinite(n) ? n : reject(`${field} is not a number: "${String(value)}"`, field);
}

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
  low: number | undefined | MappingFailure;
  avg: number | undefined | MappingFailure;
  high: number | undefined | MappingFailure;
  avgField: string;
  date: string | MappingFailure;
  unit?: string;
  spec?: string;
  origin?: string;
  variety?: string;
  market: string;
  category?: string;
}): CanonicalRecordInput | MappingFailure {
  for (const value of [fields.low, fields.avg, fields.high, fields.date]) if (isFailure(value)) return value;
  if (!fields.name) return reject(`${fields.nameField} is missing`, fields.nameField);
  const low = fields.low as number | undefined;
  const high = fields.high as number | undefined;
  // A list with only low and high gets their midpoint as the average (stated in the README).
  const avg = (fields.avg as number | undefined) ?? (low !== undefined && high !== undefined ? Math.round(((low + high) / 2) * 100) / 100 : undefined);
  if (avg === undefined) return reject(`${fields.avgField} is missing`, fields.avgField);
  // A unit in the name (椰青/个) says what the price is per, whatever the unit column says.
  const unit = unitInName(fields.name) ?? fields.unit;
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
const fallbackUnit = (plan: ColumnPlan, config: PriceMapperConfig) => plan.headerUnit ?? config.unit ?? plan.defaultUnit;

/** One row by a plan made once for its list: per-row work is reading the planned cells, as it was for the three fixed shapes. @internal */
function mapRow(row: Row, plan: ColumnPlan, unit: string | undefined, config: PriceMapperConfig): CanonicalRecordInput | MappingFailure {
  const marketCell = plan.market === undefined ? undefined : row[plan.market];
  return build({
    name: str(row[plan.name]),
    nameField: plan.name,
    variety: plan.variety === undefined ? undefined : str(row[plan.variety]),
    low: plan.low === undefined ? undefined : price(row, plan.low),
    avg: plan.avg === undefined ? undefined : price(row, plan.avg),
    high: plan.high === undefined ? undefined : price(row, plan.high),
    avgField: plan.avg ?? plan.high ?? plan.low!,
    date: day(row, plan.date),
    unit: (plan.unit === undefined ? undefined : str(row[plan.unit])) ?? unit,
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
    plan = planColumns(header, { columns: config.columns, unitKnown: config.unit !== undefined, namesCarryUnits: (h) => namesCarryUnits(sample, h) });
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
      plan = planColumns(fields, { columns: config.columns, unitKnown: config.unit !== undefined, namesCarryUnits: (h) => namesCarryUnits([{ raw }], h) });
    } catch (error) {
      if (!(error instanceof PriceColumnsError)) throw error;
      plan = error;
    }
    // (A name-carried unit is a property of the row, not of its fields: such plans are not kept.)
    if (plans.size > 1_000) plans.clear();
    if (plan instanceof PriceColumnsError || !plan.unitFromName) plans.set(key, plan);
  }
  if (plan instanceof PriceColumnsError) return reject(plan.message);
  return mapRow(row, plan, fallbackUnit(plan, config), config);
}
