import type { EntityManager } from '@mikro-orm/postgresql';
import type { HubPubSub } from '../platform/pubsub.js';
import { AlertKind, AlertSeverity } from '../alerts/stream/alert-kind.js';
import { sqlList } from '../platform/sql.js';
import { raiseAlerts, type NewAlert } from '../alerts/stream/alert.service.js';
import { assertPeriod } from './analytics-args.js';
import { ANOMALY_DEFAULTS, type PriceAnomaly, type PriceAnomalyScan } from './price-anomaly.types.js';

export interface AnomalyScanOptions {
  from: string;
  to: string;
  product?: string;
  market?: string;
  /** Only these products (ids), e.g. those a batch of new prices touched. */
  productIds?: number[];
  k?: number;
  window?: number;
  minHistory?: number;
  minRelativeChange?: number;
}

interface RawAnomaly {
  day: string;
  product_id: number;
  variety_id: number | null;
  market_id: number;
  product_name: string;
  variety_name: string | null;
  market_code: string;
  market_name: string;
  market_region: string | null;
  origin_region: string | null;
  price: string;
  mean: string;
  sd: string;
  n: string;
}

/**
 * Finds days whose mean per-kg price of a (product, variety, market) series
 * lies more than k standard deviations from the mean of the `window` previous
 * days with prices, in one statement: daily means, then `avg` and
 * `stddev_samp` as window functions over the preceding rows.
 */
export async function findPriceAnomalies(em: EntityManager, options: AnomalyScanOptions): Promise<PriceAnomaly[]> {
  assertPeriod(options.from, options.to);
  const k = options.k ?? ANOMALY_DEFAULTS.k;
  const window = options.window ?? ANOMALY_DEFAULTS.window;
  const minHistory = Math.min(options.minHistory ?? ANOMALY_DEFAULTS.minHistory, window);
  const minChange = options.minRelativeChange ?? ANOMALY_DEFAULTS.minRelativeChange;
  const where: string[] = [];
  const params: unknown[] = [];
  let productIds = options.productIds;
  if (options.product) {
    // Ids first: an id list lets the planner use the (product_id, observed_on) index.
    const found = await em
      .getConnection()
      .execute<{ id: number }[]>('select id from product where code = ? or name = ? or ? = any(aliases)', [options.product, options.product, options.product]);
    productIds = found.map((r) => r.id).filter((id) => !options.productIds || options.productIds.includes(id));
  }
  if (productIds) {
    where.push('and p.product_id in (?)');
    params.push(sqlList(productIds));
  }
  if (options.market) {
    where.push('and p.market_id in (select id from market where code = ?)');
    params.push(options.market);
  }
  // Enough history before `from`: the window counts days with prices, so look back generously.
  const lookbackDays = window * 3 + 7;
  const rows = await em.getConnection().execute<RawAnomaly[]>(
    `with daily as (
       select p.product_id, p.variety_id, p.market_id, p.observed_on as day, avg(p.avg_per_kg) as price,
              min(p.origin_region_code) as origin_region
         from price_observation p
        where p.avg_per_kg is not null and p.product_id is not null
          and p.observed_on between ?::date - ${lookbackDays} and ?::date ${where.join(' ')}
        group by 1, 2, 3, 4
     ), judged as (
       select d.*,
              avg(d.price) over w as mean,
              stddev_samp(d.price) over w as sd,
              count(*) over w as n
         from daily d
       window w as (partition by d.product_id, d.variety_id, d.market_id order by d.day rows between ${window} preceding and 1 preceding)
     )
     select to_char(j.day, 'YYYY-MM-DD') as day, j.product_id, j.variety_id, j.market_id, pr.name as product_name, v.name as variety_name,
            m.code as market_code, m.name as market_name, m.region_code as market_region, j.origin_region,
            round(j.price, 2) as price, round(j.mean, 4) as mean, round(j.sd::numeric, 4) as sd, j.n
       from judged j
       join product pr on pr.id = j.product_id
       join market m on m.id = j.market_id
       left join variety v on v.id = j.variety_id
      where j.day between ? and ? and j.n >= ? and j.sd > 0
        and abs(j.price - j.mean) > ? * j.sd
        and abs(j.price - j.mean) >= ? * j.mean
      order by j.day, pr.name, m.code`,
    [options.from, options.to, ...params, options.from, options.to, minHistory, k, minChange],
  );
  return rows.map((r) => {
    const price = Number(r.price);
    const mean = Number(r.mean);
    const sd = Number(r.sd);
    return {
      kind: price > mean ? AlertKind.PRICE_SPIKE : AlertKind.PRICE_DROP,
      day: r.day,
      productId: r.product_id,
      marketId: r.market_id,
      productName: r.product_name,
      varietyName: r.variety_name ?? undefined,
      marketCode: r.market_code,
      marketName: r.market_name,
      price,
      mean: Math.round(mean * 100) / 100,
      stddev: Math.round(sd * 100) / 100,
      zScore: Math.round(((price - mean) / sd) * 100) / 100,
      change: Math.round(((price - mean) / mean) * 1000) / 1000,
      // Where the alert is filed: the market's region, else the origin's (regionCode filters of alertRaised).
      regionCode: r.market_region ?? r.origin_region ?? null,
      varietyId: r.variety_id,
    } as PriceAnomaly & { regionCode: string | null; varietyId: number | null };
  });
}

/** The alert for an anomaly; its dedupe key makes re-scanning the same days harmless. */
export function anomalyAlert(anomaly: PriceAnomaly & { regionCode?: string | null; varietyId?: number | null }, k: number): NewAlert {
  const what = anomaly.varietyName ? `${anomaly.productName}（${anomaly.varietyName}）` : anomaly.productName;
  const pct = `${anomaly.change > 0 ? '+' : ''}${(anomaly.change * 100).toFixed(1)}%`;
  return {
    kind: anomaly.kind,
    severity: Math.abs(anomaly.zScore) >= 2 * k ? AlertSeverity.CRITICAL : AlertSeverity.WARNING,
    message: `${what} at ${anomaly.marketName}: ${anomaly.price.toFixed(2)} yuan/kg on ${anomaly.day}, ${pct} against the rolling mean ${anomaly.mean.toFixed(2)} (${anomaly.zScore.toFixed(1)} standard deviations)`,
    dedupeKey: `price-anomaly:${anomaly.productId}:${anomaly.varietyId ?? '-'}:${anomaly.marketId}:${anomaly.day}`,
    regionCode: anomaly.regionCode ?? null,
    productId: anomaly.productId,
    marketId: anomaly.marketId,
    details: {
      day: anomaly.day,
      price: anomaly.price,
      mean: anomaly.mean,
      stddev: anomaly.stddev,
      zScore: anomaly.zScore,
      change: anomaly.change,
      k,
      variety: anomaly.varietyName ?? null,
      market: anomaly.marketCode,
    },
  };
}

/** Scans a period and raises a PRICE_SPIKE / PRICE_DROP alert for each anomaly not alerted before. */
export async function scanPriceAnomalies(em: EntityManager, pubSub: HubPubSub, options: AnomalyScanOptions): Promise<PriceAnomalyScan> {
  const anomalies = await findPriceAnomalies(em, options);
  const raised = await raiseAlerts(
    em,
    pubSub,
    anomalies.map((a) => anomalyAlert(a, options.k ?? ANOMALY_DEFAULTS.k)),
  );
  return { anomalies, alertsRaised: raised.length };
}
