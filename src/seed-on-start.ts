import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from './platform/logger.js';
import { seedDemoData, seedReferenceData } from '../seeds/index.js';

/**
 * First start: load the reference data (Shanxi regions, catalogue, markets,
 * couriers, logistics nodes) and the demo price history when the database has
 * no regions yet. Later starts skip it.
 */
export async function seedIfEmpty(em: EntityManager, log: Logger): Promise<void> {
  const [{ n }] = await em.getConnection().execute<{ n: string }[]>('select count(*) as n from region');
  if (Number(n) > 0) return;
  log.info('empty database: loading demo data (regions, catalogue, markets, price history)');
  await seedReferenceData(em, log);
  await seedDemoData(em, log);
}
