import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { fastDateTime } from '../../src/logistics/feeds/native.mapper.js';

/**
 * The native batch's `occurredAt` / `promisedAt` check (session 5): a character-by-character fast path in front of
 * ajv-formats' `date-time`. It must accept and refuse exactly what the library does.
 */
const library = createRequire(import.meta.url)('ajv-formats/dist/formats.js').fullFormats['date-time'] as { validate: (s: string) => boolean };
const fast = fastDateTime(library);

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

describe('native date-time check', () => {
  it('agrees with ajv-formats on chosen spellings', () => {
    const cases = [
      '2026-11-23T09:15:00+08:00',
      '2026-11-23T09:15:00.123Z',
      '2026-11-23T09:15:00Z',
      '2026-11-23t09:15:00Z',
      '2026-11-23 09:15:00Z',
      '2026-11-23T09:15:00z',
      '2026-11-23T09:15:00+0800',
      '2026-11-23T09:15:00+08',
      '2026-11-23T09:15:00',
      '2026-11-23T09:15:00.Z',
      '2026-11-23T09:15:00.1234567891234Z',
      '2026-11-23T24:00:00Z',
      '2026-11-23T23:60:00Z',
      '2026-12-31T23:59:60Z',
      '2026-12-31T23:59:60+00:00',
      '2026-12-31T15:59:60-08:00',
      '2026-02-29T00:00:00Z',
      '2024-02-29T00:00:00Z',
      '2100-02-29T00:00:00Z',
      '2000-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-00-10T00:00:00Z',
      '2026-13-10T00:00:00Z',
      '2026-11-00T00:00:00Z',
      '2026-11-23T09:15:00+24:00',
      '2026-11-23T09:15:00+08:60',
      '2026-11-23T09:15:00+08:00 ',
      ' 2026-11-23T09:15:00Z',
      '2026-11-23T09:15:00ZZ',
      '２026-11-23T09:15:00Z',
      '2026-11-23T09:15:0aZ',
      '2026-11-23\u00a009:15:00Z',
      '2026-11-23T09:15:00\u2028',
      '',
    ];
    for (const s of cases) expect([s, fast(s)]).toEqual([s, library.validate(s)]);
  });

  it('agrees with ajv-formats on generated strings', () => {
    const part = (max: number, w = 2) => fc.integer({ min: 0, max }).map((n) => pad(n, w));
    const offset = fc.oneof(
      fc.constantFrom('Z', 'z', '', '+08', '+0800'),
      fc.tuple(fc.constantFrom('+', '-', '~'), part(30), fc.constantFrom(':', '', '.'), part(70)).map((t) => t.join('')),
    );
    const stamp = fc
      .tuple(
        part(10_000, 4),
        part(14),
        part(33),
        fc.constantFrom('T', 't', ' ', 'X', '\u3000'),
        part(25),
        part(61),
        part(61),
        fc.oneof(fc.constant(''), fc.stringMatching(/^\.[0-9]{0,12}$/)),
        offset,
      )
      .map(([y, mo, d, sep, h, mi, s, frac, tz]) => `${y}-${mo}-${d}${sep}${h}:${mi}:${s}${frac}${tz}`);
    fc.assert(
      fc.property(fc.oneof(stamp, fc.string()), (s) => fast(s) === library.validate(s)),
      { numRuns: 20_000 },
    );
  });
});
