import type pg from 'pg';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { HubPubSub } from '../platform/pubsub.js';
import { sqlList } from '../platform/sql.js';
import { pricePerKg } from '../catalog/units.js';
import type { MarketChannel } from '../markets/market-channel.js';
import { PRICE_OBSERVED, type PriceObservedEvent } from '../pricing/price.events.js';
import { copyIgnoringConflicts, withPgTransaction, type CopyTarget, type SqlValue } from './bulk-insert.js';
import { keepRejected, type Rejection } from './rejected-store.js';
import { canonicalRecord, isMappingFailure, type CanonicalRecord, type PriceRecord, type SaleRecord, type SupplyRecord } from './records.js';
import type { Mapper, SourceRecord } from './connectors/connector.js';
import { ProductMatcher, type MatchOutcome } from './matching/product-matcher.js';
import { OriginMatcher } from './matching/origin-matcher.js';
import { normaliseName } from './matching/normalise.js';
import { queueUnmatchedOrigins } from './review/review.service.js';

/**
 * The ingest pipeline every path goes through (connectors, spreadsheet
 * uploads, the `recordPriceObservations` mutation, replays):
 *
 *   map -> validate -> match (catalogue, markets, regions) -> write in bulk in
 *   one transaction -> keep rejections -> publish -> report counts.
 *
 * A batch's accepted records are written in one transaction or not at all,
 * together with the review-queue entries of their unmatched names and the
 * connector's cursor. Records that fail mapping, validation or lookup are
 * kept in the rejected store with the reason, the field, the position and the
 * raw input; by default the rest of the batch is stored (`atomic: true`
 * refuses the whole batch instead and stores nothing).
 */

/** Counts a load reports. */
export interface LoadCounts {
  /** Source records read. */
  read: number;
  /** Facts stored by this load. */
  stored: number;
  /** Facts already stored (same connector and source key), or repeated within the load. */
  duplicates: number;
  /** Records refused (kept in the rejected store unless the caller said otherwise). */
  rejected: number;
  /** Stored facts whose product name went to the review queue. */
  unmatched: number;
}

export const emptyCounts = (): LoadCounts => ({ read: 0, stored: 0, duplicates: 0, rejected: 0, unmatched: 0 });

export function addCounts(into: LoadCounts, more: LoadCounts): LoadCounts {
  for (const key of Object.keys(into) as (keyof LoadCounts)[]) into[key] += more[key];
  return into;
}

/** A refused record: which source record (index in the batch), why and which field. */
export interface BatchRejection extends Rejection {
  index: number;
}

export interface BatchResult {
  counts: LoadCounts;
  rejections: BatchRejection[];
  /** Stored price rows, as database rows. */
  storedPrices: Record<string, unknown>[];
  storedSupply: Record<string, unknown>[];
  storedSales: Record<string, unknown>[];
  /** Ids of the rejected records kept, in the order of `rejections`. */
  rejectedIds: string[];
}

export interface SessionOptions {
  /** Connector instance name: the facts' `source_connector`. */
  connector: string;
  /** What re-reads a rejected raw record on replay (a connector module or `recordPriceObservations`). */
  pipeline: string;
  map: Mapper<unknown>;
  /** Mapper config. */
  config?: unknown;
  pubSub?: HubPubSub;
}

export interface BatchOptions {
  /** Refuse the whole batch when any record is refused: nothing stored, every refused record kept. */
  atomic?: boolean;
  /** Keep refused records in the rejected store. @default true */
  keepRejections?: boolean;
  /** Runs in the batch's transaction after the writes (e.g. to save the connector's cursor). */
  inTransaction?: (client: pg.PoolClient) => Promise<void>;
}

/** Thrown by an `atomic` batch that refused some records; nothing of the batch was stored. */
export class BatchRefusedError extends Error {
  constructor(readonly rejections: BatchRejection[], readonly rejectedIds: string[]) {
    super(`${rejections.length} record(s) refused; first: ${rejections[0]?.position}: ${rejections[0]?.reason}`);
    this.name = 'BatchRefusedError';
  }
}

const FACT_CONFLICT = '(source_connector, source_key)';

const PRICE_TARGET: CopyTarget = {
  table: 'price_observation',
  columns: {
    source_connector: 'varchar', source_key: 'varchar', product_id: 'int', variety_id: 'int', market_id: 'int',
    origin_region_code: 'varchar', origin_text: 'varchar', observed_on: 'date', raw_name: 'varchar', spec: 'varchar',
    low_price: 'numeric', avg_price: 'numeric', high_price: 'numeric', unit: 'varchar',
    low_per_kg: 'numeric', avg_per_kg: 'numeric', high_per_kg: 'numeric', volume: 'numeric', volume_unit: 'varchar',
  },
  conflict: FACT_CONFLICT,
  // Only what the database adds: the rest of each stored row is known here already, and sending
  // back tens of thousands of full rows per batch cost more than the insert itself (BENCHMARKS.md).
  returning: 'id, source_key, ingested_at',
};

