import { createHash } from 'node:crypto';
import { ShipmentStatus } from '../logistics-enums.js';
import { TrackingFormat } from '../tracking-format.js';
import { FeedProblem, lookup, optionalText, regionCodeOf, textOf, timeOf, type FeedEvent, type RawFeedItem } from './feed-event.js';

/**
 * Kuaidi100's documentation, as read for this table (issue #11):
 * - subscription push (推送接口): https://apifox.com/apidoc/project-514987/api-8568518
 *   and https://apifox.com/apidoc/project-514987/api-55500331 — `param.status`
 *   polling/shutdown/abort/updateall, `autoCheck`, `comOld`, `comNew`, `lastResult.state`;
 * - state table (1.6 运单快递状态(state)说明, main states and the resultv2 advanced
 *   states): https://apifox.com/apidoc/project-514987/api-8562559 (real-time query,
 *   same codes as the push);
 * - customs states 10 待清关, 11 清关中, 12 已清关, 13 清关异常 (the 13-state list of the
 *   map-track API): https://api.kuaidi100.com/document/5ff2c3e7ba1bf00302f5612e and
 *   https://segmentfault.com/a/1190000040012459 (Kuaidi100's own article).
 */

/** Kuaidi100 state codes (`lastResult.state`, `data[].statusCode`) onto the hub's statuses, each from the table cited above. */
export const KUAIDI100_STATE_CODES: Readonly<Record<string, ShipmentStatus>> = {
  // 1 揽收 (快件揽件) and its advanced states.
  '1': ShipmentStatus.PICKED_UP, // 揽收
  '101': ShipmentStatus.INFO_RECEIVED, // 已下单: 已经下快件单
  '102': ShipmentStatus.INFO_RECEIVED, // 待揽收: 待快递公司揽收
  '103': ShipmentStatus.PICKED_UP, // 已揽收: 快递公司已经揽收
  // 0 在途 (快件在途中).
  '0': ShipmentStatus.IN_TRANSIT, // 在途
  '1001': ShipmentStatus.ARRIVED_AT_NODE, // 到达派件城市: 快件到达收件人城市
  '1002': ShipmentStatus.IN_TRANSIT, // 干线: 快件处于运输过程中
  '1003': ShipmentStatus.IN_TRANSIT, // 转递: 快件发往到新的收件地址
  // 5 派件 (快件正在派件).
  '5': ShipmentStatus.OUT_FOR_DELIVERY, // 派件
  '501': ShipmentStatus.AVAILABLE_FOR_PICKUP, // 投柜或驿站: 快件已经投递到快递柜或者快递驿站
  // 3 签收 (快件已签收).
  '3': ShipmentStatus.DELIVERED, // 签收
  '301': ShipmentStatus.DELIVERED, // 本人签收: 收件人正常签收
  '302': ShipmentStatus.DELIVERED, // 派件异常后签收: 快件显示派件异常，但后续正常签收
  '303': ShipmentStatus.DELIVERED, // 代签: 快件已被代签
  '304': ShipmentStatus.DELIVERED, // 投柜或站签收: 快件已由快递柜或者驿站签收
  // 6 退回 (快件正处于返回发货人的途中).
  '6': ShipmentStatus.RETURNING, // 退回
  // 4 退签 (此快件单已退签) and its advanced states.
  '4': ShipmentStatus.RETURNED, // 退签
  '401': ShipmentStatus.RETURNED, // 已销单: 此快件单已撤销 (filed under 退签: final, the parcel is not coming)
  '14': ShipmentStatus.REJECTED, // 拒签: 收件人拒签快件
  // 7 转投 (快件转给其他快递公司邮寄): the parcel moves on, with another carrier.
  '7': ShipmentStatus.IN_TRANSIT, // 转投
  // 8 清关 and the customs states of the 13-state list: the parcel waits at or passes customs; only a customs problem is an exception.
  '8': ShipmentStatus.IN_TRANSIT, // 清关
  '10': ShipmentStatus.IN_TRANSIT, // 待清关
  '11': ShipmentStatus.IN_TRANSIT, // 清关中
  '12': ShipmentStatus.IN_TRANSIT, // 已清关
  '13': ShipmentStatus.EXCEPTION, // 清关异常
  // 2 疑难 (快件存在疑难) and its advanced states.
  '2': ShipmentStatus.EXCEPTION, // 疑难
  '201': ShipmentStatus.EXCEPTION, // 超时未签收: 快件长时间派件后未签收
  '202': ShipmentStatus.EXCEPTION, // 超时未更新: 快件长时间没有派件或签收
  '203': ShipmentStatus.REJECTED, // 拒收: 收件人发起拒收快递，待发货方确认
  '204': ShipmentStatus.FAILED_ATTEMPT, // 派件异常: 快件派件时遇到异常情况
  '205': ShipmentStatus.EXCEPTION, // 柜或驿站超时未取: a problem (疑难) state, not a fresh pickup notice
  '206': ShipmentStatus.EXCEPTION, // 无法联系: 无法联系到收件人
  '207': ShipmentStatus.EXCEPTION, // 超区: 超出快递公司的服务区范围
  '208': ShipmentStatus.EXCEPTION, // 滞留: 快件滞留在网点，没有派送
  '209': ShipmentStatus.EXCEPTION, // 破损: 快件破损
  '210': ShipmentStatus.EXCEPTION, // 销单: 寄件人申请撤销寄件
  // 211 驿站或柜拒收 is not in the tables cited above; kept from the hub's earlier table (a locker or station refused the parcel).
  '211': ShipmentStatus.FAILED_ATTEMPT,
};

