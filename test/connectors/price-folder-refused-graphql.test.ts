import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestHub, type TestHub } from '../support/test-hub.js';

/**
 * A watched folder's price list that the hub refuses whole (its columns cannot be placed) is skipped and the run
 * still succeeds: before session 7 it showed only as a warning in the log and a key in the connector's cursor. Now
 * operators see it in the `connectors` query (`refusedFiles`: path, reason, when), until the file is fixed or goes.
 */

let t: TestHub;
let folder: string;
const old = new Date(Date.now() - 60_000);
const write = (name: string, text: string, when = old) => {
  fs.writeFileSync(path.join(folder, name), text);
  // A file changed in the last second is left for the next run (still being written): these are settled.
  fs.utimesSync(path.join(folder, name), when, when);
};

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-refused-'));
  write('1-good.csv', '品名,最低价,平均价,最高价,规格,单位,发布日期\n鸭梨,3.00,3.50,4.00,普通,斤,2024-11-01\n');
  // `地区` could be the origin or the market: refused whole until `columns` says which.
  write('2-unplaceable.csv', '菜名,地区,批发价(元/公斤),日期\n大白菜,河北,1.00,2024-11-01\n');
  t = await startTestHub({
    CONNECTOR_SCHEDULER: 'false',
    CONNECTORS: JSON.stringify([{ name: 'price-folder', module: 'wholesale-prices', config: { folder } }]),
  });
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(folder, { recursive: true, force: true });
});

const RUN = `mutation { runConnector(name: "price-folder") { status counts { read stored } } }`;
const CONNECTORS = `{ connectors { name status refusedFiles { path reason refusedAt } } }`;

async function refusedFiles() {
  const res = await t.gql(CONNECTORS);
  expect(res.errors).toBeUndefined();
  return res.data.connectors.find((c: { name: string }) => c.name === 'price-folder');
}

describe('a refused file of a watched folder, over GraphQL', () => {
  it('is listed under the connector with its path, the reason naming the fix, and when; the run still succeeds', async () => {
    const started = Date.now();
    const run = await t.gql(RUN);
    expect(run.errors).toBeUndefined();
    expect(run.data.runConnector).toMatchObject({ status: 'OK', counts: { read: 1, stored: 1 } });

    const connector = await refusedFiles();
    expect(connector.status).toBe('OK');
    expect(connector.refusedFiles).toEqual([
      { path: path.join(folder, '2-unplaceable.csv'), reason: expect.stringMatching(/2-unplaceable\.csv.*"地区".*columns/s), refusedAt: expect.any(String) },
    ]);
    expect(Date.parse(connector.refusedFiles[0].refusedAt)).toBeGreaterThanOrEqual(started - 1_000);
  });

  it('is no longer listed once the file is fixed and read', async () => {
    write('2-unplaceable.csv', '菜名,产地,批发价(元/公斤),日期\n大白菜,河北,1.00,2024-11-01\n', new Date(Date.now() - 30_000));
    const run = await t.gql(RUN);
    expect(run.data.runConnector).toMatchObject({ status: 'OK', counts: { read: 1, stored: 1 } });
    expect((await refusedFiles()).refusedFiles).toEqual([]);
  });

  it('is no longer listed once the file is removed from the folder', async () => {
    write('3-unplaceable.csv', '菜名,地区,批发价(元/公斤),日期\n菠菜,河北,3.00,2024-11-02\n');
    await t.gql(RUN);
    expect((await refusedFiles()).refusedFiles).toEqual([expect.objectContaining({ path: path.join(folder, '3-unplaceable.csv') })]);
    fs.rmSync(path.join(folder, '3-unplaceable.csv'));
    await t.gql(RUN);
    expect((await refusedFiles()).refusedFiles).toEqual([]);
  });
});
