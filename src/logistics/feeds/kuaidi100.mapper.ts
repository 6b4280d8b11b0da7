import { createHash } from 'node:crypto';
import { ShipmentStatus } from '../logistics-enums.js';
import { TrackingFormat } from '../tracking-format.js';
import { FeedProblem, optionalText, regionCodeOf, textOf, timeOf, type FeedEvent, type RawFeedItem } from './feed-event.js';

/**
 * Kuaidi100 state codes (`state`, and the numeric `statusCode` of the
 * resultv2 push) onto the hub's statuses. Main states 0-14 and the sub-codes
 * Kuaidi100 documents (1xx ordering and pick-up, 2xx problems, 3xx signed, 5xx
 * delivery, 10xx transit). See shared/DOMAIN.md.
 */
export const KUAIDI100_STATE_CODES: Readonly<Record<string, ShipmentStatus>> = {
  '0': ShipmentStatus.IN_TRANSIT, // 在途
  '1': ShipmentStatus.PICKED_UP, // 揽收
  '2': ShipmentStatus.EXCEPTION, // 疑难
  '3': ShipmentStatus.DELIVERED, // 签收
  '4': ShipmentStatus.RETURNED, // 退签
  '5': ShipmentStatus.OUT_FOR_DELIVERY, // 派件
  '6': ShipmentStatus.RETURNING, // 退回
  '7': ShipmentStatus.IN_TRANSIT, // 转投
  '8': ShipmentStatus.IN_TRANSIT, // 清关
  '14': ShipmentStatus.REJECTED, // 拒签
  '101': ShipmentStatus.INFO_RECEIVED, // 已下单
  '102': ShipmentStatus.INFO_RECEIVED, // 待揽收
  '103': ShipmentStatus.PICKED_UP, // 已揽收
  '201': ShipmentStatus.EXCEPTION, // 超时未签收
  '202': ShipmentStatus.EXCEPTION, // 超时未更新
  '203': ShipmentStatus.REJECTED, // 拒收
  '204': ShipmentStatus.FAILED_ATTEMPT, // 派件异常
  '205': ShipmentStatus.AVAILABLE_FOR_PICKUP, // 柜或驿站超时未取
  '206': ShipmentStatus.EXCEPTION, // 无法联系
  '207': ShipmentStatus.EXCEPTION, // 超区
  '208': ShipmentStatus.EXCEPTION, // 滞留
  '209': ShipmentStatus.EXCEPTION, // 破损
  '210': ShipmentStatus.EXCEPTION, // 销单
  '211': ShipmentStatus.FAILED_ATTEMPT, // 驿站或柜拒收
  '301': ShipmentStatus.DELIVERED, // 本人签收
  '302': ShipmentStatus.DELIVERED, // 派件异常后签收
  '303': ShipmentStatus.DELIVERED, // 代签
  '304': ShipmentStatus.DELIVERED, // 投柜或站签收
  '401': ShipmentStatus.RETURNED, // 已销单
  '501': ShipmentStatus.AVAILABLE_FOR_PICKUP, // 投柜或驿站
  '1001': ShipmentStatus.ARRIVED_AT_NODE, // 到达派件城市
  '1002': ShipmentStatus.IN_TRANSIT, // 干线
  '1003': ShipmentStatus.IN_TRANSIT, // 转递
};

/** The Chinese state names Kuaidi100 puts in each `data[].status`. */
export const KUAIDI100_STATE_NAMES: Readonly<Record<string, string>> = {
  在途: '0', 揽收: '1', 疑难: '2', 签收: '3', 退签: '4', 派件: '5', 退回: '6', 转投: '7', 清关: '8', 拒签: '14',
  已下单: '101', 待揽收: '102', 已揽收: '103', 超时未签收: '201', 超时未更新: '202', 拒收: '203', 派件异常: '204',
  破损: '209', 本人签收: '301', 代签: '303', 投柜或站签收: '304', 投柜或驿站: '501', 到达派件城市: '1001', 干线: '1002',
};

/** Upper-case hex MD5 of `param + salt`: Kuaidi100's push signature. */
export function kuaidi100Sign(param: string, salt: string): string {
  return createHash('md5').update(param + salt, 'utf8').digest('hex').toUpperCase();
}

/** The answer Kuaidi100 expects; anything else makes it push again (3 times, 35 minutes apart). */
export const KUAIDI100_OK = { result: true, returnCode: '200', message: '成功' } as const;

interface Kuaidi100Param {
  status?: string;
  lastResult?: { state?: string; com?: string; nu?: string; ischeck?: string; data?: unknown[] };
}

/**
 * Splits the parsed `param` of a push into self-contained items
 * `{com, nu, item}` (each data entry with its waybill), so that one item can
 * be kept and replayed alone. A `param` without `lastResult.nu` or `data` is
 * refused whole.
 */
export function splitKuaidi100Param(param: unknown): RawFeedItem[] {
  const p = param as Kuaidi100Param;
  if (!p || typeof p !== 'object' || !p.lastResult || typeof p.lastResult !== 'object') throw new FeedProblem('param.lastResult', 'param.lastResult is missing.');
  const { com, nu, data } = p.lastResult;
  if (!Array.isArray(data)) throw new FeedProblem('param.lastResult.data', 'param.lastResult.data must be an array.');
  // A push carries the whole history, newest first; the newest entry inherits `state` when it has no own code.
  return data.map((item, index) => ({
    format: TrackingFormat.KUAIDI100,
    index,
    path: `lastResult.data[${index}]`,
    raw: { com, nu, state: index === 0 ? p.lastResult!.state : undefined, item },
  }));
}

/** One Kuaidi100 data entry `{com, nu, state?, item:{context,time,ftime,status,statusCode?,areaCode,areaName}}`. */
export function mapKuaidi100Item(raw: unknown): FeedEvent {
  const { com, nu, state, item } = (raw ?? {}) as { com?: unknown; nu?: unknown; state?: unknown; item?: Record<string, unknown> };
  const trackingNumber = textOf(nu, 'nu');
  if (!item || typeof item !== 'object') throw new FeedProblem('item', 'is not an object.');
  const named = typeof item.status === 'string' ? KUAIDI100_STATE_NAMES[item.status.trim()] : undefined;
  const code = item.statusCode != null && item.statusCode !== '' ? String(item.statusCode) : named ?? (item.status == null && state != null ? String(state) : undefined);
  if (code === undefined) {
    throw new FeedProblem('status', item.status == null ? 'is missing.' : `unknown status "${String(item.status)}".`);
  }
  const status = KUAIDI100_STATE_CODES[code];
  if (!status) throw new FeedProblem(item.statusCode != null ? 'statusCode' : 'status', `unknown status code "${code}".`);
  return {
    format: TrackingFormat.KUAIDI100,
    courierCode: typeof com === 'string' ? com : undefined,
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
