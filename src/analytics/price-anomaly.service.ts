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

/** The window `price_anomaly_candidate` holds (migration 20261129214500): the default of the rule. */
export const CANDIDATE_WINDOW = 20;
/** Candidates are the series-days at least this many rolling standard deviations away (the smallest k the API takes). */
export const CANDIDATE_MIN_Z = 1;

/** One day in `YYYY-MM-DD` for each day of the period (at most a few years: assertPeriod bounds it). @internal */
function daysOf(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); t <= end; t += 86_400_000)
    days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/**
 * Brings the stored rolling statistics (`price_anomaly_candidate`) up to date
 * for every series new, late, re-linked or deleted prices touched since the
 * last refresh (`price_series_dirty`), in one short transaction on the
 * primary. Answers never depend on it (a series still dirty is judged from
 * its daily aggregates at query time); it only keeps queries on the fast path.
 * Returns the number of series refreshed.
 */
export async function refreshPriceSeries(em: EntityManager): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      const [row] = await em.getConnection('write').execute<{ n: number }[]>(`select price_series_refresh(${CANDIDATE_WINDOW}) as n`);
      return Number(row?.n ?? 0);
    } catch (error) {
      // A deadlock with a re-link's recompute (rare): the marks are still there, try again.
      if ((error as { code?: string }).code !== '40P01' || attempt >= 3) throw error;
    }
  }
}

/**
 * Folds the series-day groups price writes appended (`price_series_day_delta`, migration 20261130060000) into
 * `price_series_day`, on the primary: before a read of the aggregates, and every 15 s (src/app.ts). Returns how
 * many appended groups were folded.
 */
export async function foldPriceSeries(em: EntityManager): Promise<number> {
  const [row] = await em.getConnection('write').execute<{ n: string }[]>('select price_series_fold() as n');
  return Number(row?.n ?? 0);
}

/**
 * Finds days whose mean per-kg price of a (product, variety, market) series
 * lies more than k standard deviations from the mean of the `window` previous
 * days with prices of that series (however far back: the window counts days
 * with prices, not calendar days).
 *
 * Never reads the price facts: the daily means come from `price_series_day`
 * (count and exact sum per series-day, appended by the writing transaction and
 * folded in before this read). With the default window and k >= 1 the judged days come from
 * `price_anomaly_candidate` (rolling count, mean and standard deviation stored
 * per series-day, found by day and z through one index), except for the series
 * whose statistics are stale (`price_series_dirty`, until the next refresh):
 * those, and every series for another window (found by a skip scan of the
 * primary key, not a scan of every series-day), are judged from their daily
 * aggregates from the `window`-th day with prices before the period on: first
 * screened with the window statistics in float8 and a slack far above its
 * rounding error (a superset of the anomalies), then the screened days with
 * `avg` and `stddev_samp` over the same numeric values and the same `window`
 * previous days as a query over the facts, so the answer is the same. (The dirty marks in
 * scope are read by a first statement: a series a write marks between the two
 * is answered as of the last refresh, as a read a moment earlier would be.)
 */
