import type { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError, NotFoundError } from '../../platform/errors.js';
import { withPgTransaction } from '../bulk-insert.js';
import { ReviewStatus } from './unmatched-name.entity.js';

/** Fact tables whose rows carry a raw product name and may wait for a match. */
const FACT_TABLES = ['price_observation', 'supply_listing', 'sales_record'] as const;

export interface AcceptResult {
  productId: number;
  varietyId: number | null;
  /** Facts re-linked, over all fact tables. */
  relinked: number;
}

/**
 * Accepts a match for a name in the review queue: adds the name as an alias
 * of the variety (when given) or the product, and re-links every stored fact
 * that carried the name and has no product yet, in one transaction. Facts
 * already linked to a product are left alone: a reviewer's decision never
 * silently overwrites an earlier one.
 */
export async function acceptMatch(em: EntityManager, rawName: string, productRef: string, varietyName?: string): Promise<AcceptResult> {
  const conn = em.getConnection();
  const [product] = await conn.execute<{ id: number; code: string }[]>('select id, code from product where code = ? or name = ?', [productRef, productRef]);
  if (!product) throw new BadUserInputError(`Unknown product "${productRef}".`, 'product');
  let varietyId: number | null = null;
  if (varietyName) {
    const [variety] = await conn.execute<{ id: number }[]>(
      'select id from variety where product_id = ? and (name = ? or ? = any(aliases))', [product.id, varietyName, varietyName]);
    if (!variety) throw new BadUserInputError(`Product "${product.code}" has no variety "${varietyName}".`, 'variety');
    varietyId = variety.id;
  }
  return withPgTransaction(em, async (client) => {
    // The alias goes where the matcher will find it next time (a variety alias also gives the product).
    if (varietyId) await client.query('update variety set aliases = array_append(aliases, $2) where id = $1 and not ($2 = any(aliases)) and name <> $2', [varietyId, rawName]);
    else await client.query('update product set aliases = array_append(aliases, $2) where id = $1 and not ($2 = any(aliases)) and name <> $2 and code <> $2', [product.id, rawName]);
    let relinked = 0;
    for (const table of FACT_TABLES) {
      const result = await client.query(`update "${table}" set product_id = $2, variety_id = $3 where raw_name = $1 and product_id is null`, [rawName, product.id, varietyId]);
      relinked += result.rowCount ?? 0;
    }
    await client.query(
      `insert into unmatched_name (raw_name, normalised, status, relinked, suggested_product_id, suggested_variety_id, suggestion_score)
       values ($1, $1, 'ACCEPTED', $2, $3, $4, 1)
       on conflict (raw_name) do update set status = 'ACCEPTED', relinked = unmatched_name.relinked + $2,
         suggested_product_id = $3, suggested_variety_id = $4, suggestion_score = 1, last_seen_at = now()`,
      [rawName, relinked, product.id, varietyId],
    );
    return { productId: product.id, varietyId, relinked };
  });
}

/** Marks a queued name as not a catalogue product; its facts stay unlinked. */
export async function dismissUnmatched(em: EntityManager, rawName: string): Promise<void> {
  const result = await em.getConnection().execute<{ affectedRows: number }>(
    'update unmatched_name set status = ? where raw_name = ?', [ReviewStatus.DISMISSED, rawName], 'run');
  if (!result.affectedRows) throw new NotFoundError(`"${rawName}" is not in the review queue.`);
}
