import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipOf } from '../support/zip-bytes.js';
import { storableJson, storableText } from '../../src/platform/storable-text.js';
import { checkXlsxArchive, UnsafeArchiveError } from '../../src/ingest/zip-guard.js';
import { mapEpcisEvent } from '../../src/logistics/feeds/epcis.mapper.js';
import { FeedProblem } from '../../src/logistics/feeds/feed-event.js';

/**
 * Regressions found by the hostile-input test (test/security/hostile-input.test.ts, issue #11):
 * each of these made a courier push or a spreadsheet answer 500 (or would have
 * inflated a zip bomb in memory) before.
 */
describe('strings PostgreSQL refuses are made storable', () => {
  it('replaces NUL and lone surrogates (text: "invalid byte sequence 0x00"; jsonb: "invalid input syntax for type json")', () => {
    expect(storableText('a\u0000b\ud800c\udfffd')).toBe('a\uFFFDb\uFFFDc\uFFFDd');
    expect(storableText('🧅 ok')).toBe('🧅 ok');
    expect(JSON.parse(storableJson({ 'k\u0000': ['\ud800', { x: 'y\u0000' }] }))).toEqual({ 'k\uFFFD': ['\uFFFD', { x: 'y\uFFFD' }] });
  });

  it('keeps a note instead of throwing for a value nested too deeply to serialise', () => {
    let deep: unknown[] = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(JSON.parse(storableJson({ deep }))).toEqual({ unstorable: 'nested too deeply to keep' });
  });
});

describe('EPCIS temperatures', () => {
  it('refuses a reading outside -80 to 80 °C naming sensorElementList (a real column overflowed with 1e300)', () => {
    const event = {
      type: 'ObjectEvent',
      eventTime: '2026-11-20T10:00:00+08:00',
      bizStep: 'transporting',
      epcList: ['urn:epc:id:sgtin:0614141.107346.JD1'],
      sensorElementList: [{ sensorReport: [{ type: 'gs1:Temperature', value: 1e300, uom: 'CEL' }] }],
    };
    expect(() => mapEpcisEvent(event)).toThrow(FeedProblem);
    try {
      mapEpcisEvent(event);
    } catch (error) {
      expect((error as FeedProblem).field).toBe('sensorElementList');
    }
  });
});

describe('XLSX archive guard', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zip-guard-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, bytes: Buffer) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, bytes);
    return p;
  };

  it('accepts a small archive and refuses a bomb, a part lying about its size, and a truncated file', async () => {
    await expect(checkXlsxArchive(file('ok.xlsx', zipOf(Buffer.from('<sheet/>'))))).resolves.toBeUndefined();
    await expect(checkXlsxArchive(file('bomb.xlsx', zipOf(Buffer.alloc(2 * 1024 * 1024, 32))), { maxBytes: 1024 * 1024, maxEntries: 10 })).rejects.toThrow(
      /zip bomb/,
    );
    await expect(checkXlsxArchive(file('liar.xlsx', zipOf(Buffer.alloc(1024 * 1024, 32), 10)))).rejects.toThrow(UnsafeArchiveError);
    const whole = zipOf(Buffer.from('<sheet/>'));
    await expect(checkXlsxArchive(file('cut.xlsx', whole.subarray(0, whole.length - 5)))).rejects.toThrow(/not a readable XLSX file/);
  });
});
