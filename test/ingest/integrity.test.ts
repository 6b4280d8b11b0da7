import pg from 'pg';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { chinaTime, giveSecrets, pushNative } from '../couriers/courier-push.js';
import { IngestSession } from '../../src/ingest/pipeline.js';

/**
 * Issue #13: the big fact tables (prices, tracking events) have no per-row
 * foreign keys; the pipeline looks every referenced row up once per batch
 * (key-share locked) and the referenced tables' triggers do what the foreign
 * keys did on delete. No fact ever points at a row that does not exist.
 */
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ DELAY_SCAN_INTERVAL_S: '0', RATE_LIMIT_PER_SECOND: '1000', RATE_LIMIT_BURST: '100000' });
  await giveSecrets(t.sql);
});
afterAll(() => t.close());

/** Facts whose reference points nowhere: must always be none. */
const ORPHANS = `select
  (select count(*) from price_observation p where p.product_id is not null and not exists (select 1 from product x where x.id = p.product_id))
  + (select count(*) from price_observation p where p.variety_id is not null and not exists (select 1 from variety x where x.id = p.variety_id))
  + (select count(*) from price_observation p where not exists (select 1 from market x where x.id = p.market_id))
  + (select count(*) from price_observation p where p.origin_region_code is not null and not exists (select 1 from region x where x.code = p.origin_region_code))
  + (select count(*) from tracking_event e where not exists (select 1 from shipment x where x.id = e.shipment_id))
  + (select count(*) from tracking_event e where e.node_id is not null and not exists (select 1 from logistics_node x where x.id = e.node_id))
  + (select count(*) from tracking_event e where e.region_code is not null and not exists (select 1 from region x where x.code = e.region_code))
  + (select count(*) from shipment s where not exists (select 1 from courier x where x.id = s.courier_id))
  + (select count(*) from shipment s where s.origin_region_code is not null and not exists (select 1 from region x where x.code = s.origin_region_code))
  + (select count(*) from shipment s where s.destination_region_code is not null and not exists (select 1 from region x where x.code = s.destination_region_code))
  + (select count(*) from shipment s where s.product_id is not null and not exists (select 1 from product x where x.id = s.product_id))
  + (select count(*) from shipment s where s.platform_id is not null and not exists (select 1 from market x where x.id = s.platform_id))
  as n`;
const orphans = async () => Number((await t.sql(ORPHANS))[0].n);

const session = (connector: string) =>
  new IngestSession(t.hub.db.orm.em.fork(), {
    connector,
    pipeline: 'test',
    map: (raw) => ({ kind: 'price', market: 'integrity-market', unit: '斤', observedOn: '2026-06-01', avgPrice: 2, ...(raw as object) }),
  });

describe('references of prices without foreign keys', () => {
  beforeAll(async () => {
    const [{ id }] = await t.sql(`select category_id as id from product where code = 'apple'`);
    await t.sql(`insert into product (code, name, category_id, aliases) values ('integrity-fruit', '完整果', $1, '{完整果}')`, [id]);
    await t.sql(`insert into market (code, name, channel) values ('integrity-market', '完整市场', 'WHOLESALE_MARKET')`);
  });

  it('stores a product deleted after the load read the catalogue as no product, never as a dangling id', async () => {
    const load = session('integrity-feed');
    const first = await load.write([{ raw: { sourceKey: 'i1', rawName: '完整果' }, position: 'i:1' }]);
    expect(first.rows.price[0].product_id).not.toBeNull();
    // The product goes while the load is running (its matcher still knows it); the trigger nulls the stored reference.
    await t.sql(`delete from product where code = 'integrity-fruit'`);
    expect(await t.sql(`select product_id from price_observation where source_key = 'i1'`)).toEqual([{ product_id: null }]);
    const second = await load.write([{ raw: { sourceKey: 'i2', rawName: '完整果' }, position: 'i:2' }]);
    expect(second.counts).toMatchObject({ stored: 1, unmatched: 1 });
    expect(second.rows.price[0].product_id).toBeNull();
    expect(await orphans()).toBe(0);
  });

  it('refuses to delete a market that prices refer to, and refuses records of a market that is gone', async () => {
    await expect(t.sql(`delete from market where code = 'integrity-market'`)).rejects.toThrow(/still referenced by price_observation/);
    await t.sql(`insert into market (code, name, channel) values ('gone-market', '消失市场', 'WHOLESALE_MARKET')`);
    const load = session('integrity-feed-2');
    await load.write([{ raw: { sourceKey: 'g0', rawName: '苹果', market: 'integrity-market' }, position: 'g:0' }]);
    await t.sql(`delete from market where code = 'gone-market'`);
    const result = await load.write([{ raw: { sourceKey: 'g1', rawName: '苹果', market: 'gone-market' }, position: 'g:1' }]);
    expect(result.counts).toMatchObject({ stored: 0, rejected: 1 });
    expect(result.rejections[0]).toMatchObject({ field: 'market' });
    expect(await orphans()).toBe(0);
  });
});

