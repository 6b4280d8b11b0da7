import type { EntityManager } from '@mikro-orm/postgresql';
import { insertIgnoringConflicts, type SqlValue } from './bulk-insert.js';
import { PRICE_COLUMNS, PRICE_NATURAL_KEY } from '../src/pricing/price-observation.columns.js';
import { PRODUCTS } from './catalog.data.js';
import { DEMO_PRICE_SERIES, SPEC_FACTORS, type Season, type SeriesData, type Spec } from './demo-prices.data.js';
import { hashString, normal, uniform } from './prng.js';

/** Connector name of the generated prices (provenance, see `Fact`): never mistaken for a real feed. */
export const DEMO_CONNECTOR = 'demo-generator';

export interface SeedDemoPricesOptions {
  /** Days of history. @default 180 */
  days?: number;
  /** Last day, `YYYY-MM-DD`. @default today (UTC) */
  endDate?: string;
  /** PRNG seed; the same seed and window always give the same prices. @default 2023 */
  seed?: number;
}

const DEFAULT_DAYS = 180;
const DEFAULT_SEED = 2023;

/** Day-to-day persistence of the price walk (AR(1) coefficient): shocks fade over weeks. */
const WALK_PERSISTENCE = 0.95;
/** Past shocks summed into a day's walk; 0.95^120 < 0.3 %, so older ones do not matter. */
const WALK_HORIZON = 120;
/** Seasonal swing of in-season products: dear when the season opens and closes, cheap at its height. */
const IN_SEASON_AMPLITUDE = 0.18;
/** Seasonal swing of all-year products (storage crops, imports, staples). */
const ALL_YEAR_AMPLITUDE = 0.08;
/** Share of days a series is missing (no trade reported), as in real lists. */
const MISSING_DAY_RATE = 0.03;
/** Yuan per kg from yuan per unit. */
const KG_FACTOR: Record<string, number> = { 斤: 2, 公斤: 1 };

const DAY_MS = 86_400_000;

/** One generated quote, before ids are looked up. @internal */
export interface DemoPrice {
  market: string;
  product: string;
  variety: string | null;
  rawName: string;
  spec: Spec;
  observedOn: string;
  unit: string;
  low: number;
  avg: number;
  high: number;
  /** Null when the unit is not a weight. */
  lowPerKg: number | null;
  avgPerKg: number | null;
  highPerKg: number | null;
  originText: string | null;
  originRegion: string | null;
  sourceKey: string;
}

/**
 * Writes a deterministic demo price history for the seeded markets (see
 * demo-prices.data.ts) and returns the number of rows inserted. Quotes already
 * present (same source key) are kept, so re-running adds only new days.
 * Needs the catalogue and the markets to be seeded first.
 */
export async function seedDemoPrices(em: EntityManager, options: SeedDemoPricesOptions = {}): Promise<number> {
  const prices = generateDemoPrices(options);
  return em.transactional(async (tx) => {
    const ids = await loadIds(tx);
    const rows = prices.map((p): SqlValue[] => [
      DEMO_CONNECTOR,
      p.sourceKey,
      ids.product(p.product),
      p.variety ? ids.variety(p.product, p.variety) : null,
      ids.market(p.market),
      p.originRegion && ids.regions.has(p.originRegion) ? p.originRegion : null,
      p.originText,
      p.observedOn,
      p.rawName,
      p.spec,
      p.low,
      p.avg,
      p.high,
      p.unit,
      p.lowPerKg,
      p.avgPerKg,
      p.highPerKg,
      null, // volume: not generated
      null, // volume_unit
    ]);
    return insertIgnoringConflicts(tx, 'price_observation', PRICE_COLUMNS, rows, PRICE_NATURAL_KEY);
  });
}

/**
 * The demo history as plain objects. A day's price of a series is
 * `level × grade × season × exp(walk)`, where the walk is a sum of decaying
 * daily shocks drawn from (seed, series, day): two windows that overlap agree
 * on the days they share.
 * @internal
 */
