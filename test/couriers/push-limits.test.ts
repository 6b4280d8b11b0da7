import { startTestHub, type TestHub } from '../support/test-hub.js';
import { chinaTime, giveSecrets, kuaidi100Time, nativeHeaders, pushAftership, pushKuaidi100, pushNative } from './courier-push.js';

/**
 * Issue #11 on the ingest path: items per push capped in every format (an
 * oversized push is refused whole and keeps nothing), replayed pushes write
 * nothing, tracking numbers validated in every format.
 */
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ DELAY_SCAN_INTERVAL_S: '0', RATE_LIMIT_PER_SECOND: '1000', RATE_LIMIT_BURST: '100000' });
  await giveSecrets(t.sql);
});
afterAll(() => t.close());

const rejectedCount = async () => Number((await t.sql(`select count(*)::int as n from rejected_record`))[0].n);

/** POSTs an EPCIS document, signed like a native push. */
async function pushEpcis(courier: string, document: unknown) {
  const body = JSON.stringify(document);
  const res = await fetch(`${t.url}/hooks/couriers/${courier}/epcis`, { method: 'POST', headers: nativeHeaders(body), body });
  return { status: res.status, body: (await res.json()) as any };
}

const epcisEvent = (n: string, extra: Record<string, unknown> = {}) => ({
  type: 'ObjectEvent',
  eventTime: new Date(Date.now() - 3_600_000).toISOString(),
  eventTimeZoneOffset: '+08:00',
  action: 'OBSERVE',
  bizStep: 'shipping',
  epcList: [`urn:epc:id:sgtin:0614141.107346.${n}`],
  ...extra,
});

describe('items per push are capped in every format', () => {
  it('refuses an 8 KB AfterShip body with 2,000 empty checkpoints with 413 naming the limit, keeping nothing', async () => {
    const before = await rejectedCount();
    const payload = {
      ts: Math.floor(Date.now() / 1000),
      event: 'tracking_update',
      msg: { tracking_number: 'SF7100000001', slug: 'sf-express', checkpoints: Array.from({ length: 2000 }, () => ({})) },
    };
    const res = await pushAftership(t.url, 'shunfeng', payload);
    expect(res).toMatchObject({ status: 413, body: { error: { code: 'TOO_MANY_ITEMS', field: 'msg.checkpoints', limit: 1000, count: 2000 } } });
    expect(res.body.error.message).toMatch(/at most 1000/);
    expect(await rejectedCount()).toBe(before);
  });

  it('refuses a Kuaidi100 push with 1,001 entries (result false, 413) and an EPCIS document with 1,001 events, keeping nothing', async () => {
    const before = await rejectedCount();
    const data = Array.from({ length: 1001 }, (_, i) => ({ context: `在途 ${i}`, ftime: kuaidi100Time(1 + i / 1000), status: '在途' }));
    const kuaidi = await pushKuaidi100(t.url, 'yuantong', { status: 'polling', lastResult: { state: '0', com: 'yuantong', nu: 'YT7100000001', data } });
    expect(kuaidi).toMatchObject({ status: 413, body: { result: false, returnCode: '413' } });
    expect(kuaidi.body.message).toMatch(/param\.lastResult\.data holds 1001 items; a push may carry at most 1000/);
    const epcis = await pushEpcis('jd', {
      type: 'EPCISDocument',
      epcisBody: { eventList: Array.from({ length: 1001 }, (_, i) => epcisEvent(`JD71${String(i).padStart(6, '0')}`)) },
    });
    expect(epcis).toMatchObject({ status: 413, body: { error: { code: 'TOO_MANY_ITEMS', field: 'epcisBody.eventList', limit: 1000 } } });
    expect(await rejectedCount()).toBe(before);
    expect(await t.sql(`select 1 from shipment where tracking_number in ('YT7100000001', 'JD71000000')`)).toHaveLength(0);
  });

  it('refuses more than 1,000 events through the ingestTrackingEvents mutation, naming the argument', async () => {
    const events = Array.from({ length: 1001 }, (_, i) => ({
      trackingNumber: `EM71${String(i).padStart(6, '0')}`,
      status: 'PICKED_UP',
      occurredAt: chinaTime(1),
    }));
    const res = await t.gql(`mutation ($e: [TrackingEventInput!]!) { ingestTrackingEvents(courier: "ems", events: $e) { accepted } }`, { e: events });
    expect(res.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argumentName: 'events' } });
    expect(res.errors?.[0].message).toMatch(/1 to 1000 events/);
  });
});

