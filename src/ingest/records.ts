import { z } from 'zod';
import { kgPerUnit, MAX_KG_FACTOR } from '../catalog/units.js';
import { MarketChannel } from '../markets/market-channel.js';

/**
 * Canonical records: what a connector's mapper produces and the ingest
 * pipeline validates, matches to the catalogue and stores. Names, places and
 * units stay as the source wrote them (`rawName`, `originText`, `unit`); the
 * pipeline adds the canonical product, variety and region.
 */

const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(d)), 'is not a real date');
const money = z.number().finite().min(0, 'must not be negative');
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const regionCode = z.string().regex(/^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$/, 'must be a region code of 2, 4, 6, 9 or 12 digits');

const common = {
  /** The record's natural key in its source: re-loading the same key adds nothing. */
  sourceKey: text(255),
  /** Product name as the source wrote it. */
  rawName: text(200),
  /** Product code or name, when the source already knows it. */
  product: text(100).optional(),
  /** Variety name or alias, when the source gives it apart from the name. */
  variety: text(100).optional(),
  /** Origin region code, when the source gives a code. */
  originRegion: regionCode.optional(),
  /** Origin as the source wrote it ("山西运城临猗", "冀鲁豫"); matched to a region code when no code is given. */
  originText: text(100).optional(),
  /** The source's own category or section for the row (`水果`, `蔬菜`, `干鲜`): a match into another sector goes to review. */
  category: text(50).optional(),
};

/**
 * The dearest price the hub stores, per unit as written and per kg. Far above any wholesale quote (cordyceps, the
 * dearest farm product in the lists, is some 10^5 元/kg; a tonne of the dearest tea some 10^7 元) and below the
 * columns' limit (numeric(12,2): under 10^10): a number above is a day or a code in a price column (`20240305`
 * per 斤), or a per-克 price that would overflow per kg. Refusing the row keeps one such cell from failing a whole
 * run with "numeric field overflow", as it did before session 7.
 */
export const MAX_PRICE = 100_000_000;
/** See {@link MAX_PRICE}. */
export const MAX_PRICE_PER_KG = 10_000_000;

const price = money.max(MAX_PRICE, `must be at most ${MAX_PRICE} yuan (a day or a code in a price column?)`);

/** The last unit's kg factor: a list repeats one unit over its rows, and this runs once per row. @internal */
let factorUnit: string | undefined;
let factor: number | undefined;
function kgFactorOf(unit: string): number | undefined {
  if (unit !== factorUnit) {
    factorUnit = unit;
    factor = kgPerUnit(unit);
  }
  return factor;
}

/**
 * Whether a price record's dearest price, per kg, is within {@link MAX_PRICE_PER_KG} (true for a per-piece unit). No
 * unit has more than {@link MAX_KG_FACTOR} to the kg, so a price up to 10,000 (every row of a usual list) is within
 * it without looking its unit up. @internal
 */
const perKgWithin = (top: number, unit: string) => top * MAX_KG_FACTOR <= MAX_PRICE_PER_KG || top * (kgFactorOf(unit) ?? 0) <= MAX_PRICE_PER_KG;

/** A price quote at a market on a day. */
export const priceRecord = z
  .object({
    kind: z.literal('price'),
    ...common,
    /** Market code, e.g. `beijing-xinfadi`. */
    market: text(64),
    observedOn: date,
    lowPrice: price.optional(),
    avgPrice: price,
    highPrice: price.optional(),
    /** Unit the prices are quoted per: 斤, 公斤, 吨, 个, 箱... */
    unit: text(32),
    spec: text(100).optional(),
    volume: money.optional(),
    volumeUnit: text(16).optional(),
  })
  .refine((r) => (r.lowPrice ?? r.avgPrice) <= r.avgPrice && r.avgPrice <= (r.highPrice ?? r.avgPrice), {
    message: 'prices must satisfy lowPrice <= avgPrice <= highPrice',
    path: ['avgPrice'],
  })
  .superRefine((r, ctx) => {
    const top = r.highPrice ?? r.avgPrice;
    if (perKgWithin(top, r.unit)) return;
    ctx.addIssue({
      code: 'custom',
      path: [r.highPrice !== undefined ? 'highPrice' : 'avgPrice'],
      message: `${top} per ${r.unit} is more than ${MAX_PRICE_PER_KG} yuan per kg (a day or a code in a price column?)`,
    });
  });

