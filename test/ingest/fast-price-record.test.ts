import { describe, expect, it } from '@jest/globals';
import { fastPriceRecord, priceRecord } from '../../src/ingest/records.js';

/** A valid price record as the wholesale-prices mapper builds it. */
const valid = {
  kind: 'price',
  sourceKey: 'beijing-xinfadi|2016-05-05|富士|普通|斤|1.2|1.5|1.8',
  rawName: '富士',
  market: 'beijing-xinfadi',
  observedOn: '2016-05-05',
  lowPrice: 1.2,
  avgPrice: 1.5,
  highPrice: 1.8,
  unit: '斤',
  spec: '普通',
  variety: undefined,
  originText: undefined,
};

/** Valid and invalid variations: the fast checks must agree with the schema on every one. */
const cases: Record<string, unknown>[] = [
  valid,
  { ...valid, lowPrice: undefined, highPrice: undefined },
  { ...valid, rawName: '  富士  ', unit: ' 斤' },
  { ...valid, originRegion: '1408', originText: '山西运城' },
  { ...valid, volume: 12, volumeUnit: '吨' },
  { ...valid, extra: 'dropped' },
  { ...valid, lowPrice: 2 },
  { ...valid, highPrice: 1 },
  { ...valid, avgPrice: -1, lowPrice: undefined },
  { ...valid, avgPrice: Number.NaN },
  { ...valid, avgPrice: Number.POSITIVE_INFINITY, highPrice: undefined },
  { ...valid, avgPrice: '1.5' },
  { ...valid, avgPrice: undefined },
  { ...valid, rawName: '   ' },
  { ...valid, rawName: 'x'.repeat(201) },
  { ...valid, spec: 'x'.repeat(101) },
  { ...valid, sourceKey: undefined },
  { ...valid, market: null },
  { ...valid, observedOn: '2016-02-30' },
  { ...valid, observedOn: '2016-13-01' },
  { ...valid, observedOn: '2016/05/05' },
  { ...valid, originRegion: '140' },
  { ...valid, kind: 'supply' },
  { ...valid, unit: 'x'.repeat(33) },
  { ...valid, volumeUnit: '' },
  // Absurd prices (session 7): a day in a price column overflowed numeric(12,2) and failed the whole run.
  { ...valid, lowPrice: undefined, avgPrice: 20240305000, highPrice: undefined },
  { ...valid, highPrice: 100_000_001 },
  { ...valid, lowPrice: undefined, avgPrice: 20_240_305, highPrice: undefined },
  { ...valid, lowPrice: undefined, avgPrice: 20_240_305, highPrice: undefined, unit: '箱' },
  { ...valid, lowPrice: undefined, avgPrice: 9_000_000, highPrice: undefined, unit: '克' },
  { ...valid, lowPrice: undefined, avgPrice: 300, highPrice: undefined, unit: '克' },
  { ...valid, volume: 200_000_000, volumeUnit: '吨' },
];

const defined = (record: object) => Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));

describe('fastPriceRecord (the price schema written out for bulk loads)', () => {
  it.each(cases.map((input, i) => ({ i, input })))('agrees with the zod schema on case $i', ({ input }) => {
    const fast = fastPriceRecord(input);
    const parsed = priceRecord.safeParse(input);
    if (fast === undefined) {
      // Undefined defers to the schema; it only ever does so when the schema refuses, for these inputs.
      expect(parsed.success).toBe(false);
    } else {
      expect(parsed.success).toBe(true);
      expect(defined(fast)).toEqual(defined(parsed.data!));
    }
  });
});

describe('absurd prices are refused per row, naming the field (session 7)', () => {
  it.each([
    [{ ...valid, lowPrice: undefined, avgPrice: 20240305000, highPrice: undefined }, 'avgPrice', /at most 100000000 yuan/],
    [{ ...valid, lowPrice: undefined, avgPrice: 20_240_305, highPrice: undefined }, 'avgPrice', /20240305 per 斤 is more than 10000000 yuan per kg/],
    [{ ...valid, lowPrice: undefined, avgPrice: 9_000_000, highPrice: 9_000_000, unit: '克' }, 'highPrice', /per 克 is more than 10000000 yuan per kg/],
  ])('%#', (input, field, message) => {
    expect(fastPriceRecord(input)).toBeUndefined();
    const parsed = priceRecord.safeParse(input);
    expect(parsed.success).toBe(false);
    // The first issue is the one a rejected record keeps.
    expect(parsed.error!.issues[0]).toMatchObject({ path: [field], message: expect.stringMatching(message) });
  });

  it('keeps dear but real quotes: cordyceps per kg, a per-piece price, a tonne of tea', () => {
    expect(fastPriceRecord({ ...valid, lowPrice: undefined, avgPrice: 350_000, highPrice: undefined, unit: '公斤' })).toBeDefined();
    expect(fastPriceRecord({ ...valid, lowPrice: undefined, avgPrice: 30_000, highPrice: undefined, unit: '头' })).toBeDefined();
    expect(fastPriceRecord({ ...valid, lowPrice: undefined, avgPrice: 8_000_000, highPrice: undefined, unit: '吨' })).toBeDefined();
  });
});
