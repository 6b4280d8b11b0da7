import type pg from 'pg';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ensureMonths, knownPartition, monthOf } from '../platform/partitions.js';
import { kgPerUnit } from '../catalog/units.js';
import type { MarketChannel } from '../markets/market-channel.js';
import { hasSubscribers, type HubPubSub } from '../platform/pubsub.js';
import { PRICES_OBSERVED, type PricesObservedEvent } from '../pricing/price.events.js';
import { PRICE_COLUMNS, PRICE_NATURAL_KEY } from '../pricing/price-observation.columns.js';
import { registerFactKind, type FactKind, type Indexed, type KindRejection, type KindWrite, type WriteContext } from './fact-kind.js';
import { copyEncoded, copyNew, copyRows, type CopyTarget, type EncodedTarget, type SqlValue } from './bulk-insert.js';
import {
  fastPriceRecord,
  priceRecord,
  reject,
  saleRecord,
  supplyRecord,
  type MappingFailure,
  type PriceRecord,
  type SaleRecord,
  type SupplyRecord,
} from './records.js';
import { ProductMatcher, type MatchOutcome } from './matching/product-matcher.js';
import { OriginMatcher } from './matching/origin-matcher.js';
import { queueUnmatchedOrigins, type UnresolvedOrigin } from './review/review.service.js';
import { normaliseName } from './matching/normalise.js';
import type { z } from 'zod';

/**
 * The market facts (prices, supply listings, sales) as kinds of the one
 * ingest pipeline: validated by their zod schemas (src/ingest/records.ts);
 * names matched to the catalogue through the product matcher (read once per
 * load), origins to regions, market codes to markets; written in bulk;
 * unmatched names queued for review; prices published to `priceObserved`.
 *
 * Integrity without per-row foreign-key triggers (issue #13): every market,
 * product, variety and region a batch refers to is looked up once per batch
 * in the batch's transaction and key-share locked (what a foreign-key check
 * does per row), so it cannot be deleted before the batch commits; a product
 * or variety removed since the matcher was read is stored as null, as
 * `on delete set null` would have; an unknown market or region refuses the
 * record. The reference tables' own triggers (migration 20261129150000) keep
 * the facts consistent when a referenced row is deleted later.
 */

type Market = { id: number; channel: MarketChannel };

interface Lookups {
  products: ProductMatcher;
  origins: OriginMatcher;
  /** Market code -> market, read once per load. */
  markets: Map<string, Market>;
  /** Match outcome per (name, product, variety): a list repeats a few hundred names. */
  matches: Map<string, MatchOutcome>;
  /** Region code per origin text (null: none). */
  originCodes: Map<string, string | null>;
}

/** The catalogue matchers and market codes of a load, read once (outside the batch's transaction). @internal */
function lookups(ctx: WriteContext): Promise<Lookups> {
  let found = ctx.cache.get('market-facts') as Promise<Lookups> | undefined;
  if (!found) {
    found = (async () => {
      const [products, origins, markets] = await Promise.all([
        ProductMatcher.load(ctx.em),
        OriginMatcher.load(ctx.em),
        ctx.em.getConnection().execute<{ id: number; code: string; channel: MarketChannel }[]>('select id, code, channel from market'),
      ]);
      return {
        products,
        origins,
        markets: new Map(markets.map((m) => [m.code, { id: m.id, channel: m.channel }])),
        matches: new Map(),
        originCodes: new Map(),
      };
    })();
    ctx.cache.set('market-facts', found);
    // A failed read (the database went away) is not cached: the next batch reads again.
    found.catch(() => ctx.cache.delete('market-facts'));
  }
  return found;
}

/** The outcome of matching a name, cached per load. @internal */
function matchName(l: Lookups, rawName: string, product?: string, variety?: string, category?: string): MatchOutcome {
  const key = product || variety || category ? `${rawName}\u0000${product ?? ''}\u0000${variety ?? ''}\u0000${category ?? ''}` : rawName;
  let outcome = l.matches.get(key);
  if (!outcome) {
    outcome = l.products.match(rawName, product, variety, category);
    l.matches.set(key, outcome);
  }
  return outcome;
}

/** The region an origin text names, cached per load (a list repeats a few hundred origins). @internal */
function originOf(l: Lookups, text: string): string | null {
  let code = l.originCodes.get(text);
  if (code === undefined) {
    code = l.origins.match(text).code ?? null;
    l.originCodes.set(text, code);
  }
  return code;
}

/** The referenced rows a batch needs, by table. @internal */
interface References {
  market: Iterable<number | null>;
  product: Iterable<number | null>;
  variety: Iterable<number | null>;
  region: Iterable<string | null>;
}

