import { Migration } from '@mikro-orm/migrations';

/** The trigger function's aggregate per statement: the signed counts of `rows` per grain, region, day and direction. @internal */
const deltas = (rows: string, sign: number) =>
  `select r.grain, r.region_code, r.day, r.direction, r.parcels, r.farm_parcels, r.delivered_parcels from ${rows} s cross join lateral parcel_daily_stat_rows(${sign}, s) r`;

export class Migration20261130011000 extends Migration {
  override name = 'Migration20261130011000';

  override up(): void | Promise<void> {
    // Issue #13, courier webhook: the per-statement parcel statistics were an upsert into `parcel_daily_stat`, whose
    // rows (one county, one day) every concurrent batch updates: each batch held them locked from its parcel write
    // to its commit, so batches in flight queued behind each other there. The triggers now only APPEND the
    // statement's signed counts to `parcel_daily_stat_delta` (no unique key, no row shared with another batch, no
    // lock); `parcel_daily_stat_fold()` moves them into `parcel_daily_stat` (a periodic job, src/analytics/
    // parcel-stat-fold.ts) and readers sum both tables, so the figures are as fresh as before.
    this.addSql(`create table "parcel_daily_stat_delta" (like "parcel_daily_stat" including defaults);`);
    this.addSql(`create or replace function "parcel_daily_stat_apply"() returns trigger language plpgsql as $$
      begin
        if tg_op = 'INSERT' then
          insert into parcel_daily_stat_delta
          select grain, region_code, day, direction, sum(parcels), sum(farm_parcels), sum(delivered_parcels)
            from (${deltas('new_rows', 1)}) d
           group by 1, 2, 3, 4;
        elsif tg_op = 'UPDATE' then
          insert into parcel_daily_stat_delta
          select grain, region_code, day, direction, sum(parcels), sum(farm_parcels), sum(delivered_parcels)
            from (${deltas('new_rows', 1)} union all ${deltas('old_rows', -1)}) d
           group by 1, 2, 3, 4
          having sum(parcels) <> 0 or sum(farm_parcels) <> 0 or sum(delivered_parcels) <> 0;
        else
          insert into parcel_daily_stat_delta
          select grain, region_code, day, direction, sum(parcels), sum(farm_parcels), sum(delivered_parcels)
            from (${deltas('old_rows', -1)}) d
           group by 1, 2, 3, 4;
        end if;
        return null;
      end
    $$;`);
    // Folds the appended counts into the rollup: the rows this statement sees are deleted and added, in key order (two
    // folds at once never count a row twice: the second one's delete skips the rows the first one deleted).
    this.addSql(`create function "parcel_daily_stat_fold"() returns bigint language sql as $$
      with moved as (delete from parcel_daily_stat_delta returning *),
           added as (
             insert into parcel_daily_stat as t
             select grain, region_code, day, direction, sum(parcels), sum(farm_parcels), sum(delivered_parcels)
               from moved group by 1, 2, 3, 4 order by 1, 2, 3, 4
             on conflict (grain, region_code, day, direction) do update
                set parcels = t.parcels + excluded.parcels, farm_parcels = t.farm_parcels + excluded.farm_parcels,
                    delivered_parcels = t.delivered_parcels + excluded.delivered_parcels
             returning 1)
      select (select count(*) from moved)
    $$;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`select parcel_daily_stat_fold();`);
    this.addSql(`create or replace function "parcel_daily_stat_apply"() returns trigger language plpgsql as $$
      begin
        if tg_op = 'INSERT' then
          insert into parcel_daily_stat as t
          select r.grain, r.region_code, r.day, r.direction, sum(r.parcels), sum(r.farm_parcels), sum(r.delivered_parcels)
            from new_rows s cross join lateral parcel_daily_stat_rows(1, s) r
           group by 1, 2, 3, 4 order by 1, 2, 3, 4
          on conflict (grain, region_code, day, direction) do update
             set parcels = t.parcels + excluded.parcels, farm_parcels = t.farm_parcels + excluded.farm_parcels,
                 delivered_parcels = t.delivered_parcels + excluded.delivered_parcels;
        elsif tg_op = 'UPDATE' then
          insert into parcel_daily_stat as t
          select r.grain, r.region_code, r.day, r.direction, sum(r.parcels), sum(r.farm_parcels), sum(r.delivered_parcels)
            from (select r.* from new_rows s cross join lateral parcel_daily_stat_rows(1, s) r
                  union all
                  select r.* from old_rows s cross join lateral parcel_daily_stat_rows(-1, s) r) r
           group by 1, 2, 3, 4
          having sum(r.parcels) <> 0 or sum(r.farm_parcels) <> 0 or sum(r.delivered_parcels) <> 0
           order by 1, 2, 3, 4
          on conflict (grain, region_code, day, direction) do update
             set parcels = t.parcels + excluded.parcels, farm_parcels = t.farm_parcels + excluded.farm_parcels,
                 delivered_parcels = t.delivered_parcels + excluded.delivered_parcels;
        else
          insert into parcel_daily_stat as t
          select r.grain, r.region_code, r.day, r.direction, sum(r.parcels), sum(r.farm_parcels), sum(r.delivered_parcels)
            from old_rows s cross join lateral parcel_daily_stat_rows(-1, s) r
           group by 1, 2, 3, 4 order by 1, 2, 3, 4
          on conflict (grain, region_code, day, direction) do update
             set parcels = t.parcels + excluded.parcels, farm_parcels = t.farm_parcels + excluded.farm_parcels,
                 delivered_parcels = t.delivered_parcels + excluded.delivered_parcels;
        end if;
        return null;
      end
    $$;`);
    this.addSql(`drop function if exists "parcel_daily_stat_fold"();`);
    this.addSql(`drop table if exists "parcel_daily_stat_delta";`);
  }
}
