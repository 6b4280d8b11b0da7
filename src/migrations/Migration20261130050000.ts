import { Migration } from '@mikro-orm/migrations';

/** price_series_attach as migration 20261130010000 left it (every trigger on every relation): `down` puts it back. */
const ATTACH_ALL = `create or replace function "price_series_attach"(rel text) returns void language plpgsql as $$
      begin
        execute format('create trigger price_series_insert after insert on %I referencing new table as new_rows for each statement execute function price_series_add()', rel);
        execute format('create trigger price_series_update after update on %I referencing old table as old_rows new table as new_rows for each statement execute function price_series_recompute()', rel);
        execute format('create trigger price_series_delete after delete on %I referencing old table as old_rows for each statement execute function price_series_recompute()', rel);
        perform price_count_attach(rel);
      end $$;`;

/**
 * Bulk price loads add their own rows to the aggregates (issue #13, session 5).
 *
 * The price-series aggregates (`price_series_day`, `price_series_dirty`,
 * migration 20261129214500) and the exact counts (`price_count`, migration
 * 20261130010000) were kept for inserts by statement-level triggers with a
 * transition table on the parent and on every monthly partition. For the bulk
 * COPY that meant PostgreSQL kept a copy of every inserted row in the
 * transition table, grouped it again in two triggers, and (a COPY through the
 * partitioned parent with such a trigger) inserted row by row instead of in
 * multi-row batches.
 *
 * Now:
 * - the PARENT keeps every trigger: any INSERT, UPDATE or DELETE through
 *   `price_observation` (SQL, the seeds, the pipeline's staging path, rows of
 *   months without a partition) keeps the aggregates as before;
 * - the PARTITIONS keep their UPDATE, DELETE and TRUNCATE triggers, and lose
 *   their INSERT triggers: rows are inserted straight into a partition only by
 *   the hub's bulk writer, which groups the batch in memory (it has the rows)
 *   and adds the groups with ONE call of `price_facts_added(...)` in the same
 *   transaction (src/ingest/market-facts.kind.ts);
 * - a statement trigger without a transition table on every partition refuses
 *   an INSERT or COPY into the partition in a transaction that did not call
 *   `price_facts_added` (it sets `hub.price_facts_counted` for the
 *   transaction): rows can never reach a partition uncounted. (A statement
 *   through the parent fires the parent's triggers only, not this one.)
 */
export class Migration20261130050000 extends Migration {
  override name = 'Migration20261130050000';

  override up(): void | Promise<void> {
    // The groups of rows a transaction inserted straight into partitions, added as the insert triggers added them
    // (the same statements, from arrays instead of a transition table; keys in sorted order, counts first, as the
    // triggers fired in name order: concurrent writers lock the same rows in the same order).
    this.addSql(`create function "price_facts_added"(
        s_product int[], s_variety int[], s_market int[], s_day date[], s_n int[], s_total numeric[], s_origin varchar[],
        c_market int[], c_product int[], c_variety int[], c_n bigint[]) returns void language plpgsql as $$
      begin
        perform set_config('hub.price_facts_counted', 'on', true);
        insert into price_count (market_id, product_id, variety_id, n)
          select * from unnest(c_market, c_product, c_variety, c_n) order by 1, 2, 3
        on conflict (market_id, product_id, variety_id) do update set n = price_count.n + excluded.n;
        insert into price_series_dirty (product_id, variety_id, market_id, from_day)
          select p, v, m, min(d) from unnest(s_product, s_variety, s_market, s_day) as t(p, v, m, d) group by 1, 2, 3 order by 1, 2, 3
        on conflict (product_id, variety_id, market_id) do update set from_day = least(price_series_dirty.from_day, excluded.from_day), version = excluded.version;
        insert into price_series_day (product_id, variety_id, market_id, day, n, total, origin_region_code)
          select * from unnest(s_product, s_variety, s_market, s_day, s_n, s_total, s_origin) order by 1, 2, 3, 4
        on conflict (product_id, variety_id, market_id, day) do update
          set n = price_series_day.n + excluded.n, total = price_series_day.total + excluded.total,
              origin_region_code = least(price_series_day.origin_region_code, excluded.origin_region_code);
      end $$;`);
    this.addSql(`create function "price_partition_insert_guard"() returns trigger language plpgsql as $$
      begin
        if coalesce(current_setting('hub.price_facts_counted', true), '') <> 'on' then
          raise exception 'rows inserted straight into %.% would not be counted in price_series_day and price_count', tg_table_schema, tg_table_name
            using errcode = '55000', hint = 'Insert through price_observation, or add the rows with price_facts_added(...) in the same transaction first.';
        end if;
        return null;
      end $$;`);
    // Partitions: UPDATE, DELETE and TRUNCATE triggers as before, the guard instead of the INSERT triggers. The parent: all.
    this.addSql(`create or replace function "price_series_attach"(rel text) returns void language plpgsql as $$
      begin
        if rel = 'price_observation' then
          execute format('create trigger price_series_insert after insert on %I referencing new table as new_rows for each statement execute function price_series_add()', rel);
          execute format('create trigger price_count_insert after insert on %I referencing new table as new_rows for each statement execute function price_count_change()', rel);
        else
          execute format('create trigger price_partition_insert_guard before insert on %I for each statement execute function price_partition_insert_guard()', rel);
          execute format('create trigger price_count_truncate before truncate on %I for each statement execute function price_count_truncate()', rel);
        end if;
        execute format('create trigger price_series_update after update on %I referencing old table as old_rows new table as new_rows for each statement execute function price_series_recompute()', rel);
        execute format('create trigger price_series_delete after delete on %I referencing old table as old_rows for each statement execute function price_series_recompute()', rel);
        execute format('create trigger price_count_update after update on %I referencing old table as old_rows new table as new_rows for each statement execute function price_count_change()', rel);
        execute format('create trigger price_count_delete after delete on %I referencing old table as old_rows for each statement execute function price_count_change()', rel);
      end $$;`);
    this.addSql(`do $$ declare r record; begin
      for r in select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'price_observation'::regclass loop
        execute format('drop trigger if exists price_series_insert on %I', r.relname);
        execute format('drop trigger if exists price_count_insert on %I', r.relname);
        execute format('create trigger price_partition_insert_guard before insert on %I for each statement execute function price_partition_insert_guard()', r.relname);
      end loop; end $$;`);
  }

  override down(): void | Promise<void> {
    this.addSql(ATTACH_ALL);
    this.addSql(`do $$ declare r record; begin
      for r in select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'price_observation'::regclass loop
        execute format('drop trigger if exists price_partition_insert_guard on %I', r.relname);
        execute format('create trigger price_series_insert after insert on %I referencing new table as new_rows for each statement execute function price_series_add()', r.relname);
        execute format('create trigger price_count_insert after insert on %I referencing new table as new_rows for each statement execute function price_count_change()', r.relname);
      end loop; end $$;`);
    this.addSql(`drop function if exists price_partition_insert_guard();`);
    this.addSql(`drop function if exists price_facts_added(int[], int[], int[], date[], int[], numeric[], varchar[], int[], int[], int[], bigint[]);`);
  }
}
