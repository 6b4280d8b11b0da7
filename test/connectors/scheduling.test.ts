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
    await waitFor(async () => {
      const c = await byName();
      // A tick may report OK before its first file is counted; wait for the stored row itself.
      return c['broken-platform'].status === 'FAILED' && c['inbox-prices'].status === 'OK' && c['inbox-prices'].totalCounts.stored === 1;
    }, 15_000, 'both connectors to have run and the inbox file to be stored');
    const c = await byName();
    expect(c['broken-platform'].lastError).toMatch(/127\.0\.0\.1:9/);
    expect(c['inbox-prices']).toMatchObject({ intervalSeconds: 1, totalCounts: { stored: 1 } });
    expect(c['switched-off']).toMatchObject({ enabled: false, status: 'IDLE', lastSuccessAt: null });
  });

  it('watches its folder: a new file is loaded on a later tick, files already loaded are not read again', async () => {
    const events = subscribe(t.ws(), `subscription { connectorStatusChanged(name: "inbox-prices") { name status totalCounts { stored } } }`);
    fs.writeFileSync(path.join(folder, '2024-11-02.csv'), csv('鸭梨', '2024-11-02'));
    await waitFor(async () => {
      const [{ n }] = await t.sql(`select count(*)::int as n from price_observation where source_connector = 'inbox-prices'`);
      return n === 2;
    }, 15_000, 'the new file to be loaded');
    const seen: string[] = [];
    // A run may have started before the subscription: wait for an OK that follows a RUNNING.
    const ranAfterSubscribing = () => seen.includes('RUNNING') && seen.lastIndexOf('OK') > seen.indexOf('RUNNING');
    for (let i = 0; i < 10 && !ranAfterSubscribing(); i++) {
      const event = await events.next(5_000);
      expect(event.data?.connectorStatusChanged.name).toBe('inbox-prices');
      seen.push(event.data!.connectorStatusChanged.status);
    }
    expect(seen).toContain('RUNNING');
    expect(seen).toContain('OK');
    events.dispose();
    const [state] = await t.sql(`select cursor from connector_state where name = 'inbox-prices'`);
    expect(Object.keys(state.cursor.files).sort()).toEqual(['2024-11-01.csv', '2024-11-02.csv']);
    // Loaded files are skipped by their size and time: the stored total stays at 2 over later ticks.
    const [{ total }] = await t.sql(`select (total_counts->>'read')::int as total from connector_state where name = 'inbox-prices'`);
    expect(total).toBe(2);
  });
});