const SUPPLY_TARGET: CopyTarget = {
  table: 'supply_listing',
  columns: {
    source_connector: 'varchar', source_key: 'varchar', product_id: 'int', variety_id: 'int', platform_id: 'int', raw_name: 'varchar',
    seller: 'varchar', origin_region_code: 'varchar', quantity: 'numeric', quantity_unit: 'varchar', price: 'numeric',
    price_unit: 'varchar', available_from: 'date', available_to: 'date',
  },
  conflict: FACT_CONFLICT,
  returning: '*',
};

const SALES_TARGET: CopyTarget = {
  table: 'sales_record',
  columns: {
    source_connector: 'varchar', source_key: 'varchar', product_id: 'int', variety_id: 'int', raw_name: 'varchar', channel: 'market_channel',
    platform_id: 'int', origin_region_code: 'varchar', destination_region_code: 'varchar', period_start: 'date', period_end: 'date',
    quantity: 'numeric', quantity_unit: 'varchar', amount: 'numeric', orders: 'int',
  },
  conflict: FACT_CONFLICT,
  returning: '*',
};

interface Resolved {
  record: CanonicalRecord;
  product: MatchOutcome;
  originRegion: string | null;
}

/**
 * One load by one connector: holds the catalogue matchers and market codes
 * (read once), writes batches, and adds up the counts.
 */
export class IngestSession {
  readonly counts = emptyCounts();
  private matchers?: Promise<{ products: ProductMatcher; origins: OriginMatcher; markets: Map<string, { id: number; channel: MarketChannel }> }>;

  constructor(private readonly em: EntityManager, readonly options: SessionOptions) {}

  private lookups() {
    this.matchers ??= (async () => {
      const [products, origins, markets] = await Promise.all([
        ProductMatcher.load(this.em),
        OriginMatcher.load(this.em),
        this.em.getConnection().execute<{ id: number; code: string; channel: MarketChannel }[]>('select id, code, channel from market'),
      ]);
      return { products, origins, markets: new Map(markets.map((m) => [m.code, { id: m.id, channel: m.channel }])) };
    })();
    return this.matchers;
  }

