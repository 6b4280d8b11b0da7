import type { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError } from '../platform/errors.js';
import { inSubtree } from '../regions/region-code.validator.js';
import { assertPeriod, share } from './analytics-args.js';
import { GROUP_CODE_LENGTH, ParcelGrouping, type ParcelStats, type ParcelStatsArgs, type ParcelStatsRow } from './parcel-stats.types.js';

interface RawRow {
  code: string;
  parcels: string;
  upstream: string;
  downstream: string;
  farm: string;
  delivered: string;
}

function toRow(raw: RawRow): ParcelStatsRow {
  const parcels = Number(raw.parcels);
  const farm = Number(raw.farm);
  const delivered = Number(raw.delivered);
  return {
    regionCode: raw.code,
    parcels,
    upstream: Number(raw.upstream),
    downstream: Number(raw.downstream),
    farmProductParcels: farm,
    farmProductShare: share(farm, parcels),
    delivered,
    deliveredShare: share(delivered, parcels),
  };
}

/**
 * Upstream/downstream parcel counts, farm-product and delivered shares per
 * city, county or township of a region, over a period. Reads the
 * trigger-maintained rollup `parcel_daily_stat` (county grain for city and
 * county rows, township grain for township rows) plus the counts appended
 * since its last fold (`parcel_daily_stat_delta`, src/analytics/parcel-stat-fold.ts),
 * never the parcels themselves, so a province-year is a sum over a few tens
 * of thousands of rows.
 */
export async function parcelStats(em: EntityManager, args: ParcelStatsArgs): Promise<ParcelStats> {
  assertPeriod(args.from, args.to);
  const groupLength = GROUP_CODE_LENGTH[args.groupBy];
  if (args.region.length > groupLength) {
    throw new BadUserInputError(`"groupBy: ${args.groupBy}" needs a region above that level; "${args.region}" is below it.`, 'groupBy');
  }
  // County rows when the region is a county or above: rows of the township grain add up to the same,
  // except for parcels only known to the county; a township region needs township rows.
  const grain = args.groupBy === ParcelGrouping.TOWNSHIP || args.region.length > 6 ? 'TOWNSHIP' : 'COUNTY';
  const [subtree, subtreeParams] = inSubtree('d.region_code', args.region);
  const directionSql = args.direction ? 'and d.direction = ?' : '';
  const rows = await em.getConnection().execute<(RawRow & { grouping: number })[]>(
    `select coalesce(left(d.region_code, ?), ?) as code,
            grouping(left(d.region_code, ?)) as grouping,
            coalesce(sum(d.parcels), 0) as parcels,
            coalesce(sum(d.parcels) filter (where d.direction = 'UPSTREAM'), 0) as upstream,
            coalesce(sum(d.parcels) filter (where d.direction = 'DOWNSTREAM'), 0) as downstream,
            coalesce(sum(d.farm_parcels), 0) as farm,
            coalesce(sum(d.delivered_parcels), 0) as delivered
       from (select grain, region_code, day, direction, parcels, farm_parcels, delivered_parcels from parcel_daily_stat
             union all
             select grain, region_code, day, direction, parcels, farm_parcels, delivered_parcels from parcel_daily_stat_delta) d
      where d.grain = ? and ${subtree} and d.day between ? and ? ${directionSql}
      group by grouping sets ((left(d.region_code, ?)), ())
      order by grouping desc, code`,
    [groupLength, args.region, groupLength, grain, ...subtreeParams, args.from, args.to, ...(args.direction ? [args.direction] : []), groupLength],
  );
  const total = rows.find((r) => Number(r.grouping) === 1) ?? { code: args.region, parcels: '0', upstream: '0', downstream: '0', farm: '0', delivered: '0' };
  return {
    regionCode: args.region,
    from: args.from,
    to: args.to,
    groupBy: args.groupBy,
    direction: args.direction,
    total: toRow({ ...total, code: args.region }),
    rows: rows.filter((r) => Number(r.grouping) === 0 && Number(r.parcels) !== 0).map(toRow),
  };
}
