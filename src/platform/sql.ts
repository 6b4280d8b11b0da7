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

/** An element of a one-dimensional array parameter. */
export type ArrayElement = string | number | boolean | null | undefined;

/** A `"` or `\` in an element: escaped with a backslash. */
const QUOTE_OR_BACKSLASH = /["\\]/;

/**
 * A one-dimensional array as PostgreSQL's array text (`{"a","b",NULL}`), exactly as node-postgres writes an array
 * parameter (every element quoted, `"` and `\` escaped, null and undefined as NULL), for a `$n::type[]` placeholder
 * of a raw pg query. Faster than the driver's own formatting, which runs two regular expression replacements and a
 * type dispatch per element (session 5: ~1 ms per webhook batch of 1,000 events, whose statements carry a few
 * thousand array elements).
 */
export function pgArray(values: readonly ArrayElement[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i) out += ',';
    if (v === null || v === undefined) out += 'NULL';
    else if (typeof v === 'string') out += QUOTE_OR_BACKSLASH.test(v) ? `"${v.replace(/[\\"]/g, '\\$&')}"` : `"${v}"`;
    else out += `"${String(v)}"`;
  }
  return `${out}}`;
}
