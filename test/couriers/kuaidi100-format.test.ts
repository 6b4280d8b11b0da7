import { startTestHub, type TestHub } from '../support/test-hub.js';
import { KUAIDI100_STATE_CODES, KUAIDI100_STATE_NAMES, mapKuaidi100Item, splitKuaidi100Param } from '../../src/logistics/feeds/kuaidi100.mapper.js';
import { FeedProblem } from '../../src/logistics/feeds/feed-event.js';
import { giveSecrets, kuaidi100Time, pushKuaidi100 } from './courier-push.js';

/**
 * The Kuaidi100 push checked against Kuaidi100's documentation (issue #11):
 * https://apifox.com/apidoc/project-514987/api-8568518 (push: param.status,
 * autoCheck, comOld, comNew, lastResult) and the state table of
 * https://apifox.com/apidoc/project-514987/api-8562559 (1.6 运单快递状态说明),
 * customs states from https://api.kuaidi100.com/document/5ff2c3e7ba1bf00302f5612e.
 */

/** The documented sample push, shape and values as in the documentation (autoCheck 1: the courier was corrected to ems). */
const documentedSample = () => ({
  status: 'polling',
  billstatus: 'got',
  message: '',
  autoCheck: '1',
  comOld: 'yuantong',
  comNew: 'ems',
  lastResult: {
    message: 'ok',
    state: '0',
    status: '200',
    condition: 'F00',
    ischeck: '0',
    com: 'yuantong',
    nu: 'V030344422',
    data: [
      {
        context: '上海分拨中心/装件入车扫描 ',
        time: '2012-08-28 16:33:19',
        ftime: '2012-08-28 16:33:19',
        status: '在途',
        areaCode: '310000000000',
        areaName: '上海市',
      },
      {
        context: '上海分拨中心/下车扫描 ',
        time: '2012-08-27 23:22:42',
        ftime: '2012-08-27 23:22:42',
        status: '在途',
        areaCode: '310000000000',
        areaName: '上海市',
      },
    ],
  },
});

const mapAll = (param: unknown) => splitKuaidi100Param(param).map((item) => mapKuaidi100Item(item.raw));
const problem = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof FeedProblem) return { field: error.field, reason: error.message };
    throw error;
  }
  throw new Error('expected a FeedProblem');
};

