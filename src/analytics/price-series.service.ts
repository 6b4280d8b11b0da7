import type { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError } from '../platform/errors.js';
import { priceConditions } from '../pricing/price.service.js';
import { DATE_TRUNC_UNIT, assertPeriod } from './analytics-args.js';
import { PriceSplit, type PricePoint, type PriceSeries, type PriceSeriesArgs } from './price-series.types.js';

/** SQL key and label of each split (alias `p` = price_observation). */
const SPLITS: Record<PriceSplit, { key: string; label: string }> = {
  [PriceSplit.NONE]: { key: `'all'`, label: `'all'` },
  [PriceSplit.MARKET]: { key: 'm.code', label: 'm.name' },
  [PriceSplit.ORIGIN_PROVINCE]: {
    key: `coalesce(left(p.origin_region_code, 2), 'unknown')`,
    label: `coalesce((select name from region where code = left(p.origin_region_code, 2)), 'unknown')`,
  },
  [PriceSplit.ORIGIN_CITY]: {
    key: `coalesce(left(p.origin_region_code, 4), 'unknown')`,
    label: `coalesce((select name from region where code = left(p.origin_region_code, 4)), 'unknown')`,
  },
  [PriceSplit.ORIGIN_COUNTY]: {
    key: `coalesce(left(p.origin_region_code, 6), 'unknown')`,
    label: `coalesce((select name from region where code = left(p.origin_region_code, 6)), 'unknown')`,
  },
  [PriceSplit.VARIETY]: { key: `coalesce(v.name, 'unknown')`, label: `coalesce(v.name, 'unknown')` },
};

interface RawPoint {
  key: string;
  label: string;
  bucket: string;
  low: string;
  average: string;
  median: string;
  high: string;
  volume: string;
  observations: string;
}

/**
 * Low, mean, median and high price (yuan per kg) and volume per day, week or
 * month, in one SQL statement: `date_trunc` buckets, `percentile_cont` for the
 * median. Only quotes with a per-kg price count (per-piece and per-box quotes
 * cannot be compared by weight). With a split, one series per market, origin
 * or variety. Served by the (product_id, observed_on) index.
 */
export async function priceSeries(em: EntityManager, args: PriceSeriesArgs): Promise<PriceSeries[]> {
  const filter = { ...args.filter };
  assertPeriod(filter.from, filter.to, 'filter.from');
  const conn = em.getConnection();
  const [product] = await conn.execute<{ id: number }[]>('select id from product where code = ? or name = ? or ? = any(aliases) limit 1', [
    filter.product,
    filter.product,
    filter.product,
  ]);
  if (!product) throw new BadUserInputError(`Unknown product "${filter.product}".`, 'filter.product');
  if (!filter.to) {
    const [newest] = await conn.execute<{ day: string | null }[]>(
      `select to_char(max(observed_on), 'YYYY-MM-DD') as day from price_observation where product_id = ?`,
      [product.id],
    );
    filter.to = newest?.day ?? new Date().toISOString().slice(0, 10);
  }
  if (!filter.from) {
    const [start] = await conn.execute<{ day: string }[]>(`select to_char(?::date - interval '1 year' + interval '1 day', 'YYYY-MM-DD') as day`, [filter.to]);
    filter.from = start.day;
  }
  // The product is resolved above: an id equality lets the planner use the (product_id, observed_on)
  // index, where the generic sub-select would be estimated badly and scan the whole table.
  const conditions: [string, unknown[]][] = [['p.product_id = ?', [product.id]], ...priceConditions({ ...filter, product: undefined })];
  const split = SPLITS[args.splitBy];
  const unit = DATE_TRUNC_UNIT[args.interval];
  const rows = await conn.execute<RawPoint[]>(
    `select ${split.key} as key, min(${split.label}) as label,
            to_char(date_trunc('${unit}', p.observed_on), 'YYYY-MM-DD') as bucket,
            min(coalesce(p.low_per_kg, p.avg_per_kg)) as low,
            round(avg(p.avg_per_kg), 2) as average,
            round(percentile_cont(0.5) within group (order by p.avg_per_kg)::numeric, 2) as median,
            max(coalesce(p.high_per_kg, p.avg_per_kg)) as high,
            coalesce(sum(p.volume), 0) as volume,
            count(*) as observations
       from price_observation p
       join market m on m.id = p.market_id
       left join variety v on v.id = p.variety_id
      where p.avg_per_kg is not null ${conditions.map(([sql]) => `and ${sql}`).join(' ')}
      group by 1, 3
      order by 1, 3`,
    conditions.flatMap(([, params]) => params),
  );
  const series = new Map<string, PriceSeries>();
  for (const r of rows) {
    let s = series.get(r.key);
    if (!s) series.set(r.key, (s = { key: r.key, label: r.label, points: [] }));
    const point: PricePoint = {
      bucket: r.bucket,
      low: Number(r.low),
      average: Number(r.average),
      median: Number(r.median),
      high: Number(r.high),
      volume: Number(r.volume),
      observations: Number(r.observations),
    };
    s.points.push(point);
  }
  return [...series.values()];
}