/**
 * Of the referenced rows, those that still exist, each key-share locked for
 * the transaction (the foreign-key check, once per distinct row instead of
 * per fact row), in ONE statement: one round trip per batch instead of one
 * per table. Each table's rows are locked in key order, so concurrent
 * batches never deadlock on them.
 * @internal
 */
async function lockReferences(client: pg.PoolClient, refs: References): Promise<Record<keyof References, Set<string>>> {
  const distinct = <T>(values: Iterable<T | null>) => [...new Set(values)].filter((v): v is T => v !== null && v !== undefined);
  const { rows } = await client.query<{ t: keyof References; v: string }>(
    `with m as (select id from market where id = any($1::int[]) order by id for key share),
          p as (select id from product where id = any($2::int[]) order by id for key share),
          v as (select id from variety where id = any($3::int[]) order by id for key share),
          r as (select code from region where code = any($4::varchar[]) order by code for key share)
     select 'market' as t, id::text as v from m union all select 'product', id::text from p
     union all select 'variety', id::text from v union all select 'region', code::text from r`,
    [distinct(refs.market), distinct(refs.product), distinct(refs.variety), distinct(refs.region)],
  );
  const found = { market: new Set<string>(), product: new Set<string>(), variety: new Set<string>(), region: new Set<string>() };
  for (const row of rows) found[row.t].add(row.v);
  return found;
}

/** Validation by a zod schema, with the first issue as reason and field. @internal */
function zodValidate<S extends z.ZodType>(schema: S) {
  return (input: Record<string, unknown>): z.infer<S> | MappingFailure => {
    const parsed = schema.safeParse(input);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.') || undefined;
    return reject(field ? `${field} ${issue.message}` : issue.message, field);
  };
}

type MarketRecord = PriceRecord | SupplyRecord | SaleRecord;

export interface Resolved<R extends MarketRecord> {
  index: number;
  record: R;
  productId: number | null;
  varietyId: number | null;
  outcome: MatchOutcome;
  originRegion: string | null;
  marketId: number | null;
}

/**
 * The resolve step shared by the three kinds: market (or platform) and region
 * codes checked, names and origins matched, referenced rows locked.
 * @internal
 */
async function resolve<R extends MarketRecord>(
  records: Indexed<R>[],
  ctx: WriteContext,
): Promise<{ resolved: Resolved<R>[]; rejections: KindRejection[]; l: Lookups }> {
  const l = await lookups(ctx);
  const rejections: KindRejection[] = [];
  const regionCodes = new Set<string>();
  const resolved: Resolved<R>[] = [];
  for (const { index, record } of records) {
    const marketCode = record.kind === 'price' ? record.market : record.platform;
    const market = marketCode ? l.markets.get(marketCode) : undefined;
    if (marketCode && !market) {
      const marketField = record.kind === 'price' ? 'market' : 'platform';
      rejections.push({ index, reason: `unknown ${marketField} "${marketCode}"`, field: marketField });
      continue;
    }
    if (record.originRegion) regionCodes.add(record.originRegion);
    if (record.kind === 'sale' && record.destinationRegion) regionCodes.add(record.destinationRegion);
    const originRegion = record.originRegion ?? (record.originText ? originOf(l, record.originText) : null);
    if (originRegion) regionCodes.add(originRegion);
    const outcome = matchName(l, record.rawName, record.product, record.variety, record.category);
    resolved.push({
      index,
      record,
      outcome,
      originRegion,
      productId: outcome.match?.productId ?? null,
      varietyId: outcome.match?.varietyId ?? null,
      marketId: market?.id ?? null,
    });
  }
  // Every referenced row, looked up and locked once per batch, in one statement. The matcher and the market list were
  // read at the start of the load: a row deleted since then is a null reference (products, varieties, matched origins:
  // as `on delete set null` did) or a refused record (markets: they were `no action`; region codes the source gave).
  const found = await lockReferences(ctx.client, {
    market: resolved.map((r) => r.marketId),
    product: resolved.map((r) => r.productId),
    variety: resolved.map((r) => r.varietyId),
    region: regionCodes,
  });
  const kept: Resolved<R>[] = [];
  for (const r of resolved) {
    const { index, record } = r;
    if (record.originRegion && !found.region.has(record.originRegion)) {
      rejections.push({ index, reason: `unknown region code "${record.originRegion}"`, field: 'originRegion' });
      continue;
    }
    if (record.kind === 'sale' && record.destinationRegion && !found.region.has(record.destinationRegion)) {
      rejections.push({ index, reason: `unknown region code "${record.destinationRegion}"`, field: 'destinationRegion' });
      continue;
    }
    if (r.marketId !== null && !found.market.has(String(r.marketId))) {
      rejections.push({ index, reason: 'market no longer exists', field: record.kind === 'price' ? 'market' : 'platform' });
      continue;
    }
    if (r.productId !== null && !found.product.has(String(r.productId))) r.productId = r.varietyId = null;
    if (r.varietyId !== null && !found.variety.has(String(r.varietyId))) r.varietyId = null;
    if (r.originRegion && !found.region.has(r.originRegion)) r.originRegion = null;
    kept.push(r);
  }
  rejections.sort((a, b) => a.index - b.index);
  return { resolved: kept, rejections, l };
}

