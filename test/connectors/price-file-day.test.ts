import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dayOfFileName } from '../../connectors/wholesale-prices/file-day.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';

/**
 * A list with no date column, saved under its day (`dayFromFileName`, connectors/wholesale-prices/file-day.ts): the
 * boards and office reports measured in session 7 print their day in the title only, so they were refused whole
 * ("no column holds the day") even when the file was named by it.
 */

describe('the day a file name says', () => {
  it.each([
    ['大青山蔬菜价格2015-03-16.csv', '2015-03-16'],
    ['/srv/prices/20250218.xlsx', '2025-02-18'],
    ['价格_2024年3月5日.csv', '2024-03-05'],
    ['board 2024.3.5.csv', '2024-03-05'],
    ['board_2024_03_05_v2.csv', '2024-03-05'],
    ['２０２４－０３－０５.csv', '2024-03-05'],
    ['2024-03-05 copy 2024-03-05.csv', '2024-03-05'],
  ])('%s -> %s', (name, day) => expect(dayOfFileName(name)).toBe(day));

  it.each([
    ['prices.csv', 'none'],
    ['prices-2024.csv', 'a year alone'],
    ['2024-03-04至2024-03-10.csv', 'two days (a week)'],
    ['2024-02-30.csv', 'no such day'],
    ['report-1234567890123.csv', 'a long number'],
    ['202403051.csv', 'nine digits'],
  ])('%s gives none (%s)', (name) => expect(dayOfFileName(name)).toBeUndefined());
});

let t: TestHub;
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-file-day-'));
  t = await startTestHub({
    CONNECTOR_SCHEDULER: 'false',
    CONNECTORS: JSON.stringify([
      { name: 'dated-boards', module: 'wholesale-prices', config: { unit: '公斤', dayFromFileName: true } },
      { name: 'undated-boards', module: 'wholesale-prices', config: { unit: '公斤' } },
    ]),
  });
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const RUN = `mutation ($name: String!, $file: String) { runConnector(name: $name, file: $file) { status error counts { read stored rejected } } }`;
const BOARD = '蔬菜,价格\n大白菜,1.40\n青笋,1.8-2.6\n番茄,面议\n';

describe('a board with no date column (蔬菜,价格), through the connector', () => {
  it('is read with the day its file name says, and a refused row keeps that day for replay', async () => {
    const file = path.join(dir, '大青山蔬菜价格2015-03-16.csv');
    fs.writeFileSync(file, BOARD);
    const res = await t.gql(RUN, { name: 'dated-boards', file });
    expect(res.data.runConnector).toMatchObject({ status: 'OK', counts: { read: 3, stored: 2, rejected: 1 } });
    expect(
      await t.sql(
        `select raw_name, observed_on::text as day, low_price::float as low, avg_price::float as avg from price_observation where source_connector = 'dated-boards' order by raw_name`,
      ),
    ).toEqual([
      { raw_name: '大白菜', day: '2015-03-16', low: null, avg: 1.4 },
      { raw_name: '青笋', day: '2015-03-16', low: 1.8, avg: 2.2 },
    ]);
    const [kept] = await t.sql(`select raw, reason from rejected_record where connector = 'dated-boards'`);
    expect(kept).toEqual({ raw: { 蔬菜: '番茄', 价格: '面议', 日期: '2015-03-16' }, reason: expect.stringMatching(/"面议" is not a price/) });
  });

  it('is refused whole when the name says no single day, or the option is off; the error names the option', async () => {
    const week = path.join(dir, '2015-03-16至2015-03-22.csv');
    fs.writeFileSync(week, BOARD);
    const weekRun = (await t.gql(RUN, { name: 'dated-boards', file: week })).data.runConnector;
    expect(weekRun).toMatchObject({ status: 'FAILED', counts: { stored: 0 } });
    expect(weekRun.error).toMatch(/no column holds the day/);

    const off = (await t.gql(RUN, { name: 'undated-boards', file: path.join(dir, '大青山蔬菜价格2015-03-16.csv') })).data.runConnector;
    expect(off).toMatchObject({ status: 'FAILED', counts: { stored: 0 } });
    expect(off.error).toMatch(/"dayFromFileName": true/);
  });
});
