import pg from 'pg';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { chinaTime, giveSecrets, pushNative } from '../couriers/courier-push.js';
import { IngestSession } from '../../src/ingest/pipeline.js';
import { PRICES_OBSERVED, pricesOf, type PricesObservedEvent } from '../../src/pricing/price.events.js';

/**
 * The one ingest pipeline (issue #13): a batch is stored whole or not at all
 * (with its refused records), re-sending stores nothing twice, and a parcel's
 * status follows event time whatever order its events arrive in: the state
 * derived incrementally equals the state derived from all of its events.
 */
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ DELAY_SCAN_INTERVAL_S: '0', RATE_LIMIT_PER_SECOND: '1000', RATE_LIMIT_BURST: '100000' });
  await giveSecrets(t.sql);
});
afterAll(() => t.close());

const priceRow = (i: number, avg = 3) => ({
  品名: i % 2 ? '富士苹果' : '鸭梨',
  最低价: 2,
  平均价: avg,
  最高价: 4,
  规格: `spec-${i}`,
  单位: '斤',
  发布日期: '2024-05-0' + ((i % 9) + 1),
});

function session(connector: string) {
  return new IngestSession(t.hub.db.orm.em.fork(), {
    connector,
    pipeline: 'wholesale-prices',
    map: (raw) => ({
      kind: 'price',
      sourceKey: JSON.stringify(raw),
      rawName: (raw as any)['品名'],
      market: 'beijing-xinfadi',
      observedOn: (raw as any)['发布日期'],
      lowPrice: (raw as any)['最低价'],
      avgPrice: (raw as any)['平均价'],
      highPrice: (raw as any)['最高价'],
      unit: '斤',
    }),
  });
}

describe('a batch through the pipeline', () => {
  it('is stored whole or not at all: a failure late in its transaction leaves no fact and no refused record behind', async () => {
    const batch = [
      ...Array.from({ length: 50 }, (_, i) => ({ raw: priceRow(i), position: `atomic.csv:${i}` })),
      { raw: priceRow(99, 9), position: 'atomic.csv:99' },
    ];
    await expect(
      session('atomic-feed').write(batch, {
        inTransaction: async () => {
          throw new Error('the disk is full');
        },
      }),
    ).rejects.toThrow('the disk is full');
    expect(await t.sql(`select count(*)::int as n from price_observation where source_connector = 'atomic-feed'`)).toEqual([{ n: 0 }]);
    expect(await t.sql(`select count(*)::int as n from rejected_record where connector = 'atomic-feed'`)).toEqual([{ n: 0 }]);
    // The same batch again, without the failure: everything is there, the refused record once.
    const result = await session('atomic-feed').write(batch);
    expect(result.counts).toMatchObject({ read: 51, stored: 50, rejected: 1 });
    expect(result.rejections[0]).toMatchObject({ field: 'avgPrice', position: 'atomic.csv:99' });
  });

  it('stores nothing twice: re-sending a batch stores no fact and no refused record again', async () => {
    const batch = [
      ...Array.from({ length: 40 }, (_, i) => ({ raw: priceRow(i), position: `again.csv:${i}` })),
      { raw: { 品名: '鸭梨' }, position: 'again.csv:40' },
    ];
    const first = await session('again-feed').write(batch);
    expect(first.counts).toMatchObject({ stored: 40, duplicates: 0, rejected: 1 });
    const second = await session('again-feed').write(batch);
    expect(second.counts).toMatchObject({ stored: 0, duplicates: 40, rejected: 1 });
    expect(second.rejectedIds).toEqual(first.rejectedIds);
    expect(await t.sql(`select count(*)::int as n from price_observation where source_connector = 'again-feed'`)).toEqual([{ n: 40 }]);
    expect(await t.sql(`select count(*)::int as n from rejected_record where connector = 'again-feed'`)).toEqual([{ n: 1 }]);
    // Half old, half new: only the new half is stored (the fast path falls back to skipping stored keys).
    const mixed = Array.from({ length: 80 }, (_, i) => ({ raw: priceRow(i), position: `mixed.csv:${i}` }));
    expect((await session('again-feed').write(mixed)).counts).toMatchObject({ stored: 40, duplicates: 40 });
  });
});

