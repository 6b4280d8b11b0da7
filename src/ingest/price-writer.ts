import type { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError } from '../platform/errors.js';
import type { HubPubSub } from '../platform/pubsub.js';
import { pricePerKg } from '../catalog/units.js';
import type { MarketChannel } from '../markets/market-channel.js';
import { PRICE_OBSERVED, type PriceObservedEvent } from '../pricing/price.events.js';
import type { PriceObservationInput } from '../pricing/price.input.js';
import { bulkInsert } from './bulk-insert.js';
import { sqlList } from '../platform/sql.js';

const COLUMNS = [
  'source_connector', 'source_key', 'product_id', 'variety_id', 'market_id', 'origin_region_code', 'origin_text',
  'observed_on', 'raw_name', 'spec', 'low_price', 'avg_price', 'high_price', 'unit',
  'low_per_kg', 'avg_per_kg', 'high_per_kg', 'volume', 'volume_unit',
] as const;

export interface StorePricesResult {
  /** Rows stored by this call, as database rows. */
  stored: Record<string, unknown>[];
  /** Inputs whose (connector, sourceKey) was already stored. */
  duplicates: number;
}

interface Lookups {
  markets: Map<string, { id: number; channel: MarketChannel }>;
  products: Map<string, { id: number; code: string }>;
  varieties: Map<string, { id: number; name: string }>;
  regions: Set<string>;
}

/** Loads, in four queries, the ids every input of the batch refers to. */
async function lookups(em: EntityManager, inputs: readonly PriceObservationInput[]): Promise<Lookups> {
  const conn = em.getConnection();
  const tx = em.getTransactionContext();
  const names = [...new Set(inputs.flatMap((i) => [i.product, i.rawName]).filter((n): n is string => Boolean(n)))];
  const [markets, products, regions] = await Promise.all([
    conn.execute<{ id: number; code: string; channel: MarketChannel }[]>(
      'select id, code, channel from market where code in (?)', [sqlList(new Set(inputs.map((i) => i.market)))], 'all', tx),
    conn.execute<{ id: number; code: string; key: string }[]>(
      `select p.id, p.code, k.key from product p
         join lateral unnest(array[p.code, p.name] || p.aliases) as k(key) on true
        where k.key in (?)`, [sqlList(names)], 'all', tx),
    conn.execute<{ code: string }[]>(
      'select code from region where code in (?)', [sqlList(new Set(inputs.map((i) => i.originRegion).filter(Boolean)))], 'all', tx),
  ]);
  const productIds = [...new Set(products.map((p) => p.id))];
  const varietyNames = [...new Set(inputs.flatMap((i) => [i.variety, i.rawName]).filter((n): n is string => Boolean(n)))];
  const varieties = productIds.length
    ? await conn.execute<{ id: number; name: string; product_id: number; key: string }[]>(
        `select v.id, v.name, v.product_id, k.key from variety v
           join lateral unnest(array[v.name] || v.aliases) as k(key) on true
          where v.product_id in (?) and k.key in (?)`, [sqlList(productIds), sqlList(varietyNames)], 'all', tx)
    : [];
  return {
    markets: new Map(markets.map((m) => [m.code, { id: m.id, channel: m.channel }])),
    products: new Map(products.map((p) => [p.key, { id: p.id, code: p.code }])),
    varieties: new Map(varieties.map((v) => [`${v.product_id}:${v.key}`, { id: v.id, name: v.name }])),
    regions: new Set(regions.map((r) => r.code)),
  };
}

/**
 * Stores a batch of price quotes from one source in one transaction: all rows
 * or none. Re-sending a quote (same connector and sourceKey) stores nothing
 * new. Stored rows are published to `priceObserved` subscribers after commit.
 * Names that match no catalogue product are stored with a null product for the
 * review queue; an unknown market or origin code rejects the batch with the
 * index and field at fault.
 */
export async function storePrices(
  em: EntityManager,
  pubSub: HubPubSub,
  connector: string,
  inputs: readonly PriceObservationInput[],
): Promise<StorePricesResult> {
  const { stored, events } = await em.transactional(async (tx) => {
    const found = await lookups(tx, inputs);
    const rows: unknown[][] = [];
    const meta: Omit<PriceObservedEvent, 'row'>[] = [];
    inputs.forEach((input, index) => {
      const at = (field: string) => `observations[${index}].${field}`;
      const market = found.markets.get(input.market);
      if (!market) throw new BadUserInputError(`Unknown market "${input.market}" at ${at('market')}.`, at('market'));
      if (input.originRegion && !found.regions.has(input.originRegion)) {
        throw new BadUserInputError(`Unknown region code "${input.originRegion}" at ${at('originRegion')}.`, at('originRegion'));
      }
      if ((input.lowPrice ?? input.avgPrice) > input.avgPrice || input.avgPrice > (input.highPrice ?? input.avgPrice)) {
        throw new BadUserInputError(`Prices at observations[${index}] must satisfy lowPrice <= avgPrice <= highPrice.`, at('avgPrice'));
      }
      const product = found.products.get(input.product ?? '') ?? found.products.get(input.rawName);
      const variety = product && (found.varieties.get(`${product.id}:${input.variety ?? ''}`) ?? found.varieties.get(`${product.id}:${input.rawName}`));
      rows.push([
        connector, input.sourceKey, product?.id ?? null, variety?.id ?? null, market.id, input.originRegion ?? null, input.originText ?? null,
        input.observedOn, input.rawName, input.spec ?? null, input.lowPrice ?? null, input.avgPrice, input.highPrice ?? null, input.unit,
        pricePerKg(input.lowPrice, input.unit) ?? null, pricePerKg(input.avgPrice, input.unit) ?? null, pricePerKg(input.highPrice, input.unit) ?? null,
        input.volume ?? null, input.volumeUnit ?? null,
      ]);
      meta.push({ productCode: product?.code ?? null, varietyName: variety?.name ?? null, marketCode: input.market, channel: market.channel });
    });
    const inserted = await bulkInsert(tx, 'price_observation', COLUMNS, rows, ['source_connector', 'source_key']);
    const metaByKey = new Map(inputs.map((input, i) => [input.sourceKey, meta[i]]));
    return { stored: inserted, events: inserted.map((row) => ({ row, ...metaByKey.get(String(row.source_key))! })) };
  });
  for (const event of events) pubSub.publish(PRICE_OBSERVED, event satisfies PriceObservedEvent);
  return { stored, duplicates: inputs.length - stored.length };
}
