import { gql } from '../api.js';
import { esc, messageRow, pct } from '../dom.js';
import { COURIER_QUALITY } from '../operations.js';

interface CourierQuality {
  courierCode: string;
  courierName: string;
  parcels: number;
  delivered: number;
  due: number;
  onTime: number;
  delayed: number;
  damaged: number;
  lost: number;
  onTimeRate: number | null;
  delayRate: number | null;
  damageRate: number | null;
  lossRate: number | null;
}

/** A rate cell, flagged when it is worse than the threshold (delay 10 %, damage or loss 1 %). */
const rate = (x: number | null, worseAbove?: number) => `<td class="${worseAbove != null && x != null && x > worseAbove ? 'flag' : ''}">${pct(x)}</td>`;

/** Courier quality in Shanxi (`courierQuality`, officials): on-time, delay, damage and loss rates per courier. */
export async function loadCourierQuality(body: HTMLElement, from: string, to: string) {
  body.innerHTML = messageRow(7, '加载中… loading');
  try {
    const { courierQuality } = await gql<{ courierQuality: CourierQuality[] }>(COURIER_QUALITY, { from, to });
    const rows = [...courierQuality].sort((a, b) => b.parcels - a.parcels);
    body.innerHTML = rows.length
      ? rows
          .map(
            (c) => `<tr data-courier="${esc(c.courierCode)}">
          <td>${esc(c.courierName)}</td><td>${c.parcels}</td><td>${c.delivered}</td>
          ${rate(c.onTimeRate)}${rate(c.delayRate, 0.1)}${rate(c.damageRate, 0.01)}${rate(c.lossRate, 0.01)}
        </tr>`,
          )
          .join('')
      : messageRow(7, `${from} 至 ${to} 无快件 No parcels in this period`);
  } catch (error) {
    body.innerHTML = messageRow(7, (error as Error).message, true);
  }
}