const FACT_CONFLICT = '(source_connector, source_key)';

const num = (value: number | undefined | null): SqlValue => value ?? null;

/**
 * A market-fact kind (supply listings, sales) from its schema, table and row
 * layout. `write` resolves, writes and queues unmatched names. (Prices have
 * their own bulk path: {@link priceKind}.)
 * @internal
 */
function marketKind<R extends SupplyRecord | SaleRecord>(spec: {
  kind: R['kind'];
  schema: z.ZodType<R>;
  target: CopyTarget;
  row: (connector: string, r: Resolved<R>) => SqlValue[];
}): FactKind<R> {
  const validate = zodValidate(spec.schema);
  return {
    kind: spec.kind,
    validate: (input) => validate(input) as R | MappingFailure,
    async write(records, ctx): Promise<KindWrite> {
      const { resolved, rejections, l } = await resolve(records, ctx);
      const rows = resolved.map((r) => spec.row(ctx.connector, r));
      const written = await copyRows(ctx.client, spec.target, rows, ctx.cache);
      const byKey = new Map<string, Resolved<R>>();
      for (const r of resolved) if (!byKey.has(r.record.sourceKey)) byKey.set(r.record.sourceKey, r);
      const stored = written.rows.map((row) => byKey.get(String(row.source_key))!);
      const unmatched = await queueUnmatched(ctx.client, ctx.connector, stored);
      // Origins that named no region (and no province list such as 冀鲁豫) wait for review too (issue #14).
      await queueUnmatchedOrigins(ctx.client, ctx.connector, unresolvedOrigins(stored, l.origins));
      return { rejections, stored: written.rows.length, duplicates: resolved.length - written.rows.length, unmatched, rows: written.rows };
    },
  };
}

/**
 * Creates the monthly partitions of the days a batch quotes (from 2000 to a
 * year ahead; any other day goes to the default partition), before the
 * batch's transaction. @internal
 */
async function preparePriceMonths(records: Indexed<PriceRecord>[], em: EntityManager): Promise<void> {
  const months = priceMonths(records);
  if (months.size) await ensureMonths((await em.getConnection().getNativeClient()) as pg.Pool, 'price_observation', months);
}

/** The months of a batch's records, asked twice (preparesNothing, prepare). @internal */
const monthsOfBatch = new WeakMap<Indexed<PriceRecord>[], Set<string>>();

/** The months of a batch that get a partition (from 2000 to a year ahead). @internal */
function priceMonths(records: Indexed<PriceRecord>[]): Set<string> {
  const known = monthsOfBatch.get(records);
  if (known) return known;
  const latest = monthOf(new Date(Date.now() + 366 * 86_400_000));
  const months = new Set<string>();
  let last: string | undefined;
  for (const { record } of records) {
    if (last !== undefined && record.observedOn.startsWith(last)) continue;
    const month = monthOf(record.observedOn);
    last = month;
    if (month >= '2000-01' && month <= latest) months.add(month);
  }
  monthsOfBatch.set(records, months);
  return months;
}

const SUPPLY_TARGET: CopyTarget = {
  table: 'supply_listing',
  columns: {
    source_connector: 'varchar',
    source_key: 'varchar',
    product_id: 'int',
    variety_id: 'int',
    platform_id: 'int',
    raw_name: 'varchar',
    seller: 'varchar',
    origin_region_code: 'varchar',
    quantity: 'numeric',
    quantity_unit: 'varchar',
    price: 'numeric',
    price_unit: 'varchar',
    available_from: 'date',
    available_to: 'date',
  },
  conflict: FACT_CONFLICT,
};

const SALES_TARGET: CopyTarget = {
  table: 'sales_record',
  columns: {
    source_connector: 'varchar',
    source_key: 'varchar',
    product_id: 'int',
    variety_id: 'int',
    raw_name: 'varchar',
    channel: 'market_channel',
    platform_id: 'int',
    origin_region_code: 'varchar',
    destination_region_code: 'varchar',
    period_start: 'date',
    period_end: 'date',
    quantity: 'numeric',
    quantity_unit: 'varchar',
    amount: 'numeric',
    orders: 'int',
  },
  conflict: FACT_CONFLICT,
};

