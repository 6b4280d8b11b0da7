import type { EntityManager } from '@mikro-orm/postgresql';

/** A value of one cell. */
export type SqlValue = string | number | boolean | null;

/** Rows per statement: bounds the size of the SQL text (a few MB), not a PostgreSQL limit. */
const DEFAULT_CHUNK_SIZE = 25_000;

/**
 * Inserts `rows` into `table` with `INSERT ... SELECT * FROM unnest(<one array
 * per column>) ON CONFLICT <target> DO NOTHING`, in chunks of `chunkSize`
 * rows, and returns how many rows were actually inserted. Rows go in in the
 * given order. Runs inside the caller's transaction when `em` is in one.
 *
 * Why unnest: MikroORM inlines `?` parameters as quoted literals, and
 * PostgreSQL parses one array literal per column much faster than one
 * literal per cell of a multi-row VALUES list (about twice as fast here).
 * @param columns column name -> PostgreSQL element type (`varchar`, `int`, `numeric`, `date`, an enum type...)
 * @internal
 */
export async function insertIgnoringConflicts(
  em: EntityManager,
  table: string,
  columns: Readonly<Record<string, string>>,
  rows: readonly (readonly SqlValue[])[],
  conflictTarget: string,
  chunkSize = DEFAULT_CHUNK_SIZE,
): Promise<number> {
  const names = Object.keys(columns);
  const sql =
    `insert into "${table}" (${names.map((c) => `"${c}"`).join(', ')}) ` +
    `select * from unnest(${names.map((c) => `?::${columns[c]}[]`).join(', ')}) ` +
    `on conflict ${conflictTarget} do nothing`;
  let inserted = 0;
  for (let start = 0; start < rows.length; start += chunkSize) {
    const chunk = rows.slice(start, start + chunkSize);
    for (const row of chunk) {
      if (row.length !== names.length) throw new Error(`${table}: row has ${row.length} values, expected ${names.length}`);
    }
    const arrays = names.map((column, i) => arrayLiteral(table, chunk.map((row) => row[i])));
    const result = await em.execute<{ affectedRows: number }>(sql, arrays, 'run');
    inserted += result.affectedRows;
  }
  return inserted;
}

/**
 * PostgreSQL's text form of a one-dimensional array: `{"a","b",NULL}`, each
 * element quoted with `"` and `\` escaped. MikroORM then quotes the whole as a
 * string literal.
 */
function arrayLiteral(table: string, values: readonly (SqlValue | undefined)[]): string {
  const elements = values.map((value) => {
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`${table}: non-finite number ${value}`);
    return `"${String(value).replace(/[\\"]/g, '\\$&')}"`;
  });
  return `{${elements.join(',')}}`;
}