/** The Chinese state names Kuaidi100 puts in each `data[].status` (resultv2), by code: every name of the table above. */
export const KUAIDI100_STATE_NAMES: Readonly<Record<string, string>> = {
  揽收: '1',
  已下单: '101',
  待揽收: '102',
  已揽收: '103',
  在途: '0',
  到达派件城市: '1001',
  干线: '1002',
  转递: '1003',
  派件: '5',
  投柜或驿站: '501',
  签收: '3',
  本人签收: '301',
  派件异常后签收: '302',
  代签: '303',
  投柜或站签收: '304',
  退回: '6',
  退签: '4',
  已销单: '401',
  拒签: '14',
  转投: '7',
  清关: '8',
  待清关: '10',
  清关中: '11',
  已清关: '12',
  清关异常: '13',
  疑难: '2',
  超时未签收: '201',
  超时未更新: '202',
  拒收: '203',
  派件异常: '204',
  柜或驿站超时未取: '205',
  无法联系: '206',
  超区: '207',
  滞留: '208',
  破损: '209',
  销单: '210',
  驿站或柜拒收: '211',
};

/**
 * The push's monitoring status (`param.status`): `polling` (being tracked),
 * `shutdown` (tracking ended, the parcel is signed for), `abort` (tracking
 * stopped: "3天查询无记录", "60天无变化", or a corrected courier code in `comNew`),
 * `updateall` (the whole history pushed again). Anything else is refused whole.
 */
export enum Kuaidi100PushStatus {
  POLLING = 'polling',
  SHUTDOWN = 'shutdown',
  ABORT = 'abort',
  UPDATEALL = 'updateall',
}

/** Upper-case hex MD5 of `param + salt`: Kuaidi100's push signature. */
export function kuaidi100Sign(param: string, salt: string): string {
  return createHash('md5')
    .update(param + salt, 'utf8')
    .digest('hex')
    .toUpperCase();
}

/** The answer Kuaidi100 expects; anything else makes it push again (3 times, 35 minutes apart). */
export const KUAIDI100_OK = { result: true, returnCode: '200', message: '成功' } as const;

/** The parsed `param` of a push, as documented. */
export interface Kuaidi100Param {
  status?: unknown;
  message?: unknown;
  autoCheck?: unknown;
  comOld?: unknown;
  comNew?: unknown;
  lastResult?: { state?: unknown; com?: unknown; nu?: unknown; ischeck?: unknown; data?: unknown };
}

