import { Migration } from '@mikro-orm/migrations';

export class Migration20261123180142 extends Migration {
  override name = 'Migration20261123180142';

  override up(): void | Promise<void> {
    this.addSql(`create type "parcel_stat_grain" as enum ('COUNTY', 'TOWNSHIP');`);
    this.addSql(
      `create table "parcel_daily_stat" ("grain" "parcel_stat_grain" not null, "region_code" varchar(12) not null, "day" date not null, "direction" "shipment_direction" not null, "parcels" bigint not null default '0', "farm_parcels" bigint not null default '0', "delivered_parcels" bigint not null default '0', primary key ("grain", "region_code", "day", "direction"));`,
    );

    this.addSql(`create index "shipment_tracking_number_index" on "shipment" ("tracking_number");`);

    // Rollup of parcels per day, rural region and direction (issue #7), kept up to date by
    // statement-level triggers: one aggregated upsert per INSERT/UPDATE/DELETE statement on
    // shipment, reading the statement's transition tables. Keys are written in sorted order so
    // that concurrent ingest transactions lock summary rows in the same order (no deadlocks).
    // The day and region expressions are those of src/analytics/parcel-sql.ts.
    this
      .addSql(`create function "parcel_daily_stat_rows"(direction_sign int, s shipment) returns table (grain parcel_stat_grain, region_code varchar, day date, direction shipment_direction, parcels bigint, farm_parcels bigint, delivered_parcels bigint) language sql stable as $$
      select g.grain, g.code, (coalesce(s.picked_up_at, s.ingested_at) at time zone 'Asia/Shanghai')::date, s.direction,
             direction_sign::bigint, (case when s.is_farm_product then direction_sign else 0 end)::bigint,
             (case when s.status = 'DELIVERED' then direction_sign else 0 end)::bigint
        from (select case when s.direction = 'DOWNSTREAM' then coalesce(s.destination_region_code, s.destination_code)
                          else coalesce(s.origin_region_code, s.origin_code) end as local) l
        cross join lateral (values ('COUNTY'::parcel_stat_grain, left(l.local, 6)),
                                   ('TOWNSHIP'::parcel_stat_grain, case when length(l.local) >= 9 then left(l.local, 9) end)) g(grain, code)
       where length(l.local) >= 6 and g.code is not null
    $$;`);
    this.addSql(`create function "parcel_daily_stat_apply"() returns trigger language plpgsql as $$
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
    this.addSql(
      `create trigger "parcel_daily_stat_insert" after insert on "shipment" referencing new table as new_rows for each statement execute function parcel_daily_stat_apply();`,
    );
    this.addSql(
      `create trigger "parcel_daily_stat_update" after update on "shipment" referencing old table as old_rows new table as new_rows for each statement execute function parcel_daily_stat_apply();`,
    );
    this.addSql(
      `create trigger "parcel_daily_stat_delete" after delete on "shipment" referencing old table as old_rows for each statement execute function parcel_daily_stat_apply();`,
    );
    // Parcels stored before this migration.
    this.addSql(`insert into parcel_daily_stat
      select r.grain, r.region_code, r.day, r.direction, sum(r.parcels), sum(r.farm_parcels), sum(r.delivered_parcels)
        from shipment s cross join lateral parcel_daily_stat_rows(1, s) r group by 1, 2, 3, 4;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger if exists "parcel_daily_stat_insert" on "shipment";`);
    this.addSql(`drop trigger if exists "parcel_daily_stat_update" on "shipment";`);
    this.addSql(`drop trigger if exists "parcel_daily_stat_delete" on "shipment";`);
    this.addSql(`drop function if exists "parcel_daily_stat_apply"();`);
    this.addSql(`drop function if exists "parcel_daily_stat_rows"(int, shipment);`);
    this.addSql(`drop table if exists "parcel_daily_stat" cascade;`);
    this.addSql(`drop index if exists "shipment_tracking_number_index";`);

    this.addSql(`drop type "parcel_stat_grain";`);
  }
}
