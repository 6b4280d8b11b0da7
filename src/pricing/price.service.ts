import type { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError } from '../platform/errors.js';
import { sqlList } from '../platform/sql.js';
import { paginate, type Ordering } from '../relay/paginate.js';
import { plainRows } from '../platform/plain-rows.js';
import type { Page } from '../relay/connection.type.js';
import { DEFAULT_PAGE_SIZE } from '../relay/connection.args.js';
import { inSubtree } from '../regions/region-code.validator.js';
import { PriceObservation } from './price-observation.entity.js';
import { PriceOrder, type PriceFilter, type PricesArgs } from './price.args.js';

export const PRICE_ORDERINGS: Record<PriceOrder, Ordering<PriceObservation>> = {
  [PriceOrder.OBSERVED_ON_DESC]: {
    direction: 'desc',
    keys: [
      { sql: 'p.observed_on', read: (p) => p.observedOn },
      { sql: 'p.id', read: (p) => Number(p.id) },
    ],
  },
  [PriceOrder.OBSERVED_ON_ASC]: {
    direction: 'asc',
    keys: [
      { sql: 'p.observed_on', read: (p) => p.observedOn },
      { sql: 'p.id', read: (p) => Number(p.id) },
    ],
  },
  [PriceOrder.AVG_PRICE_DESC]: {
    direction: 'desc',
    keys: [
      { sql: 'p.avg_price', read: (p) => p.avgPrice },
      { sql: 'p.id', read: (p) => Number(p.id) },
    ],
  },
  [PriceOrder.AVG_PRICE_ASC]: {
    direction: 'asc',
    keys: [
      { sql: 'p.avg_price', read: (p) => p.avgPrice },
      { sql: 'p.id', read: (p) => Number(p.id) },
    ],
  },
};

/** The ids of the products a filter's `product` names (code, name or alias), as a sub-select; each id once. */
export function productKeys(product: string): [string, unknown[]] {
  return ['select id from product where code = ? or name = ? or ? = any(aliases)', [product, product, product]];
}

/** SQL conditions (alias `p`) for a price filter; every lookup is a sub-select, so one statement. */
export function priceConditions(filter: PriceFilter = {}): [string, unknown[]][] {
  const where: [string, unknown[]][] = [];
  if (filter.from && filter.to && filter.from > filter.to) {
    throw new BadUserInputError('"filter.from" must not be after "filter.to".', 'filter.from');
  }
  if (filter.product) {
    const [keys, params] = productKeys(filter.product);
    where.push([`p.product_id in (${keys})`, params]);
  }
  if (filter.variety) {
    where.push(['p.variety_id in (select id from variety where name = ? or ? = any(aliases))', [filter.variety, filter.variety]]);
  }
  if (filter.market) where.push(['p.market_id in (select id from market where code = ?)', [filter.market]]);
  if (filter.channel) where.push(['p.market_id in (select id from market where channel = ?)', [filter.channel]]);
  if (filter.originUnder) where.push(inSubtree('p.origin_region_code', filter.originUnder));
  if (filter.marketRegionUnder) {
    const [cond, params] = inSubtree('region_code', filter.marketRegionUnder);
    where.push([`p.market_id in (select id from market where ${cond})`, params]);
  }
  if (filter.from) where.push(['p.observed_on >= ?', [filter.from]]);
  if (filter.to) where.push(['p.observed_on <= ?', [filter.to]]);
  if (filter.connector) where.push(['p.source_connector = ?', [filter.connector]]);
  return where;
}

/** A page of prices matching a filter, in the asked order. */
export function listPrices(em: EntityManager, args: PricesArgs): Promise<Page<PriceObservation>> {
  const qb = em.createQueryBuilder(PriceObservation, 'p');
  for (const [sql, params] of priceConditions(args.filter)) qb.andWhere(sql, params);
  return paginate(qb, PRICE_ORDERINGS[args.orderBy], args, em);
}

/**
 * The newest `first` prices of each market in one statement: a LATERAL
 * subquery per market walks the (market_id, observed_on, id) index backwards
 * and stops after `first` rows, for `Market.prices` under a list of markets.
 */
export async function latestPricesByMarket(
  em: EntityManager,
  marketIds: readonly number[],
  first = DEFAULT_PAGE_SIZE,
  filter: PriceFilter = {},
): Promise<PriceObservation[][]> {
  const conditions = priceConditions(filter);
  const rows = await em.getConnection().execute<Record<string, unknown>[]>(
    `select p.* from market m
       cross join lateral (
         select * from price_observation p
          where p.market_id = m.id ${conditions.map(([sql]) => `and ${sql}`).join(' ')}
          order by p.observed_on desc, p.id desc
          limit ?
       ) p
      where m.id in (?)
      order by p.market_id, p.observed_on desc, p.id desc`,
    [...conditions.flatMap(([, params]) => params), first, sqlList(marketIds)],
  );
  const byMarket = new Map<number, PriceObservation[]>(marketIds.map((id) => [id, []]));
  for (const row of plainRows(em, PriceObservation, rows)) byMarket.get(Number(row.market.id))?.push(row);
  return marketIds.map((id) => byMarket.get(id) ?? []);
}

/** Number of prices per market matching a filter, in one GROUP BY. */
export async function countPricesByMarket(em: EntityManager, marketIds: readonly number[], filter: PriceFilter = {}): Promise<number[]> {
  const conditions = priceConditions(filter);
  const rows = await em.getConnection().execute<{ market_id: number; n: string }[]>(
    `select p.market_id, count(*) as n from price_observation p
      where p.market_id in (?) ${conditions.map(([sql]) => `and ${sql}`).join(' ')}
      group by p.market_id`,
    [sqlList(marketIds), ...conditions.flatMap(([, params]) => params)],
  );
  const counts = new Map(rows.map((r) => [Number(r.market_id), Number(r.n)]));
  return marketIds.map((id) => counts.get(id) ?? 0);
}