describe('prices written straight as COPY text (issue #13)', () => {
  it('stores what was sent, separators and all, and answers and publishes exactly the stored rows, in one event per batch', async () => {
    const quote = (i: number, extra: Record<string, unknown> = {}) => ({
      kind: 'price',
      sourceKey: `k${i}`,
      rawName: i % 2 ? 'tab\there' : 'back\\slash\nnew line',
      market: 'beijing-xinfadi',
      observedOn: i % 3 ? '2024-06-30' : '2024-07-01',
      lowPrice: 1.25,
      avgPrice: 2.5,
      highPrice: i % 4 ? 3.75 : undefined,
      unit: i % 2 ? '斤' : '个',
      spec: i % 2 ? 'a\rb' : undefined,
      originText: i % 5 ? undefined : '山西\t运城',
      volume: i % 2 ? 12.5 : undefined,
      volumeUnit: i % 2 ? '吨' : undefined,
      ...extra,
    });
    const bus = t.hub.pubSub.pubSub;
    const events = bus.subscribe(PRICES_OBSERVED)[Symbol.asyncIterator]();
    const heard = events.next();
    const copied = new IngestSession(t.hub.db.orm.em.fork(), { connector: 'copy-text', pipeline: 'test', map: (raw) => raw as never, pubSub: bus });
    const batch = Array.from({ length: 12 }, (_, i) => ({ raw: quote(i), position: `copy.csv:${i}` }));
    // A repeat within the batch is one fact.
    batch.push({ raw: quote(3), position: 'copy.csv:12' });
    const result = await copied.write(batch);
    expect(result.counts).toMatchObject({ read: 13, stored: 12, duplicates: 1, rejected: 0 });

    const stored = await t.sql(
      `select id::text, source_key, raw_name, spec, origin_text, to_char(observed_on, 'YYYY-MM-DD') as observed_on, low_price::float8, avg_price::float8,
              high_price::float8, unit, low_per_kg::float8, avg_per_kg::float8, high_per_kg::float8, volume::float8, volume_unit
         from price_observation where source_connector = 'copy-text' order by id`,
    );
    expect(stored).toHaveLength(12);
    for (const row of stored) {
      const i = Number(row.source_key.slice(1));
      const sent = quote(i);
      const perKg = sent.unit === '斤';
      expect(row).toMatchObject({
        raw_name: sent.rawName,
        spec: sent.spec ?? null,
        origin_text: sent.originText ?? null,
        observed_on: sent.observedOn,
        low_price: 1.25,
        avg_price: 2.5,
        high_price: sent.highPrice ?? null,
        low_per_kg: perKg ? 2.5 : null,
        avg_per_kg: perKg ? 5 : null,
        high_per_kg: perKg && sent.highPrice ? 7.5 : null,
        volume: sent.volume ?? null,
        volume_unit: sent.volumeUnit ?? null,
      });
    }
    // Ids follow the days: June's quotes first.
    expect(stored.map((r) => r.observed_on)).toEqual([...stored.map((r) => r.observed_on)].sort());

    // What the caller gets back and what subscribers hear: the same rows.
    const answered = result.rows.price.map((row) => ({ id: row.id, source_key: row.source_key, raw_name: row.raw_name, avg_per_kg: row.avg_per_kg ?? null }));
    expect(answered).toEqual(stored.map((r) => ({ id: r.id, source_key: r.source_key, raw_name: r.raw_name, avg_per_kg: r.avg_per_kg })));
    const event = (await heard).value as PricesObservedEvent;
    expect(event.count).toBe(12);
    const published = [...pricesOf(event)];
    expect(published.map((p) => p.row)).toEqual(result.rows.price);
    expect(published.every((p) => p.marketCode === 'beijing-xinfadi')).toBe(true);
    await events.return?.();
  });
});

