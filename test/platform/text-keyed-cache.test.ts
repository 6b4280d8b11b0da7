import { describe, expect, it } from '@jest/globals';
import { textKeyedCache } from '../../src/platform/text-keyed-cache.js';

describe('textKeyedCache', () => {
  it('stays within its bytes when a caller sends many large distinct texts', () => {
    const cache = textKeyedCache<{ parsed: true }>({ max: 1000, maxBytes: 1024 * 1024, weight: () => 10 });
    for (let i = 0; i < 1000; i++) cache.set(`${i} ${'x'.repeat(20_000)}`, { parsed: true });
    expect(cache.calculatedSize).toBeLessThanOrEqual(1024 * 1024);
    expect(cache.size).toBeLessThan(1000);
    expect(cache.size).toBeGreaterThan(0);
  });

  it('keeps small texts up to its count, most recent first', () => {
    const cache = textKeyedCache<false | { n: number }>({ max: 3, maxBytes: 1024 * 1024 });
    for (const [i, key] of ['{ a }', '{ b }', '{ c }', '{ d }'].entries()) cache.set(key, i === 1 ? false : { n: i });
    expect([...cache.keys()]).toEqual(['{ d }', '{ c }', '{ b }']);
    expect(cache.get('{ b }')).toBe(false);
  });

  it('does not keep an entry larger than the whole cache', () => {
    const cache = textKeyedCache<{ parsed: true }>({ max: 10, maxBytes: 1000 });
    cache.set('x'.repeat(1000), { parsed: true });
    expect(cache.size).toBe(0);
  });
});
