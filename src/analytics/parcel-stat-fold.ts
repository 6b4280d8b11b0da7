import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Folds the parcel counts the `shipment` triggers appended to
 * `parcel_daily_stat_delta` into the rollup `parcel_daily_stat` (issue #13):
 * ingest batches only append (no row shared between concurrent batches, so
 * none waits for another's commit), readers sum both tables, and this keeps
 * the appended part small. Returns how many appended rows were folded.
 */
export async function foldParcelStats(em: EntityManager): Promise<number> {
  const [row] = await em.getConnection().execute<{ folded: string }[]>('select parcel_daily_stat_fold() as folded');
  return Number(row?.folded ?? 0);
}