/** Each parcel's state derived from ALL of its events (what the hub did before deriving incrementally). */
const FULL_DERIVATION = `
  with ev as (select id, shipment_id, status, occurred_at, area_code from tracking_event),
  latest as (select distinct on (shipment_id) shipment_id, status, occurred_at from ev order by shipment_id, occurred_at desc, id desc),
  agg as (select shipment_id,
                 min(occurred_at) filter (where status = 'PICKED_UP') as picked,
                 max(occurred_at) filter (where status = 'DELIVERED') as delivered,
                 (array_agg(area_code order by occurred_at, id) filter (where area_code is not null and status = 'PICKED_UP'))[1] as pickup_area,
                 (array_agg(area_code order by occurred_at, id) filter (where area_code is not null))[1] as first_area,
                 (array_agg(area_code order by occurred_at desc, id desc) filter (where area_code is not null and status = 'DELIVERED'))[1] as delivery_area
            from ev group by shipment_id)
  select s.tracking_number, latest.status::text, latest.occurred_at as last_event_at, agg.picked as picked_up_at, agg.delivered as delivered_at,
         coalesce(agg.pickup_area, agg.first_area) as origin_code, agg.delivery_area as destination_code
    from shipment s join latest on latest.shipment_id = s.id join agg on agg.shipment_id = s.id
   where s.tracking_number like 'OR7%' order by 1`;

describe('parcel status follows event time', () => {
  it('derives the same state incrementally, whatever order and batches the events arrive in, as from all events at once', async () => {
    const places = ['140821100200', '140821', '140105', '110105', '140703201'];
    const statuses = ['PICKED_UP', 'IN_TRANSIT', 'ARRIVED_AT_NODE', 'OUT_FOR_DELIVERY', 'DELIVERED', 'FAILED_ATTEMPT', 'PICKED_UP'];
    // A fixed pseudo-random order: 30 parcels x 7 scans, shuffled, pushed in batches of 1 to 40.
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const events = [];
    for (let p = 0; p < 30; p++) {
      for (let s = 0; s < statuses.length; s++) {
        events.push({
          trackingNumber: `OR7${String(p).padStart(6, '0')}`,
          status: statuses[s],
          occurredAt: chinaTime(40 - s * 5 - random()),
          eventId: `or-${p}-${s}`,
          ...(random() < 0.7 ? { location: { regionCode: places[Math.floor(random() * places.length)] } } : {}),
        });
      }
    }
    events.sort(() => random() - 0.5);
    for (let i = 0; i < events.length;) {
      const size = 1 + Math.floor(random() * 40);
      const res = await pushNative(t.url, 'yunda', events.slice(i, i + size));
      expect(res.status).toBe(200);
      i += size;
    }
    const incremental = await t.sql(`select tracking_number, status::text, last_event_at, picked_up_at, delivered_at, origin_code, destination_code
                                       from shipment where tracking_number like 'OR7%' order by 1`);
    expect(incremental).toHaveLength(30);
    expect(incremental).toEqual(await t.sql(FULL_DERIVATION));
    // And the status is the latest event's: pushes out of order never set it back.
    expect(new Set(incremental.map((s: any) => s.status))).toEqual(new Set(['PICKED_UP']));
  });
});

