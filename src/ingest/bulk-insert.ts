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
    const arrays = names.map((_, i) =>
      arrayLiteral(
        table,
        chunk.map((row) => row[i]),
      ),
    );
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
  await client.query(`create temp table if not exists "${stage}" (${names.map((c) => `"${c}" ${target.columns[c]}`).join(', ')}) on commit drop`);
  await client.query(`truncate "${stage}"`);
  await pipeline(Readable.from(copyTextOf(target.table, rows)), client.query(copyFrom(`copy "${stage}" (${cols}) from stdin`)));
  const result = await client.query(
    `insert into "${target.table}" (${cols}) select ${cols} from "${stage}" on conflict ${target.conflict} do nothing` +
      (target.returning ? ` returning ${target.returning}` : ''),
  );
  return { inserted: result.rowCount ?? 0, rows: target.returning ? result.rows : [] };
}

/** Rows per chunk handed to the COPY stream. */
const COPY_CHUNK_ROWS = 4_000;

/** Rows in COPY's text format, in chunks of a few thousand lines. */
function* copyTextOf(table: string, rows: readonly (readonly SqlValue[])[]): Generator<string> {
  for (let start = 0; start < rows.length; start += COPY_CHUNK_ROWS) {
    let text = '';
    const end = Math.min(rows.length, start + COPY_CHUNK_ROWS);
    for (let r = start; r < end; r++) {
      const row = rows[r];
      for (let i = 0; i < row.length; i++) text += (i ? '\t' : '') + copyCell(table, row[i]);
      text += '\n';
    }
    yield text;
  }
}

/** A separator or backslash to escape in COPY's text format. */
const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** A text in COPY's text format: `\\N` for null or undefined, backslash escapes for the separators (only when there are any). */
export function copyText(value: string | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : value;
}

