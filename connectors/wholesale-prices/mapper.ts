import { normaliseName } from '../../src/ingest/matching/normalise.js';
import { reject, type CanonicalRecordInput, type MappingFailure } from '../../src/ingest/records.js';

/**
 * Wholesale price lists -> canonical price records. Three shapes, told apart
 * by their field names:
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

/** A date cell (`2013-06-10`, `2013/6/10`, `2016-05-05 00:00:00`, an Excel serial day) as YYYY-MM-DD. */
function day(row: Row, field: string): string | MappingFailure {
  const value = row[field];
  if (!present(value)) return reject(`${field} is missing`, field);
  if (typeof value === 'number' && value > 20000 && value < 80000) {
    // Excel serial day (1900 system).
    return new Date(Date.UTC(1899, 11, 30) + value * 86_400_000).toISOString().slice(0, 10);
  }
  const text = String(value);
  const known = dayCache.get(text);
  if (known) return known;
  const match = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})/.exec(text.trim());
  if (!match) return reject(`${field} is not a date: "${text}"`, field);
  const iso = `${match[1]}-${match[2].padStart(2, '0')}-${match[3].padStart(2, '0')}`;
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

/** Maps one row of any of the three shapes. */
export function mapPriceRow(raw: unknown, config: PriceMapperConfig): CanonicalRecordInput | MappingFailure {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return reject('not an object with named fields');
  const row = raw as Row;
  const marketOf = (name: unknown) => (present(name) ? (config.marketCodes[String(name).trim()] ?? str(name)!) : config.market);
  if ('品名' in row) {
    return build({
      name: str(row['品名']),
      nameField: '品名',
      variety: str(row['品种']),
      low: price(row, '最低价'),
      avg: price(row, '平均价'),
      high: price(row, '最高价'),
      avgField: '平均价',
      date: day(row, '发布日期' in row ? '发布日期' : '日期'),
      unit: str(row['单位']),
      spec: str(row['规格']),
      origin: str(row['产地']),
      category: str(row['一级分类']) ?? str(row['分类']) ?? str(row['类别']),
      market: present(row['市场']) ? marketOf(row['市场']) : config.market,
    });
  }
  if ('prodName' in row) {
    return build({
      name: str(row.prodName),
      nameField: 'prodName',
      low: price(row, 'lowPrice'),
      avg: price(row, 'avgPrice'),
      high: price(row, 'highPrice'),
      avgField: 'avgPrice',
      date: day(row, 'pubDate'),
      unit: str(row.unitInfo),
      spec: str(row.specInfo),
      origin: str(row.place),
      category: str(row.prodCat),
      market: config.market,
    });
  }
  if ('varietyName' in row) {
    return build({
      name: str(row.varietyName),
      nameField: 'varietyName',
      low: price(row, 'minPrice'),
      avg: price(row, 'avgPrice'),
      high: price(row, 'maxPrice'),
      avgField: 'avgPrice',
      // provinceName is where the market is, not where the produce comes from: not an origin.
      date: day(row, 'reportDate'),
      unit: str(row.meteringUnit) ?? '公斤',
      market: marketOf(row.marketName),
    });
  }
  return reject('unknown row shape: expected 品名 (price list), prodName (Xinfadi API) or varietyName (ministry portal)');
}
