import { startTestHub, type TestHub } from '../support/test-hub.js';
import { TEST_SECRET, chinaTime, giveSecrets, kuaidi100Time, nativeHeaders, pushAftership, pushKuaidi100, pushNative } from './courier-push.js';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ DELAY_SCAN_INTERVAL_S: '0', RATE_LIMIT_PER_SECOND: '1000', RATE_LIMIT_BURST: '100000' });
  await giveSecrets(t.sql);
});
afterAll(() => t.close());

const SHIPMENT = `query ($n: String!, $c: String) { shipment(trackingNumber: $n, courier: $c) {
  trackingNumber status direction originCode destinationCode lastEventAt pickedUpAt deliveredAt
  originRegion { code } destinationRegion { code } courier { code } product { code }
  events { occurredAt status rawCode rawText areaCode format location temperatureC region { code } node { code } source { connector } }
} }`;

const picked = (n: string, hoursAgo: number, extra: Record<string, unknown> = {}) => ({
  trackingNumber: n,
  status: 'PICKED_UP',
  occurredAt: chinaTime(hoursAgo),
  rawCode: '1',
  description: '【王村村快递便民服务点】已揽收',
  location: { nodeCode: 'vsp-140821100200' },
  ...extra,
});

describe('native batch push POST /hooks/couriers/{courier}', () => {
  it('stores a signed batch and shows the parcel with its timeline, status derived by event time', async () => {
    const n = 'ZT7000000001';
    const res = await pushNative(t.url, 'zhongtong', [
      // Out of order on purpose: the delivery arrives before the transit scan.
      {
        trackingNumber: n,
        status: 'DELIVERED',
        occurredAt: chinaTime(1),
        rawCode: '3',
        description: '已签收，签收人：本人',
        location: { regionCode: 'CN110105000000', text: '北京市朝阳区' },
      },
      picked(n, 30, {
        shipment: {
          product: 'apple',
          isFarmProduct: true,
          destinationRegionCode: '110105',
          recipient: { name: '张三', phone: '13800001234', address: '北京市朝阳区某路1号' },
        },
      }),
      { trackingNumber: n, status: 'IN_TRANSIT', occurredAt: chinaTime(20), location: { nodeCode: 'cdc-140821' }, temperatureC: 3 },
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 3, duplicates: 0, rejected: [], shipmentsUpdated: 1 });

    const { data } = await t.gql(SHIPMENT, { n });
    expect(data.shipment).toMatchObject({
      trackingNumber: n,
      status: 'DELIVERED',
      courier: { code: 'zhongtong' },
      product: { code: 'apple' },
      // Picked up in a village of 临猗县 (a rural county), delivered in Beijing: upstream (上行).
      direction: 'UPSTREAM',
      originCode: '140821100200',
      originRegion: { code: '140821100200' },
      destinationCode: '110105',
      destinationRegion: null,
    });
    expect(data.shipment.events.map((e: any) => e.status)).toEqual(['PICKED_UP', 'IN_TRANSIT', 'DELIVERED']);
    expect(data.shipment.events[0]).toMatchObject({
      rawCode: '1',
      rawText: '【王村村快递便民服务点】已揽收',
      format: 'NATIVE',
      node: { code: 'vsp-140821100200' },
      region: { code: '140821100200' },
      source: { connector: 'courier:zhongtong' },
    });
    expect(data.shipment.events[1]).toMatchObject({ temperatureC: 3, region: { code: '140821' } });
    expect(data.shipment.events[2]).toMatchObject({ areaCode: '110105', location: '北京市朝阳区', region: null });
    expect(data.shipment.lastEventAt).toBe(data.shipment.events[2].occurredAt);
    // Personal data from the feed is stored (access control decides who sees it).
    const [row] = await t.sql('select recipient_name, recipient_phone from shipment where tracking_number = $1', [n]);
    expect(row).toEqual({ recipient_name: '张三', recipient_phone: '13800001234' });
    // The events' ingest time is the batch transaction's, as the new parcel's (the COPY leaves it to the column default).
    const times = await t.sql(
      'select distinct e.ingested_at = s.ingested_at as same from tracking_event e join shipment s on s.id = e.shipment_id where s.tracking_number = $1',
      [n],
    );
    expect(times).toEqual([{ same: true }]);
  });

  it('stores a re-sent event once and never sets the status back with an older event', async () => {
    const n = 'ZT7000000002';
    const first = [picked(n, 10), { trackingNumber: n, status: 'OUT_FOR_DELIVERY', occurredAt: chinaTime(2), location: { nodeCode: 'ts-140821100' } }];
    expect((await pushNative(t.url, 'zhongtong', first)).body).toMatchObject({ accepted: 2, duplicates: 0 });
    // A retry after a timeout (re-signed, same events) plus one late-arriving older scan.
    const again = await pushNative(t.url, 'zhongtong', [
      ...first,
      { trackingNumber: n, status: 'IN_TRANSIT', occurredAt: chinaTime(5), location: { nodeCode: 'cdc-140821' } },
    ]);
    expect(again.body).toMatchObject({ accepted: 1, duplicates: 2 });
    const { data } = await t.gql(SHIPMENT, { n });
    expect(data.shipment.status).toBe('OUT_FOR_DELIVERY');
    expect(data.shipment.events.map((e: any) => e.status)).toEqual(['PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY']);
    const [{ count }] = await t.sql(
      `select count(*)::int as count from tracking_event e join shipment s on s.id = e.shipment_id where s.tracking_number = $1`,
      [n],
    );
    expect(count).toBe(3);
  });

  it('answers each bad event by index with the field and reason, stores the rest, and keeps the bad ones for replay', async () => {
    const n = 'ZT7000000003';
    const res = await pushNative(t.url, 'zhongtong', [
      picked(n, 3),
      { trackingNumber: n, status: 'TELEPORTED', occurredAt: chinaTime(2) },
      { status: 'IN_TRANSIT', occurredAt: chinaTime(2) },
      { trackingNumber: n, status: 'IN_TRANSIT', occurredAt: chinaTime(-48) },
      { trackingNumber: n, status: 'IN_TRANSIT', occurredAt: chinaTime(1), location: { nodeCode: 'no-such-node' } },
      { trackingNumber: n, status: 'IN_TRANSIT', occurredAt: 'yesterday' },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(1);
    expect(res.body.rejected.map((r: any) => [r.index, r.field])).toEqual([
      [1, 'events[1].status'],
      [2, 'events[2].trackingNumber'],
      [3, 'events[3].occurredAt'],
      [4, 'events[4].location.nodeCode'],
      [5, 'events[5].occurredAt'],
    ]);
    expect(res.body.rejected[0].reason).toMatch(/unknown code/);
    expect(res.body.rejected[1].reason).toMatch(/missing/);
    expect(res.body.rejected[2].reason).toMatch(/impossible time .* future/);
    expect(res.body.rejected[3].reason).toMatch(/unknown logistics node "no-such-node"/);

    const kept = await t.gql(`{ rejectedRecords(connector: "courier:zhongtong", first: 50) { nodes { id field reason raw } } }`);
    const nodeRecord = kept.data.rejectedRecords.nodes.find((r: any) => r.field === 'events[4].location.nodeCode');
    expect(nodeRecord.raw).toMatchObject({ format: 'NATIVE', courier: 'zhongtong', event: { trackingNumber: n, location: { nodeCode: 'no-such-node' } } });

    // The node is registered later; the kept event is replayed through the same ingest path.
    await t.sql(
      `insert into logistics_node (code, name, kind, region_code, filing_status) values ('no-such-node', '临晋镇新驿站', 'TOWNSHIP_STATION', '140821102', 'PENDING')`,
    );
    const replay = await t.gql(`mutation ($ids: [ID!]!) { replayRejectedTrackingEvents(ids: $ids) { rejectedRecordId outcome reason } }`, {
      ids: [nodeRecord.id],
    });
    expect(replay.data.replayRejectedTrackingEvents).toEqual([{ rejectedRecordId: nodeRecord.id, outcome: 'REPLAYED', reason: null }]);
    const { data } = await t.gql(SHIPMENT, { n });
    expect(data.shipment.events.map((e: any) => e.node?.code)).toEqual(['vsp-140821100200', 'no-such-node']);
    const [{ status }] = await t.sql(`select status from rejected_record where id = $1`, [Buffer.from(nodeRecord.id, 'base64url').toString().split(':')[1]]);
    expect(status).toBe('REPLAYED');
  });

  it('refuses a wrong signature, a stale timestamp and a replayed signature with 401, storing nothing', async () => {
    const body = JSON.stringify({ events: [picked('ZT7000000004', 1)] });
    const post = (headers: Record<string, string>) =>
      fetch(`${t.url}/hooks/couriers/zhongtong`, { method: 'POST', headers, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

    const wrong = await post(nativeHeaders(body, 'not-the-secret-at-all'));
    expect(wrong).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED', reason: 'MISMATCH' } } });
    const stale = await post(nativeHeaders(body, TEST_SECRET, Math.floor(Date.now() / 1000) - 301));
    expect(stale).toMatchObject({ status: 401, body: { error: { reason: 'STALE_TIMESTAMP' } } });
    expect(stale.body.error.message).toMatch(/tolerance 300 s/);
    const missing = await post({ 'content-type': 'application/json' });
    expect(missing).toMatchObject({ status: 401, body: { error: { reason: 'MISSING' } } });
    expect(await t.sql(`select 1 from shipment where tracking_number = 'ZT7000000004'`)).toHaveLength(0);

    const signed = nativeHeaders(body);
    expect((await post(signed)).status).toBe(200);
    const replayed = await post(signed);
    expect(replayed).toMatchObject({ status: 401, body: { error: { reason: 'REPLAYED' } } });
  });

  it('accepts both the new and the previous secret after a rotation, and not the one before', async () => {
    const { setCourierSecret } = await import('../../src/logistics/courier-credential.service.js');
    const em = t.hub.db.orm.em.fork();
    await setCourierSecret(em, 'yunda', 'yunda-second-secret-xyz');
    await setCourierSecret(em, 'yunda', 'yunda-third-secret-xyz');
    const event = (i: number) => [picked(`YD700000000${i}`, 1)];
    expect((await pushNative(t.url, 'yunda', event(1), { secret: 'yunda-third-secret-xyz' })).status).toBe(200);
    expect((await pushNative(t.url, 'yunda', event(2), { secret: 'yunda-second-secret-xyz' })).status).toBe(200);
    expect((await pushNative(t.url, 'yunda', event(3), { secret: TEST_SECRET })).status).toBe(401);
  });

  it('answers malformed JSON with 400 (kept whole), an unknown courier with 404 and an oversized body with 413', async () => {
    const bad = await pushNative(t.url, 'zhongtong', [], { body: '{"events": [' });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT' } } });
    expect(bad.body.error.message).toMatch(/Malformed JSON/);
    const [kept] = await t.sql(`select raw from rejected_record where connector = 'courier:zhongtong' and raw->>'body' = '{"events": ['`);
    expect(kept.raw.format).toBe('NATIVE');

    const tooMany = await pushNative(
      t.url,
      'zhongtong',
      Array.from({ length: 1001 }, (_, i) => picked(`ZT71${String(i).padStart(8, '0')}`, 1)),
    );
    expect(tooMany).toMatchObject({ status: 413, body: { error: { code: 'TOO_MANY_ITEMS', field: 'events', limit: 1000, count: 1001 } } });
    expect(tooMany.body.error.message).toMatch(/at most 1000/);

    expect((await pushNative(t.url, 'no-such-courier', [picked('ZT7000000005', 1)])).status).toBe(404);

    const huge = JSON.stringify({ events: [{ ...picked('ZT7000000006', 1), description: 'x'.repeat(3 * 1024 * 1024) }] });
    const res = await fetch(`${t.url}/hooks/couriers/zhongtong`, { method: 'POST', headers: nativeHeaders(huge), body: huge });
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('Kuaidi100-compatible push', () => {
  const param = (nu: string, data: unknown[], com = 'yuantong') => ({
    status: 'polling',
    billstatus: 'got',
    message: '',
    lastResult: { message: 'ok', state: '0', status: '200', condition: 'F00', ischeck: '0', com, nu, data },
  });

  it('verifies sign, answers Kuaidi100 success, maps state names and CN area codes', async () => {
    const nu = 'YT7000000001';
    const at = Object.fromEntries([0.5, 1, 5, 20].map((h) => [h, kuaidi100Time(h)]));
    const res = await pushKuaidi100(
      t.url,
      'yuantong',
      param(nu, [
        {
          context: '【临晋镇】快件已送达临晋镇快递综合服务站，正在派件',
          time: at[1],
          ftime: at[1],
          status: '派件',
          areaCode: 'CN140821102000',
          areaName: '山西,运城市,临猗县,临晋镇',
        },
        {
          context: '快件已到达【临猗县寄递公共配送中心】',
          time: at[5],
          ftime: at[5],
          status: '在途',
          areaCode: 'CN140821000000',
          areaName: '山西,运城市,临猗县',
        },
        { context: '【太原分拨中心】已揽收', time: at[20], ftime: at[20], status: '揽收', areaCode: 'CN140105000000', areaName: '山西,太原市,小店区' },
      ]),
    );
    expect(res).toEqual({ status: 200, body: { result: true, returnCode: '200', message: '成功' } });
    const { data } = await t.gql(SHIPMENT, { n: nu });
    expect(data.shipment).toMatchObject({ status: 'OUT_FOR_DELIVERY', originCode: '140105', destinationCode: null, direction: 'NONE' });
    expect(data.shipment.events.map((e: any) => [e.status, e.rawCode, e.areaCode, e.format])).toEqual([
      ['PICKED_UP', '1', '140105', 'KUAIDI100'],
      ['IN_TRANSIT', '0', '140821', 'KUAIDI100'],
      ['OUT_FOR_DELIVERY', '5', '140821102', 'KUAIDI100'],
    ]);
    // Kuaidi100 pushes the whole history again with one more entry: only the new one is stored.
    const history = [
      { context: '已签收，签收人：本人', time: at[0.5], ftime: at[0.5], status: '签收', areaCode: 'CN140821102201', areaName: '临晋镇西关村' },
      {
        context: '【临晋镇】快件已送达临晋镇快递综合服务站，正在派件',
        time: at[1],
        ftime: at[1],
        status: '派件',
        areaCode: 'CN140821102000',
        areaName: '山西,运城市,临猗县,临晋镇',
      },
      {
        context: '快件已到达【临猗县寄递公共配送中心】',
        time: at[5],
        ftime: at[5],
        status: '在途',
        areaCode: 'CN140821000000',
        areaName: '山西,运城市,临猗县',
      },
      { context: '【太原分拨中心】已揽收', time: at[20], ftime: at[20], status: '揽收', areaCode: 'CN140105000000', areaName: '山西,太原市,小店区' },
    ];
    expect((await pushKuaidi100(t.url, 'yuantong', param(nu, history))).body.result).toBe(true);
    const after = (await t.gql(SHIPMENT, { n: nu })).data.shipment;
    expect(after.events).toHaveLength(4);
    // Picked up in a city district (小店区, not rural), delivered to a village: downstream (下行).
    expect(after).toMatchObject({ status: 'DELIVERED', destinationCode: '140821102201', direction: 'DOWNSTREAM' });
  });

  it('refuses a wrong sign with result false and stores nothing', async () => {
    const res = await pushKuaidi100(
      t.url,
      'yuantong',
      param('YT7000000002', [{ context: 'x', ftime: kuaidi100Time(1), status: '在途' }]),
      'wrong-salt-0123456789',
    );
    expect(res).toMatchObject({ status: 401, body: { result: false, returnCode: '401' } });
    expect(await t.sql(`select 1 from shipment where tracking_number = 'YT7000000002'`)).toHaveLength(0);
  });

  it('keeps entries of another courier or with an unknown status for replay and still answers success', async () => {
    const res = await pushKuaidi100(t.url, 'yuantong', param('YT7000000003', [{ context: '?', ftime: kuaidi100Time(1), status: '飞行中' }]));
    expect(res.body.result).toBe(true);
    const other = await pushKuaidi100(t.url, 'yuantong', param('ZT7000000009', [{ context: '在途', ftime: kuaidi100Time(1), status: '在途' }], 'zhongtong'));
    expect(other.body.result).toBe(true);
    const kept = await t.sql(`select field, reason from rejected_record where connector = 'courier:yuantong' order by id`);
    expect(kept).toEqual([
      { field: 'lastResult.data[0].status', reason: 'unknown status "飞行中".' },
      { field: 'lastResult.data[0].com', reason: 'event of courier "zhongtong" pushed by courier "yuantong".' },
    ]);
  });
});

describe('AfterShip-compatible webhook', () => {
  it('verifies aftership-hmac-sha256, maps tags and matches node names; a failed attempt raises an alert', async () => {
    const payload = {
      ts: Math.floor(Date.now() / 1000),
      event: 'tracking_update',
      event_id: 'e7c1f8e0-0000-4000-8000-000000000001',
      msg: {
        tracking_number: 'SF7000000001',
        slug: 'sf-express',
        tag: 'AttemptFail',
        checkpoints: [
          {
            checkpoint_time: chinaTime(30),
            message: '顺丰速运 已收取快件',
            tag: 'InTransit',
            subtag: 'InTransit_002',
            location: '太原快件分拨中心',
            city: '太原市',
            country_iso3: 'CHN',
          },
          {
            checkpoint_time: chinaTime(2),
            message: '派送不成功，收件人电话无人接听',
            tag: 'AttemptFail',
            subtag: 'AttemptFail_001',
            location: '猗氏镇快递综合服务站',
            country_iso3: 'CHN',
          },
        ],
      },
    };
    const res = await pushAftership(t.url, 'shunfeng', payload);
    expect(res).toMatchObject({ status: 200, body: { accepted: 2, rejected: [] } });
    const { data } = await t.gql(SHIPMENT, { n: 'SF7000000001' });
    expect(data.shipment.status).toBe('FAILED_ATTEMPT');
    expect(data.shipment.events.map((e: any) => [e.status, e.rawCode, e.node?.code, e.format])).toEqual([
      ['PICKED_UP', 'InTransit_002', 'sort-1401-taiyuan', 'AFTERSHIP'],
      ['FAILED_ATTEMPT', 'AttemptFail_001', 'ts-140821100', 'AFTERSHIP'],
    ]);
    // Delivered to a township station area: downstream (下行) once a place at township level is known.
    expect(data.shipment.originCode).toBe('140105');
    const alerts = await t.gql(`{ alerts(kinds: [FAILED_ATTEMPT], first: 10) { nodes { kind message region { code } shipment { trackingNumber } } } }`);
    expect(alerts.data.alerts.nodes).toEqual([
      { kind: 'FAILED_ATTEMPT', message: expect.stringContaining('派送不成功'), region: { code: '140821100' }, shipment: { trackingNumber: 'SF7000000001' } },
    ]);

    const forged = await fetch(`${t.url}/hooks/couriers/shunfeng/aftership`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'aftership-hmac-sha256': 'AAAA' },
      body: JSON.stringify(payload),
    });
    expect(forged.status).toBe(401);
  });
});

describe('alerts from the feed', () => {
  it('raises a cold-chain excursion for a reading outside the product range, and an exception', async () => {
    const n = 'JD7000000001';
    await pushNative(t.url, 'jd', [
      picked(n, 6, { shipment: { product: 'apple' } }),
      { trackingNumber: n, status: 'IN_TRANSIT', occurredAt: chinaTime(4), location: { nodeCode: 'cold-140821-apple' }, temperatureC: 2.5 },
      { trackingNumber: n, status: 'IN_TRANSIT', occurredAt: chinaTime(3), location: { nodeCode: 'cdc-140821' }, temperatureC: 9.5 },
      { trackingNumber: n, status: 'EXCEPTION', occurredAt: chinaTime(2), rawCode: '209', description: '外包装破损', location: { nodeCode: 'cdc-140821' } },
    ]);
    const { data } = await t.gql(
      `{ alerts(kinds: [COLD_CHAIN_EXCURSION, EXCEPTION], regionUnder: "1408", first: 10) { nodes { kind severity details product { code } shipment { trackingNumber } } } }`,
    );
    const mine = data.alerts.nodes.filter((a: any) => a.shipment?.trackingNumber === n);
    expect(mine.map((a: any) => a.kind).sort()).toEqual(['COLD_CHAIN_EXCURSION', 'EXCEPTION']);
    const cold = mine.find((a: any) => a.kind === 'COLD_CHAIN_EXCURSION');
    expect(cold).toMatchObject({ severity: 'CRITICAL', product: { code: 'apple' }, details: { temperatureC: 9.5, minC: -1, maxC: 4 } });
  });

  it('raises DELAYED for a parcel with no scan for longer than DELAY_ALERT_HOURS (once per quiet period) and past its promised time', async () => {
    const n = 'JD7000000002';
    await pushNative(t.url, 'jd', [picked(n, 30, { shipment: { promisedAt: chinaTime(2) } })]);
    const delivered = 'JD7000000003';
    await pushNative(t.url, 'jd', [picked(delivered, 40), { trackingNumber: delivered, status: 'DELIVERED', occurredAt: chinaTime(30) }]);
    expect(await t.hub.delayScanner.scanOnce()).toBeGreaterThanOrEqual(2);
    expect(await t.hub.delayScanner.scanOnce()).toBe(0);
    const { data } = await t.gql(`{ alerts(kinds: [DELAYED], first: 50) { nodes { message details shipment { trackingNumber } } } }`);
    const mine = data.alerts.nodes.filter((a: any) => a.shipment.trackingNumber === n);
    expect(mine.map((a: any) => a.details.reason).sort()).toEqual(['NO_SCAN', 'PAST_PROMISED_TIME']);
    expect(data.alerts.nodes.some((a: any) => a.shipment.trackingNumber === delivered)).toBe(false);
  });
});

describe('queries', () => {
  it('filters shipments by courier, status, direction, region subtree and time of the latest event', async () => {
    const q = `query ($f: String, $s: ShipmentStatus, $d: ShipmentDirection, $r: String, $after: String) {
      shipments(courier: $f, status: $s, direction: $d, regionUnder: $r, lastEventAfter: $after, first: 100) { totalCount nodes { trackingNumber } } }`;
    const numbers = async (v: Record<string, unknown>) => (await t.gql(q, v)).data.shipments.nodes.map((s: any) => s.trackingNumber).sort();
    expect(await numbers({ f: 'zhongtong', s: 'DELIVERED' })).toEqual(['ZT7000000001']);
    expect(await numbers({ d: 'UPSTREAM' })).toContain('ZT7000000001');
    expect(await numbers({ f: 'yuantong', r: '140105' })).toEqual(['YT7000000001']);
    expect(await numbers({ f: 'zhongtong', after: new Date(Date.now() - 90 * 60_000).toISOString() })).not.toContain('ZT7000000002');
    const bad = await t.gql(q, { r: '14x' });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('accepts the same events through the ingestTrackingEvents mutation', async () => {
    const res = await t.gql(
      `mutation ($e: [TrackingEventInput!]!) { ingestTrackingEvents(courier: "ems", events: $e) { accepted duplicates rejected { index field reason } } }`,
      {
        e: [
          { trackingNumber: 'EM7000000001', status: 'PICKED_UP', occurredAt: chinaTime(5), location: { regionCode: '140821101201' } },
          { trackingNumber: 'EM7000000001', status: 'DELIVERED', occurredAt: chinaTime(1), location: { regionCode: '140703201' } },
          { trackingNumber: 'EM7000000001', status: 'DELIVERED', occurredAt: '2026-13-45T00:00:00Z' },
        ],
      },
    );
    expect(res.data.ingestTrackingEvents).toMatchObject({ accepted: 2, duplicates: 0, rejected: [{ index: 2, field: 'events[2].occurredAt' }] });
    const { data } = await t.gql(SHIPMENT, { n: 'EM7000000001' });
    // From a village of 临猗县 to a township (乡) of 太谷区: leaves its rural county, so upstream wins over downstream.
    expect(data.shipment).toMatchObject({ status: 'DELIVERED', direction: 'UPSTREAM', destinationRegion: { code: '140703201' } });
    expect(data.shipment.events[0].format).toBe('GRAPHQL');
  });
});
