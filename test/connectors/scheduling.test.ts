import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestHub, subscribe, waitFor, type TestHub } from '../support/test-hub.js';

let t: TestHub;
let dir: string;
let folder: string;

const csv = (name: string, day: string) => `\uFEFF品名,最低价,平均价,最高价,规格,单位,发布日期\n${name},3.00,3.50,4.00,普通,斤,${day}\n`;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-schedule-'));
  folder = path.join(dir, 'inbox');
  fs.mkdirSync(folder);
  fs.writeFileSync(path.join(folder, '2024-11-01.csv'), csv('鸭梨', '2024-11-01'));
  const connectors = [
    // Port 9 (discard) on loopback: nothing listens, every request fails at once.
    { name: 'broken-platform', module: 'ecommerce-platform', intervalSeconds: 1, config: { baseUrl: 'http://127.0.0.1:9', retries: 0, timeoutMs: 500 } },
    { name: 'inbox-prices', module: 'wholesale-prices', intervalSeconds: 1, config: { folder } },
    { name: 'switched-off', module: 'wholesale-prices', intervalSeconds: 1, enabled: false, config: { folder } },
  ];
  fs.writeFileSync(path.join(dir, 'connectors.json'), JSON.stringify(connectors));
  t = await startTestHub({ CONNECTORS: path.join(dir, 'connectors.json'), CONNECTOR_SCHEDULER: 'true' });
});
afterAll(async () => {
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const STATUS = `{ connectors { name status intervalSeconds enabled lastError lastSuccessAt totalCounts { stored } } }`;

describe('scheduled connectors', () => {
  it('runs each connector on its interval; a failing source is recorded and never blocks the others', async () => {
    const byName = async () => Object.fromEntries((await t.gql(STATUS)).data.connectors.map((c: any) => [c.name, c]));
    let c: Record<string, any> = {};
    await waitFor(
      async () => {
        // One snapshot is judged and asserted on: a later read may catch the next tick running.
        c = await byName();
        // A tick may report OK before its first file is counted; wait for the stored row itself.
        return c['broken-platform'].status === 'FAILED' && c['inbox-prices'].status === 'OK' && c['inbox-prices'].totalCounts.stored === 1;
      },
      30_000,
      'both connectors to have run and the inbox file to be stored',
    );
    expect(c['broken-platform'].lastError).toMatch(/127\.0\.0\.1:9/);
    expect(c['inbox-prices']).toMatchObject({ intervalSeconds: 1, totalCounts: { stored: 1 } });
    expect(c['switched-off']).toMatchObject({ enabled: false, status: 'IDLE', lastSuccessAt: null });
  });

  it('watches its folder: a new file is loaded on a later tick, files already loaded are not read again', async () => {
    const events = subscribe(t.ws(), `subscription { connectorStatusChanged(name: "inbox-prices") { name status totalCounts { stored } } }`);
    await waitFor(async () => (await t.metric('hub_graphql_open_subscriptions')) === 1, 15_000, 'the status subscription');
    fs.writeFileSync(path.join(folder, '2024-11-02.csv'), csv('鸭梨', '2024-11-02'));
    // The outcome, not a delay: both rows stored, both files in the cursor (saved after the rows commit), and counted.
    const loaded = async () => {
      const [{ n }] = await t.sql(`select count(*)::int as n from price_observation where source_connector = 'inbox-prices'`);
      const [state] = await t.sql(`select cursor, (total_counts->>'read')::int as read from connector_state where name = 'inbox-prices'`);
      return { n, files: Object.keys(state?.cursor?.files ?? {}).sort(), read: state?.read };
    };
    await waitFor(
      async () => {
        const now = await loaded();
        return now.n === 2 && now.files.length === 2 && now.read === 2;
      },
      30_000,
      'the new file to be stored, marked as loaded and counted',
    );
    expect(await loaded()).toEqual({ n: 2, files: ['2024-11-01.csv', '2024-11-02.csv'], read: 2 });
    const seen: string[] = [];
    // A run may have started before the subscription: wait for an OK that follows a RUNNING.
    const ranAfterSubscribing = () => seen.includes('RUNNING') && seen.lastIndexOf('OK') > seen.indexOf('RUNNING');
    for (let i = 0; i < 10 && !ranAfterSubscribing(); i++) {
      const event = await events.next(15_000);
      expect(event.data?.connectorStatusChanged.name).toBe('inbox-prices');
      seen.push(event.data!.connectorStatusChanged.status);
    }
    expect(seen).toContain('RUNNING');
    expect(seen).toContain('OK');
    // Two more finished ticks: loaded files are skipped by their size and time, so nothing more is read.
    for (let oks = 0; oks < 2;) if ((await events.next(15_000)).data?.connectorStatusChanged.status === 'OK') oks++;
    events.dispose();
    expect(await loaded()).toEqual({ n: 2, files: ['2024-11-01.csv', '2024-11-02.csv'], read: 2 });
  });
});