/** An offer of supply on a platform. */
export const supplyRecord = z.object({
  kind: z.literal('supply'),
  ...common,
  /** Platform (market) code, e.g. `taobao`. */
  platform: text(64),
  seller: text(200),
  quantity: money,
  quantityUnit: text(16),
  price: money.optional(),
  priceUnit: text(16).optional(),
  availableFrom: date,
  availableTo: date.optional(),
});

/** Sales over a period. */
export const saleRecord = z.object({
  kind: z.literal('sale'),
  ...common,
  /** Platform (market) code, when sold through one. */
  platform: text(64).optional(),
  channel: z.enum(MarketChannel),
  destinationRegion: regionCode.optional(),
  periodStart: date,
  periodEnd: date,
  quantity: money,
  quantityUnit: text(16),
  amount: money,
  orders: z.number().int().min(0).default(0),
});

export const canonicalRecord = z.discriminatedUnion('kind', [priceRecord, supplyRecord, saleRecord]);

export type PriceRecord = z.infer<typeof priceRecord>;
export type SupplyRecord = z.infer<typeof supplyRecord>;
export type SaleRecord = z.infer<typeof saleRecord>;
export type CanonicalRecord = z.infer<typeof canonicalRecord>;
/** What a mapper hands over, before validation: any of the shapes above, loosely typed. */
export type CanonicalRecordInput = z.input<typeof canonicalRecord>;
export type RecordKind = CanonicalRecord['kind'];

/** A mapper's refusal of a source record, with the source field at fault. */
export interface MappingFailure {
  rejected: true;
  reason: string;
  field?: string;
}

/** Builds a {@link MappingFailure}. */
export function reject(reason: string, field?: string): MappingFailure {
  return { rejected: true, reason, field };
}

export function isMappingFailure(value: unknown): value is MappingFailure {
  return typeof value === 'object' && value !== null && (value as MappingFailure).rejected === true;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const REGION_CODE = /^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$/;

/**
 * {@link priceRecord}'s checks written out, for bulk loads (issue #13: zod's
 * parse was the largest per-row cost after CSV parsing). Returns what zod
 * returns for a valid record (the known fields, text trimmed), or undefined
 * when any check fails or a field has an unexpected type: the caller then
 * asks the schema itself, which names the field and the reason. It never
 * accepts what the schema refuses (test/ingest/fast-price-record.test.ts).
 */
export function fastPriceRecord(input: Record<string, unknown>): PriceRecord | undefined {
  if (input.kind !== 'price') return undefined;
  const out: Record<string, unknown> = { kind: 'price' };
  const texts: [string, number, boolean][] = PRICE_TEXTS;
  for (let i = 0; i < texts.length; i++) {
    const [field, max, optional] = texts[i];
    const value = input[field];
    if (value === undefined) {
      if (optional) continue;
      return undefined;
    }
    if (typeof value !== 'string') return undefined;
    const trimmed = value.trim();
    if (trimmed.length < 1 || trimmed.length > max) return undefined;
    out[field] = trimmed;
  }
  if (input.originRegion !== undefined) {
    if (typeof input.originRegion !== 'string' || !REGION_CODE.test(input.originRegion)) return undefined;
    out.originRegion = input.originRegion;
  }
  const day = input.observedOn;
  if (typeof day !== 'string' || !DAY.test(day) || Number.isNaN(Date.parse(day))) return undefined;
  out.observedOn = day;
  for (const field of PRICE_MONEY) {
    const value = input[field];
    if (value === undefined) {
      if (field === 'avgPrice') return undefined;
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
    if (value > MAX_PRICE && field !== 'volume') return undefined;
    out[field] = value;
  }
  const avg = out.avgPrice as number;
  if (((out.lowPrice as number | undefined) ?? avg) > avg || avg > ((out.highPrice as number | undefined) ?? avg)) return undefined;
  if (!perKgWithin((out.highPrice as number | undefined) ?? avg, out.unit as string)) return undefined;
  return out as PriceRecord;
}

/** The text fields of a price record: name, most characters, optional. @internal */
const PRICE_TEXTS: [string, number, boolean][] = [
  ['sourceKey', 255, false],
  ['rawName', 200, false],
  ['product', 100, true],
  ['variety', 100, true],
  ['originText', 100, true],
  ['category', 50, true],
  ['market', 64, false],
  ['unit', 32, false],
  ['spec', 100, true],
  ['volumeUnit', 16, true],
];
const PRICE_MONEY = ['lowPrice', 'avgPrice', 'highPrice', 'volume'] as const;