export async function findPriceAnomalies(em: EntityManager, options: AnomalyScanOptions): Promise<PriceAnomaly[]> {
  // The groups appended since the last fold, first: the aggregates read below are then exact (on a replica: as of its
  // replay of this fold, the replica's lag as for every other figure).
  await foldPriceSeries(em);
  const { sql, params } = await anomalyStatement(em, options);
  const rows = await em.getConnection().execute<RawAnomaly[]>(sql, params);
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

/**
 * The statement {@link findPriceAnomalies} runs (after reading the dirty marks in scope, on the stored path), with its
 * parameters. @internal exported for the plan test
 */
export async function anomalyStatement(em: EntityManager, options: AnomalyScanOptions): Promise<{ sql: string; params: unknown[] }> {
  assertPeriod(options.from, options.to);
  const k = options.k ?? ANOMALY_DEFAULTS.k;
  const window = options.window ?? ANOMALY_DEFAULTS.window;
  if (!Number.isInteger(window) || window < 1) throw new Error(`window must be a positive integer, got ${window}`);
  const minHistory = Math.min(options.minHistory ?? ANOMALY_DEFAULTS.minHistory, window);
  const minChange = options.minRelativeChange ?? ANOMALY_DEFAULTS.minRelativeChange;
  let productIds = options.productIds;
  if (options.product) {
    // Ids first: an id list lets the planner use the series keys.
    const found = await em
      .getConnection()
      .execute<{ id: number }[]>('select id from product where code = ? or name = ? or ? = any(aliases)', [options.product, options.product, options.product]);
    productIds = found.map((r) => r.id).filter((id) => !options.productIds || options.productIds.includes(id));
  }
  /** The scope's conditions on a series table aliased `alias`. */
  const scope = (alias: string): [string, unknown[]] => {
    const sql: string[] = [];
    const params: unknown[] = [];
    if (productIds) {
      sql.push(`and ${alias}.product_id in (?)`);
      params.push(sqlList(productIds));
    }
    if (options.market) {
      sql.push(`and ${alias}.market_id in (select id from market where code = ?)`);
      params.push(options.market);
    }
    return [sql.join(' '), params];
  };
  const stored = window === CANDIDATE_WINDOW && k >= CANDIDATE_MIN_Z;
  const parts: string[] = [];
  const seriesParams: unknown[] = [];
  const candidateParams: unknown[] = [];
  // Series judged now from their daily aggregates, each from day `lo`: on the stored path the dirty ones in scope,
  // read first as a list (usually none or a few: the planner then sees how few, and the stored part leaves
  // exactly those out), else every series with prices in the period.
  let series: string | undefined;
  if (stored) {
    const [where, p] = scope('d');
    const dirty = await em.getConnection().execute<{ product_id: number; variety_id: number; market_id: number; lo: string }[]>(
      `select d.product_id, d.variety_id, d.market_id, to_char(greatest(d.from_day, ?::date), 'YYYY-MM-DD') as lo
           from price_series_dirty d where d.from_day <= ? ${where}`,
      [options.from, options.to, ...p],
    );
    const list = `select * from unnest(?::int[], ?::int[], ?::int[], ?::date[]) as s(product_id, variety_id, market_id, lo)`;
    const arrays = (['product_id', 'variety_id', 'market_id', 'lo'] as const).map((c) => `{${dirty.map((d) => d[c]).join(',')}}`);
    const [candidateWhere, cp] = scope('c');
    // (z is the float of the exact ratio: a hair below k lets every day beyond k through; the exact test follows.)
    parts.push(`select c.product_id, c.variety_id, c.market_id, c.day, c.price, a.origin_region_code, c.w_n as n, c.w_mean as mean, c.w_sd as sd
                  from price_anomaly_candidate c
                  join price_series_day a on a.product_id = c.product_id and a.variety_id = c.variety_id and a.market_id = c.market_id and a.day = c.day
                 where c.day = any(?::date[]) and c.z > ? ${candidateWhere}
                 ${dirty.length ? `and not exists (select 1 from (${list}) s where s.product_id = c.product_id and s.variety_id = c.variety_id and s.market_id = c.market_id and s.lo <= c.day)` : ''}`);
    candidateParams.push(`{${daysOf(options.from, options.to).join(',')}}`, k - 1e-9, ...cp, ...(dirty.length ? arrays : []));
    if (dirty.length) {
      series = list;
      seriesParams.push(...arrays);
    }
  } else if (productIds) {
    // A few products: their series through the primary key's leading column.
    const [where, p] = scope('a');
    series = `select distinct a.product_id, a.variety_id, a.market_id, ?::date as lo
                from price_series_day a where a.day between ? and ? ${where}`;
    seriesParams.push(options.from, options.from, options.to, ...p);
  } else {
    // Every series: a skip scan of the primary key (one descent per series, ~29,000 on a province-year) instead of
    // a sequential scan of every series-day for the distinct (price_series_day has no index by day). A series with
    // no price in the period judges no day below.
    const [where, p] = scope('k');
    series = `select k.product_id, k.variety_id, k.market_id, ?::date as lo from series_keys k where true ${where}`;
    seriesParams.push(options.from, ...p);
  }
  let live = '';
  if (series) {
    // Two steps, the same answer as the rule's numeric window statistics over every series-day:
    // 1. screen: per series, one range of its key from the `window`-th day with prices before the period on, with the
    //    window statistics in float8 (a fraction of numeric's cost) and a slack far above float8's rounding, so that
    //    every day the exact test passes is kept (a superset);
    // 2. judge the screened days only (a few per cent) with the exact numeric statistics of their `window` previous
    //    series-days, the same rows the window frame holds; the exact test follows in the outer query.
    const slack = `1e-5 * (abs(j.fprice) + abs(j.fmean))`;
    live = `series as materialized (${series}),
     screened as (
       select s.product_id, s.variety_id, s.market_id, j.day, j.n as dn, j.total, j.origin_region_code
         from series s
        cross join lateral (
          select a.day, a.n, a.total, a.origin_region_code, a.fprice, count(*) over w as wn, avg(a.fprice) over w as fmean, stddev_samp(a.fprice) over w as fsd
            -- (the float mean once per row, not once per row of every frame: offset 0 keeps the planner from inlining it)
            from (select a.day, a.n, a.total, a.origin_region_code, a.total::float8 / a.n as fprice
                    from price_series_day a
                   where a.product_id = s.product_id and a.variety_id = s.variety_id and a.market_id = s.market_id and a.day <= ?
                     and a.day >= coalesce((select b.day from price_series_day b
                                             where b.product_id = s.product_id and b.variety_id = s.variety_id and b.market_id = s.market_id and b.day < s.lo
                                             order by b.day desc offset ${window - 1} limit 1), '-infinity'::date)
                  offset 0) a
          window w as (order by a.day rows between ${window} preceding and 1 preceding)) j
        where j.day >= s.lo and j.day >= ? and j.wn >= ?
          and abs(j.fprice - j.fmean) + ${slack} * (1 + ?) > ? * j.fsd
          and abs(j.fprice - j.fmean) + ${slack} * (1 + ?) >= ? * j.fmean
     ),
     live as (
       select c.product_id, c.variety_id, c.market_id, c.day, c.total / c.dn as price, c.origin_region_code, e.n, e.mean, e.sd
         from screened c
        cross join lateral (select count(*) as n, avg(x.p) as mean, stddev_samp(x.p) as sd
                              from (select b.total / b.n as p from price_series_day b
                                     where b.product_id = c.product_id and b.variety_id = c.variety_id and b.market_id = c.market_id and b.day < c.day
                                     order by b.day desc limit ${window}) x) e
     ), `;
    seriesParams.push(options.to, options.from, minHistory, Math.abs(k), k, Math.abs(minChange), minChange);
    parts.push('select * from live');
  }
  const keys = !stored && !productIds;
  const recursive = keys
    ? `recursive series_keys as (
         (select b.product_id, b.variety_id, b.market_id from price_series_day b order by 1, 2, 3 limit 1)
         union all
         select n.product_id, n.variety_id, n.market_id from series_keys k
          cross join lateral (select b.product_id, b.variety_id, b.market_id from price_series_day b
                               where (b.product_id, b.variety_id, b.market_id) > (k.product_id, k.variety_id, k.market_id)
                               order by 1, 2, 3 limit 1) n
       ), `
    : '';
  return {
    sql: `with ${recursive}${live}judged as (${parts.join(' union all ')})
     select to_char(j.day, 'YYYY-MM-DD') as day, j.product_id, nullif(j.variety_id, 0) as variety_id, j.market_id, pr.name as product_name, v.name as variety_name,
            m.code as market_code, m.name as market_name, m.region_code as market_region, j.origin_region_code as origin_region,
            round(j.price, 2) as price, round(j.mean, 4) as mean, round(j.sd::numeric, 4) as sd, j.n
       from judged j
       join product pr on pr.id = j.product_id
       join market m on m.id = j.market_id
       left join variety v on v.id = nullif(j.variety_id, 0)
      where j.day between ? and ? and j.n >= ? and j.sd > 0
        and abs(j.price - j.mean) > ? * j.sd
        and abs(j.price - j.mean) >= ? * j.mean
      order by j.day, pr.name, m.code, j.variety_id`,
    params: [...seriesParams, ...candidateParams, options.from, options.to, minHistory, k, minChange],
  };
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
  // The new prices' series first (the watcher scans right after a batch): the scan then stays on the stored path.
  await refreshPriceSeries(em);
  const anomalies = await findPriceAnomalies(em, options);
  const raised = await raiseAlerts(
    em,
    pubSub,
    anomalies.map((a) => anomalyAlert(a, options.k ?? ANOMALY_DEFAULTS.k)),
  );
  return { anomalies, alertsRaised: raised.length };
}