describe('a replayed push writes nothing', () => {
  it('refuses a replayed native signature before keeping its refused events', async () => {
    const body = JSON.stringify({
      events: [
        { trackingNumber: 'ZT7100000001', status: 'PICKED_UP', occurredAt: chinaTime(2), location: { nodeCode: 'cdc-140821' } },
        { trackingNumber: 'ZT7100000001', status: 'IN_TRANSIT', occurredAt: chinaTime(1), location: { nodeCode: 'no-such-node-71' } },
      ],
    });
    const headers = nativeHeaders(body);
    const post = () =>
      fetch(`${t.url}/hooks/couriers/zhongtong`, { method: 'POST', headers, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
    const first = await post();
    expect(first.body).toMatchObject({ accepted: 1, rejected: [{ index: 1, field: 'events[1].location.nodeCode' }] });
    const rejected = await rejectedCount();
    const events = await t.sql(`select count(*)::int as n from tracking_event`);
    const replayed = await post();
    expect(replayed).toMatchObject({ status: 401, body: { error: { reason: 'REPLAYED' } } });
    expect(await rejectedCount()).toBe(rejected);
    expect(await t.sql(`select count(*)::int as n from tracking_event`)).toEqual(events);
  });

  it('answers an AfterShip body sent again (AfterShip signs no timestamp) as a replay before reading it: nothing stored, nothing kept', async () => {
    const payload = {
      ts: Math.floor(Date.now() / 1000),
      event: 'tracking_update',
      msg: {
        tracking_number: 'SF7100000002',
        slug: 'sf-express',
        checkpoints: [
          { checkpoint_time: chinaTime(5), message: '已收取快件', tag: 'InTransit', subtag: 'InTransit_002', location: '太原快件分拨中心' },
          { checkpoint_time: chinaTime(4), message: '?', tag: 'Teleported' },
        ],
      },
    };
    const first = await pushAftership(t.url, 'shunfeng', payload);
    expect(first.body).toMatchObject({ accepted: 1, duplicates: 0, rejected: [{ index: 1, field: 'msg.checkpoints[1].tag' }] });
    const rejected = await rejectedCount();
    const events = await t.sql(`select count(*)::int as n from tracking_event`);
    // Before, the body was read again: its event counted as a duplicate and its refused checkpoint looked up again.
    const again = await pushAftership(t.url, 'shunfeng', payload);
    expect(again).toMatchObject({ status: 200, body: { accepted: 0, duplicates: 0, rejected: [], replayed: true } });
    expect(await rejectedCount()).toBe(rejected);
    expect(await t.sql(`select count(*)::int as n from tracking_event`)).toEqual(events);
    // A new delivery (another body) is read as usual.
    const next = await pushAftership(t.url, 'shunfeng', { ...payload, ts: payload.ts + 60 });
    expect(next.body).toMatchObject({ accepted: 0, duplicates: 1, rejected: [{ index: 1, rejectedRecordId: first.body.rejected[0].rejectedRecordId }] });
    expect(next.body.replayed).toBeUndefined();
  });

  it('answers a Kuaidi100 push sent again with success before reading it: no event, no kept entry, no second abort record', async () => {
    const param = {
      status: 'abort',
      message: '3天查询无记录',
      lastResult: {
        state: '0',
        com: 'yuantong',
        nu: 'YT7100000003',
        data: [
          { context: '已揽收', ftime: kuaidi100Time(3), status: '揽收' },
          { context: '?', ftime: kuaidi100Time(2), status: '传送门' },
        ],
      },
    };
    const first = await pushKuaidi100(t.url, 'yuantong', param);
    expect(first).toMatchObject({ status: 200, body: { result: true } });
    const rejected = await rejectedCount();
    const events = await t.sql(`select count(*)::int as n from tracking_event`);
    const [digests] = await t.sql(`select count(*)::int as n from webhook_signature where signature like 'body:KUAIDI100:%'`);
    expect(digests.n).toBeGreaterThanOrEqual(1);
    const again = await pushKuaidi100(t.url, 'yuantong', param);
    expect(again).toMatchObject({ status: 200, body: { result: true } });
    expect(await rejectedCount()).toBe(rejected);
    expect(await t.sql(`select count(*)::int as n from tracking_event`)).toEqual(events);
  });
});

describe('tracking numbers are validated in every format', () => {
  const formula = '=HYPERLINK("http://evil.example/x","查件")';

  it('refuses a formula as a Kuaidi100 waybill number, naming the field, and stores no parcel', async () => {
    await pushKuaidi100(t.url, 'yuantong', {
      status: 'polling',
      lastResult: { state: '0', com: 'yuantong', nu: formula, data: [{ context: '在途', ftime: kuaidi100Time(1), status: '在途' }] },
    });
    const [kept] = await t.sql(`select field, reason from rejected_record where connector = 'courier:yuantong' and raw->'event'->>'nu' = $1`, [formula]);
    expect(kept).toMatchObject({ field: 'lastResult.data[0].nu' });
    expect(kept.reason).toMatch(/is not a tracking number/);
  });

  it('refuses it in AfterShip and EPCIS too, and in a native push through the JSON Schema', async () => {
    const after = await pushAftership(t.url, 'shunfeng', {
      msg: { tracking_number: formula, slug: 'sf-express', checkpoints: [{ checkpoint_time: chinaTime(1), tag: 'InTransit' }] },
    });
    expect(after.body).toMatchObject({ accepted: 0, rejected: [{ index: 0, field: 'msg.checkpoints[0].tracking_number' }] });
    const epcis = await pushEpcis('jd', { type: 'EPCISDocument', epcisBody: { eventList: [epcisEvent('x', { epcList: [`urn:epc:id:sgtin:${formula}`] })] } });
    expect(epcis.body).toMatchObject({ accepted: 0, rejected: [{ index: 0, field: 'epcisBody.eventList[0].epcList' }] });
    const native = await pushNative(t.url, 'zhongtong', [{ trackingNumber: formula, status: 'PICKED_UP', occurredAt: chinaTime(1) }]);
    expect(native.body).toMatchObject({ accepted: 0, rejected: [{ index: 0, field: 'events[0].trackingNumber' }] });
    expect(await t.sql(`select 1 from shipment where tracking_number like '%HYPERLINK%' or tracking_number like '%evil%'`)).toHaveLength(0);
  });
});
