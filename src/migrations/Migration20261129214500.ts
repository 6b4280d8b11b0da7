import { Migration } from '@mikro-orm/migrations';

/**
 * Price anomalies from per-series-day aggregates (issue #13): `priceAnomalies`
 * over the whole province no longer reads the price facts.
 *
 * - `price_series_day`: per (product, variety, market, day) the number of
 *   per-kg prices, their exact (numeric) sum and the smallest origin region:
 *   the day's mean price is `total / n`, the same value `avg(avg_per_kg)` gives.
 *   Kept in the writing transaction by statement-level triggers on
 *   `price_observation` and on each of its partitions (the bulk writer COPYs
 *   straight into a month's partition, which fires only that partition's
 *   statement triggers): one aggregated upsert per statement from its
 *   transition table, never a statement per row. Inserts add to the sums;
 *   updates and deletes (re-links, deleted products) recompute the touched
 *   series-days from their facts.
 * - `price_series_dirty`: per series, the first day whose rolling statistics
 *   may be stale (written by the same triggers).
 * - `price_anomaly_candidate`: per series-day whose daily mean lies at least
 *   one rolling standard deviation from the mean of the 20 previous series-days
 *   (the default window; k >= 1 in the API), that window's count, mean and
 *   standard deviation (the same `avg`/`stddev_samp` over the same numeric
 *   daily means as the query over the facts) and z = |price - mean| / sd.
 *   Filled by `price_series_refresh()` from the dirty marks (the anomaly watcher
 *   and a periodic job call it); until then a dirty series is judged from its
 *   aggregates at query time, so answers never wait for the refresh.
 */
export class Migration20261129214500 extends Migration {
  override name = 'Migration20261129214500';

