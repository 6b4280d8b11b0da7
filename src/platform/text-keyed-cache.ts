import { LRUCache } from 'lru-cache';

/**
 * An LRU cache keyed by text a caller sent (GraphQL documents, variables), bounded in bytes as well as in entries: a
 * caller sending many large distinct texts would otherwise grow a cache bounded by count alone towards `max` × the
 * body limit (Apollo bounds its own document store by size for the same reason). `weight` is what an entry holds per
 * byte of its key (a parsed document is several times its text); each entry counts at least one byte.
 */
export function textKeyedCache<V extends NonNullable<unknown>>(options: { max: number; maxBytes: number; weight?: (value: V) => number }): LRUCache<string, V> {
  const weight = options.weight ?? (() => 1);
  return new LRUCache<string, V>({
    max: options.max,
    maxSize: options.maxBytes,
    // UTF-16 code units: two bytes each in the key's string.
    sizeCalculation: (value, key) => Math.max(1, Math.ceil(key.length * 2 * weight(value))),
  });
}