/** Each unit's kg factor, by the unit as written (a list uses a handful): `pricePerKg` without parsing the unit per row. @internal */
const kgFactors = new Map<string, number | undefined>();

function kgFactor(unit: string): number | undefined {
  if (kgFactors.has(unit)) return kgFactors.get(unit);
  const factor = kgPerUnit(unit);
  if (kgFactors.size < 10_000) kgFactors.set(unit, factor);
  return factor;
}

/** {@link pricePerKg} with the unit's factor looked up once. @internal */
const perKg = (price: number | undefined, factor: number | undefined): number | undefined =>
  price == null || factor === undefined ? undefined : Math.round(price * factor * 100) / 100;

/** The columns {@link priceTarget} encodes, in its order: it must be {@link PRICE_COLUMNS}' order (checked at load). @internal */
const PRICE_LINE =
  'source_connector,source_key,product_id,variety_id,market_id,origin_region_code,origin_text,observed_on,raw_name,spec,low_price,avg_price,high_price,unit,low_per_kg,avg_per_kg,high_per_kg,volume,volume_unit';
if (Object.keys(PRICE_COLUMNS).join(',') !== PRICE_LINE) throw new Error('price_observation columns changed: update priceTarget and priceValues');

const PRICE_TABLE = 'price_observation';

/** A stored price's values in {@link PRICE_COLUMNS} order (the staging path, stored rows, events). @internal */
function priceValues(connector: string, r: Resolved<PriceRecord>): SqlValue[] {
  const p = r.record;
  const factor = kgFactor(p.unit);
  return [
    connector,
    p.sourceKey,
    r.productId,
    r.varietyId,
    r.marketId,
    r.originRegion,
    p.originText ?? null,
    p.observedOn,
    p.rawName,
    p.spec ?? null,
    num(p.lowPrice),
    p.avgPrice,
    num(p.highPrice),
    p.unit,
    num(perKg(p.lowPrice, factor)),
    num(perKg(p.avgPrice, factor)),
    num(perKg(p.highPrice, factor)),
    num(p.volume),
    p.volumeUnit ?? null,
  ];
}

/**
 * How prices go into COPY (issue #13): each resolved record straight to its COPY bytes (no row array, no row object,
 * no line string per price); the connector, names, specs, units and origins escaped and encoded once per load (a
 * list repeats a few hundred of each); the day needs no escaping (validated `YYYY-MM-DD`), nor the numbers
 * (validated finite and not negative; the kg factors are finite). @internal
 */
export function priceTarget(connector: string, pool: pg.Pool): EncodedTarget<Resolved<PriceRecord>> {
  let lastMonth: string | undefined;
  let lastPartition: string | undefined;
  const aggregates = new BatchAggregates();
  return {
    table: PRICE_TABLE,
    sequence: 'price_observation_id_seq',
    columns: PRICE_COLUMNS,
    conflict: PRICE_NATURAL_KEY,
    key: (r) => r.record.sourceKey,
    values: (r) => priceValues(connector, r),
    // (Asked per record, in day order: the month's answer is kept while the month stays the same.)
    partition: (r) => {
      const day = r.record.observedOn;
      if (lastMonth === undefined || !day.startsWith(lastMonth)) {
        lastMonth = monthOf(day);
        lastPartition = knownPartition(pool, PRICE_TABLE, lastMonth);
      }
      return lastPartition;
    },
    partitionKey: (r) => r.record.observedOn,
    // (The records the COPY took, grouped while they were encoded; any others grouped now.)
    direct: (client, records) => (aggregates.size === records.length ? aggregates.write(client) : addToAggregates(client, records)),
    claimDirect: `select set_config('hub.price_facts_counted', 'on', true)`,
    encode: (r, out) => {
      const p = r.record;
      const factor = kgFactor(p.unit);
      out.repeatedText(connector);
      out.tab();
      out.text(p.sourceKey);
      out.tab();
      out.int(r.productId);
      out.tab();
      out.int(r.varietyId);
      out.tab();
      out.int(r.marketId);
      out.tab();
      out.repeatedText(r.originRegion);
      out.tab();
      out.repeatedText(p.originText);
      out.tab();
      out.ascii(p.observedOn);
      out.tab();
      out.repeatedText(p.rawName);
      out.tab();
      out.repeatedText(p.spec);
      out.tab();
      out.number(p.lowPrice);
      out.tab();
      out.number(p.avgPrice);
      out.tab();
      out.number(p.highPrice);
      out.tab();
      out.repeatedText(p.unit);
      out.tab();
      out.number(perKg(p.lowPrice, factor));
      out.tab();
      const avgPerKg = perKg(p.avgPrice, factor);
      aggregates.add(r, avgPerKg);
      out.number(avgPerKg);
      out.tab();
      out.number(perKg(p.highPrice, factor));
      out.tab();
      out.number(p.volume);
      out.tab();
      out.repeatedText(p.volumeUnit);
    },
  };
}