describe('references of tracking events without foreign keys', () => {
  it('nulls a deleted node on its events, refuses to delete a parcel with events, and leaves no orphan', async () => {
    await t.sql(
      `insert into logistics_node (code, name, kind, region_code, filing_status) values ('integrity-node', '完整驿站', 'TOWNSHIP_STATION', '140821102', 'PENDING')`,
    );
    const res = await pushNative(t.url, 'zhongtong', [
      { trackingNumber: 'IN7000000001', status: 'PICKED_UP', occurredAt: chinaTime(3), location: { nodeCode: 'integrity-node' } },
      { trackingNumber: 'IN7000000001', status: 'IN_TRANSIT', occurredAt: chinaTime(2), location: { regionCode: '140821' } },
    ]);
    expect(res.body).toMatchObject({ accepted: 2 });
    await t.sql(`delete from logistics_node where code = 'integrity-node'`);
    const events = await t.sql(
      `select node_id, region_code from tracking_event e join shipment s on s.id = e.shipment_id where s.tracking_number = 'IN7000000001' order by occurred_at`,
    );
    expect(events).toEqual([
      { node_id: null, region_code: '140821102' },
      { node_id: null, region_code: '140821' },
    ]);
    await expect(t.sql(`delete from shipment where tracking_number = 'IN7000000001'`)).rejects.toThrow(/still has tracking_event rows/);
    // A push naming the deleted node is refused (the lookup does not find it), not stored with a dangling id.
    const late = await pushNative(t.url, 'zhongtong', [
      { trackingNumber: 'IN7000000001', status: 'DELIVERED', occurredAt: chinaTime(1), location: { nodeCode: 'integrity-node' } },
    ]);
    expect(late.body).toMatchObject({ accepted: 0, rejected: [{ field: 'events[0].location.nodeCode' }] });
    expect(await orphans()).toBe(0);
  });

  it('stores events in monthly partitions of their event time', async () => {
    const parts = await t.sql(`select tableoid::regclass::text as part, count(*)::int as n from tracking_event group by 1 order by 1`);
    expect(parts.length).toBeGreaterThan(0);
    for (const { part } of parts) expect(part).toMatch(/^tracking_event_\d{6}$/);
  });
});