describe('Kuaidi100 state table (documented)', () => {
  it('reads the documented sample: China time without offset, region codes without CN, and comNew as the courier', () => {
    const [newest, older] = mapAll(documentedSample());
    expect(newest).toMatchObject({
      trackingNumber: 'V030344422',
      status: 'IN_TRANSIT',
      rawCode: '0',
      areaCode: '31',
      location: '上海市',
      courierCode: 'ems',
      courierField: 'comNew',
    });
    expect(newest.occurredAt.toISOString()).toBe('2012-08-28T08:33:19.000Z');
    expect(older.occurredAt.toISOString()).toBe('2012-08-27T15:22:42.000Z');
  });

  it.each([
    // [code, name, status]: every main state and advanced state of the documented table, customs included.
    ['0', '在途', 'IN_TRANSIT'],
    ['1', '揽收', 'PICKED_UP'],
    ['2', '疑难', 'EXCEPTION'],
    ['3', '签收', 'DELIVERED'],
    ['4', '退签', 'RETURNED'],
    ['5', '派件', 'OUT_FOR_DELIVERY'],
    ['6', '退回', 'RETURNING'],
    ['7', '转投', 'IN_TRANSIT'],
    ['8', '清关', 'IN_TRANSIT'],
    ['10', '待清关', 'IN_TRANSIT'],
    ['11', '清关中', 'IN_TRANSIT'],
    ['12', '已清关', 'IN_TRANSIT'],
    ['13', '清关异常', 'EXCEPTION'],
    ['14', '拒签', 'REJECTED'],
    ['101', '已下单', 'INFO_RECEIVED'],
    ['102', '待揽收', 'INFO_RECEIVED'],
    ['103', '已揽收', 'PICKED_UP'],
    ['1001', '到达派件城市', 'ARRIVED_AT_NODE'],
    ['1002', '干线', 'IN_TRANSIT'],
    ['1003', '转递', 'IN_TRANSIT'],
    ['501', '投柜或驿站', 'AVAILABLE_FOR_PICKUP'],
    ['301', '本人签收', 'DELIVERED'],
    ['302', '派件异常后签收', 'DELIVERED'],
    ['303', '代签', 'DELIVERED'],
    ['304', '投柜或站签收', 'DELIVERED'],
    ['401', '已销单', 'RETURNED'],
    ['201', '超时未签收', 'EXCEPTION'],
    ['202', '超时未更新', 'EXCEPTION'],
    ['203', '拒收', 'REJECTED'],
    ['204', '派件异常', 'FAILED_ATTEMPT'],
    ['205', '柜或驿站超时未取', 'EXCEPTION'],
    ['206', '无法联系', 'EXCEPTION'],
    ['207', '超区', 'EXCEPTION'],
    ['208', '滞留', 'EXCEPTION'],
    ['209', '破损', 'EXCEPTION'],
    ['210', '销单', 'EXCEPTION'],
  ])('state %s (%s) is %s, by code and by name', (code, name, status) => {
    const item = (fields: Record<string, unknown>) => ({
      com: 'yuantong',
      nu: 'YT8000000001',
      item: { context: name, ftime: '2026-11-20 10:00:00', ...fields },
    });
    expect(mapKuaidi100Item(item({ statusCode: code, status: name }))).toMatchObject({ status, rawCode: code });
    expect(mapKuaidi100Item(item({ status: name }))).toMatchObject({ status, rawCode: code });
    expect(KUAIDI100_STATE_NAMES[name]).toBe(code);
    expect(KUAIDI100_STATE_CODES[code]).toBe(status);
  });

  it('uses lastResult.state for the newest entry without its own status (customs 8 no longer refused)', () => {
    const param = {
      status: 'polling',
      lastResult: { state: '8', com: 'ems', nu: 'EM8000000001CN', data: [{ context: '海关查验', ftime: '2026-11-20 10:00:00' }] },
    };
    expect(mapAll(param)[0]).toMatchObject({ status: 'IN_TRANSIT', rawCode: '8' });
  });

  it('refuses unknown states naming the field, and never reads an inherited property as a state', () => {
    const item = (fields: Record<string, unknown>) => ({ com: 'yuantong', nu: 'YT8000000001', item: { ftime: '2026-11-20 10:00:00', ...fields } });
    expect(problem(() => mapKuaidi100Item(item({ status: '飞行中' })))).toEqual({ field: 'status', reason: 'unknown status "飞行中".' });
    expect(problem(() => mapKuaidi100Item(item({ statusCode: '99' })))).toEqual({ field: 'statusCode', reason: 'unknown status code "99".' });
    expect(problem(() => mapKuaidi100Item(item({ status: 'constructor' })))).toMatchObject({ field: 'status' });
    expect(problem(() => mapKuaidi100Item(item({ statusCode: '__proto__' })))).toMatchObject({ field: 'statusCode' });
    expect(problem(() => mapKuaidi100Item({ ...item({}), state: 'toString' }))).toMatchObject({ field: 'state' });
    expect(problem(() => mapKuaidi100Item(item({ status: '在途', ftime: 1e300 })))).toMatchObject({
      field: 'ftime',
      reason: expect.stringMatching(/not a date-time/),
    });
  });

  it('accepts the four documented monitoring statuses and refuses any other, or none, naming param.status', () => {
    for (const status of ['polling', 'shutdown', 'abort', 'updateall']) expect(splitKuaidi100Param({ ...documentedSample(), status })).toHaveLength(2);
    expect(problem(() => splitKuaidi100Param({ ...documentedSample(), status: 'paused' }))).toEqual({
      field: 'param.status',
      reason: 'param.status "paused" is not one of polling, shutdown, abort, updateall.',
    });
    expect(problem(() => splitKuaidi100Param({ ...documentedSample(), status: undefined }))).toMatchObject({ field: 'param.status' });
  });
});

