/**
 * Relay global object identifiers: an opaque base64url of `Type:key`.
 * https://relay.dev/graphql/objectidentification.htm
 */
export function toGlobalId(type: string, key: string | number): string {
  return Buffer.from(`${type}:${key}`, 'utf8').toString('base64url');
}

/** Returns `{ type, key }`, or undefined when `id` is not one of ours. */
export function fromGlobalId(id: string): { type: string; key: string } | undefined {
  const decoded = Buffer.from(id, 'base64url').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return undefined;
  const type = decoded.slice(0, colon);
  if (!/^[A-Z][A-Za-z]+$/.test(type)) return undefined;
  return { type, key: decoded.slice(colon + 1) };
}
