import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from './platform/logger.js';
import { withAdvisoryLock } from './platform/advisory-lock.js';
import { seedDemoData, seedReferenceData } from '../seeds/index.js';
import { seedDemoParcels } from '../seeds/demo-parcels.seed.js';
import { seedDemoCourierSecrets } from '../seeds/courier-credentials.seed.js';

export interface SeedOnStartOptions {
  /** SEED_DEMO: also generate the demo facts (price history, parcels) and give couriers their public demo secrets. */
  demo: boolean;
  /** The public demo webhook secrets too: only in demo mode, never in production (issue #11: anyone could forge pickups and deliveries). */
  demoSecrets?: boolean;
}

/**
 * Every start (issue #14): the reference data (Shanxi regions, catalogue,
 * geographical indications, markets, couriers, logistics nodes), versioned so
 * that an unchanged set costs one query and a changed file updates the
 * database. A real deployment (SEED_DEMO=false) thus starts with everything a
 * connector needs to match names, origins and markets.
 *
 * With SEED_DEMO only, the generated demo facts on a database that has none
 * yet, and the public demo webhook secrets for couriers without a secret.
 */
export async function seedOnStart(em: EntityManager, log: Logger, options: SeedOnStartOptions): Promise<void> {
  // One instance seeds while the others wait and then find the data there (issue #12).
  const pool = await em.getConnection().getNativeClient();
  await withAdvisoryLock(
    pool,
    'seed',
    () => seedUnlocked(em, log, options),
    () => log.info('another instance is loading the reference data: waiting for it'),
  );
}

async function seedUnlocked(em: EntityManager, log: Logger, options: SeedOnStartOptions): Promise<void> {
  await seedReferenceData(em, log);
  if (!options.demo) return;
  const [{ n }] = await em
    .getConnection()
    .execute<{ n: number }[]>(`select count(*)::int as n from (select 1 from price_observation where source_connector = 'demo-generator' limit 1) s`);
  if (n === 0) {
    log.info('no demo facts yet: generating the demo price history and parcels (SEED_DEMO)');
    await seedDemoData(em, log);
    const started = performance.now();
    const parcels = await seedDemoParcels(em);
    log.info({ parcels, ms: Math.round(performance.now() - started) }, 'seeded demo parcels (last 60 days, with pickup and delivery scans)');
    // Fresh statistics and visibility map, so the first queries plan well and counts can use index-only scans.
    await em.getConnection().execute('vacuum analyze');
  }
  // Courier feeds (issue #5): demo webhook secrets for couriers that have none, also on an older demo database.
  if (!options.demoSecrets) return;
  const withDemoSecret = await seedDemoCourierSecrets(em);
  if (withDemoSecret.length)
    log.warn(
      { couriers: withDemoSecret },
      'couriers got their public demo webhook secrets (harvest-demo-<code>-secret); rotate with `npm run courier:secret` before real pushes',
    );
}
