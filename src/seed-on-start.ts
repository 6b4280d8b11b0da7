import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from './platform/logger.js';
import { withAdvisoryLock } from './platform/advisory-lock.js';
import { seedDemoData, seedReferenceData } from '../seeds/index.js';
import { seedDemoParcels } from '../seeds/demo-parcels.seed.js';
import { seedDemoCourierSecrets } from '../seeds/courier-credentials.seed.js';

/** What a start loads besides the reference data (issue #11: demo data and demo secrets only when asked for). */
export interface SeedOnStartOptions {
  /** SEED_DEMO: the demo price history and parcels, into an empty database. */
  demoData: boolean;
  /** SEED_DEMO with DEMO_MODE (never in production): the public demo webhook secret for every courier that has none. */
  demoSecrets: boolean;
}

/**
 * First start: load the reference data (Shanxi regions, catalogue, markets,
 * couriers, logistics nodes) when the database has no regions yet, and, with
 * SEED_DEMO, the demo price history and parcels. Later starts skip it.
 */
export async function seedIfEmpty(em: EntityManager, log: Logger, options: SeedOnStartOptions = { demoData: true, demoSecrets: true }): Promise<void> {
  // One instance seeds while the others wait and then find the data there (issue #12).
  const pool = await em.getConnection().getNativeClient();
  await withAdvisoryLock(pool, 'seed', () => seedUnlocked(em, log, options), () => log.info('another instance is loading the reference data: waiting for it'));
}

async function seedUnlocked(em: EntityManager, log: Logger, options: SeedOnStartOptions): Promise<void> {
  const [{ n }] = await em.getConnection().execute<{ n: string }[]>('select count(*) as n from region');
  if (Number(n) === 0) {
    log.info('empty database: loading reference data (regions, catalogue, markets, couriers, logistics nodes)');
    await seedReferenceData(em, log);
    if (options.demoData) {
      log.info('SEED_DEMO: loading demo data (price history, parcels)');
      await seedDemoData(em, log);
      const started = performance.now();
      const parcels = await seedDemoParcels(em);
      log.info({ parcels, ms: Math.round(performance.now() - started) }, 'seeded demo parcels (last 60 days, with pickup and delivery scans)');
    }
    // Fresh statistics and visibility map, so the first queries plan well and counts can use index-only scans.
    await em.getConnection().execute('vacuum analyze');
  }
  // Courier feeds (issue #5): demo webhook secrets for couriers that have none, also on an older demo database.
  // Public secrets let anyone forge pickups and deliveries (subsidies): demo mode only (issue #11).
  if (!options.demoSecrets) return;
  const withDemoSecret = await seedDemoCourierSecrets(em);
  if (withDemoSecret.length) log.warn({ couriers: withDemoSecret }, 'demo mode: couriers got their public demo webhook secrets (harvest-demo-<code>-secret); never for real pushes');
}
