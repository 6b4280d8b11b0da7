import { AmbiguousCredentialsError } from '../policy/access.errors.js';

/** Header names that carry a credential (lower case). @internal */
const CREDENTIAL_HEADERS = new Set(['authorization', 'x-api-key']);

/** The token a credential presents: `Authorization: Bearer X`, `x-api-key: X` and `apiKey: X` all present X. */
export function tokenOf(credentials: { authorization?: string | null; apiKey?: string | null }): string | undefined {
  const authorization = credentials.authorization?.trim();
  if (authorization) return /^Bearer\s+(\S+)$/i.exec(authorization)?.[1] ?? authorization;
  return credentials.apiKey?.trim() || undefined;
}

/**
 * One credential out of the places a transport found one in (`[name, value]`, in the transport's order): refused with
 * AMBIGUOUS_CREDENTIALS when two present different tokens, instead of the first silently winning (`Authorization`
 * used to win over `x-api-key`). The same token in two places (the dashboard sends a key as both `authorization` and
 * `apiKey`) is one credential. `authorization` is returned when one of the places was an Authorization.
 */
export function oneCredential(found: readonly (readonly [name: string, value: string, kind: 'authorization' | 'apiKey'])[]): {
  authorization: string | null;
  apiKey: string | null;
} {
  const given = found.filter(([, value]) => value.trim() !== '');
  const tokens = new Set(given.map(([, value, kind]) => tokenOf({ [kind]: value })));
  if (tokens.size > 1) throw new AmbiguousCredentialsError(given.map(([name]) => name));
  const authorization = given.find(([, , kind]) => kind === 'authorization');
  if (authorization) return { authorization: authorization[1], apiKey: null };
  return { authorization: null, apiKey: given[0]?.[1] ?? null };
}

/**
 * The credential of an HTTP request (also a WebSocket upgrade), read from its raw header lines, so that a second
 * `Authorization` line (Node keeps only the first in `req.headers`) is seen too; see {@link oneCredential}.
 */
export function credentialHeaders(rawHeaders: readonly string[]): { authorization: string | null; apiKey: string | null } {
  const found: [string, string, 'authorization' | 'apiKey'][] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (CREDENTIAL_HEADERS.has(name)) {
      found.push(name === 'authorization' ? ['Authorization', rawHeaders[i + 1], 'authorization'] : ['x-api-key', rawHeaders[i + 1], 'apiKey']);
    }
  }
  return oneCredential(found);
}
