import { startTestHub, type TestHub } from '../support/test-hub.js';

let t: TestHub;
let ztoKey: string;
beforeAll(async () => {
  t = await startTestHub();
  ztoKey = await t.createKey({ role: 'COURIER', courier: 'zhongtong' });
});
afterAll(() => t.close());

const INGEST = `mutation ($courier: String!, $events: [TrackingEventInput!]!) {
  ingestTrackingEvents(courier: $courier, events: $events) { accepted duplicates rejected { index field reason } }
}`;
const event = (trackingNumber: string) => ({
  trackingNumber,
  status: 'PICKED_UP',
  occurredAt: '2026-11-20T09:15:00+08:00',
  location: { regionCode: '140121' },
});

describe('ingestTrackingEvents for courier keys', () => {
  it('lets a courier push events of its own firm', async () => {
    const res = await t.as(ztoKey).gql(INGEST, { courier: 'zhongtong', events: [event('ZT-ACCESS-1')] });
    expect(res.errors).toBeUndefined();
    expect(res.data.ingestTrackingEvents).toMatchObject({ accepted: 1, rejected: [] });
    const own = await t.as(ztoKey).gql(`{ shipment(trackingNumber: "ZT-ACCESS-1") { status courier { code } } }`);
    expect(own.data.shipment).toEqual({ status: 'PICKED_UP', courier: { code: 'zhongtong' } });
  });

  it('refuses a courier pushing as another firm, storing nothing', async () => {
    const res = await t.as(ztoKey).gql(INGEST, { courier: 'yuantong', events: [event('YT-ACCESS-1')] });
    expect(res.errors![0].extensions!.code).toBe('FORBIDDEN');
    expect(res.errors![0].message).toContain('zhongtong');
    const [{ n }] = await t.sql(`select count(*)::int as n from shipment where tracking_number = 'YT-ACCESS-1'`);
    expect(n).toBe(0);
  });

  it('keeps replaying kept events an ADMIN operation', async () => {
    const res = await t.as(ztoKey).gql(`mutation { replayRejectedTrackingEvents(ids: []) { outcome } }`);
    expect(res.errors![0].extensions!.code).toBe('FORBIDDEN');
  });
});
