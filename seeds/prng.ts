/**
 * Stateless, seeded pseudo-random numbers: each value is a pure function of
 * its integer keys (series, day, purpose), so a generated history does not
 * depend on generation order or on the window asked for. Not for security.
 */

/** FNV-1a hash of a string, as an unsigned 32-bit integer. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A uniform number in [0, 1) determined by `keys` (MurmurHash3's finaliser applied after mixing in each key). */
export function uniform(...keys: number[]): number {
  let h = 0x9e3779b9;
  for (const key of keys) {
    h = Math.imul(h ^ (key >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return (h >>> 0) / 0x1_0000_0000;
}

/** A standard normal number determined by `keys` (Box-Muller). */
export function normal(...keys: number[]): number {
  const u1 = 1 - uniform(...keys, 1); // (0, 1], so the log is finite
  const u2 = uniform(...keys, 2);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
