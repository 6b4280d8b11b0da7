import type { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError } from '../platform/errors.js';
import { paginate, type Ordering } from '../relay/paginate.js';
import type { Page } from '../relay/connection.type.js';
import { inSubtree } from '../regions/region-code.validator.js';
import { SupplyListing } from './supply-listing.entity.js';
import { SalesRecord } from './sales-record.entity.js';
import type { SupplyArgs, SupplyFilter } from './supply.args.js';

const listingOrder: Ordering<SupplyListing> = {
  direction: 'desc',
  keys: [
    { sql: 's.available_from', read: (s) => s.availableFrom },
    { sql: 's.id', read: (s) => Number(s.id) },
  ],
};
const salesOrder: Ordering<SalesRecord> = {
  direction: 'desc',
  keys: [
    { sql: 's.period_start', read: (s) => s.periodStart },
    { sql: 's.id', read: (s) => Number(s.id) },
  ],
};

function conditions(filter: SupplyFilter, dateColumn: string, sales: boolean): [string, unknown[]][] {
  const where: [string, unknown[]][] = [];
  if (filter.from && filter.to && filter.from > filter.to) throw new BadUserInputError('"filter.from" must not be after "filter.to".', 'filter.from');
  if (filter.product) {
    where.push(['s.product_id in (select id from product where code = ? or name = ? or ? = any(aliases))', [filter.product, filter.product, filter.product]]);
  }
  if (filter.platform) where.push(['s.platform_id in (select id from market where code = ?)', [filter.platform]]);
  if (filter.originUnder) where.push(inSubtree('s.origin_region_code', filter.originUnder));
  if (sales && filter.channel) where.push(['s.channel = ?', [filter.channel]]);
  if (sales && filter.destinationUnder) where.push(inSubtree('s.destination_region_code', filter.destinationUnder));
  if (filter.from) where.push([`s.${dateColumn} >= ?`, [filter.from]]);
  if (filter.to) where.push([`s.${dateColumn} <= ?`, [filter.to]]);
  return where;
}

/** Supply listings, newest availability first. */
export function listSupply(em: EntityManager, args: SupplyArgs): Promise<Page<SupplyListing>> {
  const qb = em.createQueryBuilder(SupplyListing, 's');
  for (const [sql, params] of conditions(args.filter ?? {}, 'available_from', false)) qb.andWhere(sql, params);
  return paginate(qb, listingOrder, args);
}

/** Sales records, newest period first. */
export function listSales(em: EntityManager, args: SupplyArgs): Promise<Page<SalesRecord>> {
  const qb = em.createQueryBuilder(SalesRecord, 's');
  for (const [sql, params] of conditions(args.filter ?? {}, 'period_start', true)) qb.andWhere(sql, params);
  return paginate(qb, salesOrder, args);
}