/** Cents as numeric text (`1234` -> `12.34`): exact for any safe integer. @internal */
function centsText(cents: number): string {
  const frac = cents % 100;
  return `${(cents - frac) / 100}.${frac < 10 ? '0' : ''}${frac}`;
}

/** A PostgreSQL array literal of integers, dates or numeric texts (nothing to quote); NULL for null. @internal */
const plainArray = (values: readonly (number | string | null)[]): string => `{${values.map((v) => (v === null ? 'NULL' : v)).join(',')}}`;

/**
 * One (market, product, variety) key of a batch, or one (product, variety, market) series of a day: small ids (the
 * catalogue's are) as one small integer (no string, no heap number per record), else a text. @internal
 */
const idKey = (product: number, variety: number, market: number): number | string =>
  product < 0x1000 && variety < 0x1000 && market < 0x40 ? product + variety * 0x1000 + market * 0x1000000 : `${product}/${variety}/${market}`;

interface SeriesDelta {
  product: number;
  variety: number;
  market: number;
  day: string;
  n: number;
  cents: number;
  origin: string | null;
}

/**
 * Adds prices about to be COPYed straight into their partitions to the aggregates the partitions' insert triggers
 * used to keep (migration 20261130050000): the exact counts per (market, product, variety) (`price_count`) and, for
 * prices with a product, a market and a per-kg price, per (product, variety, market, day) the count, the exact sum of
 * the per-kg prices and the smallest origin (appended to `price_series_day_delta` and folded into `price_series_day`
 * later, migration 20261130060000), with the series marked dirty from their first day (`price_series_dirty`).
 * Grouped here, from the records in memory, and written with one call and one COPY in the batch's transaction, so
 * PostgreSQL neither keeps a transition table of the rows nor groups them again. Sums are in integer
 * cents: the per-kg prices are written with two decimals (`perKg` rounds to cents), as `numeric(12,2)` stores them.
 * The records come in day order (a day's series are grouped while the day lasts). The price kind groups a batch while
 * it encodes it for the COPY (one pass over the records, the per-kg price computed once).
 * @internal
 */
class BatchAggregates {
  /** Records added. */
  size = 0;
  /** A per-kg price that is not a whole number of cents (the sum would not be the stored values' sum): writing fails. */
  private inexact: number | undefined;
  private readonly counts = new Map<number | string, { market: number | null; product: number | null; variety: number | null; n: number }>();
  private readonly series: SeriesDelta[] = [];
  // The series of the current day, and of every day met before it out of order (a caller that did not sort).
  private readonly byDay = new Map<string, Map<number | string, SeriesDelta>>();
  private day: string | undefined;
  private ofDay = new Map<number | string, SeriesDelta>();

  /** Adds a record whose per-kg average price is `perKgPrice` (undefined: none). */
  add(r: Resolved<PriceRecord>, perKgPrice: number | undefined): void {
    this.size++;
    const { productId: product, varietyId: variety, marketId: market } = r;
    // (Ids start at 1: 0 stands for null.)
    const countKey = idKey(product ?? 0, variety ?? 0, market ?? 0);
    const count = this.counts.get(countKey);
    if (count) count.n++;
    else this.counts.set(countKey, { market, product, variety, n: 1 });
    if (product === null || market === null || perKgPrice === undefined) return;
    const cents = Math.round(perKgPrice * 100);
    // (perKg rounds to cents, so this holds; were it not, the sum would not be the stored values' sum.)
    if (cents / 100 !== perKgPrice || !Number.isSafeInteger(cents)) {
      this.inexact ??= perKgPrice;
      return;
    }
    const day = r.record.observedOn;
    if (day !== this.day) {
      this.day = day;
      let known = this.byDay.get(day);
      if (!known) this.byDay.set(day, (known = new Map()));
      this.ofDay = known;
    }
    const key = idKey(product, variety ?? 0, market);
    const origin = r.originRegion;
    const one = this.ofDay.get(key);
    if (one) {
      one.n++;
      one.cents += cents;
      if (origin !== null && (one.origin === null || origin < one.origin)) one.origin = origin;
    } else {
      const delta = { product, variety: variety ?? 0, market, day, n: 1, cents, origin };
      this.ofDay.set(key, delta);
      this.series.push(delta);
    }
  }

