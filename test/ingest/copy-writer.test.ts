import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type pg from 'pg';
import { CopyWriter, copyText } from '../../src/ingest/bulk-insert.js';
import { priceTarget, type Resolved } from '../../src/ingest/market-facts.kind.js';
import { bareUnit, UNITS_PER_KG } from '../../src/catalog/units.js';
import type { PriceRecord } from '../../src/ingest/records.js';

/**
 * The price COPY bytes (issue #13, session 4) against the template-string line the pipeline wrote before: the same
 * text for every record, so PostgreSQL stores exactly the same values.
 */
const NULL = '\\N';
const perKg = (price: number | undefined, factor: number | undefined) =>
  price == null || factor === undefined ? undefined : Math.round(price * factor * 100) / 100;

function templateLine(connector: string, r: Resolved<PriceRecord>, id: string, stamp: string): string {
  const p = r.record;
  const factor = UNITS_PER_KG[bareUnit(p.unit)];
  return (
    `${id}\t${copyText(connector)}\t${copyText(p.sourceKey)}\t${r.productId ?? NULL}\t${r.varietyId ?? NULL}\t${r.marketId ?? NULL}\t${copyText(r.originRegion)}\t` +
    `${copyText(p.originText)}\t${p.observedOn}\t${copyText(p.rawName)}\t${copyText(p.spec)}\t${p.lowPrice ?? NULL}\t${p.avgPrice}\t` +
    `${p.highPrice ?? NULL}\t${copyText(p.unit)}\t${perKg(p.lowPrice, factor) ?? NULL}\t${perKg(p.avgPrice, factor) ?? NULL}\t` +
    `${perKg(p.highPrice, factor) ?? NULL}\t${p.volume ?? NULL}\t${copyText(p.volumeUnit)}\t${stamp}\n`
  );
}

function writerLine(connector: string, r: Resolved<PriceRecord>, id: string, stamp: string, out = new CopyWriter(16)): string {
  out.ascii(id);
  out.tab();
  priceTarget(connector, {} as pg.Pool).encode(r, out);
  out.tab();
  out.ascii(stamp);
  out.newline();
  return out.take().toString('utf8');
}

/** Amounts as lists write them (two decimals), and the awkward ones (more decimals, tiny, huge, whole). */
const amount = fc.oneof(
  fc.integer({ min: 0, max: 100_000_000 }).map((c) => c / 100),
  fc.integer({ min: 0, max: 10_000_000 }).map((c) => c / 1000),
  fc.double({ min: 0, max: 1e22, noNaN: true }),
  fc.constantFrom(0, -0, 1.005, 0.1 + 0.2, 1e-7, 21474836.47, 21474836.48, 1e21, 123456789012.34),
);
const text = fc.oneof(fc.string(), fc.constantFrom('富士（纸袋Φ85以上）', '普通', '斤', '公斤', '椰青/个', 'a\tb', 'back\\slash', 'line\nend\r', '😀'));

const record = fc.record({
  sourceKey: text,
  rawName: text,
  spec: fc.option(text, { nil: undefined }),
  unit: fc.constantFrom('斤', '公斤', 'kg', '个', '箱', 'x\ty'),
  originText: fc.option(text, { nil: undefined }),
  volumeUnit: fc.option(text, { nil: undefined }),
  observedOn: fc.constantFrom('2013-06-10', '2016-02-29'),
  lowPrice: fc.option(amount, { nil: undefined }),
  avgPrice: amount,
  highPrice: fc.option(amount, { nil: undefined }),
  volume: fc.option(amount, { nil: undefined }),
  productId: fc.option(fc.integer({ min: 1, max: 2 ** 31 - 1 }), { nil: null }),
  varietyId: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: null }),
  marketId: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: null }),
  originRegion: fc.option(fc.constantFrom('14', '1408', '140821'), { nil: null }),
});

describe('CopyWriter (price COPY bytes)', () => {
  it('writes exactly the template-string line for any record', () => {
    fc.assert(
      fc.property(record, fc.constantFrom('bench-xinfadi', 'a\\b'), (f, connector) => {
        const r = {
          index: 0,
          record: { kind: 'price', market: 'm', ...f } as unknown as PriceRecord,
          productId: f.productId,
          varietyId: f.varietyId,
          marketId: f.marketId,
          originRegion: f.originRegion,
          outcome: {},
        } as unknown as Resolved<PriceRecord>;
        expect(writerLine(connector, r, '123456789', '2026-11-30T01:02:03.456Z')).toBe(templateLine(connector, r, '123456789', '2026-11-30T01:02:03.456Z'));
      }),
      { numRuns: 3000 },
    );
  });

  it('grows its buffer and hands over whole chunks', () => {
    const out = new CopyWriter(4);
    for (let i = 0; i < 1000; i++) {
      out.repeatedText('富士');
      out.tab();
      out.number(i / 100);
      out.newline();
    }
    const lines = out.take().toString('utf8').split('\n');
    expect(lines).toHaveLength(1001);
    expect(lines[999]).toBe(`富士\t${999 / 100}`);
    expect(out.take()).toHaveLength(0);
  });
});
