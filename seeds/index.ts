import type { EntityManager } from '@mikro-orm/postgresql';
import { seedCatalog } from './catalog.seed.js';
import { seedDemoPrices, type SeedDemoPricesOptions } from './demo-prices.seed.js';
import { seedOrigins } from './origins.seed.js';
import { seedMarketsAndLogistics } from './reference.seed.js';
import { seedRegions, type SeedRegionsOptions } from './regions.seed.js';

export { seedCatalog, seedDemoPrices, seedMarketsAndLogistics, seedOrigins, seedRegions };
export type { SeedDemoPricesOptions, SeedRegionsOptions };

/** The part of a pino logger the seeds use. */
export interface SeedLog {
  info: (obj: object, msg: string) => void;
}

const TABLES = ['region', 'product_category', 'product', 'variety', 'origin_label', 'market', 'courier', 'logistics_node'] as const;

/**
 * Loads the reference data every hub needs, in dependency order: Shanxi's
 * regions, the catalogue, geographical indications, markets, couriers and
 * logistics nodes. Idempotent: a second run changes nothing.
 */
export async function seedReferenceData(em: EntityManager, log?: SeedLog): Promise<void> {
  const started = performance.now();
  const before = await countRows(em, TABLES);
  const regionsInserted = await timed(log, 'seeded regions', () => seedRegions(em), (n) => ({ inserted: n }));
  await timed(log, 'seeded catalogue', () => seedCatalog(em));
  await timed(log, 'seeded origin labels', () => seedOrigins(em));
  await timed(log, 'seeded markets, couriers and logistics nodes', () => seedMarketsAndLogistics(em));
  const after = await countRows(em, TABLES);
  const added = Object.fromEntries(TABLES.map((t) => [t, after[t] - before[t]]));
  log?.info({ regionsInserted, rows: after, added, ms: Math.round(performance.now() - started) }, 'reference data ready');
}

/** Loads the demo price history (needs the reference data). Re-running adds only days not yet present. */
export async function seedDemoData(em: EntityManager, log?: SeedLog, options?: SeedDemoPricesOptions): Promise<void> {
  await timed(log, 'seeded demo prices', () => seedDemoPrices(em, options), (n) => ({ inserted: n }));
}

/** Runs `step` and logs how long it took (and what `describe` says of its result). */
async function timed<T>(log: SeedLog | undefined, msg: string, step: () => Promise<T>, describe?: (result: T) => object): Promise<T> {
  const started = performance.now();
  const result = await step();
  log?.info({ ...describe?.(result), ms: Math.round(performance.now() - started) }, msg);
  return result;
}

async function countRows<T extends string>(em: EntityManager, tables: readonly T[]): Promise<Record<T, number>> {
  const sql = `select ${tables.map((t) => `(select count(*)::int from "${t}") as "${t}"`).join(', ')}`;
  const [row] = await em.execute<Record<T, number>[]>(sql);
  return row;
}
