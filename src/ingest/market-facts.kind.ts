import type pg from 'pg';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ensureMonths, knownPartition, monthOf } from '../platform/partitions.js';
import { pricePerKg } from '../catalog/units.js';
import type { MarketChannel } from '../markets/market-channel.js';
import type { HubPubSub } from '../platform/pubsub.js';
import { PRICE_OBSERVED, type PriceObservedEvent } from '../pricing/price.events.js';
import { PRICE_COLUMNS, PRICE_NATURAL_KEY } from '../pricing/price-observation.columns.js';
import { registerFactKind, type FactKind, type Indexed, type KindRejection, type KindWrite, type WriteContext } from './fact-kind.js';
import { copyRows, type CopyTarget, type SqlValue } from './bulk-insert.js';
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
function matchName(l: Lookups, rawName: string, product?: string, variety?: string): MatchOutcome {
  const key = product || variety ? `${rawName}\u0000${product ?? ''}\u0000${variety ?? ''}` : rawName;
  let outcome = l.matches.get(key);
  if (!outcome) {
    outcome = l.products.match(rawName, product, variety);
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

interface Resolved<R extends MarketRecord> {
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
    const outcome = matchName(l, record.rawName, record.product, record.variety);
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
 * A market-fact kind from its schema, table and row layout. `write` resolves,
 * writes, queues unmatched names, and (prices) publishes.
 * @internal
 */
function marketKind<R extends MarketRecord>(spec: {
  kind: R['kind'];
  schema: z.ZodType<R>;
  target: CopyTarget;
  row: (connector: string, r: Resolved<R>) => SqlValue[];
  publish?: (pubSub: HubPubSub, rows: Record<string, unknown>[], resolved: Map<string, Resolved<R>>, l: Lookups) => Promise<void>;
}): FactKind<R> {
  const validate = zodValidate(spec.schema);
  // Prices arrive by the million: their checks written out first, the schema for the exact refusal.
  const fast = spec.kind === 'price' ? (fastPriceRecord as unknown as (input: Record<string, unknown>) => R | undefined) : undefined;
  return {
    kind: spec.kind,
    validate: (input) => fast?.(input) ?? (validate(input) as R | MappingFailure),
    prepare: spec.kind === 'price' ? (records, { em }) => preparePriceMonths(records as unknown as Indexed<PriceRecord>[], em) : undefined,
    async write(records, ctx): Promise<KindWrite> {
      let t0 = performance.now();
      const { resolved, rejections, l } = await resolve(records, ctx);
      const rows = resolved.map((r) => spec.row(ctx.connector, r));
      if (process.env.INGEST_TRACE) console.error(`resolve+rows ${(performance.now() - t0).toFixed(0)} ms`);
      t0 = performance.now();
      const pool = (await ctx.em.getConnection().getNativeClient()) as pg.Pool;
      const day = Object.keys(spec.target.columns).indexOf('observed_on');
      const target =
        day < 0
          ? spec.target
          : { ...spec.target, partitionOf: (row: readonly SqlValue[]) => knownPartition(pool, spec.target.table, monthOf(String(row[day]))) };
      const written = await copyRows(ctx.client, target, rows, ctx.cache);
      const byKey = new Map<string, Resolved<R>>();
      for (const r of resolved) if (!byKey.has(r.record.sourceKey)) byKey.set(r.record.sourceKey, r);
      const unmatched = await queueUnmatched(ctx.client, ctx.connector, written.rows, byKey);
      // Origins that named no region (and no province list such as 冀鲁豫) wait for review too (issue #14).
      await queueUnmatchedOrigins(ctx.client, ctx.connector, unresolvedOrigins(written.rows, byKey, l.origins));
      if (process.env.INGEST_TRACE) console.error(`write+queue ${(performance.now() - t0).toFixed(0)} ms`);
      const pubSub = ctx.pubSub;
      return {
        rejections,
        stored: written.rows.length,
        duplicates: resolved.length - written.rows.length,
        unmatched,
        rows: written.rows,
        publish: pubSub && spec.publish && written.rows.length ? () => spec.publish!(pubSub, written.rows, byKey, l) : undefined,
      };
    },
  };
}

/**
 * Creates the monthly partitions of the days a batch quotes (from 2000 to a
 * year ahead; any other day goes to the default partition), before the
 * batch's transaction. @internal
 */
async function preparePriceMonths(records: Indexed<PriceRecord>[], em: EntityManager): Promise<void> {
  const latest = monthOf(new Date(Date.now() + 366 * 86_400_000));
  const months = new Set<string>();
  for (const { record } of records) {
    const month = monthOf(record.observedOn);
    if (month >= '2000-01' && month <= latest) months.add(month);
  }
  if (months.size) await ensureMonths((await em.getConnection().getNativeClient()) as pg.Pool, 'price_observation', months);
}

export const PRICE_TARGET: CopyTarget = {
  table: 'price_observation',
  columns: PRICE_COLUMNS,
  // Partitioned by month of observed_on: its identity includes the day (every connector's key names it anyway).
  conflict: PRICE_NATURAL_KEY,
  sequence: 'price_observation_id_seq',
  order: 'observed_on',
};

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

/** Events published before yielding to the event loop. */
const PUBLISH_CHUNK = 256;

/**
 * Publishes stored prices after commit in chunks, yielding between them:
 * every subscriber (graphql-ws operations, the anomaly watcher) reads through
 * a buffer of 1,024 pending events, and a bulk load publishing tens of
 * thousands at once would overflow it. The facts are committed whatever
 * happens here.
 * @internal
 */
async function publishPrices(pubSub: HubPubSub, rows: Record<string, unknown>[], byKey: Map<string, Resolved<PriceRecord>>, l: Lookups): Promise<void> {
  const marketById = new Map([...l.markets.entries()].map(([code, m]) => [m.id, [code, m] as const]));
  for (let start = 0; start < rows.length; start += PUBLISH_CHUNK) {
    for (const row of rows.slice(start, start + PUBLISH_CHUNK)) {
      const outcome = byKey.get(String(row.source_key))?.outcome.match;
      const market = marketById.get(Number(row.market_id));
      pubSub.publish(PRICE_OBSERVED, {
        row,
        productCode: row.product_id == null ? null : (outcome?.productCode ?? null),
        varietyName: row.variety_id == null ? null : (outcome?.varietyName ?? null),
        marketCode: market?.[0] ?? '',
        channel: market?.[1].channel as MarketChannel,
      } satisfies PriceObservedEvent);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

registerFactKind(
  marketKind<PriceRecord>({
    kind: 'price',
    schema: priceRecord as unknown as z.ZodType<PriceRecord>,
    target: PRICE_TARGET,
    row: (connector, { record: r, productId, varietyId, marketId, originRegion }) => [
      connector,
      r.sourceKey,
      productId,
      varietyId,
      marketId,
      originRegion,
      r.originText ?? null,
      r.observedOn,
      r.rawName,
      r.spec ?? null,
      num(r.lowPrice),
      r.avgPrice,
      num(r.highPrice),
      r.unit,
      num(pricePerKg(r.lowPrice, r.unit)),
      num(pricePerKg(r.avgPrice, r.unit)),
      num(pricePerKg(r.highPrice, r.unit)),
      num(r.volume),
      r.volumeUnit ?? null,
    ],
    publish: publishPrices,
  }),
);

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
function unresolvedOrigins<R extends MarketRecord>(
  rows: readonly Record<string, unknown>[],
  byKey: Map<string, Resolved<R>>,
  origins: OriginMatcher,
): UnresolvedOrigin[] {
  const byText = new Map<string, UnresolvedOrigin>();
  for (const row of rows) {
    const r = byKey.get(String(row.source_key));
    const text = r?.record.originText?.trim();
    if (!r || !text || r.originRegion) continue;
    if (origins.match(text).provinces.length) continue;
    const entry = byText.get(text) ?? { text, count: 0, examples: [] };
    entry.count += 1;
    if (entry.examples.length < EXAMPLES) entry.examples.push({ sourceKey: row.source_key, rawName: r.record.rawName });
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
async function queueUnmatched<R extends MarketRecord>(
  client: pg.PoolClient,
  connector: string,
  rows: readonly Record<string, unknown>[],
  byKey: Map<string, Resolved<R>>,
): Promise<number> {
  const byName = new Map<string, { count: number; examples: unknown[] }>();
  for (const row of rows) {
    if (row.product_id != null) continue;
    const name = String(row.raw_name);
    const entry = byName.get(name) ?? { count: 0, examples: [] };
    entry.count += 1;
    if (entry.examples.length < EXAMPLES) {
      entry.examples.push({
        connector,
        sourceKey: row.source_key,
        ...(row.observed_on ? { observedOn: row.observed_on, spec: row.spec, avgPrice: row.avg_price, unit: row.unit } : {}),
        ...(row.seller ? { seller: row.seller } : {}),
      });
    }
    byName.set(name, entry);
  }
  if (!byName.size) return 0;
  const suggestions = new Map<string, MatchOutcome['suggestion']>();
  for (const r of byKey.values()) if (!suggestions.has(r.record.rawName)) suggestions.set(r.record.rawName, r.outcome.suggestion);
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