  /**
   * Adds the groups to the aggregates in the batch's transaction: the counts and the dirty marks (one per series, from
   * its first day) in ONE call, then the series-day groups appended with one COPY (migration 20261130070000).
   */
  async write(client: pg.PoolClient): Promise<void> {
    if (this.inexact !== undefined) throw new Error(`per-kg price ${this.inexact} is not a whole number of cents`);
    const { series } = this;
    const c = [...this.counts.values()];
    const marks = new Map<number | string, SeriesDelta>();
    for (const x of series) {
      const key = idKey(x.product, x.variety, x.market);
      const mark = marks.get(key);
      if (!mark || x.day < mark.day) marks.set(key, x);
    }
    const d = [...marks.values()];
    await client.query('select price_facts_counted($1::int[], $2::int[], $3::int[], $4::date[], $5::int[], $6::int[], $7::int[], $8::bigint[])', [
      plainArray(d.map((x) => x.product)),
      plainArray(d.map((x) => x.variety)),
      plainArray(d.map((x) => x.market)),
      plainArray(d.map((x) => x.day)),
      plainArray(c.map((x) => x.market)),
      plainArray(c.map((x) => x.product)),
      plainArray(c.map((x) => x.variety)),
      plainArray(c.map((x) => x.n)),
    ]);
    if (!series.length) return;
    await copyEncoded(client, SERIES_DELTA_COPY, series, (x, out) => {
      out.int(x.product);
      out.tab();
      out.int(x.variety);
      out.tab();
      out.int(x.market);
      out.tab();
      out.ascii(x.day);
      out.tab();
      out.int(x.n);
      out.tab();
      out.ascii(centsText(x.cents));
      out.tab();
      out.repeatedText(x.origin);
    });
  }
}

/** Where a batch's series-day groups are appended (migration 20261130060000). @internal */
const SERIES_DELTA_COPY = 'copy price_series_day_delta (product_id, variety_id, market_id, day, n, total, origin_region_code) from stdin';

/** {@link BatchAggregates} of `records`, written. @internal */
async function addToAggregates(client: pg.PoolClient, records: readonly Resolved<PriceRecord>[]): Promise<void> {
  const aggregates = new BatchAggregates();
  for (const r of records) aggregates.add(r, perKg(r.record.avgPrice, kgFactor(r.record.unit)));
  await aggregates.write(client);
}

/** Records in day order, stable (a batch's ids follow the days; PostgreSQL routes runs of rows to one partition). @internal */
function byDay<T extends { record: { observedOn: string } }>(records: readonly T[]): readonly T[] {
  const days = new Map<string, T[]>();
  for (const r of records) {
    const list = days.get(r.record.observedOn);
    if (list) list.push(r);
    else days.set(r.record.observedOn, [r]);
  }
  if (days.size <= 1) return records;
  const ordered: T[] = [];
  for (const day of [...days.keys()].sort()) for (const r of days.get(day)!) ordered.push(r);
  return ordered;
}

/** A stored row as `RETURNING *` gives it: `id`, the columns, `ingested_at`. @internal */
function storedRow(values: readonly SqlValue[], id: string, at: Date): Record<string, unknown> {
  const row: Record<string, unknown> = { id };
  const names = Object.keys(PRICE_COLUMNS);
  for (let i = 0; i < names.length; i++) row[names[i]] = values[i];
  row.ingested_at = at;
  return row;
}

/**
 * Publishes a stored batch of prices after the commit as ONE event, column by column (src/pricing/price.events.ts):
 * the `priceObserved` subscription and the anomaly watcher read each price from it. Before issue #13 every price
 * was its own event (a million for a backfill of a million), published 256 at a time between event-loop turns.
 * @internal
 */
