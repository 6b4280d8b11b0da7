import { raw } from '@mikro-orm/core';

/**
 * The parameter for an `in (?)` placeholder. MikroORM interpolates an array
 * parameter as a comma-separated list (not a PostgreSQL array), and it renders
 * an empty list (or a list of nulls) as nothing at all, which makes `in ()` a
 * syntax error; an empty input therefore becomes a raw `null`: `in (null)`
 * is valid SQL that matches no row.
 */
export function sqlList<T>(values: Iterable<T>): T[] | ReturnType<typeof raw> {
  const list = [...values];
  return list.length ? list : raw('null');
}
