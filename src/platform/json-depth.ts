/**
 * Deepest nesting of arrays and objects accepted in a JSON request body or WebSocket message. GraphQL
 * variables of this schema nest a few levels (`events[].shipment.recipient`); JSON.stringify, the audit
 * and the input checks recurse, and a body of 5,000 nested `[` under an unused variable made them throw
 * RangeError: a 500 over HTTP, close 4500 over graphql-ws (found by probing, session 6).
 */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = new Set([0x5b, 0x7b]);
const CLOSE = new Set([0x5d, 0x7d]);

/** Whether JSON text nests arrays and objects deeper than `max` (strings skipped). One pass, no recursion, no parse. */
export function jsonNestsDeeperThan(text: Buffer | string, max = MAX_JSON_DEPTH): boolean {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (OPEN.has(byte)) {
      if (++depth > max) return true;
    } else if (CLOSE.has(byte)) depth--;
  }
  return false;
}

/** Whether a parsed JSON value nests arrays and objects deeper than `max`: iterative, for JSON another parser read (multipart `operations`). */
export function valueNestsDeeperThan(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
