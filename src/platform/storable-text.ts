/**
 * Text PostgreSQL stores as it is (issue #11): it refuses U+0000 in `text` and
 * `jsonb` ("invalid byte sequence for encoding UTF8: 0x00") and lone UTF-16
 * surrogates in `jsonb`, and a lookup parameter carrying either fails the
 * whole statement. A courier's or caller's string is made storable, never
 * refused for it: NUL and lone surrogates become U+FFFD (visible, so a reader
 * sees that something was there).
 */

// eslint-disable-next-line no-control-regex
const NUL = /\u0000/g;
/** A UTF-16 surrogate without its partner (String.prototype.toWellFormed is ES2024). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** String.prototype.isWellFormed (ES2024; Node 20+): no lone surrogate, checked natively. */
const isWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/** `value` with NUL and lone surrogates replaced by U+FFFD. */
export function storableText(value: string): string {
  // The common case, checked without a regular expression: nothing to replace.
  if (isWellFormed && !value.includes('\u0000') && isWellFormed.call(value)) return value;
  return value.replace(NUL, '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}

/** An object's own keys made storable (values are handled by the caller). @internal */
function storableKeys(value: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(value);
  if (keys.every((k) => storableText(k) === k)) return value;
  return Object.fromEntries(keys.map((k) => [storableText(k), value[k]]));
}

/**
 * A value as JSON text `jsonb` accepts: every string and key made storable.
 * A value nested too deeply to serialise is replaced by a note rather than
 * failing the statement it belongs to.
 */
export function storableJson(value: unknown): string {
  try {
    return JSON.stringify(value ?? null, (_key, v: unknown) =>
      typeof v === 'string' ? storableText(v) : v && typeof v === 'object' && !Array.isArray(v) ? storableKeys(v as Record<string, unknown>) : v,
    );
  } catch (error) {
    if (error instanceof RangeError) return JSON.stringify({ unstorable: 'nested too deeply to keep' });
    throw error;
  }
}
