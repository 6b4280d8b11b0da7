import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from './platform/logger.js';
import { withAdvisoryLock } from './platform/advisory-lock.js';
import { seedDemoData, seedReferenceData } from '../seeds/index.js';
import { seedDemoParcels } from '../seeds/demo-parcels.seed.js';
import { seedDemoCourierSecrets } from '../seeds/courier-credentials.seed.js';

/**
 * First start: load the reference data (Shanxi regions, catalogue, markets,
 * couriers, logistics nodes) and the demo price history when the database has
 * no regions yet. Later starts skip it.
 */
export async function seedIfEmpty(em: EntityManager, log: Logger): Promise<void> {
  // One instance seeds while the others wait and then find the data there (issue #12).
  const pool = await em.getConnection().getNativeClient();
  await withAdvisoryLock(pool, 'seed', () => seedUnlocked(em, log), () => log.info('another instance is loading the demo data: waiting for it'));
}

async function seedUnlocked(em: EntityManager, log: Logger): Promise<void> {
  const [{ n }] = await em.getConnection().execute<{ n: string }[]>('select count(*) as n from region');
  if (Number(n) === 0) {
    log.info('empty database: loading demo data (regions, catalogue, markets, price history)');
    await seedReferenceData(em, log);
    await seedDemoData(em, log);
    const started = performance.now();
    const parcels = await seedDemoParcels(em);
    log.info({ parcels, ms: Math.round(performance.now() - started) }, 'seeded demo parcels (last 60 days, with pickup and delivery scans)');
    // Fresh statistics and visibility map, so the first queries plan well and counts can use index-only scans.
    await em.getConnection().execute('vacuum analyze');
  }
  // Courier feeds (issue #5): demo webhook secrets for couriers that have none, also on an older demo database.
  const withDemoSecret = await seedDemoCourierSecrets(em);
  if (withDemoSecret.length) log.warn({ couriers: withDemoSecret }, 'couriers got their public demo webhook secrets (harvest-demo-<code>-secret); rotate with `npm run courier:secret` before real pushes');
}