function publishPrices(pubSub: HubPubSub, connector: string, stored: readonly Resolved<PriceRecord>[], ids: string[], at: Date, l: Lookups): void {
  // Nobody can hear it (an in-process bus without a listener: a CLI load, a benchmark): nothing to build.
  if (!hasSubscribers(pubSub, PRICES_OBSERVED)) return;
  const marketById = new Map([...l.markets.entries()].map(([code, m]) => [m.id, [code, m] as const]));
  const n = stored.length;
  const names = ['id', ...Object.keys(PRICE_COLUMNS), 'ingested_at'];
  const cells = names.map(() => new Array<unknown>(n));
  const productCodes = new Array<string | null>(n);
  const varietyNames = new Array<string | null>(n);
  const marketCodes = new Array<string>(n);
  const channels = new Array<MarketChannel>(n);
  // One pass, one array per column (no object per price).
  for (let i = 0; i < n; i++) {
    const r = stored[i];
    const p = r.record;
    const factor = kgFactor(p.unit);
    // (In PRICE_COLUMNS order, checked at load against PRICE_LINE.)
    cells[0][i] = ids[i];
    cells[1][i] = connector;
    cells[2][i] = p.sourceKey;
    cells[3][i] = r.productId;
    cells[4][i] = r.varietyId;
    cells[5][i] = r.marketId;
    cells[6][i] = r.originRegion;
    cells[7][i] = p.originText ?? null;
    cells[8][i] = p.observedOn;
    cells[9][i] = p.rawName;
    cells[10][i] = p.spec ?? null;
    cells[11][i] = num(p.lowPrice);
    cells[12][i] = p.avgPrice;
    cells[13][i] = num(p.highPrice);
    cells[14][i] = p.unit;
    cells[15][i] = num(perKg(p.lowPrice, factor));
    cells[16][i] = num(perKg(p.avgPrice, factor));
    cells[17][i] = num(perKg(p.highPrice, factor));
    cells[18][i] = num(p.volume);
    cells[19][i] = p.volumeUnit ?? null;
    cells[names.length - 1][i] = at;
    const match = r.outcome.match;
    productCodes[i] = r.productId === null ? null : (match?.productCode ?? null);
    varietyNames[i] = r.varietyId === null ? null : (match?.varietyName ?? null);
    const market = r.marketId === null ? undefined : marketById.get(r.marketId);
    marketCodes[i] = market?.[0] ?? '';
    channels[i] = market?.[1].channel as MarketChannel;
  }
  const columns: Record<string, unknown[]> = {};
  for (let c = 0; c < names.length; c++) columns[names[c]] = cells[c];
  pubSub.publish(PRICES_OBSERVED, { count: n, columns, productCodes, varietyNames, marketCodes, channels } satisfies PricesObservedEvent);
}

const validatePriceSchema = zodValidate(priceRecord as unknown as z.ZodType<PriceRecord>);

/**
 * Prices: the bulk path of issue #13. Resolution as for every market fact (names and origins matched once per
 * distinct text, references locked once per batch); then each record goes straight to COPY text, the stored rows
 * are built only if a caller asks for them, and the batch is published as one event.
 */
registerFactKind({
  kind: 'price',
  // Prices arrive by the million: their checks written out first, the schema for the exact refusal.
  validate: (input) => fastPriceRecord(input) ?? validatePriceSchema(input),
  prepare: (records, { em }) => preparePriceMonths(records, em),
  preparesNothing: async (records, { em }) => {
    const pool = (await em.getConnection().getNativeClient()) as pg.Pool;
    return [...priceMonths(records)].every((month) => knownPartition(pool, PRICE_TABLE, month) !== undefined);
  },
  // Its new prices go in while the batch before in flight ends (src/ingest/pipeline.ts); the rest after it.
  overlaps: true,
  async write(records, ctx): Promise<KindWrite> {
    const t0 = performance.now();
    const { connector, pubSub } = ctx;
    const { resolved, rejections, l } = await resolve(records, ctx);
    const pool = (await ctx.em.getConnection().getNativeClient()) as pg.Pool;
    const { stored, ids, at } = await copyNew(ctx.client, priceTarget(connector, pool), byDay(resolved), ctx.cache, ctx);
    await ctx.turn?.();
    const unmatched = await queueUnmatched(ctx.client, connector, stored);
    // Origins that named no region (and no province list such as 冀鲁豫) wait for review too (issue #14).
    await queueUnmatchedOrigins(ctx.client, connector, unresolvedOrigins(stored, l.origins));
    if (process.env.INGEST_TRACE) console.error(`price write ${(performance.now() - t0).toFixed(0)} ms`);
    let rows: Record<string, unknown>[] | undefined;
    return {
      rejections,
      stored: stored.length,
      duplicates: resolved.length - stored.length,
      unmatched,
      // Built only when asked for: the price mutation and uploads answer with them, a bulk load never asks.
      get rows() {
        return (rows ??= stored.map((r, i) => storedRow(priceValues(connector, r), ids[i], at)));
      },
      publish: pubSub && stored.length ? () => publishPrices(pubSub, connector, stored, ids, at, l) : undefined,
    } satisfies KindWrite;
  },
} satisfies FactKind<PriceRecord>);

registerFactKind(
  marketKind<SupplyRecord>({
    kind: 'supply',
    schema: supplyRecord,
    target: SUPPLY_TARGET,
    row: (connector, { record: r, productId, varietyId, marketId, originRegion }) => [
      connector,
      r.sourceKey,
      productId,
      varietyId,
      marketId,
      r.rawName,
      r.seller,
      originRegion,
      r.quantity,
      r.quantityUnit,
      num(r.price),
      r.priceUnit ?? null,
      r.availableFrom,
      r.availableTo ?? null,
    ],
  }),
);

