import { gql } from '../api.js';
import { esc, messageRow } from '../dom.js';
import { PRICE_ANOMALIES } from '../operations.js';

interface PriceAnomaly {
  kind: 'PRICE_SPIKE' | 'PRICE_DROP';
  day: string;
  productName: string;
  varietyName: string | null;
  marketCode: string;
  marketName: string;
  price: number;
  mean: number;
  stddev: number;
  zScore: number;
  change: number;
}

const KIND = { PRICE_SPIKE: '暴涨', PRICE_DROP: '暴跌' } as const;

/**
 * Price anomalies (`priceAnomalies`): days whose mean price lies beyond 3
 * rolling standard deviations of the previous 20 days, newest first, for one
 * product or all.
 */
export async function loadPriceAnomalies(body: HTMLElement, from: string, to: string, product: string | null) {
  body.innerHTML = messageRow(7, '加载中… loading');
  try {
    const { priceAnomalies } = await gql<{ priceAnomalies: PriceAnomaly[] }>(PRICE_ANOMALIES, { from, to, product });
    const rows = [...priceAnomalies].sort((a, b) => b.day.localeCompare(a.day) || Math.abs(b.zScore) - Math.abs(a.zScore));
    body.innerHTML = rows.length
      ? rows
          .map(
            (a) => `<tr class="${a.kind.toLowerCase()}">
          <td>${esc(a.day)}</td>
          <td>${esc(a.productName)}${a.varietyName ? `（${esc(a.varietyName)}）` : ''}</td>
          <td>${esc(a.marketName)}</td>
          <td><span class="badge ${a.kind.toLowerCase()}">${KIND[a.kind] ?? esc(a.kind)}</span></td>
          <td>${a.price.toFixed(2)}</td>
          <td>${a.mean.toFixed(2)} ± ${a.stddev.toFixed(2)}</td>
          <td>${a.change >= 0 ? '+' : ''}${(a.change * 100).toFixed(1)}% · ${a.zScore >= 0 ? '+' : ''}${a.zScore.toFixed(1)}σ</td>
        </tr>`,
          )
          .join('')
      : messageRow(7, `${from} 至 ${to} 无价格异常 No anomalies in this period`);
  } catch (error) {
    body.innerHTML = messageRow(7, (error as Error).message, true);
  }
}
