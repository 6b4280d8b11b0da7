import { mayUnmaskPersonal, type Viewer } from './viewer.js';

/**
 * Fields of a viewer that say who is asking but not what they may see: the
 * audit trail and rate limits read them, row scopes and masking do not.
 * Everything else a viewer carries is part of its visibility class, so a new
 * field that a row scope starts to read splits classes by itself (fails
 * closed: less sharing, never a leak).
 */
const IDENTITY_ONLY = new Set<keyof Viewer>(['actor', 'ip', 'unmaskReason', 'organisationName']);

/**
 * The visibility class of a viewer (issue #13): two viewers with the same
 * class see the same rows with the same masks, so a live update executed once
 * for one of them (through the schema, hence the row checks and masking of
 * the access middleware) may be sent as it is to all of them. The right to
 * unmask personal data is a class of its own; the reason given for it stays
 * per viewer (audited per subscriber).
 */
export function visibilityClass(viewer: Viewer): string {
  const parts: unknown[] = [];
  for (const key of Object.keys(viewer).sort() as (keyof Viewer)[]) {
    if (IDENTITY_ONLY.has(key)) continue;
    const value = viewer[key];
    parts.push(key, Array.isArray(value) ? [...value].sort() : value);
  }
  parts.push('unmaskPersonal', mayUnmaskPersonal(viewer));
  return JSON.stringify(parts);
}
