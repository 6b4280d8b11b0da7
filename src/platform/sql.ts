/**
 * A value for an `in (?)` placeholder. MikroORM interpolates an array
 * parameter as a comma-separated list (not a PostgreSQL array), and `in ()` is
 * a syntax error, so an empty list becomes `(null)`, which matches nothing.
 */
export function sqlList<T>(values: Iterable<T>): (T | null)[] {
  const list = [...values];
  return list.length ? list : [null];
}
