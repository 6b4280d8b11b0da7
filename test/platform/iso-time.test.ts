import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isoTime } from '../../src/platform/iso-time.js';

describe('isoTime', () => {
  it('is toISOString for chosen times', () => {
    for (const ms of [0, -1, 1, 951782400000, 951868800000, 4107542400000, -62167219200000, 253402300799999, Date.now()]) {
      expect(isoTime(new Date(ms))).toBe(new Date(ms).toISOString());
    }
    expect(isoTime(new Date(253402300800000))).toBe('+010000-01-01T00:00:00.000Z');
    expect(isoTime(new Date(-62167219200001))).toBe(new Date(-62167219200001).toISOString());
    expect(() => isoTime(new Date(Number.NaN))).toThrow(RangeError);
  });

  it('is toISOString for any time', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => isoTime(new Date(ms)) === new Date(ms).toISOString()),
      { numRuns: 50_000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: -62167219200000, max: 253402300799999 }), (ms) => isoTime(new Date(ms)) === new Date(ms).toISOString()),
      { numRuns: 50_000 },
    );
  });
});
