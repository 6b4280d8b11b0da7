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
  /**
   * The id sequence of the table: {@link copyRows} then reserves ids and COPYs
   * straight into the table (no staging, no ON CONFLICT), falling back to the
   * staging path when the batch meets a stored key.
   */
  sequence?: string;
  /** The partition a row goes to, when known (see `copyInto`). */
  partitionOf?: (row: readonly SqlValue[]) => string | undefined;
  /**
   * A column to order the rows by before the COPY: the partition key, so that
   * PostgreSQL routes runs of rows to one partition at a time (it buffers at
   * most 32 partitions at once during a COPY).
   */
  order?: string;
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

/** A stored row as `RETURNING *` would give it: the written values plus `id` and `ingested_at`. */
export type StoredRow = Record<string, unknown>;

/** Session cache key: the last batch of this table met stored keys (the next one goes the safe way first). @internal */
const conflictsSeen = (table: string) => `bulk:conflicts:${table}`;

/**
 * Writes rows into `target` and returns the rows stored (as whole rows with
 * `id` and `ingested_at`), skipping those whose key is already stored or
 * repeated in `rows`. `client` must be in a transaction.
 *
 * The fast path (a target with a `sequence`): ids and the timestamp are
 * reserved in one statement and the rows are COPYed straight into the table,
 * under a savepoint. A unique violation (a key already stored: a re-load)
 * rolls back to the savepoint and takes the staging path
 * ({@link copyIgnoringConflicts}: COPY into a temporary table, then
 * `INSERT ... ON CONFLICT DO NOTHING RETURNING`); `session` remembers that,
 * so the next batch of a re-load goes the staging way at once, and returns
 * to the fast path after a batch that met no stored key.
 */
export async function copyRows(
  client: pg.PoolClient,
  target: CopyTarget,
  rows: readonly (readonly SqlValue[])[],
  session: Map<string, unknown>,
): Promise<{ rows: StoredRow[] }> {
  if (!rows.length) return { rows: [] };
  const names = Object.keys(target.columns);
  const keyIndex = names.indexOf('source_key');
  // Repeats within the batch (a list that repeats a row) are one fact: the first is written.
  const seen = new Set<SqlValue>();
  const unique = rows.filter((row) => (seen.has(row[keyIndex]) ? false : (seen.add(row[keyIndex]), true)));
  if (target.order) {
    const at = names.indexOf(target.order);
    unique.sort((a, b) => (String(a[at]) < String(b[at]) ? -1 : String(a[at]) > String(b[at]) ? 1 : 0));
  }
  if (target.sequence && !session.get(conflictsSeen(target.table))) {
    await client.query('savepoint copy_rows');
    const t0 = performance.now();
    try {
      const { ids, at } = await copyInto(client, { table: target.table, sequence: target.sequence, columns: target.columns, partitionOf: target.partitionOf }, unique);
      await client.query('release savepoint copy_rows');
      if (process.env.INGEST_TRACE) console.error(`copy fast ${unique.length} rows ${(performance.now() - t0).toFixed(0)} ms`);
      return { rows: unique.map((values, i) => ({ id: ids[i], ...rowOf(names, values), ingested_at: at })) };
    } catch (error) {
      if ((error as { code?: string }).code !== '23505') throw error;
      await client.query('rollback to savepoint copy_rows');
      if (process.env.INGEST_TRACE) console.error(`copy conflict after ${(performance.now() - t0).toFixed(0)} ms`);
      session.set(conflictsSeen(target.table), true);
    }
  }
  const t1 = performance.now();
  const staged = await copyIgnoringConflicts(client, { ...target, returning: 'id, source_key, ingested_at' }, unique);
  if (process.env.INGEST_TRACE) console.error(`copy staged ${unique.length} rows ${(performance.now() - t1).toFixed(0)} ms`);
  if (staged.inserted === unique.length) session.delete(conflictsSeen(target.table));
  const byKey = new Map(unique.map((row) => [row[keyIndex], row]));
  return {
    rows: staged.rows.map((returned) => ({ ...rowOf(names, byKey.get(returned.source_key as string)!), id: String(returned.id), ingested_at: returned.ingested_at })),
  };
}

/** Column names and values as a row object. @internal */
function rowOf(names: readonly string[], values: readonly SqlValue[]): StoredRow {
  const row: StoredRow = {};
  for (let i = 0; i < names.length; i++) row[names[i]] = values[i];
  return row;
}

/**
 * COPYs rows straight into `table` with ids reserved from its sequence and
 * one `ingested_at` (the transaction's time): no staging table, no
 * `ON CONFLICT`, so the caller must already know the rows are new (its own
 * lookups) or handle the unique violation. Returns the ids, in row order.
 */
export async function copyInto(
  client: pg.PoolClient,
  target: { table: string; sequence: string; columns: Readonly<Record<string, string>>; partitionOf?: (row: readonly SqlValue[]) => string | undefined },
  rows: readonly (readonly SqlValue[])[],
): Promise<{ ids: string[]; at: Date }> {
  if (!rows.length) return { ids: [], at: new Date() };
  const names = Object.keys(target.columns);
  assertWidth(target.table, names.length, rows);
  const tIds = performance.now();
  const reserved = await client.query<{ id: string; at: Date }>(
    `select nextval($1::regclass)::text as id, now() as at from generate_series(1, $2::int)`, [target.sequence, rows.length]);
  // (The ORM's pool may hand timestamps back as text.)
  const at = new Date(reserved.rows[0].at);
  const stamp = at.toISOString();
  const ids = reserved.rows.map((r) => r.id);
  const columns = ['id', ...names, 'ingested_at'].map((c) => `"${c}"`).join(', ');
  // Straight into each row's partition when it is known (no tuple routing), else through the table.
  const groups = new Map<string, (readonly SqlValue[])[]>();
  rows.forEach((row, i) => {
    const into = target.partitionOf?.(row) ?? target.table;
    const group = groups.get(into);
    const full = [ids[i], ...row, stamp];
    if (group) group.push(full);
    else groups.set(into, [full]);
  });
  const t0 = performance.now();
  for (const [into, group] of groups) {
    await pipeline(Readable.from(copyText(target.table, group)), client.query(copyFrom(`copy "${into}" (${columns}) from stdin`)));
  }
  if (process.env.INGEST_TRACE) console.error(`  copy into ${groups.size} target(s) [${[...groups.keys()].slice(0, 2).join(', ')}…] ${(performance.now() - t0).toFixed(0)} ms (ids ${(t0 - tIds).toFixed(0)} ms)`);
  return { ids, at };
}
