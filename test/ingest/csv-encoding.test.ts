import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { detectCsvEncoding, readTableFile, UnreadableEncodingError } from '../../src/ingest/tabular-file.js';

/**
 * CSV files in the encodings officials' spreadsheets are saved in (issue #11): Excel on a Chinese
 * Windows saves "CSV" in GBK/GB18030 and "Unicode text" in UTF-16. Before, every byte that was not
 * UTF-8 became U+FFFD and the rows were kept with mojibake names; now the encoding is detected, or
 * the file is refused naming the first bad byte, before a row is read.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csv-encoding-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, bytes: Buffer) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes);
  return p;
};
const TEXT = '品名,单位,平均价\n苹果,公斤,6\n';
/** TEXT in GB18030 (hand-coded bytes: the test needs no encoder library). */
const GB = Buffer.from([
  0xc6, 0xb7, 0xc3, 0xfb, 0x2c, 0xb5, 0xa5, 0xce, 0xbb, 0x2c, 0xc6, 0xbd, 0xbe, 0xf9, 0xbc, 0xdb, 0x0a, 0xc6, 0xbb, 0xb9, 0xfb, 0x2c, 0xb9, 0xab, 0xbd, 0xef,
  0x2c, 0x36, 0x0a,
]);
async function rows(p: string) {
  const out: unknown[] = [];
  for await (const batch of readTableFile(p)) out.push(...batch.records.map((r) => r.raw));
  return out;
}
const EXPECTED = [{ 品名: '苹果', 单位: '公斤', 平均价: '6' }];

describe('CSV encodings', () => {
  it('reads GB18030/GBK as Chinese text, not U+FFFD', async () => {
    expect(new TextDecoder('gb18030').decode(GB)).toBe(TEXT);
    const p = file('gb.csv', GB);
    expect(await detectCsvEncoding(p)).toEqual({ encoding: 'gb18030', lines: 2 });
    expect(await rows(p)).toEqual(EXPECTED);
  });

  it('reads UTF-16LE with a BOM and UTF-16BE without one', async () => {
    const le = file('le.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, 'utf16le')]));
    const be = file('be.csv', Buffer.from(TEXT, 'utf16le').swap16());
    expect((await detectCsvEncoding(le)).encoding).toBe('utf-16le');
    expect((await detectCsvEncoding(be)).encoding).toBe('utf-16be');
    expect(await rows(le)).toEqual(EXPECTED);
    expect(await rows(be)).toEqual(EXPECTED);
  });

  it('keeps reading UTF-8 with and without a BOM', async () => {
    expect(await rows(file('u8.csv', Buffer.from(TEXT)))).toEqual(EXPECTED);
    expect(await rows(file('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT)])))).toEqual(EXPECTED);
  });

  it('refuses bytes that are neither UTF-8 nor Chinese GB18030, naming the first bad byte, before yielding a row', async () => {
    const latin1 = file('latin1.csv', Buffer.from('name,unit,price\ncafé crème,kg,6\nÄpfel,kg,7\n', 'latin1'));
    await expect(detectCsvEncoding(latin1)).rejects.toThrow(UnreadableEncodingError);
    await expect(rows(latin1)).rejects.toThrow(/byte 0xE9 at offset 19 is not UTF-8.*nothing was imported/);
    const broken = file('broken.csv', Buffer.concat([Buffer.from(TEXT), Buffer.from([0xff, 0xfe, 0xfd])]));
    await expect(rows(broken)).rejects.toThrow(/cannot be decoded/);
  });
});
