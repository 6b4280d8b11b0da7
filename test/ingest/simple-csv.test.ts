import { afterAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { readTableFile } from '../../src/ingest/tabular-file.js';

/**
 * Files without quotes are read by the simple CSV reader (issue #13: csv-parse
 * was the largest cost of reading a large price list); it must give exactly
 * what csv-parse gives for them: the same records, fields and line numbers.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simple-csv-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
async function readAll(content: string | Buffer, batchSize = 3): Promise<{ raw: unknown; position: string }[]> {
  const file = path.join(dir, `list-${n++}.csv`);
  fs.writeFileSync(file, content);
  const out: { raw: unknown; position: string }[] = [];
  for await (const batch of readTableFile(file, { batchSize })) {
    expect(batch.records.length).toBeLessThanOrEqual(batchSize);
    out.push(...batch.records.map((r) => ({ raw: r.raw, position: r.position.slice(r.position.indexOf(':') + 1) })));
  }
  return out;
}

/** What csv-parse makes of the same text, with the options the quoted path uses. */
function csvParse(content: string): { raw: unknown; position: string }[] {
  const rows = parse(content, {
    bom: true,
    columns: (header: string[]) => header.map((h) => h.trim()),
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
    info: true,
  }) as { record: Record<string, string>; info: { lines: number } }[];
  return rows.map(({ record, info }) => ({ raw: record, position: String(info.lines) }));
}

describe('the simple CSV reader (files without quotes)', () => {
  it('reads a price list as csv-parse does: BOM, CRLF, blank lines, padding, short and long rows', async () => {
    const text =
      '\uFEFF品名, 最低价 ,平均价,发布日期\r\n富士（纸袋Φ85以上）,3.2, 4 ,2016-05-05\r\n\r\n  \r\n国光,1.1\r\n花牛(Φ70-85),2,3,2016-05-06,extra\r\n\t椰青/个 ,5,6,2016-05-07';
    const got = await readAll(text);
    expect(got).toEqual(csvParse(text));
    expect(got[0]).toEqual({ raw: { 品名: '富士（纸袋Φ85以上）', 最低价: '3.2', 平均价: '4', 发布日期: '2016-05-05' }, position: '2' });
  });

  it('agrees with csv-parse on any quote-free text', async () => {
    const cell = fc.stringMatching(/^[ \ta-z0-9.\u4e00\u4e8c\u3000-]{0,6}$/);
    const line = fc.array(cell, { minLength: 1, maxLength: 5 }).map((cells) => cells.join(','));
    const file = fc.record({
      bom: fc.boolean(),
      eol: fc.constantFrom('\n', '\r\n'),
      header: fc.uniqueArray(fc.stringMatching(/^[a-z\u4e00]{1,3}$/), { minLength: 1, maxLength: 4 }),
      lines: fc.array(line, { maxLength: 12 }),
      trailing: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(file, async ({ bom, eol, header, lines, trailing }) => {
        const text = (bom ? '\uFEFF' : '') + [header.join(','), ...lines].join(eol) + (trailing ? eol : '');
        expect(await readAll(text)).toEqual(csvParse(text));
      }),
      { numRuns: 200 },
    );
  });

  it('leaves a file with quotes to csv-parse (a quoted field may hold separators and line ends)', async () => {
    const text = '品名,规格\n"富士, 纸袋","a\nb"\n国光,普通\n';
    expect(await readAll(text)).toEqual([
      { raw: { 品名: '富士, 纸袋', 规格: 'a\nb' }, position: '3' },
      { raw: { 品名: '国光', 规格: '普通' }, position: '4' },
    ]);
  });

  it('reads characters split across the reader chunks intact', async () => {
    const rows = Array.from({ length: 60_000 }, (_, i) => `富士${i},${i % 7}.5`);
    const got = await readAll(`品名,平均价\n${rows.join('\n')}\n`, 20_000);
    expect(got).toHaveLength(60_000);
    expect(got[59_999]).toEqual({ raw: { 品名: '富士59999', 平均价: '2.5' }, position: '60001' });
    expect(got.every((r, i) => (r.raw as Record<string, string>)['品名'] === `富士${i}`)).toBe(true);
  });
});