describe('courier batches: what is already stored (issue #13: one lookup per batch)', () => {
  it('re-sending a batch of new and known parcels stores nothing new, also for events whose key needs their node (no event id)', async () => {
    const at = (h: number) => chinaTime(30 - h);
    // Known parcel first.
    expect((await pushNative(t.url, 'yunda', [{ trackingNumber: 'RS7000001', status: 'PICKED_UP', occurredAt: at(0), eventId: 'rs-1' }])).body).toMatchObject({
      accepted: 1,
    });
    const batch = [
      // The known parcel: an event with an id, one without (its key includes the node's region, known after the lookup).
      { trackingNumber: 'RS7000001', status: 'IN_TRANSIT', occurredAt: at(1), eventId: 'rs-2' },
      { trackingNumber: 'RS7000001', status: 'ARRIVED_AT_NODE', occurredAt: at(2), location: { nodeCode: 'cdc-140821' } },
      // A new parcel, same two kinds.
      { trackingNumber: 'RS7000002', status: 'PICKED_UP', occurredAt: at(1), eventId: 'rs-3' },
      { trackingNumber: 'RS7000002', status: 'IN_TRANSIT', occurredAt: at(2), location: { nodeCode: 'cdc-140821' } },
    ];
    const first = await pushNative(t.url, 'yunda', batch);
    expect(first.body).toMatchObject({ accepted: 4, duplicates: 0, rejected: [] });
    // (Re-signed: the same signature twice is refused before anything is read.)
    const second = await pushNative(t.url, 'yunda', batch, { timestamp: Math.floor(Date.now() / 1000) - 5 });
    expect(second.body).toMatchObject({ accepted: 0, duplicates: 4, rejected: [], shipmentsUpdated: 0 });
    const stored = await t.sql(
      `select s.tracking_number, count(e.id)::int as n, max(s.status::text) as status from shipment s join tracking_event e on e.shipment_id = s.id
        where s.tracking_number like 'RS7%' group by 1 order by 1`,
    );
    expect(stored).toEqual([
      { tracking_number: 'RS7000001', n: 3, status: 'ARRIVED_AT_NODE' },
      { tracking_number: 'RS7000002', n: 2, status: 'IN_TRANSIT' },
    ]);
  });

  it('a parcel another writer creates while the batch runs: the batch waits for it, runs again and adds its events to that parcel', async () => {
    const other = new pg.Client({ connectionString: t.databaseUrl });
    await other.connect();
    try {
      await other.query('begin');
      await other.query(
        `insert into shipment (source_connector, source_key, courier_id, tracking_number, status)
         select 'courier:zhongtong', 'RC7000000001', id, 'RC7000000001', 'INFO_RECEIVED' from courier where code = 'zhongtong'`,
      );
      const pushing = pushNative(t.url, 'zhongtong', [
        { eventId: 'rc-1', trackingNumber: 'RC7000000001', status: 'PICKED_UP', occurredAt: chinaTime(5), location: { regionCode: '140821' } },
        { eventId: 'rc-2', trackingNumber: 'RC7000000001', status: 'IN_TRANSIT', occurredAt: chinaTime(4) },
      ]);
      // The batch found no parcel (the other one is not committed), so it inserts one and waits on the unique key.
      let waiting = false;
      for (let i = 0; i < 200 && !waiting; i++) {
        const rows = (await other.query(`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)).rows;
        waiting = rows.length > 0;
        if (!waiting) await new Promise((r) => setTimeout(r, 50));
      }
      expect(waiting).toBe(true);
      await other.query('commit');
      expect((await pushing).body).toMatchObject({ accepted: 2, duplicates: 0, rejected: [] });
    } finally {
      await other.end();
    }
    const parcels = await t.sql(`select id, status, origin_code from shipment where tracking_number = 'RC7000000001'`);
    expect(parcels).toEqual([expect.objectContaining({ status: 'IN_TRANSIT', origin_code: '140821' })]);
    expect(await t.sql(`select count(*)::int as n from tracking_event where shipment_id = $1`, [parcels[0].id])).toEqual([{ n: 2 }]);
  });

  it('an event id the courier re-uses for another parcel at the same time is a duplicate, not a failed batch', async () => {
    const occurredAt = chinaTime(20);
    const first = await pushNative(t.url, 'yunda', [{ trackingNumber: 'RU7000001', status: 'PICKED_UP', occurredAt, eventId: 'ru-1' }]);
    expect(first.body).toMatchObject({ accepted: 1 });
    // Same key, same time, another (new) parcel: the parcel lookup cannot see it; the table's unique key refuses the
    // COPY, and the batch runs again looking keys up across all parcels.
    const second = await pushNative(t.url, 'yunda', [
      { trackingNumber: 'RU7000002', status: 'PICKED_UP', occurredAt, eventId: 'ru-1' },
      { trackingNumber: 'RU7000002', status: 'IN_TRANSIT', occurredAt: chinaTime(19), eventId: 'ru-2' },
    ]);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ accepted: 1, duplicates: 1, rejected: [] });
    expect(await t.sql(`select source_key from tracking_event where source_key like 'NATIVE:id:ru-%' order by 1`)).toEqual([
      { source_key: 'NATIVE:id:ru-1' },
      { source_key: 'NATIVE:id:ru-2' },
    ]);
  });
});