describe('Kuaidi100 push status and comNew at the hub', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ DELAY_SCAN_INTERVAL_S: '0' });
    await giveSecrets(t.sql);
  });
  afterAll(() => t.close());

  const push = (nu: string, extra: Record<string, unknown>, data: unknown[], com = 'yuantong') =>
    pushKuaidi100(t.url, 'yuantong', {
      status: 'polling',
      billstatus: 'got',
      message: '',
      ...extra,
      lastResult: { message: 'ok', state: '0', status: '200', ischeck: '0', com, nu, data },
    });
  const scan = (hoursAgo: number, status: string) => ({
    context: status,
    time: kuaidi100Time(hoursAgo),
    ftime: kuaidi100Time(hoursAgo),
    status,
    areaCode: 'CN140821000000',
    areaName: '山西,运城市,临猗县',
  });
  const kept = (nu: string) =>
    t.sql(`select field, reason, raw from rejected_record where connector = 'courier:yuantong' and raw::text like $1 order by id`, [`%${nu}%`]);

  it('refuses an unknown param.status with 400 naming the field, storing nothing and keeping the push whole', async () => {
    const res = await push('YT8100000001', { status: 'paused' }, [scan(1, '在途')]);
    expect(res).toMatchObject({ status: 400, body: { result: false, returnCode: '400', message: expect.stringContaining('param.status "paused"') } });
    expect(await t.sql(`select 1 from shipment where tracking_number = 'YT8100000001'`)).toHaveLength(0);
    expect((await kept('YT8100000001')).map((r: any) => r.field)).toEqual(['param.status']);
  });

  it('stores the customs states (清关, 待清关, 清关中) in transit and 清关异常 as an exception', async () => {
    const res = await push('YT8100000002', {}, [scan(1, '清关异常'), scan(2, '清关中'), scan(3, '待清关'), scan(4, '清关')]);
    expect(res.body.result).toBe(true);
    const events = await t.sql(
      `select e.status, e.raw_code from tracking_event e join shipment s on s.id = e.shipment_id where s.tracking_number = 'YT8100000002' order by e.occurred_at`,
    );
    expect(events.map((e: any) => [e.raw_code, e.status])).toEqual([
      ['8', 'IN_TRANSIT'],
      ['10', 'IN_TRANSIT'],
      ['11', 'IN_TRANSIT'],
      ['13', 'EXCEPTION'],
    ]);
    expect(await kept('YT8100000002')).toHaveLength(0);
  });

  it('refuses the entries of a push whose comNew names another courier, naming comNew, and keeps them for replay', async () => {
    const res = await push('YT8100000003', { autoCheck: '1', comOld: 'yuantong', comNew: 'zhongtong' }, [scan(1, '在途')], 'zhongtong');
    expect(res.body.result).toBe(true);
    expect(await t.sql(`select 1 from shipment where tracking_number = 'YT8100000003'`)).toHaveLength(0);
    const [record] = await kept('YT8100000003');
    expect(record).toMatchObject({ field: 'lastResult.data[0].comNew', raw: { format: 'KUAIDI100', event: { comNew: 'zhongtong', nu: 'YT8100000003' } } });
    expect(record.reason).toMatch(/courier "zhongtong" pushed by courier "yuantong" \(Kuaidi100 corrected the courier code in comNew/);
  });

  it('stores the scans of an abort push and keeps the push for an operator, naming the reason, once', async () => {
    const data = [scan(2, '在途')];
    const abort = () => push('YT8100000004', { status: 'abort', message: '60天无变化' }, data);
    expect((await abort()).body.result).toBe(true);
    expect((await abort()).body.result).toBe(true);
    expect(await t.sql(`select 1 from tracking_event e join shipment s on s.id = e.shipment_id where s.tracking_number = 'YT8100000004'`)).toHaveLength(1);
    const records = await kept('YT8100000004');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ field: 'param.status', reason: expect.stringContaining('status abort: 60天无变化') });
  });

  it('treats shutdown (signed for, tracking ended) and updateall (history again) as ordinary pushes', async () => {
    expect((await push('YT8100000005', { status: 'updateall' }, [scan(3, '在途')])).body.result).toBe(true);
    expect((await push('YT8100000005', { status: 'shutdown' }, [scan(1, '签收'), scan(3, '在途')])).body.result).toBe(true);
    const [parcel] = await t.sql(`select status from shipment where tracking_number = 'YT8100000005'`);
    expect(parcel.status).toBe('DELIVERED');
    expect(await kept('YT8100000005')).toHaveLength(0);
  });
});