  override up(): void | Promise<void> {
    this.addSql(`create table "price_series_day" (
      "product_id" int not null, "variety_id" int not null default 0, "market_id" int not null, "day" date not null,
      "n" int not null, "total" numeric not null, "origin_region_code" varchar(12) null,
      primary key ("product_id", "variety_id", "market_id", "day"));`);
    this.addSql(`create sequence "price_series_dirty_version_seq";`);
    this.addSql(`create table "price_series_dirty" (
      "product_id" int not null, "variety_id" int not null default 0, "market_id" int not null, "from_day" date not null,
      "version" bigint not null default nextval('price_series_dirty_version_seq'),
      primary key ("product_id", "variety_id", "market_id"));`);
    this.addSql(`create table "price_anomaly_candidate" (
      "product_id" int not null, "variety_id" int not null default 0, "market_id" int not null, "day" date not null,
      "price" numeric not null, "w_n" int not null, "w_mean" numeric not null, "w_sd" numeric not null, "z" float8 not null,
      primary key ("product_id", "variety_id", "market_id", "day"));`);
    // The query: a list of days and z above k (one index descent per day, straight to the rows beyond k).
    this.addSql(`create index "price_anomaly_candidate_day_z_index" on "price_anomaly_candidate" ("day", "z");`);

    // Marks series dirty and adds a statement's new facts to the aggregates (keys in sorted order: concurrent
    // batches lock the same rows in the same order).
    this.addSql(`create function "price_series_add"() returns trigger language plpgsql as $$
      begin
        insert into price_series_dirty (product_id, variety_id, market_id, from_day)
          select product_id, coalesce(variety_id, 0), market_id, min(observed_on) from new_rows
           where avg_per_kg is not null and product_id is not null and market_id is not null
           group by 1, 2, 3 order by 1, 2, 3
        on conflict (product_id, variety_id, market_id) do update set from_day = least(price_series_dirty.from_day, excluded.from_day), version = excluded.version;
        insert into price_series_day (product_id, variety_id, market_id, day, n, total, origin_region_code)
          select product_id, coalesce(variety_id, 0), market_id, observed_on, count(*), sum(avg_per_kg), min(origin_region_code) from new_rows
           where avg_per_kg is not null and product_id is not null and market_id is not null
           group by 1, 2, 3, 4 order by 1, 2, 3, 4
        on conflict (product_id, variety_id, market_id, day) do update
          set n = price_series_day.n + excluded.n, total = price_series_day.total + excluded.total,
              origin_region_code = least(price_series_day.origin_region_code, excluded.origin_region_code);
        return null;
      end $$;`);
    // Updates and deletes (rare: re-links, deleted products or varieties): the touched series-days are computed
    // again from their facts (a sum cannot give back a minimum).
    this.addSql(`create function "price_series_recompute"() returns trigger language plpgsql as $$
      begin
        create temp table if not exists price_series_touched (product_id int, variety_id int, market_id int, day date) on commit drop;
        truncate price_series_touched;
        insert into price_series_touched select distinct product_id, coalesce(variety_id, 0), market_id, observed_on from old_rows
          where product_id is not null and market_id is not null;
        if tg_op = 'UPDATE' then
          insert into price_series_touched select distinct product_id, coalesce(variety_id, 0), market_id, observed_on from new_rows
            where product_id is not null and market_id is not null;
        end if;
        insert into price_series_dirty (product_id, variety_id, market_id, from_day)
          select product_id, variety_id, market_id, min(day) from price_series_touched group by 1, 2, 3 order by 1, 2, 3
        on conflict (product_id, variety_id, market_id) do update set from_day = least(price_series_dirty.from_day, excluded.from_day), version = excluded.version;
        delete from price_series_day a using (select distinct * from price_series_touched) t
         where a.product_id = t.product_id and a.variety_id = t.variety_id and a.market_id = t.market_id and a.day = t.day;
        insert into price_series_day (product_id, variety_id, market_id, day, n, total, origin_region_code)
          select p.product_id, coalesce(p.variety_id, 0), p.market_id, p.observed_on, count(*), sum(p.avg_per_kg), min(p.origin_region_code)
            from (select distinct * from price_series_touched) t
            join price_observation p on p.product_id = t.product_id and coalesce(p.variety_id, 0) = t.variety_id and p.market_id = t.market_id and p.observed_on = t.day
           where p.avg_per_kg is not null
           group by 1, 2, 3, 4 order by 1, 2, 3, 4;
        return null;
      end $$;`);
    this.addSql(`create function "price_series_attach"(rel text) returns void language plpgsql as $$
      begin
        execute format('create trigger price_series_insert after insert on %I referencing new table as new_rows for each statement execute function price_series_add()', rel);
        execute format('create trigger price_series_update after update on %I referencing old table as old_rows new table as new_rows for each statement execute function price_series_recompute()', rel);
        execute format('create trigger price_series_delete after delete on %I referencing old table as old_rows for each statement execute function price_series_recompute()', rel);
      end $$;`);
    // The parent (statements through it) and every partition (statements straight into one: the bulk COPY).
    this.addSql(`select price_series_attach('price_observation');`);
    this.addSql(
      `select price_series_attach(c.relname) from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'price_observation'::regclass;`,
    );
    // New months get the triggers too: hub_month_partition (migration 20261129150000) as before, plus the attach.
    this.addSql(`create or replace function hub_month_partition(parent text, month date) returns text language plpgsql as $$
      declare
        name text := parent || '_' || to_char(month, 'YYYYMM');
        kind text;
        lo text;
        hi text;
      begin
        select format_type(a.atttypid, a.atttypmod) into kind
          from pg_partitioned_table pt join pg_attribute a on a.attrelid = pt.partrelid and a.attnum = pt.partattrs[0]
         where pt.partrelid = parent::regclass;
        lo := date_trunc('month', month)::date::text;
        hi := (date_trunc('month', month) + interval '1 month')::date::text;
        if kind <> 'date' then
          lo := lo || ' 00:00:00+00';
          hi := hi || ' 00:00:00+00';
        end if;
        if to_regclass(quote_ident(name)) is null then
          execute format('create table %I partition of %I for values from (%L) to (%L)', name, parent, lo, hi);
          if parent = 'price_observation' then
            perform price_series_attach(name);
          end if;
        end if;
        return name;
      end $$;`);

    // Rolling statistics of the dirty series, from their first dirty day on. One refresher at a time. The marks are
    // read without locking them, and at the end only the marks still at the version read are deleted (skipping any a
    // writing batch holds): a batch never waits for a refresh, and a mark a batch renewed meanwhile stays for the
    // next run. The window is the `win` previous series-days with prices (rows, not calendar days), as in the query.
    this.addSql(`create function "price_series_refresh"(win int default 20) returns int language plpgsql as $$
      declare
        taken int;
      begin
        perform pg_advisory_xact_lock(hashtext('price_series_refresh'));
        create temp table if not exists price_series_refreshing (product_id int, variety_id int, market_id int, from_day date, version bigint) on commit drop;
        truncate price_series_refreshing;
        insert into price_series_refreshing select product_id, variety_id, market_id, from_day, version from price_series_dirty;
        get diagnostics taken = row_count;
        if taken = 0 then
          return 0;
        end if;
        analyze price_series_refreshing;
        delete from price_anomaly_candidate c using price_series_refreshing r
         where c.product_id = r.product_id and c.variety_id = r.variety_id and c.market_id = r.market_id and c.day >= r.from_day;
        insert into price_anomaly_candidate (product_id, variety_id, market_id, day, price, w_n, w_mean, w_sd, z)
          select j.product_id, j.variety_id, j.market_id, j.day, j.price, j.w_n, j.w_mean, j.w_sd, (abs(j.price - j.w_mean) / j.w_sd)::float8
            from (select r.product_id, r.variety_id, r.market_id, a.day, r.from_day, a.total / a.n as price,
                         count(*) over w as w_n, avg(a.total / a.n) over w as w_mean, stddev_samp(a.total / a.n) over w as w_sd
                    from price_series_refreshing r
                    left join lateral (select b.day from price_series_day b
                                        where b.product_id = r.product_id and b.variety_id = r.variety_id and b.market_id = r.market_id and b.day < r.from_day
                                        order by b.day desc offset win - 1 limit 1) s on true
                    cross join lateral (select b.day, b.n, b.total from price_series_day b
                                         where b.product_id = r.product_id and b.variety_id = r.variety_id and b.market_id = r.market_id
                                           and b.day >= coalesce(s.day, '-infinity'::date)) a
                  window w as (partition by r.product_id, r.variety_id, r.market_id order by a.day rows between win preceding and 1 preceding)) j
           where j.day >= j.from_day and j.w_sd > 0 and abs(j.price - j.w_mean) >= j.w_sd;
        delete from price_series_dirty d
         where (d.product_id, d.variety_id, d.market_id) in (
           select x.product_id, x.variety_id, x.market_id from price_series_dirty x join price_series_refreshing r
               on x.product_id = r.product_id and x.variety_id = r.variety_id and x.market_id = r.market_id and x.version = r.version
             for update of x skip locked)
           and d.version = (select r.version from price_series_refreshing r
                             where r.product_id = d.product_id and r.variety_id = d.variety_id and r.market_id = d.market_id);
        return taken;
      end $$;`);

    // Backfill: the aggregates of the stored facts, every series dirty from its first day, then one refresh.
    this.addSql(`insert into price_series_day (product_id, variety_id, market_id, day, n, total, origin_region_code)
      select product_id, coalesce(variety_id, 0), market_id, observed_on, count(*), sum(avg_per_kg), min(origin_region_code)
        from price_observation where avg_per_kg is not null and product_id is not null and market_id is not null
       group by 1, 2, 3, 4;`);
    this.addSql(`insert into price_series_dirty (product_id, variety_id, market_id, from_day)
      select product_id, variety_id, market_id, min(day) from price_series_day group by 1, 2, 3;`);
    this.addSql(`select price_series_refresh();`);
    this.addSql(`analyze price_series_day;`);
    this.addSql(`analyze price_anomaly_candidate;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger if exists price_series_insert on price_observation;`);
    this.addSql(`drop trigger if exists price_series_update on price_observation;`);
    this.addSql(`drop trigger if exists price_series_delete on price_observation;`);
    this.addSql(`do $$ declare r record; begin
      for r in select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'price_observation'::regclass loop
        execute format('drop trigger if exists price_series_insert on %I', r.relname);
        execute format('drop trigger if exists price_series_update on %I', r.relname);
        execute format('drop trigger if exists price_series_delete on %I', r.relname);
      end loop; end $$;`);
    this.addSql(`create or replace function hub_month_partition(parent text, month date) returns text language plpgsql as $$
      declare
        name text := parent || '_' || to_char(month, 'YYYYMM');
        kind text;
        lo text;
        hi text;
      begin
        select format_type(a.atttypid, a.atttypmod) into kind
          from pg_partitioned_table pt join pg_attribute a on a.attrelid = pt.partrelid and a.attnum = pt.partattrs[0]
         where pt.partrelid = parent::regclass;
        lo := date_trunc('month', month)::date::text;
        hi := (date_trunc('month', month) + interval '1 month')::date::text;
        if kind <> 'date' then
          lo := lo || ' 00:00:00+00';
          hi := hi || ' 00:00:00+00';
        end if;
        if to_regclass(quote_ident(name)) is null then
          execute format('create table %I partition of %I for values from (%L) to (%L)', name, parent, lo, hi);
        end if;
        return name;
      end $$;`);
    this.addSql(`drop function if exists price_series_refresh(int);`);
    this.addSql(`drop function if exists price_series_attach(text);`);
    this.addSql(`drop function if exists price_series_recompute();`);
    this.addSql(`drop function if exists price_series_add();`);
    this.addSql(`drop table if exists "price_anomaly_candidate";`);
    this.addSql(`drop table if exists "price_series_dirty";`);
    this.addSql(`drop sequence if exists "price_series_dirty_version_seq";`);
    this.addSql(`drop table if exists "price_series_day";`);
  }
}