registerFactKind(
  marketKind<SaleRecord>({
    kind: 'sale',
    schema: saleRecord as unknown as z.ZodType<SaleRecord>,
    target: SALES_TARGET,
    row: (connector, { record: r, productId, varietyId, marketId, originRegion }) => [
      connector,
      r.sourceKey,
      productId,
      varietyId,
      r.rawName,
      r.channel,
      marketId,
      originRegion,
      r.destinationRegion ?? null,
      r.periodStart,
      r.periodEnd,
      r.quantity,
      r.quantityUnit,
      r.amount,
      r.orders,
    ],
  }),
);

/** Stored facts whose origin text resolved to no region and names no province, by text. @internal */
function unresolvedOrigins<R extends MarketRecord>(stored: readonly Resolved<R>[], origins: OriginMatcher): UnresolvedOrigin[] {
  const byText = new Map<string, UnresolvedOrigin>();
  for (const r of stored) {
    if (r.originRegion || !r.record.originText) continue;
    const text = r.record.originText.trim();
    if (!text || origins.match(text).provinces.length) continue;
    const entry = byText.get(text) ?? { text, count: 0, examples: [] };
    entry.count += 1;
    if (entry.examples.length < EXAMPLES) entry.examples.push({ sourceKey: r.record.sourceKey, rawName: r.record.rawName });
    byText.set(text, entry);
  }
  return [...byText.values()];
}

/** Examples kept per unmatched name. */
const EXAMPLES = 3;

/**
 * Adds the stored facts whose name matched nothing to the review queue: one
 * row per name with how many facts carried it, a few examples and the best
 * suggestion. Counts only facts stored now, so a re-load adds nothing.
 * @internal
 */
async function queueUnmatched<R extends MarketRecord>(client: pg.PoolClient, connector: string, stored: readonly Resolved<R>[]): Promise<number> {
  const byName = new Map<string, { count: number; examples: unknown[] }>();
  const suggestions = new Map<string, MatchOutcome['suggestion']>();
  for (const r of stored) {
    if (r.productId !== null) continue;
    const { record } = r;
    const name = record.rawName;
    let entry = byName.get(name);
    if (!entry) {
      byName.set(name, (entry = { count: 0, examples: [] }));
      suggestions.set(name, r.outcome.suggestion);
    }
    entry.count += 1;
    if (entry.examples.length < EXAMPLES) {
      entry.examples.push({
        connector,
        sourceKey: record.sourceKey,
        // The list's category (section): the review queue's candidates are looked up within it, as the match was.
        ...(record.category ? { category: record.category } : {}),
        ...(record.kind === 'price' ? { observedOn: record.observedOn, spec: record.spec ?? null, avgPrice: record.avgPrice, unit: record.unit } : {}),
        ...(record.kind === 'supply' && record.seller ? { seller: record.seller } : {}),
      });
    }
  }
  if (!byName.size) return 0;
  const names = [...byName.keys()];
  const suggestion = (name: string) => suggestions.get(name);
  await client.query(
    `insert into unmatched_name (raw_name, normalised, count, examples, connectors, suggested_product_id, suggested_variety_id, suggestion_score)
     select n, norm, c, e, array[$7::text], sp, sv, sc
       from unnest($1::varchar[], $2::varchar[], $3::int[], $4::jsonb[], $5::int[], $6::int[], $8::real[]) as t(n, norm, c, e, sp, sv, sc)
      order by n
     on conflict (raw_name) do update set
       count = unmatched_name.count + excluded.count,
       last_seen_at = now(),
       connectors = case when $7::text = any(unmatched_name.connectors) then unmatched_name.connectors else unmatched_name.connectors || excluded.connectors end,
       examples = case when jsonb_array_length(unmatched_name.examples) >= ${EXAMPLES} then unmatched_name.examples
                  else (select coalesce(jsonb_agg(x), '[]'::jsonb) from (select x from jsonb_array_elements(unmatched_name.examples || excluded.examples) x limit ${EXAMPLES}) s) end`,
    [
      names,
      names.map((n) => normaliseName(n).core),
      names.map((n) => byName.get(n)!.count),
      names.map((n) => JSON.stringify(byName.get(n)!.examples)),
      names.map((n) => suggestion(n)?.productId ?? null),
      names.map((n) => suggestion(n)?.varietyId ?? null),
      connector,
      names.map((n) => suggestion(n)?.score ?? null),
    ],
  );
  return [...byName.values()].reduce((sum, e) => sum + e.count, 0);
}