describe('references of parcels without foreign keys (one check per statement)', () => {
  /** A parcel row as any writer (not only the pipeline) would insert it. */
  const insertParcel = (sql: (text: string, params?: unknown[]) => Promise<unknown>, number: string, refs: Record<string, unknown>) =>
    sql(
      `insert into shipment (source_connector, source_key, courier_id, tracking_number, origin_region_code, destination_region_code, product_id, platform_id)
       select 'integrity', $1, coalesce($2::int, (select id from courier where code = 'zhongtong')), $1, $3, $4, $5, $6`,
      [number, refs.courier ?? null, refs.origin ?? null, refs.destination ?? null, refs.product ?? null, refs.platform ?? null],
    );
  /** A second connection to the hub's database, for two transactions at once. @internal */
  const connect = async () => {
    const client = new pg.Client({ connectionString: t.databaseUrl });
    await client.connect();
    return client;
  };
  /** Waits until some other backend of the database waits for a lock (the statement under test is blocked, not failed). */
  const blockedOnLock = async (pid: number) => {
    for (let i = 0; i < 200; i++) {
      const [row] = await t.sql(`select wait_event_type from pg_stat_activity where pid = $1`, [pid]);
      if (row?.wait_event_type === 'Lock') return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  };

  it('refuses any parcel row that points at a courier, region, product or market that does not exist, from any writer', async () => {
    for (const [number, refs] of [
      ['IR0000000001', { courier: 987654 }],
      ['IR0000000002', { origin: '149999' }],
      ['IR0000000003', { destination: '149999999' }],
      ['IR0000000004', { product: 987654 }],
      ['IR0000000005', { platform: 987654 }],
    ] as const) {
      await expect(insertParcel(t.sql, number, refs)).rejects.toMatchObject({ code: '23503' });
    }
    // Changing a stored parcel to point nowhere is refused too; pointing at rows that exist is fine.
    await insertParcel(t.sql, 'IR0000000006', { origin: '140821', destination: '140821102' });
    await expect(t.sql(`update shipment set product_id = 987654 where tracking_number = 'IR0000000006'`)).rejects.toMatchObject({ code: '23503' });
    expect(await orphans()).toBe(0);
  });

  it('does what the foreign keys did when a referenced row goes: nulls regions, products and platforms, refuses couriers and changed keys', async () => {
    const [{ id: productId }] = await t.sql(
      `insert into product (code, name, category_id, aliases) select 'integrity-parcel-fruit', '包裹果', category_id, '{包裹果}' from product where code = 'apple' returning id`,
    );
    const [{ id: marketId }] = await t.sql(
      `insert into market (code, name, channel) values ('integrity-platform', '完整平台', 'ECOMMERCE_PLATFORM') returning id`,
    );
    await t.sql(`insert into region (code, name, level, parent_code) values ('140821199', '完整镇', 'TOWNSHIP', '140821')`);
    await insertParcel(t.sql, 'IR0000000010', { origin: '140821199', destination: '140821199', product: productId, platform: marketId });
    await t.sql(`delete from product where id = $1`, [productId]);
    await t.sql(`delete from market where id = $1`, [marketId]);
    await t.sql(`delete from region where code = '140821199'`);
    expect(
      await t.sql(`select origin_region_code, destination_region_code, product_id, platform_id from shipment where tracking_number = 'IR0000000010'`),
    ).toEqual([{ origin_region_code: null, destination_region_code: null, product_id: null, platform_id: null }]);
    const [{ id: courierId }] = await t.sql(`insert into courier (code, name) values ('integrity-courier', '完整快递') returning id`);
    await insertParcel(t.sql, 'IR0000000011', { courier: courierId });
    await expect(t.sql(`delete from courier where id = $1`, [courierId])).rejects.toThrow(/still has shipment rows/);
    await expect(t.sql(`update region set code = '140821998' where code = '140821'`)).rejects.toMatchObject({ code: '23503' });
    expect(await orphans()).toBe(0);
  });

  it('makes a concurrent delete of a referenced row wait for the batch that refers to it, then applies to its parcels', async () => {
    const [{ id: productId }] = await t.sql(
      `insert into product (code, name, category_id, aliases) select 'integrity-race-fruit', '竞速果', category_id, '{竞速果}' from product where code = 'apple' returning id`,
    );
    const batch = await connect();
    const deleter = await connect();
    try {
      await batch.query('begin');
      await insertParcel((text, params) => batch.query(text, params), 'IR0000000020', { product: productId });
      // The batch has not committed: the delete must wait for it (the check key-share locked the product).
      const deleterPid = (await deleter.query('select pg_backend_pid() as pid')).rows[0].pid;
      const deleting = deleter.query('delete from product where id = $1', [productId]);
      expect(await blockedOnLock(deleterPid)).toBe(true);
      await batch.query('commit');
      await deleting;
      expect(await t.sql(`select product_id from shipment where tracking_number = 'IR0000000020'`)).toEqual([{ product_id: null }]);
    } finally {
      await batch.end();
      await deleter.end();
    }
    expect(await orphans()).toBe(0);
  });

  it('makes a parcel write wait for a concurrent delete of a row it refers to, then refuses it', async () => {
    const [{ id: productId }] = await t.sql(
      `insert into product (code, name, category_id, aliases) select 'integrity-gone-fruit', '消失果', category_id, '{消失果}' from product where code = 'apple' returning id`,
    );
    const deleter = await connect();
    const writer = await connect();
    try {
      await deleter.query('begin');
      await deleter.query('delete from product where id = $1', [productId]);
      const writerPid = (await writer.query('select pg_backend_pid() as pid')).rows[0].pid;
      const writing = insertParcel((text, params) => writer.query(text, params), 'IR0000000030', { product: productId });
      const outcome = writing.then(
        () => 'stored',
        (error: { code?: string }) => error.code,
      );
      expect(await blockedOnLock(writerPid)).toBe(true);
      await deleter.query('commit');
      expect(await outcome).toBe('23503');
    } finally {
      await deleter.end();
      await writer.end();
    }
    expect(await t.sql(`select 1 from shipment where tracking_number = 'IR0000000030'`)).toEqual([]);
    expect(await orphans()).toBe(0);
  });
});
