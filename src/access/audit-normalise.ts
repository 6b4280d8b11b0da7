/**
 * Audit inputs made storable whatever the caller sent (issue #11): a caller
 * must not be able to keep its own request out of the audit trail by making
 * the insert fail. PostgreSQL refuses `\u0000` in text and jsonb and lone
 * UTF-16 surrogates in jsonb, and every column has a length; so every value is
 * cleaned and cut before it is written, never refused.
 */

/** C0 control characters other than tab, line feed and carriage return, and DEL. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
/** A UTF-16 surrogate without its partner (String.prototype.toWellFormed is ES2024). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A string PostgreSQL stores as it is: no NUL or control characters, well-formed UTF-16, at most `max` characters. */
export function auditText(value: string, max: number): string {
  const clean = value.replace(CONTROLS, '').replace(LONE_SURROGATE, '\uFFFD');
  if (clean.length <= max) return clean;
  // Cut on a code point boundary, and say that it was cut.
  return `${Array.from(clean.slice(0, max)).slice(0, -1).join('')}…`;
}

/** Like `auditText` for an optional value: null stays null. */
export function auditTextOrNull(value: string | null | undefined, max: number): string | null {
  return value == null ? null : auditText(String(value), max);
}

/** Limits of a JSON value kept in the audit trail. */
export interface AuditJsonLimits {
  /** Deepest nesting kept. */
  depth: number;
  /** Longest string kept (longer ones are cut). */
  stringLength: number;
  /** Array items and object keys kept per level. */
  items: number;
  /** Largest serialised size, in characters; past it the value is replaced by a summary. */
  totalLength: number;
}

export const AUDIT_JSON_LIMITS: AuditJsonLimits = { depth: 8, stringLength: 500, items: 50, totalLength: 16_384 };

/**
 * A JSON value (the operation's variables, already redacted) cleaned for jsonb:
 * keys and strings cleaned like `auditText`, nesting, arrays, objects and the
 * total size capped (what is cut says so), non-JSON values (functions,
 * bigints, NaN) turned into strings or null.
 */
export function auditJson(value: unknown, limits: AuditJsonLimits = AUDIT_JSON_LIMITS): unknown {
  const walk = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
    if (typeof v === 'string') return auditText(v, limits.stringLength);
    if (typeof v === 'bigint') return v.toString();
    if (depth >= limits.depth) return '[truncated]';
    if (Array.isArray(v)) {
      const items = v.slice(0, limits.items).map((item) => walk(item, depth + 1));
      return v.length > limits.items ? [...items, `… ${v.length - limits.items} more`] : items;
    }
    if (typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>);
      const kept = entries.slice(0, limits.items).map(([k, item]) => [auditText(k, 100), walk(item, depth + 1)] as const);
      if (entries.length > limits.items) kept.push(['…', `${entries.length - limits.items} more keys`]);
      return Object.fromEntries(kept);
    }
    return null;
  };
  const cleaned = walk(value, 0);
  const text = JSON.stringify(cleaned) ?? 'null';
  if (text.length <= limits.totalLength) return cleaned;
  return { '[truncated]': `${text.length} characters`, head: auditText(text, 1000) };
}
