import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { readPrices, refusedFiles } from '../../connectors/wholesale-prices/reader.js';
import { wholesalePricesConfig } from '../../connectors/wholesale-prices/config.js';
import type { ReadBatch } from '../../src/ingest/connectors/connector.js';

/**
 * A watched folder holding a list whose columns cannot be placed: that file is skipped (nothing of it is read into
 * a batch), the files after it are still loaded, and it is tried again once it or the columns setting changes.
 */
let folder: string;
beforeEach(() => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-price-folder-'));
  const old = new Date(Date.now() - 60_000);
  const write = (name: string, text: string) => {
    fs.writeFileSync(path.join(folder, name), text);
    fs.utimesSync(path.join(folder, name), old, old);
  };
  write('1-good.csv', '品名,最低价,平均价,最高价,规格,单位,发布日期\n鸭梨,3.00,3.50,4.00,普通,斤,2024-11-01\n');
  // `地区` could be the origin or the market: the list is refused until `columns` says which.
  write('2-unplaceable.csv', '菜名,地区,批发价(元/公斤),日期\n大白菜,河北,1.00,2024-11-01\n');
  write('3-good.csv', '品名,最低价,平均价,最高价,规格,单位,发布日期\n酥梨,2.00,2.50,3.00,普通,斤,2024-11-02\n');
});
afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

async function run(config: object, cursor: unknown) {
  const warnings: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
  const batches: ReadBatch[] = [];
  const parsed = wholesalePricesConfig.parse({ folder, ...config });
  for await (const batch of readPrices({ config: parsed, cursor, options: {}, log, signal: new AbortController().signal })) batches.push(batch);
  const names = batches.flatMap((b) => b.records.map((r) => (r.raw as Record<string, string>)['品名'] ?? (r.raw as Record<string, string>)['菜名']));
  const cursors = batches.filter((b) => b.cursor !== undefined).map((b) => b.cursor);
  return { names, cursor: cursors.at(-1), warnings };
}

describe('a watched folder with a list whose columns cannot be placed', () => {
  it('skips that list with a warning naming the fix, and loads the files after it', async () => {
    const first = await run({}, null);
    expect(first.names).toEqual(['鸭梨', '酥梨']);
    expect(first.warnings.join('')).toMatch(/2-unplaceable\.csv.*地区.*columns/s);
    expect(first.cursor).toMatchObject({ files: { '1-good.csv': expect.any(String), '3-good.csv': expect.any(String) } });
    expect(first.cursor).not.toHaveProperty('files.2-unplaceable\\.csv');

    // The next run reads nothing again: not the loaded files, not the refused one.
    const again = await run({}, first.cursor);
    expect(again.names).toEqual([]);
    expect(again.warnings).toEqual([]);

    // Once the columns setting says what `地区` is, the refused list is read, and only it.
    const fixed = await run({ columns: { origin: '地区' } }, again.cursor);
    expect(fixed.names).toEqual(['大白菜']);
    expect(fixed.cursor).toMatchObject({ files: { '2-unplaceable.csv': expect.any(String) }, refused: {} });
  });

  it('tries a refused list again when the file itself changes', async () => {
    const first = await run({}, null);
    const later = new Date(Date.now() - 30_000);
    fs.writeFileSync(path.join(folder, '2-unplaceable.csv'), '菜名,产地,批发价(元/公斤),日期\n大白菜,河北,1.00,2024-11-01\n');
    fs.utimesSync(path.join(folder, '2-unplaceable.csv'), later, later);
    const next = await run({}, first.cursor);
    expect(next.names).toEqual(['大白菜']);
  });

  it('keeps skipping a file refused under a cursor saved before reasons were kept (the key alone), and shows it', async () => {
    const first = await run({}, null);
    const entry = (first.cursor as { refused: Record<string, { key: string }> }).refused['2-unplaceable.csv'];
    const legacy = { ...(first.cursor as object), refused: { '2-unplaceable.csv': entry.key } };
    expect((await run({}, legacy)).names).toEqual([]);
    expect(refusedFiles(legacy)).toEqual([{ path: '2-unplaceable.csv', reason: expect.stringMatching(/refused before the reason was kept/) }]);
    expect(refusedFiles(first.cursor)).toEqual([
      { path: path.join(folder, '2-unplaceable.csv'), reason: expect.stringMatching(/地区/), refusedAt: expect.any(String) },
    ]);
  });
});
