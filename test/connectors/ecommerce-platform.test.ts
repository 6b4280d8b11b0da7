import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { platformListing, startFakePlatform, type FakePlatform, type PlatformItem } from '../support/fake-platform.js';

const TOKEN = 'test-token-123';
let platform: FakePlatform;
let t: TestHub;
let dir: string;

const listing = (id: number, updatedAt: string, over: Partial<PlatformItem> = {}) => platformListing('L', id, updatedAt, over);
const sale = (id: number, updatedAt: string): PlatformItem => ({
  id: `S${id}`,
  title: '沁州黄小米',
  origin: '140430',
  destination_code: '140105',
  period_start: '2024-10-01',
  period_end: '2024-10-31',
  quantity: 1200,
  unit: 'kg',
  amount: 24000,
  orders: 300,
  updated_at: updatedAt,
});

beforeAll(async () => {
  platform = await startFakePlatform(TOKEN);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-platform-'));
  const connectors = [
    {
      name: 'shop-platform',
      module: 'ecommerce-platform',
      intervalSeconds: 0,
      config: { baseUrl: platform.url, platform: 'taobao', token: TOKEN, pageSize: 2, timeoutMs: 300, retries: 3, backoffMs: 20, maxWaitMs: 2000 },
    },
  ];
  fs.writeFileSync(path.join(dir, 'connectors.json'), JSON.stringify({ connectors }));
  t = await startTestHub({ CONNECTORS: path.join(dir, 'connectors.json') });
});
afterAll(async () => {
  await t.close();
  await platform.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const RUN = `mutation { runConnector(name: "shop-platform") { status error counts { read stored duplicates rejected } connector { cursor status lastError } } }`;

describe('e-commerce platform connector', () => {
  it('pulls every page despite a 500, a 429 with Retry-After, a slow page and a page served twice, storing each item once', async () => {
    platform.data.listings.push(
      listing(1, '2024-10-01T08:00:00Z'),
      listing(2, '2024-10-01T09:00:00Z'),
      listing(3, '2024-10-01T10:00:00Z'),
      listing(4, '2024-10-01T11:00:00Z'),
      listing(5, '2024-10-01T12:00:00Z'),
    );
    platform.data.sales.push(sale(1, '2024-11-01T00:00:00Z'));
    platform.misbehave.listings = { fail500: [1], throttle: { at: [2], retryAfterSeconds: 1 }, slow: { at: [3], delayMs: 1_000 }, repeatPage: [5] };

    const started = Date.now();
    const res = await t.gql(RUN);
    expect(res.errors).toBeUndefined();
    expect(res.data.runConnector.status).toBe('OK');
    // The page served twice counts as duplicates, never as new facts.
    expect(res.data.runConnector.counts).toMatchObject({ stored: 6, rejected: 0 });
    expect(res.data.runConnector.counts.duplicates).toBeGreaterThanOrEqual(2);
    const statuses = platform.requests.filter((r) => r.resource === 'listings').map((r) => r.status);
    expect(statuses.slice(0, 3)).toEqual([500, 429, 200]);
    // The 429 asked for one second: the connector waited at least that long.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(platform.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);

    const rows = await t.sql(
      `select source_key, seller, origin_region_code, p.code from supply_listing s left join product p on p.id = s.product_id where source_connector = 'shop-platform' order by source_key`,
    );
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatchObject({ source_key: 'listings:L1@2024-10-01T08:00:00Z', origin_region_code: '140821', code: 'apple' });
    const [salesRow] = await t.sql(
      `select origin_region_code, destination_region_code, amount::float, channel from sales_record where source_connector = 'shop-platform'`,
    );
    expect(salesRow).toEqual({ origin_region_code: '140430', destination_region_code: '140105', amount: 24000, channel: 'ECOMMERCE_PLATFORM' });
  });

  it('saves the updated_since watermark and asks only for newer items next run', async () => {
    const before = await t.gql(`{ connector(name: "shop-platform") { cursor } }`);
    expect(before.data.connector.cursor).toEqual({ listings: '2024-10-01T12:00:00Z', sales: '2024-11-01T00:00:00Z' });
    platform.requests.length = 0;
    platform.data.listings.push(listing(2, '2024-10-02T09:00:00Z', { quantity: 300 }), listing(6, '2024-10-02T10:00:00Z'));
    const res = await t.gql(RUN);
    expect(platform.requests.find((r) => r.resource === 'listings')?.query.updated_since).toBe('2024-10-01T12:00:00Z');
    // Listing 2's update is a new version (a new fact); the boundary item at the watermark is a duplicate.
    expect(res.data.runConnector.counts).toMatchObject({ stored: 2, duplicates: 2 });
    expect(res.data.runConnector.connector.cursor.listings).toBe('2024-10-02T10:00:00Z');
    const versions = await t.sql(`select quantity::float from supply_listing where source_key like 'listings:L2@%' order by source_key`);
    expect(versions).toEqual([{ quantity: 500 }, { quantity: 300 }]);
  });

  it('records a failure (status, last error) when the platform keeps failing, and keeps the watermark', async () => {
    // From now on every listings request fails (the fake counts requests from its start).
    platform.misbehave.listings = { fail500: Array.from({ length: 1000 }, (_, i) => i + 1) };
    const res = await t.gql(RUN);
    expect(res.data.runConnector.status).toBe('FAILED');
    expect(res.data.runConnector.error).toMatch(/HTTP 500.*gave up after 4 attempts/);
    expect(res.data.runConnector.connector).toMatchObject({ status: 'FAILED', cursor: { listings: '2024-10-02T10:00:00Z' } });
    platform.misbehave.listings = {};
  });

  it('keeps items it cannot map in the rejected store with the field at fault', async () => {
    platform.data.listings.push(listing(7, '2024-10-03T10:00:00Z', { quantity: 'lots' }));
    const res = await t.gql(RUN);
    expect(res.data.runConnector.counts.rejected).toBe(1);
    const rejected = await t.gql(`{ rejectedRecords(connector: "shop-platform") { nodes { field reason position raw } } }`);
    expect(rejected.data.rejectedRecords.nodes[0]).toMatchObject({ field: 'quantity', position: expect.stringContaining('GET /listings') });
    expect(rejected.data.rejectedRecords.nodes[0].raw).toMatchObject({ id: 'L7', quantity: 'lots' });
  });

  it("shows a platform its own refused items (masked, for replay by an operator), and no other firm's key (issue #11)", async () => {
    // Before, the platform's refused items were kept under the connector's name only, so its own keys saw none of them.
    const taobao = await t.createKey({ role: 'PLATFORM', platform: 'taobao' });
    const pinduoduo = await t.createKey({ role: 'PLATFORM', platform: 'pinduoduo' });
    const courier = await t.createKey({ role: 'COURIER', courier: 'zhongtong' });
    const official = await t.createKey({ role: 'OFFICIAL' });
    platform.data.listings.push(listing(8, '2024-10-04T10:00:00Z', { quantity: 'many', shop: '王记果园 联系电话13912345678' }));
    expect((await t.gql(RUN)).data.runConnector.counts.rejected).toBeGreaterThanOrEqual(1);
    const q = `{ rejectedRecords(connector: "shop-platform") { nodes { id field pipeline raw } } }`;
    const own = await t.as(taobao).gql(q);
    expect(own.errors).toBeUndefined();
    expect(new Set(own.data.rejectedRecords.nodes.map((n: any) => n.raw.id))).toEqual(new Set(['L7', 'L8']));
    const record = own.data.rejectedRecords.nodes.find((n: any) => n.raw.id === 'L8');
    expect(record).toMatchObject({ field: 'quantity', pipeline: 'ecommerce-platform' });
    // Free text in the raw item is masked for the platform as for a courier (a phone number here).
    expect(JSON.stringify(record.raw)).not.toContain('13912345678');
    expect((await t.as(taobao).gql(`query ($id: ID!) { node(id: $id) { id } }`, { id: record.id })).data.node).toEqual({ id: record.id });
    for (const other of [pinduoduo, courier, official]) {
      expect((await t.as(other).gql(q)).data.rejectedRecords.nodes).toEqual([]);
      expect((await t.as(other).gql(`query ($id: ID!) { node(id: $id) { id } }`, { id: record.id })).data?.node ?? null).toBeNull();
    }
    expect((await t.as(null).gql(q)).data?.rejectedRecords.nodes ?? []).toEqual([]);
    expect(await t.sql(`select distinct submitter from rejected_record where connector = 'shop-platform'`)).toEqual([{ submitter: 'platform:taobao' }]);
  });
});
