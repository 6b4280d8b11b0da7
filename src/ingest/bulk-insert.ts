import type { EntityManager } from '@mikro-orm/postgresql';

/** PostgreSQL accepts at most 65,535 bind parameters per statement. */
const MAX_PARAMS = 60_000;

/**
 * Multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING *, in as few
 * statements as the parameter limit allows. Rows that hit the conflict target
 * are skipped (idempotent loads); the stored rows come back as raw DB rows.
 * Run it inside a transaction to make a batch all-or-nothing.
 */
export async function bulkInsert(
  em: EntityManager,
  table: string,
  columns: readonly string[],
  rows: readonly unknown[][],
  conflictTarget: readonly string[],
): Promise<Record<string, unknown>[]> {
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  const stored: Record<string, unknown>[] = [];
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const sql =
      `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${chunk.map(() => tuple).join(', ')} ` +
      `on conflict (${conflictTarget.map((c) => `"${c}"`).join(', ')}) do nothing returning *`;
    const result = await em.getConnection().execute<Record<string, unknown>[]>(sql, chunk.flat(), 'all', em.getTransactionContext());
    stored.push(...result);
  }
  return stored;
}