/** One cell in COPY's text format: `\N` for null, backslash escapes for the separators (only when there are any). */
function copyCell(table: string, value: SqlValue | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${table}: non-finite number ${value}`);
    return String(value);
  }
  const text = typeof value === 'string' ? value : String(value);
  return NEEDS_ESCAPE.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : text;
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
 * reserved in one statement and the rows are COPYed straight into the table.
 * A unique violation (a key already stored: a re-load, or a concurrent batch
 * that stored the same key first) fails the batch's transaction with 23505,
 * which the pipeline retries (src/ingest/pipeline.ts); `session` remembers
 * it, so the retry, and the next batches of a re-load, take the staging path
 * ({@link copyIgnoringConflicts}: COPY into a temporary table, then
 * `INSERT ... ON CONFLICT DO NOTHING RETURNING`), returning to the fast path
 * after a batch that met no stored key. (No savepoint: that is two round
 * trips per batch saved for the common case, a new load.)
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
    // (Days as 'YYYY-MM-DD' text: compared as they are, without a String() per comparison.)
    unique.sort((a, b) => {
      const x = a[at],
        y = b[at];
      return typeof x === 'string' && typeof y === 'string' ? (x < y ? -1 : x > y ? 1 : 0) : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
    });
  }
  if (target.sequence && !session.get(conflictsSeen(target.table))) {
    const t0 = performance.now();
    try {
      const { ids, at } = await copyInto(
        client,
        { table: target.table, sequence: target.sequence, columns: target.columns, partitionOf: target.partitionOf },
        unique,
      );
      if (process.env.INGEST_TRACE) console.error(`copy fast ${unique.length} rows ${(performance.now() - t0).toFixed(0)} ms`);
      const stored: StoredRow[] = new Array(unique.length);
      for (let i = 0; i < unique.length; i++) stored[i] = rowOf(names, unique[i], ids[i], at);
      return { rows: stored };
    } catch (error) {
      // The batch's transaction is lost: the pipeline runs it again, the staging way.
      if ((error as { code?: string }).code === '23505') session.set(conflictsSeen(target.table), true);
      throw error;
    }
  }
  const t1 = performance.now();
  const staged = await copyIgnoringConflicts(client, { ...target, returning: 'id, source_key, ingested_at' }, unique);
  if (process.env.INGEST_TRACE) console.error(`copy staged ${unique.length} rows ${(performance.now() - t1).toFixed(0)} ms`);
  if (staged.inserted === unique.length) session.delete(conflictsSeen(target.table));
  const byKey = new Map(unique.map((row) => [row[keyIndex], row]));
  return {
    rows: staged.rows.map((returned) => rowOf(names, byKey.get(returned.source_key as string)!, String(returned.id), returned.ingested_at as Date)),
  };
}

/** A stored row from its column names, values, id and ingestion time (`id` first, as `RETURNING *` gives it). @internal */
function rowOf(names: readonly string[], values: readonly SqlValue[], id: string, at: unknown): StoredRow {
  const row: StoredRow = { id };
  for (let i = 0; i < names.length; i++) row[names[i]] = values[i];
  row.ingested_at = at;
  return row;
}

/** A plain identifier (a sequence or table name written into SQL). @internal */
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Reserves `count` ids from `sequence` and reads the transaction's time, in
 * ONE round trip and one result row: the ids come back as a range when they
 * are consecutive (the common case: no concurrent writer took one meanwhile),
 * else as an array. In ascending order.
 * @internal
 */
async function reserveIds(client: pg.PoolClient, sequence: string, count: number): Promise<{ ids: string[]; at: Date }> {
  if (!IDENTIFIER.test(sequence)) throw new Error(`not a sequence name: ${sequence}`);
  // (Epoch milliseconds and text: the ORM's pool has its own type parsers for timestamps and bigints.)
  const { rows } = await client.query<{ lo: string; hi: string; n: string; ids: string | null; at: string | number }>(
    `with r as (select nextval('${sequence}'::regclass) as id from generate_series(1, $1::int))
     select min(id)::text as lo, max(id)::text as hi, count(*)::text as n,
            case when max(id) - min(id) + 1 = count(*) then null else array_agg(id order by id)::text end as ids,
            (extract(epoch from now()) * 1000)::float8::text as at
       from r`,
    [count],
  );
  const [row] = rows;
  const at = new Date(Number(row.at));
  if (row.ids !== null) return { ids: row.ids.slice(1, -1).split(','), at };
  const ids: string[] = new Array(count);
  const lo = BigInt(row.lo);
  if (BigInt(row.hi) <= BigInt(Number.MAX_SAFE_INTEGER)) {
    const first = Number(lo);
    for (let i = 0; i < count; i++) ids[i] = String(first + i);
  } else {
    for (let i = 0; i < count; i++) ids[i] = String(lo + BigInt(i));
  }
  return { ids, at };
}

/** Rows with their reserved ids and ingestion time in COPY's text format (the row arrays are not copied). @internal */
function* copyTextWithIds(table: string, rows: readonly (readonly SqlValue[])[], ids: readonly string[], stamp: string): Generator<string> {
  for (let start = 0; start < rows.length; start += COPY_CHUNK_ROWS) {
    let text = '';
    const end = Math.min(rows.length, start + COPY_CHUNK_ROWS);
    for (let r = start; r < end; r++) {
      const row = rows[r];
      text += ids[r];
      for (let i = 0; i < row.length; i++) text += '\t' + copyCell(table, row[i]);
      text += '\t' + stamp + '\n';
    }
    yield text;
  }
}

/**
 * COPYs rows straight into `table` with ids reserved from its sequence and
 * one `ingested_at` (the transaction's time): no staging table, no
 * `ON CONFLICT`, so the caller must already know the rows are new (its own
 * lookups) or handle the unique violation. Returns the ids, in row order.
 *
 * Round trips: one for the ids, one per COPY. Rows that all go to one known
 * partition (a day's list, a webhook batch) are COPYed straight into it (no
 * tuple routing); rows spanning several months (a backfill) go through the
 * partitioned table in ONE COPY, in the caller's order (sorted by the
 * partition key, PostgreSQL routes runs of rows): measured on a 20,000-row
 * batch spanning 36 months, one COPY through the parent cost the server
 * 360-390 ms of CPU against 320-330 ms for 36 COPYs into the partitions, and
 * 35 round trips fewer.
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
  const { ids, at } = await reserveIds(client, target.sequence, rows.length);
  const stamp = at.toISOString();
  const columns = ['id', ...names, 'ingested_at'].map((c) => `"${c}"`).join(', ');
  // One partition for every row? Then straight into it.
  let into: string | undefined = target.partitionOf?.(rows[0]);
  for (let i = 1; into !== undefined && i < rows.length; i++) if (target.partitionOf!(rows[i]) !== into) into = undefined;
  const t0 = performance.now();
  await pipeline(
    Readable.from(copyTextWithIds(target.table, rows, ids, stamp)),
    client.query(copyFrom(`copy "${into ?? target.table}" (${columns}) from stdin`)),
  );
  if (process.env.INGEST_TRACE)
    console.error(`  copy into ${into ?? target.table} ${(performance.now() - t0).toFixed(0)} ms (ids ${(t0 - tIds).toFixed(0)} ms)`);
  return { ids, at };
}

/**
 * COPY's text format written straight as UTF-8 bytes into one buffer per chunk of rows (issue #13): no string per
 * line, no rope of a few thousand lines for the socket to flatten and encode again. Texts a load repeats (names,
 * specs, units, the connector) are escaped and encoded once and copied as bytes; a money amount with at most two
 * decimals is written from its integer cents. What it writes is exactly the text the template-string encoder wrote
 * before (test/ingest/copy-writer.test.ts compares them on random rows).
 */
export class CopyWriter {
  private buf: Buffer;
  private pos = 0;
  /** Where the bytes not yet taken start. */
  private start = 0;
  private readonly repeated = new Map<string, Buffer>();

  constructor(private readonly chunkBytes = 1 << 20) {
    this.buf = Buffer.allocUnsafe(chunkBytes);
  }

  /** Room for `bytes` more bytes (the buffer grows, keeping what is written). */
  room(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    // (Only the bytes not yet taken move: the taken ones may still be in the stream, and stay where they are.)
    const pending = this.pos - this.start;
    const bigger = Buffer.allocUnsafe(Math.max(this.chunkBytes, 2 * (pending + bytes)));
    this.buf.copy(bigger, 0, this.start, this.pos);
    this.buf = bigger;
    this.start = 0;
    this.pos = pending;
  }

  /**
   * The bytes written since the last call. The stream may still hold them: what follows is written after them in the
   * same buffer while a quarter of it is left (short runs of rows, one per partition, share a buffer), else in a new one.
   */
  take(): Buffer {
    const chunk = this.buf.subarray(this.start, this.pos);
    if (this.buf.length - this.pos >= this.chunkBytes >> 2) {
      this.start = this.pos;
    } else {
      this.buf = Buffer.allocUnsafe(this.chunkBytes);
      this.pos = this.start = 0;
    }
    return chunk;
  }

  /** A separator. */
  tab(): void {
    this.room(1);
    this.buf[this.pos++] = 9;
  }

  /** The end of a line. */
  newline(): void {
    this.room(1);
    this.buf[this.pos++] = 10;
  }

  /** A text known to be ASCII with nothing to escape (ids, days, numbers, timestamps). */
  ascii(text: string): void {
    const n = text.length;
    this.room(n);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) buf[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }

  /** `\N`. */
  null(): void {
    this.room(2);
    this.buf[this.pos++] = 92;
    this.buf[this.pos++] = 78;
  }

  /** A text, escaped ({@link copyText}); `\N` for null or undefined. */
  text(value: string | null | undefined): void {
    if (value === null || value === undefined) return this.null();
    const escaped = copyText(value);
    // (At most three bytes of UTF-8 per UTF-16 unit.)
    this.room(escaped.length * 3);
    this.pos += this.buf.write(escaped, this.pos, 'utf8');
  }

  /** A text a load repeats (a name, a spec, a unit): escaped and encoded once, then copied. */
  repeatedText(value: string | null | undefined): void {
    if (value === null || value === undefined) return this.null();
    let bytes = this.repeated.get(value);
    if (!bytes) {
      // (A load with more distinct texts than that writes the rest as they come.)
      if (this.repeated.size >= 10_000) return this.text(value);
      bytes = Buffer.from(copyText(value), 'utf8');
      this.repeated.set(value, bytes);
    }
    const n = bytes.length;
    this.room(n);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) buf[pos++] = bytes[i];
    this.pos = pos;
  }

  /** An integer (a reference id); `\N` for null or undefined. */
  int(value: number | null | undefined): void {
    if (value === null || value === undefined) return this.null();
    this.ascii(String(value));
  }

  /**
   * A finite number as `String(value)` writes it (what a template string wrote): from its integer cents when it has
   * at most two decimals (then `String(value)` is that decimal, trailing zeros aside, and PostgreSQL reads the same
   * numeric), else `String(value)` itself. `\N` for null or undefined.
   */
  number(value: number | null | undefined): void {
    if (value === null || value === undefined) return this.null();
    const cents = Math.round(value * 100);
    if (cents / 100 !== value || cents < 0 || cents > MAX_CENTS || Object.is(value, -0)) return this.ascii(String(value));
    const frac = cents % 100;
    this.ascii(String((cents - frac) / 100));
    if (frac === 0) return;
    this.room(3);
    const buf = this.buf;
    buf[this.pos++] = 46;
    buf[this.pos++] = 48 + ((frac / 10) | 0);
    if (frac % 10) buf[this.pos++] = 48 + (frac % 10);
  }
}

/** Cents below which an amount's integer part is a small integer (String() of it is exact and cheap). @internal */
const MAX_CENTS = 2 ** 31 - 1;

/**
 * What {@link copyNew} writes: a table with an id sequence, and how to encode one of the caller's own records into
 * COPY text, so that a bulk load goes from its records to COPY bytes with no row arrays, row objects or line strings
 * in between (issue #13).
 */
export interface EncodedTarget<T> {
  table: string;
  sequence: string;
  /** Column name -> PostgreSQL type, in line order (between `id` and `ingested_at`). */
  columns: Readonly<Record<string, string>>;
  /** The unique key, as the staging path's `ON CONFLICT` target. */
  conflict: string;
  /** The record's `source_key`: repeats of a key in one batch are one fact (the first is written). */
  key(record: T): string;
  /** Writes the record's columns in order, tab-separated (the caller writes `id` before and `ingested_at` after). */
  encode(record: T, out: CopyWriter): void;
  /** The record's values in column order (for the staging path, after a batch met a stored key). */
  values(record: T): SqlValue[];
  /** The partition a record goes to, when it is known to exist. */
  partition?(record: T): string | undefined;
  /** The record's partition key (records with the same key go to the same partition: asked once per run of them). */
  partitionKey?(record: T): unknown;
  /**
   * When given, the records go straight into their partitions (one COPY per run of records of one partition, when
   * every record's partition is known), and this is called after them, in the same transaction and after the batch
   * before in flight has committed, with those records (in order): for what the partitions' own triggers do not do
   * (prices: the aggregates, migrations 20261130050000 and 20261130060000). Otherwise the records go through the
   * parent, whose triggers see the rows; so does the staging path.
   */
  direct?(client: pg.PoolClient, records: readonly T[]): Promise<void>;
  /** Run before the COPYs straight into partitions when {@link direct} is given (prices: say the rows are counted). */
  claimDirect?: string;
}

/**
 * Where a batch's writes go in a load with two batches in flight (src/ingest/pipeline.ts, `BatchOrder`): the new
 * rows into partitions after `factsTurn`, anything that fires the parent's triggers or touches shared rows after
 * `turn`; `factsWritten` once the new rows are in.
 */
export interface WriteOrder {
  turn?(): Promise<void>;
  factsTurn?(): Promise<void>;
  factsWritten?(): void;
}

/**
 * {@link copyRows} for records the caller encodes itself: returns the records stored, their ids (in the same
 * order) and the ingestion time. The same two paths: ids reserved in one statement and the records COPYed straight
 * into the table (into their partitions with {@link EncodedTarget.direct}), or, once a batch of this load met a
 * stored key, the staging path with `ON CONFLICT DO NOTHING`. `records` should come in partition-key order.
 */
export async function copyNew<T>(
  client: pg.PoolClient,
  target: EncodedTarget<T>,
  records: readonly T[],
  session: Map<string, unknown>,
  order?: WriteOrder,
): Promise<{ stored: T[]; ids: string[]; at: Date }> {
  const seen = new Set<string>();
  const unique: T[] = [];
  for (const record of records) {
    const key = target.key(record);
    if (!seen.has(key)) {
      seen.add(key);
      unique.push(record);
    }
  }
  if (!unique.length) return { stored: [], ids: [], at: new Date() };
  const names = Object.keys(target.columns);
  if (!session.get(conflictsSeen(target.table))) {
    try {
      const t0 = performance.now();
      const { ids, at } = await reserveIds(client, target.sequence, unique.length);
      const stamp = at.toISOString();
      const columns = ['id', ...names, 'ingested_at'].map((c) => `"${c}"`).join(', ');
      // With `direct`, every run of records of one month goes straight into its partition (a day's list: one COPY; a
      // backfill spread over 36 months: 36), and the caller adds the batch to what the partitions' triggers do not
      // keep, after the batch before has committed. Without it, or when a month has no known partition, ONE COPY
      // through the parent, whose triggers see the rows. (Issue #13, session 6: through the parent, a COPY with the
      // parent's transition-table triggers inserts row by row and its triggers lock the aggregates' rows at the end
      // of the COPY, before the batch's turn; the runs into the partitions insert in multi-row batches and lock nothing
      // another batch in flight writes.)
      const runs = target.direct ? partitionRuns(unique, target) : undefined;
      const direct = runs !== undefined;
      // Encoded before the batch's turn (the batch before may still be writing): the COPY then only sends bytes.
      const chunks = encodedChunks(unique, ids, stamp, target, runs ?? [{ into: target.table, end: unique.length }]);
      if (direct && target.claimDirect) await client.query(target.claimDirect);
      // New rows once the batch before has written its own; see BatchOrder in src/ingest/pipeline.ts.
      await order?.factsTurn?.();
      for (const run of chunks) await copyChunks(client, `copy "${run.into}" (${columns}) from stdin`, run.chunks);
      order?.factsWritten?.();
      if (direct) {
        await order?.turn?.();
        await target.direct!(client, unique);
      }
      if (process.env.INGEST_TRACE) console.error(`  copy ${unique.length} rows in ${chunks.length} COPY ${(performance.now() - t0).toFixed(0)} ms`);
      return { stored: unique, ids, at };
    } catch (error) {
      // The batch's transaction is lost: the pipeline runs it again, the staging way.
      if ((error as { code?: string }).code === '23505') session.set(conflictsSeen(target.table), true);
      throw error;
    }
  }
  // (Through the parent, whose triggers update shared rows: after the batch before has committed.)
  await order?.turn?.();
  const staged = await copyIgnoringConflicts(
    client,
    { table: target.table, columns: target.columns, conflict: target.conflict, returning: 'id, source_key, ingested_at' },
    unique.map((record) => target.values(record)),
  );
  order?.factsWritten?.();
  if (staged.inserted === unique.length) session.delete(conflictsSeen(target.table));
  const byKey = new Map(unique.map((record) => [target.key(record), record]));
  const stored: T[] = [];
  const ids: string[] = [];
  let at: Date | undefined;
  for (const row of staged.rows) {
    stored.push(byKey.get(row.source_key as string)!);
    ids.push(String(row.id));
    at = row.ingested_at as Date;
  }
  return { stored, ids, at: at ?? new Date() };
}

/** Runs of consecutive records that go to one known partition, or undefined when a record's partition is not known. @internal */
function partitionRuns<T>(records: readonly T[], target: EncodedTarget<T>): { into: string; end: number }[] | undefined {
  if (!target.partition) return undefined;
  const runs: { into: string; end: number }[] = [];
  let last: { into: string; end: number } | undefined;
  let lastKey: unknown;
  for (let i = 0; i < records.length; i++) {
    // (A day's records come together: the partition is looked up once per day, not per record.)
    const key = target.partitionKey?.(records[i]);
    if (last && key !== undefined && key === lastKey) {
      last.end = i + 1;
      continue;
    }
    lastKey = key;
    const into = target.partition(records[i]);
    if (into === undefined) return undefined;
    if (last?.into === into) last.end = i + 1;
    else runs.push((last = { into, end: i + 1 }));
  }
  return runs;
}

/**
 * The records of each run encoded as COPY text, in UTF-8 chunks of a few thousand lines, all before any is sent (one
 * writer for the batch: the chunks it hands out are never written over). @internal
 */
function encodedChunks<T>(
  records: readonly T[],
  ids: readonly string[],
  stamp: string,
  target: EncodedTarget<T>,
  runs: readonly { into: string; end: number }[],
): { into: string; chunks: Buffer[] }[] {
  const out = new CopyWriter();
  const encoded: { into: string; chunks: Buffer[] }[] = [];
  let i = 0;
  for (const run of runs) {
    const chunks: Buffer[] = [];
    while (i < run.end) {
      const end = Math.min(run.end, i + COPY_CHUNK_ROWS);
      for (; i < end; i++) {
        out.ascii(ids[i]);
        out.tab();
        target.encode(records[i], out);
        out.tab();
        out.ascii(stamp);
        out.newline();
      }
      chunks.push(out.take());
    }
    encoded.push({ into: run.into, chunks });
  }
  return encoded;
}

/** One COPY of chunks already encoded; resolves when PostgreSQL has taken them all. @internal */
function copyChunks(client: pg.PoolClient, sql: string, chunks: readonly Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = client.query(copyFrom(sql));
    stream.once('finish', resolve);
    stream.on('error', reject);
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
}