/** The push's monitoring status, or a FeedProblem naming `param.status`. */
export function kuaidi100PushStatus(param: unknown): Kuaidi100PushStatus {
  const status = (param as Kuaidi100Param | null)?.status;
  if (status == null || status === '') throw new FeedProblem('param.status', 'param.status is missing: Kuaidi100 sends polling, shutdown, abort or updateall.');
  const known = Object.values(Kuaidi100PushStatus).find((s) => s === status);
  if (!known) throw new FeedProblem('param.status', `param.status "${String(status).slice(0, 40)}" is not one of polling, shutdown, abort, updateall.`);
  return known;
}

/** The corrected courier code of a push (`comNew`), when Kuaidi100 found the subscribed one wrong. */
export function kuaidi100CorrectedCourier(param: unknown): string | undefined {
  const comNew = (param as Kuaidi100Param | null)?.comNew;
  return typeof comNew === 'string' && comNew.trim() ? comNew.trim() : undefined;
}

/**
 * Splits the parsed `param` of a push into self-contained items
 * `{com, comNew?, nu, state?, item}` (each data entry with its waybill), so
 * that one item can be kept and replayed alone. A `param` with an unknown
 * monitoring status, or without `lastResult` or `data`, is refused whole.
 */
export function splitKuaidi100Param(param: unknown): RawFeedItem[] {
  kuaidi100PushStatus(param);
  const p = param as Kuaidi100Param;
  if (!p.lastResult || typeof p.lastResult !== 'object') throw new FeedProblem('param.lastResult', 'param.lastResult is missing.');
  const { com, nu, data, state } = p.lastResult;
  if (!Array.isArray(data)) throw new FeedProblem('param.lastResult.data', 'param.lastResult.data must be an array.');
  const comNew = kuaidi100CorrectedCourier(p);
  // A push carries the whole history, newest first; the newest entry inherits `state` when it has no own code.
  return data.map((item, index) => ({
    format: TrackingFormat.KUAIDI100,
    index,
    path: `lastResult.data[${index}]`,
    raw: { com, ...(comNew ? { comNew } : {}), nu, state: index === 0 ? state : undefined, item },
  }));
}

/** One Kuaidi100 data entry `{com, comNew?, nu, state?, item:{context,time,ftime,status,statusCode?,areaCode,areaName}}`. */
export function mapKuaidi100Item(raw: unknown): FeedEvent {
  const { com, comNew, nu, state, item } = (raw ?? {}) as { com?: unknown; comNew?: unknown; nu?: unknown; state?: unknown; item?: Record<string, unknown> };
  const trackingNumber = textOf(nu, 'nu');
  if (!item || typeof item !== 'object' || Array.isArray(item)) throw new FeedProblem('item', 'is not an object.');
  const named = typeof item.status === 'string' ? lookup(KUAIDI100_STATE_NAMES, item.status.trim()) : undefined;
  if (typeof item.status === 'string' && item.status.trim() && !named && (item.statusCode == null || item.statusCode === '')) {
    throw new FeedProblem('status', `unknown status "${item.status.slice(0, 40)}".`);
  }
  const code =
    item.statusCode != null && item.statusCode !== ''
      ? String(item.statusCode)
      : (named ?? (item.status == null && state != null && state !== '' ? String(state) : undefined));
  if (code === undefined) throw new FeedProblem('status', 'is missing.');
  const status = lookup(KUAIDI100_STATE_CODES, code);
  const field = item.statusCode != null && item.statusCode !== '' ? 'statusCode' : named ? 'status' : 'state';
  if (!status) throw new FeedProblem(field, `unknown status code "${code.slice(0, 40)}".`);
  // A corrected courier (`comNew`) is whose parcel it is now: checked against the pushing courier like `com`.
  const corrected = typeof comNew === 'string' && comNew ? comNew : undefined;
  return {
    format: TrackingFormat.KUAIDI100,
    courierCode: corrected ?? (typeof com === 'string' ? com : undefined),
    courierField: corrected ? 'comNew' : 'com',
    trackingNumber,
    status,
    rawCode: code,
    rawText: optionalText(item.context, 2000),
    // `ftime` is the formatted time of the scan; `time` the same in older pushes. Both are China time without an offset.
    occurredAt: timeOf(item.ftime ?? item.time, item.ftime != null ? 'ftime' : 'time'),
    areaCode: regionCodeOf(item.areaCode, 'areaCode'),
    location: optionalText(item.areaName, 200),
  };
}
