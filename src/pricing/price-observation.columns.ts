/**
 * The columns of `price_observation` that a bulk writer fills, in row order,
 * with their PostgreSQL types: ONE definition for the ingest pipeline's COPY
 * (src/ingest/market-facts.kind.ts) and the demo-price seed
 * (seeds/demo-prices.seed.ts). `id` and `ingested_at` are not listed: the
 * writers reserve or default them.
 */
export const PRICE_COLUMNS = {
  source_connector: 'varchar',
  source_key: 'varchar',
  product_id: 'int',
  variety_id: 'int',
  market_id: 'int',
  origin_region_code: 'varchar',
  origin_text: 'varchar',
  observed_on: 'date',
  raw_name: 'varchar',
  spec: 'varchar',
  low_price: 'numeric',
  avg_price: 'numeric',
  high_price: 'numeric',
  unit: 'varchar',
  low_per_kg: 'numeric',
  avg_per_kg: 'numeric',
  high_per_kg: 'numeric',
  volume: 'numeric',
  volume_unit: 'varchar',
} as const satisfies Readonly<Record<string, string>>;

/** A price's identity (its unique key): the source, its key and the day (the table is partitioned by month of the day). */
export const PRICE_NATURAL_KEY = '(source_connector, source_key, observed_on)';
