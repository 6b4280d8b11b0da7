import { AmbiguousCredentialsError } from '../policy/access.errors.js';

/** Header names that carry a credential (lower case). @internal */
const CREDENTIAL_HEADERS = new Set(['authorization', 'x-api-key']);

/**
 * The credential of an HTTP request (also a WebSocket upgrade), read from its raw header lines: at most one line of
 * `Authorization` or `x-api-key` with a value. Two are refused (AMBIGUOUS_CREDENTIALS) instead of one winning:
 * `Authorization` used to be preferred silently over `x-api-key`, and Node keeps only the first of two
 * `Authorization` lines, so a request could run as a key other than the one a proxy or a reviewer looked at.
 */
export function credentialHeaders(rawHeaders: readonly string[]): { authorization: string | null; apiKey: string | null } {
  const found: { name: string; value: string }[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (CREDENTIAL_HEADERS.has(name) && rawHeaders[i + 1].trim() !== '') found.push({ name, value: rawHeaders[i + 1] });
  }
  if (found.length > 1) throw new AmbiguousCredentialsError(found.map((f) => (f.name === 'authorization' ? 'Authorization' : 'x-api-key')));
  const [one] = found;
  return { authorization: one?.name === 'authorization' ? one.value : null, apiKey: one?.name === 'x-api-key' ? one.value : null };
}
