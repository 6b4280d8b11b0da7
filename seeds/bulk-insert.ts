import type { EntityManager } from '@mikro-orm/postgresql';

/** A value MikroORM can inline as a SQL literal. */
export type SqlValue = string | number | boolean | null;

/** Rows per INSERT: large enough to amortise round trips, small enough to keep each statement a few MB. */
const DEFAULT_CHUNK_SIZE = 5000;

/**
 * Inserts `rows` into `table` with multi-row `INSERT ... ON CONFLICT <target> DO NOTHING`
 * statements of `chunkSize` rows each, in the given order (so parents listed
 * first are written first), and returns how many rows were actually inserted.
 *
 * MikroORM inlines `?` parameters as quoted literals (`Platform.formatQuery`),
 * so there is no 65,535-parameter limit to respect; multi-row VALUES lets
 * PostgreSQL coerce each literal to the target column's type (enums, dates, numerics).
 * Runs inside the caller's transaction when `em` is in one.
 * @internal
 */
export async function insertIgnoringConflicts(
  em: EntityManager,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly SqlValue[])[],
  conflictTarget: string,
  chunkSize = DEFAULT_CHUNK_SIZE,
): Promise<number> {
  const columnList = columns.map((c) => `"${c}"`).join(', ');
  const rowPlaceholder = `(${columns.map(() => '?').join(', ')})`;
  let inserted = 0;
  for (let start = 0; start < rows.length; start += chunkSize) {
    const chunk = rows.slice(start, start + chunkSize);
    const params: SqlValue[] = [];
    for (const row of chunk) {
      if (row.length !== columns.length) throw new Error(`${table}: row has ${row.length} values, expected ${columns.length}`);
      for (const value of row) params.push(checkedValue(table, value));
    }
    const sql =
      `insert into "${table}" (${columnList}) values ${Array(chunk.length).fill(rowPlaceholder).join(', ')} ` +
      `on conflict ${conflictTarget} do nothing`;
    const result = await em.execute<{ affectedRows: number }>(sql, params, 'run');
    inserted += result.affectedRows;
  }
  return inserted;
}

/** Rejects values that would inline as invalid SQL (`undefined`, `NaN`) instead of failing later with a syntax error. */
function checkedValue(table: string, value: SqlValue | undefined): SqlValue {
  if (value === undefined) return null;
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`${table}: non-finite number ${value}`);
  return value;
}
