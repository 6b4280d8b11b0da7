import { startTestHub, subscribe, waitFor, type TestHub } from '../support/test-hub.js';
import { chinaTime, giveSecrets, pushKuaidi100, pushNative } from './courier-push.js';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ DELAY_SCAN_INTERVAL_S: '0' });
  await giveSecrets(t.sql);
});
afterAll(() => t.close());

const BY_NUMBER = `subscription ($n: String) { shipmentUpdated(trackingNumber: $n) {
  shipment { trackingNumber status direction lastEventAt courier { code } }
  newEvents { status rawCode areaCode occurredAt format }
} }`;

describe('shipmentUpdated over graphql-ws', () => {
  it('pushes a parcel to its subscriber straight from the ingest path, with the events that moved it', async () => {
    const client = t.ws();
    const mine = subscribe(client, BY_NUMBER, { n: 'ZT8000000001' });
    const byCourierAndRegion = subscribe(
      client,
      `subscription { shipmentUpdated(courier: "zhongtong", regionCode: "140821") { shipment { trackingNumber } newEvents { areaCode } } }`,
    );
    const otherRegion = subscribe(client, `subscription { shipmentUpdated(regionCode: "1401") { shipment { trackingNumber } } }`);
    await waitFor(async () => (await t.metric('hub_graphql_open_subscriptions')) === 3, 15_000, 'three subscriptions');

    const transit = { trackingNumber: 'ZT8000000001', status: 'IN_TRANSIT', occurredAt: chinaTime(2), location: { nodeCode: 'cdc-140821' } };
    await pushNative(t.url, 'zhongtong', [
      { trackingNumber: 'ZT8000000002', status: 'PICKED_UP', occurredAt: chinaTime(3), location: { regionCode: '140821100' } },
      transit,
      { trackingNumber: 'ZT8000000001', status: 'PICKED_UP', occurredAt: chinaTime(5), location: { nodeCode: 'vsp-140821100200' } },
    ]);
    const update = await mine.next();
    expect(update.errors).toBeUndefined();
    expect(update.data.shipmentUpdated.shipment).toMatchObject({ trackingNumber: 'ZT8000000001', status: 'IN_TRANSIT', courier: { code: 'zhongtong' } });
    expect(update.data.shipmentUpdated.newEvents.map((e: any) => [e.status, e.areaCode, e.format])).toEqual([
      ['PICKED_UP', '140821100200', 'NATIVE'],
      ['IN_TRANSIT', '140821', 'NATIVE'],
    ]);
    // The other parcel was not this subscriber's.
    await expect(mine.next(300)).rejects.toThrow(/no subscription event/);
    const both = [
      (await byCourierAndRegion.next()).data.shipmentUpdated.shipment.trackingNumber,
      (await byCourierAndRegion.next()).data.shipmentUpdated.shipment.trackingNumber,
    ];
    expect(both.sort()).toEqual(['ZT8000000001', 'ZT8000000002']);
    await expect(otherRegion.next(300)).rejects.toThrow(/no subscription event/);

    // A duplicate push moves nothing and publishes nothing.
    expect((await pushNative(t.url, 'zhongtong', [transit])).body).toMatchObject({ accepted: 0, duplicates: 1 });
    await expect(mine.next(300)).rejects.toThrow(/no subscription event/);
    mine.dispose();
    byCourierAndRegion.dispose();
    otherRegion.dispose();
  });

  it('delivers Kuaidi100 pushes the same way', async () => {
    const sub = subscribe(t.ws(), BY_NUMBER, { n: 'YT8000000001' });
    await waitFor(async () => (await t.metric('hub_graphql_open_subscriptions')) === 1, 10_000, 'subscription');
    const ftime = chinaTime(1).slice(0, 19).replace('T', ' ');
    await pushKuaidi100(t.url, 'yuantong', {
      status: 'polling',
      lastResult: {
        state: '3',
        com: 'yuantong',
        nu: 'YT8000000001',
        data: [{ context: '已签收', ftime, time: ftime, status: '签收', areaCode: 'CN140821100204' }],
      },
    });
    const update = await sub.next();
    expect(update.data.shipmentUpdated).toMatchObject({
      shipment: { status: 'DELIVERED' },
      newEvents: [{ status: 'DELIVERED', rawCode: '3', areaCode: '140821100204', format: 'KUAIDI100' }],
    });
    sub.dispose();
  });

  it('raises cold-chain alerts to alertRaised subscribers', async () => {
    const sub = subscribe(
      t.ws(),
      `subscription { alertRaised(kinds: [COLD_CHAIN_EXCURSION], regionCode: "1408") { kind severity message details shipment { trackingNumber } } }`,
    );
    await waitFor(async () => (await t.metric('hub_graphql_open_subscriptions')) === 1, 10_000, 'subscription');
    await pushNative(t.url, 'shunfeng', [
      {
        trackingNumber: 'SF8000000001',
        status: 'IN_TRANSIT',
        occurredAt: chinaTime(1),
        temperatureC: 12,
        location: { nodeCode: 'cold-140821-apple' },
        shipment: { product: 'apple' },
      },
    ]);
    const alert = await sub.next();
    expect(alert.data.alertRaised).toMatchObject({
      kind: 'COLD_CHAIN_EXCURSION',
      severity: 'CRITICAL',
      details: { temperatureC: 12, maxC: 4 },
      shipment: { trackingNumber: 'SF8000000001' },
    });
    sub.dispose();
  });

  it('refuses a malformed region filter at subscribe time', async () => {
    const sub = subscribe(t.ws(), `subscription { shipmentUpdated(regionCode: "14x") { shipment { trackingNumber } } }`);
    expect(JSON.stringify((await sub.next()).errors)).toContain('regionCode');
  });
});
