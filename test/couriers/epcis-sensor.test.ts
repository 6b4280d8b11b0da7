import { startTestHub, type TestHub } from '../support/test-hub.js';
import { chinaTime, giveSecrets, nativeHeaders, pushNative } from './courier-push.js';

/** GS1 EPCIS 2.0 sensor reports (cold chain) at POST /hooks/couriers/{courier}/epcis, signed like native batches. */
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ DELAY_SCAN_INTERVAL_S: '0' });
  await giveSecrets(t.sql);
});
afterAll(() => t.close());

const epcisEvent = (n: string, hoursAgo: number, bizStep: string, celsius: number[], node: string) => ({
  type: 'ObjectEvent',
  eventID: `ni:///sha-256;${n}-${bizStep}-${hoursAgo}`,
  eventTime: chinaTime(hoursAgo),
  eventTimeZoneOffset: '+08:00',
  action: 'OBSERVE',
  bizStep,
  disposition: 'in_transit',
  epcList: [`urn:epc:id:sgtin:0614141.107346.${n}`],
  bizTransactionList: [{ type: 'bol', bizTransaction: `urn:epcglobal:cbv:bt:0614141000005:${n}` }],
  bizLocation: { id: `urn:harvest-hub:node:${node}` },
  sensorElementList: [{ sensorReport: celsius.map((value) => ({ type: 'gs1:Temperature', value, uom: 'CEL' })) }],
});

async function pushEpcis(courier: string, eventList: unknown[]) {
  const body = JSON.stringify({
    '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: chinaTime(0),
    epcisBody: { eventList },
  });
  const res = await fetch(`${t.url}/hooks/couriers/${courier}/epcis`, { method: 'POST', headers: nativeHeaders(body), body });
  return { status: res.status, body: (await res.json()) as any };
}

describe('EPCIS sensor reports', () => {
  it('stores the readings on the timeline and raises a cold-chain excursion for the one reading outside the range', async () => {
    const n = 'JDEPCIS00001';
    // The parcel is declared (product apple, cold chain -1..4 °C) by a native push first.
    const declared = await pushNative(t.url, 'jd', [
      { trackingNumber: n, status: 'PICKED_UP', occurredAt: chinaTime(6), location: { nodeCode: 'vsp-140821100200' }, shipment: { product: 'apple' } },
    ]);
    expect(declared.status).toBe(200);

    const pushed = await pushEpcis('jd', [
      epcisEvent(n, 4, 'urn:epcglobal:cbv:bizstep:transporting', [2.1, 2.4, 2.2], 'cold-140821-apple'),
      epcisEvent(n, 3, 'arriving', [3.0, 8.7, 3.1], 'cdc-140821'),
    ]);
    expect(pushed.status).toBe(200);
    expect(pushed.body).toMatchObject({ accepted: 2, rejected: [] });

    const { data } = await t.gql(`query ($n: String!) { shipment(trackingNumber: $n) { status events { status rawCode temperatureC node { code } } } }`, { n });
    expect(data.shipment.events.map((e: any) => [e.status, e.rawCode, e.temperatureC, e.node?.code])).toEqual([
      ['PICKED_UP', 'PICKED_UP', null, 'vsp-140821100200'],
      ['IN_TRANSIT', 'transporting', 2.4, 'cold-140821-apple'],
      ['ARRIVED_AT_NODE', 'arriving', 8.7, 'cdc-140821'],
    ]);
    const alerts = await t.gql(`{ alerts(kinds: [COLD_CHAIN_EXCURSION], first: 10) { nodes { details shipment { trackingNumber } } } }`);
    const mine = alerts.data.alerts.nodes.filter((a: any) => a.shipment?.trackingNumber === n);
    expect(mine).toHaveLength(1);
    expect(mine[0].details).toMatchObject({ temperatureC: 8.7, minC: -1, maxC: 4 });
  });

  it('refuses an unknown business step by index and keeps it for replay', async () => {
    const pushed = await pushEpcis('jd', [epcisEvent('JDEPCIS00002', 2, 'dancing', [2], 'cdc-140821')]);
    expect(pushed.status).toBe(200);
    expect(pushed.body.accepted).toBe(0);
    expect(pushed.body.rejected[0]).toMatchObject({ index: 0, field: expect.stringContaining('bizStep') });
    const [{ n }] = await t.sql(`select count(*)::int as n from rejected_record where connector = 'courier:jd' and raw::text like '%dancing%'`);
    expect(n).toBe(1);
  });
});