  /** Maps, validates, matches and stores one batch of source records. */
  async write(batch: readonly SourceRecord[], options: BatchOptions = {}): Promise<BatchResult> {
    const { connector, pipeline } = this.options;
    const counts = emptyCounts();
    counts.read = batch.length;
    const rejections: BatchRejection[] = [];
    const refuse = (index: number, reason: string, field?: string) =>
      rejections.push({ index, connector, pipeline, reason, field, position: batch[index].position, raw: batch[index].raw });

    // Map and validate.
    const valid: { index: number; record: CanonicalRecord }[] = [];
    batch.forEach((source, index) => {
      let mapped;
      try {
        mapped = this.options.map(source.raw, this.options.config);
      } catch (error) {
        refuse(index, `could not be mapped: ${(error as Error).message}`);
        return;
      }
      for (const one of Array.isArray(mapped) ? mapped : [mapped]) {
        if (isMappingFailure(one)) {
          refuse(index, one.reason, one.field);
          continue;
        }
        const parsed = canonicalRecord.safeParse(one);
        if (parsed.success) valid.push({ index, record: parsed.data });
        else {
          const issue = parsed.error.issues[0];
          const field = issue.path.join('.') || undefined;
          refuse(index, field ? `${field} ${issue.message}` : issue.message, field);
        }
      }
    });

    // Match names, places and markets.
    const { products, origins, markets } = await this.lookups();
    const regionCodes = new Set(valid.flatMap(({ record }) => [record.originRegion, record.kind === 'sale' ? record.destinationRegion : undefined]).filter((c): c is string => Boolean(c)));
    const knownRegions = regionCodes.size
      ? new Set((await this.em.getConnection().execute<{ code: string }[]>('select code from region where code in (?)', [sqlList(regionCodes)])).map((r) => r.code))
      : new Set<string>();
    const resolved: (Resolved & { index: number })[] = [];
    for (const { index, record } of valid) {
      const marketCode = record.kind === 'price' ? record.market : record.platform;
      const marketField = record.kind === 'price' ? 'market' : 'platform';
      if (marketCode && !markets.has(marketCode)) {
        refuse(index, `unknown ${marketField} "${marketCode}"`, marketField);
        continue;
      }
      if (record.originRegion && !knownRegions.has(record.originRegion)) {
        refuse(index, `unknown region code "${record.originRegion}"`, 'originRegion');
        continue;
      }
      if (record.kind === 'sale' && record.destinationRegion && !knownRegions.has(record.destinationRegion)) {
        refuse(index, `unknown region code "${record.destinationRegion}"`, 'destinationRegion');
        continue;
      }
      const originRegion = record.originRegion ?? (record.originText ? origins.match(record.originText).code ?? null : null);
      resolved.push({ index, record, originRegion, product: products.match(record.rawName, record.product, record.variety) });
    }

    if (options.atomic && rejections.length) {
      const ids = options.keepRejections === false ? [] : await keepNewRejections(this.em, rejections);
      throw new BatchRefusedError(rejections, ids);
    }

    // Write, all in one transaction.
    const priceRows: SqlValue[][] = [];
    const supplyRows: SqlValue[][] = [];
    const saleRows: SqlValue[][] = [];
    const outcomes = new Map<string, MatchOutcome>();
    for (const item of resolved) {
      const row = toRow(connector, item, markets);
      outcomes.set(item.record.rawName, item.product);
      if (item.record.kind === 'price') priceRows.push(row);
      else if (item.record.kind === 'supply') supplyRows.push(row);
      else saleRows.push(row);
    }
    const written = await withPgTransaction(this.em, async (client) => {
      const prices = withInputs(await copyIgnoringConflicts(client, PRICE_TARGET, priceRows), PRICE_TARGET, priceRows);
      const supply = await copyIgnoringConflicts(client, SUPPLY_TARGET, supplyRows);
      const sales = await copyIgnoringConflicts(client, SALES_TARGET, saleRows);
      const unmatched = await queueUnmatched(client, connector, [...prices.rows, ...supply.rows, ...sales.rows], outcomes);
      // Origins that named no region (and no province list such as 冀鲁豫) wait for review too (issue #14).
      await queueUnmatchedOrigins(client, connector, unresolvedOrigins(prices.rows, origins));
      await options.inTransaction?.(client);
      return { prices: prices.rows, supply: supply.rows, sales: sales.rows, unmatched };
    });

    const rejectedIds = rejections.length && options.keepRejections !== false ? await keepNewRejections(this.em, rejections) : [];
    if (this.options.pubSub && written.prices.length) {
      const marketById = new Map([...markets.entries()].map(([code, m]) => [m.id, [code, m] as const]));
      const events = written.prices.map((row): PriceObservedEvent => {
        const outcome = outcomes.get(String(row.raw_name))?.match;
        const market = marketById.get(Number(row.market_id));
        return {
          row,
          productCode: row.product_id == null ? null : outcome?.productCode ?? null,
          varietyName: row.variety_id == null ? null : outcome?.varietyName ?? null,
          marketCode: market?.[0] ?? '',
          channel: market?.[1].channel as MarketChannel,
        };
      });
      await publishPaced(this.options.pubSub, PRICE_OBSERVED, events);
    }
    counts.stored = written.prices.length + written.supply.length + written.sales.length;
    counts.duplicates = resolved.length - counts.stored;
    counts.rejected = rejections.length;
    counts.unmatched = written.unmatched;
    addCounts(this.counts, counts);
    return { counts, rejections, rejectedIds, storedPrices: written.prices, storedSupply: written.supply, storedSales: written.sales };
  }
}

/**
 * Completes rows returned as `id, source_key, ingested_at` with the values
 * written, into whole rows as `RETURNING *` would give them.
 */
function withInputs(result: { rows: Record<string, unknown>[] }, target: CopyTarget, rows: readonly SqlValue[][]): { rows: Record<string, unknown>[] } {
  const names = Object.keys(target.columns);
  const keyIndex = names.indexOf('source_key');
  const byKey = new Map<SqlValue, readonly SqlValue[]>();
  for (const row of rows) if (!byKey.has(row[keyIndex])) byKey.set(row[keyIndex], row);
  return {
    rows: result.rows.map((returned) => {
      const values = byKey.get(returned.source_key as string)!;
      const full: Record<string, unknown> = { ...returned };
      names.forEach((name, i) => {
        full[name] = values[i];
      });
      return full;
    }),
  };
}

/** Events published before yielding to the event loop. */
const PUBLISH_CHUNK = 256;

/**
 * Publishes after commit in chunks, yielding between them: every subscriber
 * (graphql-ws operations, the anomaly watcher) reads through a buffer of
 * 1,024 pending events, and a bulk load publishing tens of thousands at once
 * would overflow it. The facts are committed whatever happens here.
 */
