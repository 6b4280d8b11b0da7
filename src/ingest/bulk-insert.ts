import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * The hub's one bulk writer. Every bulk write (seeds, the ingest pipeline, the
 * rejected store, alerts) goes through here, in one of three strategies by
 * size; all of them are `INSERT ... ON CONFLICT DO NOTHING`, so re-loading
 * the same rows adds nothing, and all of them run inside the caller's
 * transaction:
 *
 * - {@link bulkInsert}: multi-row `VALUES` with `RETURNING *`, for small
 *   batches of any column types (no type list needed);
 * - {@link insertIgnoringConflicts}: one array per column through `unnest`,
 *   for tens of thousands of rows through the ORM (seeds);
 * - {@link copyIgnoringConflicts}: `COPY` into a temporary staging table,
 *   then `INSERT ... SELECT ... ON CONFLICT DO NOTHING`, on a native pg client,
 *   for large imports (connectors). See BENCHMARKS.md for the figures.
 */

/** A value of one cell. */
export type SqlValue = string | number | boolean | null;

/** PostgreSQL accepts at most 65,535 bind parameters per statement. */
const MAX_PARAMS = 60_000;

/** Rows per `unnest` statement: bounds the size of the SQL text (a few MB), not a PostgreSQL limit. */
const DEFAULT_CHUNK_SIZE = 25_000;

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
    assertWidth(table, names.length, chunk);
    const arrays = names.map((_, i) => arrayLiteral(table, chunk.map((row) => row[i])));
    const result = await em.execute<{ affectedRows: number }>(sql, arrays, 'run');
    inserted += result.affectedRows;
  }
  return inserted;
}

/** What {@link copyIgnoringConflicts} writes: a table, its typed columns and its natural key. */
export interface CopyTarget {
  table: string;
  /** Column name -> PostgreSQL type, in row order. */
  columns: Readonly<Record<string, string>>;
  /** The conflict target, e.g. `(source_connector, source_key)`. */
  conflict: string;
  /** What to return for the inserted rows, e.g. `*` or `id, raw_name`; nothing when absent. */
  returning?: string;
}

/**
 * Writes rows with `COPY` into a temporary staging table and then one
 * `INSERT ... SELECT ... ON CONFLICT DO NOTHING`, so that duplicates (within
 * the batch or already stored) are skipped rather than failing the COPY.
 * `client` must already be in a transaction (the staging table is dropped at
 * commit); the inserted rows come back when `returning` is set, else an empty
 * array and `inserted` says how many.
 */
export async function copyIgnoringConflicts(
  client: pg.PoolClient,
  target: CopyTarget,
  rows: readonly (readonly SqlValue[])[],
): Promise<{ inserted: number; rows: Record<string, unknown>[] }> {
  if (!rows.length) return { inserted: 0, rows: [] };
  const names = Object.keys(target.columns);
  assertWidth(target.table, names.length, rows);
  const stage = `stage_${target.table}`;
  const cols = names.map((c) => `"${c}"`).join(', ');
  await client.query(
    `create temp table if not exists "${stage}" (${names.map((c) => `"${c}" ${target.columns[c]}`).join(', ')}) on commit drop`,
  );
  await client.query(`truncate "${stage}"`);
  await pipeline(Readable.from(copyText(target.table, rows)), client.query(copyFrom(`copy "${stage}" (${cols}) from stdin`)));
  const result = await client.query(
    `insert into "${target.table}" (${cols}) select ${cols} from "${stage}" on conflict ${target.conflict} do nothing` +
      (target.returning ? ` returning ${target.returning}` : ''),
  );
  return { inserted: result.rowCount ?? 0, rows: target.returning ? result.rows : [] };
}

/** Rows per chunk handed to the COPY stream. */
const COPY_CHUNK_ROWS = 2_000;

/** Rows in COPY's text format, in chunks of a few thousand lines. */
function* copyText(table: string, rows: readonly (readonly SqlValue[])[]): Generator<string> {
  for (let start = 0; start < rows.length; start += COPY_CHUNK_ROWS) {
    let text = '';
    for (const row of rows.slice(start, start + COPY_CHUNK_ROWS)) {
      text += row.map((value) => copyCell(table, value)).join('\t') + '\n';
    }
    yield text;
  }
}

/** One cell in COPY's text format: `\N` for null, backslash escapes for the separators. */
function copyCell(table: string, value: SqlValue | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`${table}: non-finite number ${value}`);
  return String(value).replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

function assertWidth(table: string, width: number, rows: readonly (readonly SqlValue[])[]): void {
  for (const row of rows) {
    if (row.length !== width) throw new Error(`${table}: row has ${row.length} values, expected ${width}`);
  }
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

/**
 * Runs `work` in one transaction on a client of the ORM's own pg pool (real
 * bind parameters, COPY), committing when it returns and rolling back when it
 * throws.
 */
export async function withPgTransaction<T>(em: EntityManager, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const pool = await em.getConnection().getNativeClient();
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
