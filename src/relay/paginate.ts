import type { EntityClass } from '@mikro-orm/core';
import type { EntityManager, QueryBuilder } from '@mikro-orm/postgresql';
import { plainRows } from '../platform/plain-rows.js';
import { BadUserInputError } from '../platform/errors.js';
import { DEFAULT_PAGE_SIZE, type ConnectionArgs } from './connection.args.js';
import type { Edge, Page } from './connection.type.js';

type KeyValue = string | number;

/**
 * A keyset ordering: SQL expressions (qualified with the query's alias) and how
 * to read the same values from a loaded row. The last key must be unique (the
 * primary key) so that cursors are stable under concurrent inserts.
 */
export interface Ordering<T> {
  keys: { sql: string; read: (row: T) => KeyValue | Date }[];
  direction: 'asc' | 'desc';
}

/** Whether PostgreSQL refused a value (SQLSTATE class 22, data exception: bad text for a type, out of range). @internal */
function isDataException(error: unknown): boolean {
  let current = error as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 4; depth++) {
    if (typeof current.code === 'string' && /^22[0-9A-Z]{3}$/.test(current.code)) return true;
    current = current.cause as typeof current;
  }
  return false;
}

function encodeCursor(values: KeyValue[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, arg: 'after' | 'before', size: number): KeyValue[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(values) &&
      values.length === size &&
      values.every((v) => (typeof v === 'string' && !v.includes('\u0000')) || (typeof v === 'number' && Number.isFinite(v)))
    ) {
      return values;
    }
  } catch {
    // fall through to the error below
  }
  throw new BadUserInputError(`Argument "${arg}" is not a cursor of this connection.`, arg);
}

function keyValues<T>(ordering: Ordering<T>, row: T): KeyValue[] {
  return ordering.keys.map((k) => {
    const v = k.read(row);
    return v instanceof Date ? v.toISOString() : v;
  });
}

/**
 * A first page from rows already loaded in the ordering (at most `limit + 1`
 * of them: the extra row only says that there is a next page). Used where one
 * batched query loads the first page of many parents at once.
 */
export function firstPage<T>(rows: readonly T[], limit: number, ordering: Ordering<T>, count: () => Promise<number>): Page<T> {
  const edges = rows.slice(0, limit).map((node) => ({ node, cursor: encodeCursor(keyValues(ordering, node)) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > limit,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    count,
  };
}

/**
 * Relay cursor pagination by keyset (no OFFSET, so deep pages stay as cheap as
 * the first). Supports `first`/`after` and `last`/`before`; totalCount is a
 * separate COUNT that only runs when the client selects it.
 *
 * With `readOnly` (the request's EntityManager), rows are read as plain objects
 * of the entity's class without the identity map (src/platform/plain-rows.ts,
 * issue #10): for lists that are only returned, never changed.
 */
export async function paginate<T extends object>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any root alias: callers pass their own query builders
  qb: QueryBuilder<T, any, never, never, never>,
  ordering: Ordering<T>,
  args: ConnectionArgs,
  readOnly?: EntityManager,
): Promise<Page<T>> {
  if (args.first != null && args.last != null) {
    throw new BadUserInputError('Give either "first" or "last", not both.', 'last');
  }
  // Row-level access scope (src/access/row-scope.ts): the request's EntityManager carries the viewer's filters.
  await qb.applyFilters();
  const countQb = qb.clone();
  const backward = args.last != null || (args.before != null && args.first == null);
  const limit = (backward ? args.last : args.first) ?? DEFAULT_PAGE_SIZE;
  const tuple = `(${ordering.keys.map((k) => k.sql).join(', ')})`;
  const placeholders = `(${ordering.keys.map(() => '?').join(', ')})`;
  const asc = ordering.direction === 'asc';

  if (args.after != null) {
    qb.andWhere(`${tuple} ${asc ? '>' : '<'} ${placeholders}`, decodeCursor(args.after, 'after', ordering.keys.length));
  }
  if (args.before != null) {
    qb.andWhere(`${tuple} ${asc ? '<' : '>'} ${placeholders}`, decodeCursor(args.before, 'before', ordering.keys.length));
  }
  // Backward pages read the ordering reversed, then flip the rows back.
  const readAsc = backward ? !asc : asc;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw SQL keys, which MikroORM's typed orderBy does not describe
  qb.orderBy(ordering.keys.map((k) => ({ [k.sql]: readAsc ? 'asc' : 'desc' })) as any);
  qb.limit(limit + 1);
  let rows: T[] = [];
  try {
    if (limit > 0 && readOnly) {
      rows = plainRows(readOnly, qb.mainAlias.meta.class as EntityClass<T>, (await qb.execute('all', false)) as Record<string, unknown>[]);
    } else if (limit > 0) {
      rows = (await qb.getResultList()) as T[];
    }
  } catch (error) {
    // A cursor is the caller's text: values of the right shape but not of the key's type (["abc"] for an id, a
    // date that is none) are refused by PostgreSQL as a data exception, which was answered as a 500 (found by
    // probing, session 6). The cursor is the only caller value this statement adds to the connection's own query.
    const cursorArg = args.after != null ? 'after' : args.before != null ? 'before' : undefined;
    if (cursorArg && isDataException(error)) throw new BadUserInputError(`Argument "${cursorArg}" is not a cursor of this connection.`, cursorArg);
    throw error;
  }
  const more = rows.length > limit;
  const pageRows = rows.slice(0, limit);
  if (backward) pageRows.reverse();
  const edges: Edge<T>[] = pageRows.map((node) => ({ node, cursor: encodeCursor(keyValues(ordering, node)) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: backward ? args.before != null : more,
      hasPreviousPage: backward ? more : args.after != null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    count: () => countQb.getCount(),
  };
}
