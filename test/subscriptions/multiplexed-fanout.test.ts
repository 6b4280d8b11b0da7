import WebSocket from 'ws';
import { startTestHub, subscribe, waitFor, type TestHub } from '../support/test-hub.js';
import { chinaTime, giveSecrets, pushNative } from '../couriers/courier-push.js';

/**
 * Live updates through the multiplexed path (issue #13): one execution per
 * (document, variables, visibility class), the same bytes to every subscriber
 * of a group, visibility and masking still decided by the access layer per
 * class, and a subscriber that cannot keep up closed with 4413.
 */
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ DELAY_SCAN_INTERVAL_S: '0' });
  await giveSecrets(t.sql);
});
afterAll(() => t.close());

const BY_COURIER = `subscription ($c: String) { shipmentUpdated(courier: $c) { shipment { trackingNumber status } newEvents { status } } }`;
const ALL_PARCELS = `subscription { shipmentUpdated { shipment { trackingNumber courier { code } } newEvents { status rawText } } }`;
// The published parcel row carries no personal data; the alert's parcel is loaded per execution through the class's own loaders.
const RECIPIENT = `subscription { alertRaised(kinds: [COLD_CHAIN_EXCURSION]) { kind shipment { trackingNumber recipientName recipientPhone } } }`;

const open = () => t.metric('hub_graphql_open_subscriptions');
const settle = () => new Promise((r) => setTimeout(r, 150));

describe('multiplexed subscriptions', () => {
  it('execute an update once per (document, variables, visibility class) and send every subscriber of a group the same result', async () => {
    const official = await t.createKey({ role: 'OFFICIAL', organisation: 'test-official-fanout' });
    const colleague = await t.createKey({ role: 'OFFICIAL', organisation: 'test-official-fanout' });
    const subscribers = [
      subscribe(t.as(official).ws(), BY_COURIER, { c: 'zhongtong' }),
      subscribe(t.as(official).ws(), BY_COURIER, { c: 'zhongtong' }),
      subscribe(t.as(colleague).ws(), BY_COURIER, { c: 'zhongtong' }),
    ];
    const otherVariables = subscribe(t.as(official).ws(), BY_COURIER, { c: 'yunda' });
    const otherClass = subscribe(t.ws(), BY_COURIER, { c: 'zhongtong' });
    await waitFor(async () => (await open()) >= 5, 5000, 'five subscriptions');
    await settle();
    // Three groups: official × zhongtong (three subscribers, two keys of one organisation), official × yunda, admin × zhongtong.
    expect(await t.metric('hub_subscription_groups')).toBe(3);
    const executions = await t.metric('hub_subscription_executions_total');
    const deliveries = await t.metric('hub_subscription_deliveries_total');

    const res = await pushNative(t.url, 'zhongtong', [
      { trackingNumber: 'ZT1300000001', status: 'PICKED_UP', occurredAt: chinaTime(2), location: { regionCode: '140821' } },
    ]);
    expect(res.body.accepted).toBe(1);
    const received = await Promise.all(subscribers.map((s) => s.next()));
    expect(received[0].data).toEqual({
      shipmentUpdated: { shipment: { trackingNumber: 'ZT1300000001', status: 'PICKED_UP' }, newEvents: [{ status: 'PICKED_UP' }] },
    });
    expect(received[1]).toEqual(received[0]);
    expect(received[2]).toEqual(received[0]);
    expect((await otherClass.next()).data).toEqual(received[0].data);
    await expect(otherVariables.next(300)).rejects.toThrow(/no subscription event/);
    // Two executions (one per group the update concerns) for four subscribers.
    await waitFor(async () => (await t.metric('hub_subscription_deliveries_total')) - deliveries === 4, 2000, 'four deliveries');
    expect((await t.metric('hub_subscription_executions_total')) - executions).toBe(2);

    for (const s of [...subscribers, otherVariables, otherClass]) s.dispose();
    await waitFor(async () => (await t.metric('hub_subscription_groups')) === 0, 5000, 'groups to close with their last subscriber');
  });

  // Regression (issue #11): the access middleware let through any payload that was not an ORM entity
  // (ShipmentUpdate), so courier B heard courier A's parcels; every field now applies its type's row rule.
  it("never carry one courier's parcels to another courier's or a platform's subscription", async () => {
    const courierA = await t.createKey({ role: 'COURIER', courier: 'zhongtong' });
    const courierB = await t.createKey({ role: 'COURIER', courier: 'yunda' });
    const platform = await t.createKey({ role: 'PLATFORM', platform: 'pinduoduo' });
    const a = [subscribe(t.as(courierA).ws(), ALL_PARCELS), subscribe(t.as(courierA).ws(), ALL_PARCELS)];
    const b = [subscribe(t.as(courierB).ws(), ALL_PARCELS), subscribe(t.as(courierB).ws(), ALL_PARCELS)];
    const p = subscribe(t.as(platform).ws(), ALL_PARCELS);
    const official = subscribe(t.as(await t.createKey({ role: 'OFFICIAL' })).ws(), ALL_PARCELS);
    await waitFor(async () => (await open()) >= 6, 5000, 'six subscriptions');
    await settle();

    await pushNative(t.url, 'zhongtong', [
      {
        trackingNumber: 'ZT1300000002',
        status: 'IN_TRANSIT',
        occurredAt: chinaTime(2),
        description: '快递员 王五 13912345678',
        location: { regionCode: '140821' },
      },
    ]);
    for (const s of a) expect((await s.next()).data.shipmentUpdated.shipment).toEqual({ trackingNumber: 'ZT1300000002', courier: { code: 'zhongtong' } });
    expect((await official.next()).data.shipmentUpdated.shipment.trackingNumber).toBe('ZT1300000002');
    for (const s of [...b, p]) await expect(s.next(500)).rejects.toThrow(/no subscription event/);

    await pushNative(t.url, 'yunda', [{ trackingNumber: 'YD1300000002', status: 'IN_TRANSIT', occurredAt: chinaTime(2), location: { regionCode: '140821' } }]);
    for (const s of b) expect((await s.next()).data.shipmentUpdated.shipment).toEqual({ trackingNumber: 'YD1300000002', courier: { code: 'yunda' } });
    for (const s of [...a, p]) await expect(s.next(500)).rejects.toThrow(/no subscription event/);
    for (const s of [...a, ...b, p, official]) s.dispose();
  });

  it('mask personal data per visibility class, and audit each unmasked subscriber on its own', async () => {
    const official = subscribe(t.as(await t.createKey({ role: 'OFFICIAL' })).ws(), RECIPIENT);
    const adminMasked = subscribe(t.ws(), RECIPIENT);
    const adminClear = subscribe(t.ws({ authorization: `Bearer ${t.adminKey}`, unmaskReason: 'subsidy fraud check, case 13' }), RECIPIENT);
    await waitFor(async () => (await open()) >= 3, 5000, 'three subscriptions');
    await settle();
    expect(await t.metric('hub_subscription_groups')).toBe(3);

    await pushNative(t.url, 'shunfeng', [
      {
        trackingNumber: 'SF1300000003',
        status: 'IN_TRANSIT',
        occurredAt: chinaTime(2),
        temperatureC: 12,
        location: { nodeCode: 'cold-140821-apple' },
        shipment: { product: 'apple', recipient: { name: '张三丰', phone: '13812341234', address: '山西省运城市临猗县北景乡西张村12号' } },
      },
    ]);
    const masked = { trackingNumber: 'SF1300000003', recipientName: '张**', recipientPhone: '138****1234' };
    expect((await official.next()).data.alertRaised.shipment).toEqual(masked);
    expect((await adminMasked.next()).data.alertRaised.shipment).toEqual(masked);
    expect((await adminClear.next()).data.alertRaised.shipment).toEqual({
      trackingNumber: 'SF1300000003',
      recipientName: '张三丰',
      recipientPhone: '13812341234',
    });

    adminClear.dispose();
    await waitFor(
      async () => (await t.sql(`select 1 from audit_entry where transport = 'ws' and unmask_reason = $1`, ['subsidy fraud check, case 13'])).length === 1,
      5000,
      'the unmasked subscriber audited when it ended',
    );
    const [entry] = await t.sql(`select classified_fields, personal_records from audit_entry where transport = 'ws' and unmask_reason = $1`, [
      'subsidy fraud check, case 13',
    ]);
    expect(entry.classified_fields).toEqual(expect.arrayContaining(['Shipment.recipientName:PERSONAL', 'Shipment.recipientPhone:PERSONAL']));
    expect(entry.personal_records).toBe(1);
    official.dispose();
    adminMasked.dispose();
  });
});

