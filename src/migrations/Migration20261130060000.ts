import { Migration } from '@mikro-orm/migrations';

/** The upsert that adds grouped rows (`select product_id, variety_id, market_id, day, n, total, origin ...`) to `price_series_day`. @internal */
const addToSeriesDay = (rows: string) => `insert into price_series_day as t (product_id, variety_id, market_id, day, n, total, origin_region_code)
          ${rows}
        on conflict (product_id, variety_id, market_id, day) do update
          set n = t.n + excluded.n, total = t.total + excluded.total,
              origin_region_code = least(t.origin_region_code, excluded.origin_region_code)`;

/** The dirty marks of a statement's series (`select product_id, variety_id, market_id, from_day ...`). @internal */
const markDirty = (rows: string) => `insert into price_series_dirty (product_id, variety_id, market_id, from_day)
          ${rows}
        on conflict (product_id, variety_id, market_id) do update set from_day = least(price_series_dirty.from_day, excluded.from_day), version = excluded.version`;

/** The series-day groups of a transition table of prices. @internal */
const GROUPS = `select product_id, coalesce(variety_id, 0), market_id, observed_on, count(*), sum(avg_per_kg), min(origin_region_code) from new_rows
           where avg_per_kg is not null and product_id is not null and market_id is not null
           group by 1, 2, 3, 4`;
const DIRTY = `select product_id, coalesce(variety_id, 0), market_id, min(observed_on) from new_rows
           where avg_per_kg is not null and product_id is not null and market_id is not null
           group by 1, 2, 3 order by 1, 2, 3`;

/** `price_series_recompute` from migration 20261129214500, after `prologue`. @internal */
const recompute = (prologue: string) => `create or replace function "price_series_recompute"() returns trigger language plpgsql as $$
      begin
        ${prologue}
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
      end $$;`;

/** `price_series_refresh` from migration 20261129214500, with `afterMarks` run once the dirty marks are read. @internal */
const refresh = (afterMarks: string) => `create or replace function "price_series_refresh"(win int default 20) returns int language plpgsql as $$
      declare
        taken int;
      begin
        perform pg_advisory_xact_lock(hashtext('price_series_refresh'));
        create temp table if not exists price_series_refreshing (product_id int, variety_id int, market_id int, from_day date, version bigint) on commit drop;
        truncate price_series_refreshing;
        insert into price_series_refreshing select product_id, variety_id, market_id, from_day, version from price_series_dirty;
        get diagnostics taken = row_count;
        ${afterMarks}
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
      end $$;`;

/** `price_facts_added` (migration 20261130050000) with `series` as the statement that takes the series-day arrays. @internal */
const factsAdded = (series: string) => `create or replace function "price_facts_added"(
        s_product int[], s_variety int[], s_market int[], s_day date[], s_n int[], s_total numeric[], s_origin varchar[],
        c_market int[], c_product int[], c_variety int[], c_n bigint[]) returns void language plpgsql as $$
      begin
        perform set_config('hub.price_facts_counted', 'on', true);
        insert into price_count (market_id, product_id, variety_id, n)
          select * from unnest(c_market, c_product, c_variety, c_n) order by 1, 2, 3
        on conflict (market_id, product_id, variety_id) do update set n = price_count.n + excluded.n;
        ${markDirty('select p, v, m, min(d) from unnest(s_product, s_variety, s_market, s_day) as t(p, v, m, d) group by 1, 2, 3 order by 1, 2, 3')};
        ${series};
      end $$;`;

/** `price_series_add` (migration 20261129214500) with `series` as the statement that takes the statement's groups. @internal */
const seriesAdd = (series: string) => `create or replace function "price_series_add"() returns trigger language plpgsql as $$
      begin
        ${markDirty(DIRTY)};
        ${series};
        return null;
      end $$;`;

/**
 * Price-series aggregates appended, folded before they are read (issue #13, session 6).
 *
 * Every price write added its series-days to `price_series_day` with an upsert: in a 20,000-price batch spread over
 * three years that is ~14,800 row updates (0.74 per price), 4.5-5.5 s of PostgreSQL CPU per 1 M prices, and rows
 * that consecutive batches in flight both lock. Now a write APPENDS its groups to `price_series_day_delta` (no key,
 * no index, no row shared with another writer, no lock), as the parcel statistics do (migration 20261130011000), and
 * `price_series_fold()` moves the appended groups into `price_series_day` with one aggregated upsert (a million
 * prices of a backfill fold into their ~42,000 series-days once, not 740,000 times).
 *
 * Every read of `price_series_day` sees exact figures:
 * - `price_series_refresh` reads the dirty marks, THEN folds: every batch whose mark it read had committed its groups
 *   with it, so they are folded before the statistics are computed (a batch committed later has a newer mark, which
 *   stays);
 * - `findPriceAnomalies` folds on the primary before it reads (src/analytics/price-anomaly.service.ts);
 * - `price_series_recompute` (updates and deletes of prices) takes a SHARE lock on the delta table, which waits for
 *   every transaction that appended and keeps new appends out until it commits, and folds, before it recomputes
 *   the touched series-days from the facts: a committed group is never counted twice, an uncommitted one never lost.
 *   The ingest pipeline adds its groups only when the batch before it has committed (src/ingest/pipeline.ts), so a
 *   batch never holds this table while it waits for another one in the hub (a wait PostgreSQL could not see);
 * - a periodic job folds every 15 s (src/app.ts), so the appended part stays small.
 * A fold that dies half way rolls back: the groups stay appended for the next one.
 */
export class Migration20261130060000 extends Migration {
  override name = 'Migration20261130060000';

  override up(): void | Promise<void> {
    this.addSql(`create table "price_series_day_delta" (
      "product_id" int not null, "variety_id" int not null, "market_id" int not null, "day" date not null,
      "n" int not null, "total" numeric not null, "origin_region_code" varchar(12) null);`);
    // Folds the appended groups: the rows this statement sees are deleted and added, in key order (two folds at once
    // never count a row twice: the second one's delete waits for the first and skips the rows it deleted).
    this.addSql(`create function "price_series_fold"() returns bigint language sql as $$
      with moved as (delete from price_series_day_delta returning *),
           added as (${addToSeriesDay(`select product_id, variety_id, market_id, day, sum(n), sum(total), min(origin_region_code)
               from moved group by 1, 2, 3, 4 order by 1, 2, 3, 4`)}
             returning 1)
      select count(*) from moved
    $$;`);
    this.addSql(seriesAdd(`insert into price_series_day_delta (product_id, variety_id, market_id, day, n, total, origin_region_code) ${GROUPS}`));
    this.addSql(
      factsAdded(
        `insert into price_series_day_delta (product_id, variety_id, market_id, day, n, total, origin_region_code)
          select * from unnest(s_product, s_variety, s_market, s_day, s_n, s_total, s_origin)`,
      ),
    );
    this.addSql(recompute(`lock table price_series_day_delta in share mode;\n        perform price_series_fold();`));
    this.addSql(refresh(`perform price_series_fold();`));
  }

  override down(): void | Promise<void> {
    this.addSql(`select price_series_fold();`);
    this.addSql(seriesAdd(addToSeriesDay(`${GROUPS} order by 1, 2, 3, 4`)));
    this.addSql(factsAdded(addToSeriesDay(`select * from unnest(s_product, s_variety, s_market, s_day, s_n, s_total, s_origin) order by 1, 2, 3, 4`)));
    this.addSql(recompute(''));
    this.addSql(refresh(''));
    this.addSql(`drop function if exists "price_series_fold"();`);
    this.addSql(`drop table if exists "price_series_day_delta";`);
  }
}