export function generateDemoPrices(options: SeedDemoPricesOptions = {}): DemoPrice[] {
  const days = options.days ?? DEFAULT_DAYS;
  const seed = options.seed ?? DEFAULT_SEED;
  const endDay = dayNumber(options.endDate ?? new Date().toISOString().slice(0, 10));
  if (!Number.isInteger(days) || days < 1) throw new Error(`days must be a positive integer, got ${days}`);
  const firstDay = endDay - days + 1;

  const productNames = new Map(PRODUCTS.map((p) => [p.code, p.name]));
  const prices: DemoPrice[] = [];
  const seriesKeys = new Set<string>();
  for (const { market, unit: marketUnit, series } of DEMO_PRICE_SERIES) {
    for (const s of series) {
      const seriesKey = `${market}:${s.product}:${s.variety ?? '-'}`;
      if (seriesKeys.has(seriesKey)) throw new Error(`demo-prices.data.ts: duplicate series ${seriesKey}`);
      seriesKeys.add(seriesKey);
      const seriesHash = hashString(seriesKey);
      const shocks = dailyShocks(seed, seriesHash, firstDay - WALK_HORIZON + 1, endDay, s.volatility ?? 0.02);
      const unit = s.unit ?? marketUnit;
      const kgFactor = KG_FACTOR[unit];
      const rawName = s.rawName ?? s.variety ?? productNames.get(s.product) ?? s.product;
      // Steady goods (vinegar, grain) are quoted in a narrower band than volatile ones (vegetables).
      const spread = Math.min(1.5, Math.max(0.4, (s.volatility ?? 0.02) / 0.02));
      for (let day = firstDay; day <= endDay; day++) {
        const date = new Date(day * DAY_MS);
        if (s.season && !inSeason(date, s.season)) continue;
        if (uniform(seed, seriesHash, day, 99) < MISSING_DAY_RATE) continue;
        const walk = walkOn(shocks, day - (firstDay - WALK_HORIZON + 1));
        const level = s.price * seasonalFactor(date, s) * Math.exp(walk);
        for (const spec of s.specs ?? ['普通']) {
          const specHash = hashString(spec);
          const avg = round2(Math.max(0.05, level * SPEC_FACTORS[spec]));
          // Low and high lie 4-18 % and 4-22 % from the average (scaled by `spread`), like a day's quotes at a wholesale hall.
          const lowBy = spread * (0.04 + 0.14 * uniform(seed, seriesHash, specHash, day, 3));
          const highBy = spread * (0.04 + 0.18 * uniform(seed, seriesHash, specHash, day, 4));
          const low = Math.min(avg, Math.max(0.01, round2(avg * (1 - lowBy))));
          const high = Math.max(avg, round2(avg * (1 + highBy)));
          const observedOn = date.toISOString().slice(0, 10);
          prices.push({
            market,
            product: s.product,
            variety: s.variety ?? null,
            rawName,
            spec,
            observedOn,
            unit,
            low,
            avg,
            high,
            lowPerKg: kgFactor ? round2(low * kgFactor) : null,
            avgPerKg: kgFactor ? round2(avg * kgFactor) : null,
            highPerKg: kgFactor ? round2(high * kgFactor) : null,
            originText: s.origin?.text ?? null,
            originRegion: s.origin?.region ?? null,
            sourceKey: `${seriesKey}:${spec}:${observedOn}`,
          });
        }
      }
    }
  }
  return prices;
}

/** Normal shocks for days `from..to`, scaled by the series' volatility. */
function dailyShocks(seed: number, seriesHash: number, from: number, to: number, volatility: number): Float64Array {
  const shocks = new Float64Array(to - from + 1);
  for (let i = 0; i < shocks.length; i++) shocks[i] = volatility * normal(seed, seriesHash, from + i);
  return shocks;
}

/** The walk on the day at `index`: the last WALK_HORIZON shocks, each weighted by persistence^age. */
function walkOn(shocks: Float64Array, index: number): number {
  let walk = 0;
  let weight = 1;
  for (let age = 0; age < WALK_HORIZON; age++) {
    walk += weight * shocks[index - age];
    weight *= WALK_PERSISTENCE;
  }
  return walk;
}

function seasonalFactor(date: Date, s: SeriesData): number {
  const month = date.getUTCMonth() + 1;
  const monthFraction = (date.getUTCDate() - 1) / 31;
  if (s.season) {
    const [from, to] = s.season;
    const length = ((to - from + 12) % 12) + 1;
    const position = (((month - from + 12) % 12) + monthFraction) / length; // 0 when the season opens, 1 when it closes
    return 1 + IN_SEASON_AMPLITUDE * (1.5 * (2 * position - 1) ** 2 - 0.5);
  }
  const monthsFromPeak = month - 1 + monthFraction - ((s.peakMonth ?? 7) - 1);
  return 1 + ALL_YEAR_AMPLITUDE * Math.cos((2 * Math.PI * monthsFromPeak) / 12);
}

function inSeason(date: Date, [from, to]: Season): boolean {
  const month = date.getUTCMonth() + 1;
  return from <= to ? month >= from && month <= to : month >= from || month <= to;
}

function dayNumber(isoDate: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!match) throw new Error(`endDate must be YYYY-MM-DD, got "${isoDate}"`);
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / DAY_MS;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Ids of the seeded products, varieties and markets, and the loaded origin regions. */
async function loadIds(em: EntityManager) {
  const productRows = await em.execute<{ id: number; code: string }[]>('select id, code from product');
  const varietyRows = await em.execute<{ id: number; product_id: number; name: string }[]>('select id, product_id, name from variety');
  const marketRows = await em.execute<{ id: number; code: string }[]>('select id, code from market');
  const regionCodes = [...new Set(DEMO_PRICE_SERIES.flatMap((m) => m.series.flatMap((s) => (s.origin?.region ? [s.origin.region] : []))))];
  const regionRows = await em.execute<{ code: string }[]>('select code from region where code in (?)', [regionCodes]);

  const products = new Map(productRows.map((r) => [r.code, r.id]));
  const varieties = new Map(varietyRows.map((r) => [`${r.product_id}:${r.name}`, r.id]));
  const markets = new Map(marketRows.map((r) => [r.code, r.id]));
  const product = (code: string) => required(products.get(code), `product "${code}" (run seedCatalog first)`);
  return {
    product,
    variety: (productCode: string, name: string) => required(varieties.get(`${product(productCode)}:${name}`), `variety "${name}" of ${productCode}`),
    market: (code: string) => required(markets.get(code), `market "${code}" (run seedMarketsAndLogistics first)`),
    regions: new Set(regionRows.map((r) => r.code)),
  };
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`demo prices: unknown ${what}`);
  return value;
}