async function publishPaced(pubSub: HubPubSub, topic: string, events: readonly unknown[]): Promise<void> {
  for (let start = 0; start < events.length; start += PUBLISH_CHUNK) {
    for (const event of events.slice(start, start + PUBLISH_CHUNK)) pubSub.publish(topic, event);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Keeps rejections, except those already pending in the store (same
 * connector, position and raw record): re-loading a file with a bad row keeps
 * that row once, as it stores its good rows once.
 */
async function keepNewRejections(em: EntityManager, rejections: readonly BatchRejection[]): Promise<string[]> {
  const pool = await em.getConnection().getNativeClient();
  const known = await pool.query<{ i: string }>(
    `select t.i from unnest($1::text[], $2::text[], $3::jsonb[]) with ordinality as t(c, p, r, i)
      where exists (select 1 from rejected_record x where x.status = 'PENDING' and x.connector = t.c and x.position = t.p and x.raw = t.r)`,
    [rejections.map((r) => r.connector), rejections.map((r) => r.position ?? ''), rejections.map((r) => JSON.stringify(r.raw ?? null))],
  );
  const skip = new Set(known.rows.map((row) => Number(row.i) - 1));
  return keepRejected(em, rejections.filter((_, i) => !skip.has(i)));
}

function num(value: number | undefined | null): SqlValue {
  return value ?? null;
}

/** A resolved record as a row of its table, in the column order of its CopyTarget. */
function toRow(connector: string, item: Resolved, markets: Map<string, { id: number }>): SqlValue[] {
  const { record, originRegion } = item;
  const match = item.product.match;
  const productId = match?.productId ?? null;
  const varietyId = match?.varietyId ?? null;
  switch (record.kind) {
    case 'price': {
      const r: PriceRecord = record;
      return [
        connector, r.sourceKey, productId, varietyId, markets.get(r.market)!.id, originRegion, r.originText ?? null, r.observedOn,
        r.rawName, r.spec ?? null, num(r.lowPrice), r.avgPrice, num(r.highPrice), r.unit,
        num(pricePerKg(r.lowPrice, r.unit)), num(pricePerKg(r.avgPrice, r.unit)), num(pricePerKg(r.highPrice, r.unit)),
        num(r.volume), r.volumeUnit ?? null,
      ];
    }
    case 'supply': {
      const r: SupplyRecord = record;
      return [
        connector, r.sourceKey, productId, varietyId, markets.get(r.platform)!.id, r.rawName, r.seller, originRegion,
        r.quantity, r.quantityUnit, num(r.price), r.priceUnit ?? null, r.availableFrom, r.availableTo ?? null,
      ];
    }
    case 'sale': {
      const r: SaleRecord = record;
      return [
        connector, r.sourceKey, productId, varietyId, r.rawName, r.channel, r.platform ? markets.get(r.platform)!.id : null,
        originRegion, r.destinationRegion ?? null, r.periodStart, r.periodEnd, r.quantity, r.quantityUnit, r.amount, r.orders,
      ];
    }
  }
}

/** Stored prices whose origin text resolved to no region and names no province, by text. */
function unresolvedOrigins(rows: readonly Record<string, unknown>[], origins: OriginMatcher): { text: string; count: number; examples: unknown[] }[] {
  const byText = new Map<string, { text: string; count: number; examples: unknown[] }>();
  for (const row of rows) {
    const text = row.origin_text == null ? '' : String(row.origin_text).trim();
    if (!text || row.origin_region_code != null) continue;
    if (origins.match(text).provinces.length) continue;
    const entry = byText.get(text) ?? { text, count: 0, examples: [] };
    entry.count += 1;
    if (entry.examples.length < 3) entry.examples.push({ sourceKey: row.source_key, rawName: row.raw_name, observedOn: row.observed_on });
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
 */
async function queueUnmatched(
  client: pg.PoolClient,
  connector: string,
  rows: readonly Record<string, unknown>[],
  outcomes: Map<string, MatchOutcome>,
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
  const names = [...byName.keys()];
  const suggestion = (name: string) => outcomes.get(name)?.suggestion;
  await client.query(
    `insert into unmatched_name (raw_name, normalised, count, examples, connectors, suggested_product_id, suggested_variety_id, suggestion_score)
     select n, norm, c, e, array[$7::text], sp, sv, sc
       from unnest($1::varchar[], $2::varchar[], $3::int[], $4::jsonb[], $5::int[], $6::int[], $8::real[]) as t(n, norm, c, e, sp, sv, sc)
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