describe('a subscriber that cannot keep up', () => {
  let slow: TestHub;
  beforeAll(async () => {
    slow = await startTestHub({ DELAY_SCAN_INTERVAL_S: '0', WS_MAX_BUFFERED_BYTES: '1024' });
    await giveSecrets(slow.sql);
  });
  afterAll(() => slow.close());

  it('is closed with 4413 once its send buffer is full, while the others receive every update', async () => {
    const query = `subscription { shipmentUpdated(courier: "zhongtong") { shipment { trackingNumber } newEvents { rawText } } }`;
    const reader = subscribe(slow.ws(), query);
    // A raw client that stops reading its socket after subscribing.
    const socket = new WebSocket(`${slow.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    await new Promise<void>((resolve) => socket.on('open', () => resolve()));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${slow.adminKey}` } }));
    await new Promise<void>((resolve) => socket.once('message', () => resolve()));
    socket.send(JSON.stringify({ id: 'slow', type: 'subscribe', payload: { query } }));
    await waitFor(async () => (await slow.metric('hub_graphql_open_subscriptions')) === 2, 5000, 'two subscriptions');
    socket.pause();

    // Batches of 100 parcels with 2,000-character scan texts (~200 KB of updates a batch) until the hub gives up on it.
    const text = '已揽收'.repeat(666);
    let sent = 0;
    for (let batch = 0; batch < 30 && (await slow.metric('hub_ws_slow_consumer_closes_total')) === 0; batch++) {
      const events = Array.from({ length: 100 }, (_, i) => ({
        trackingNumber: `ZT14${String(batch).padStart(3, '0')}${String(i).padStart(5, '0')}`,
        status: 'PICKED_UP',
        occurredAt: chinaTime(2),
        description: text,
      }));
      expect((await pushNative(slow.url, 'zhongtong', events)).body.accepted).toBe(100);
      sent += 100;
    }
    expect(await slow.metric('hub_ws_slow_consumer_closes_total')).toBe(1);
    socket.resume();
    expect(await closed).toEqual({ code: 4413, reason: expect.stringMatching(/too slow/) });
    // The reading subscriber got every update, in order, none dropped.
    const numbers: string[] = [];
    for (let i = 0; i < sent; i++) numbers.push((await reader.next()).data.shipmentUpdated.shipment.trackingNumber);
    expect(new Set(numbers).size).toBe(sent);
    reader.dispose();
  });
});
