import { Migration } from '@mikro-orm/migrations';

/** The count's key: the columns the compiler's covered price filters read (src/query-compiler/read-model.ts). */
const KEY = 'market_id, product_id, variety_id';

/**
 * Exact price counts per (market, product, variety) for `totalCount` (issue #10).
 *
 * `Market.prices { totalCount }` counted ~1,300 index entries over 14 monthly
 * partitions per market, about 37 % of the PostgreSQL time of the nested read
 * (BENCHMARKS.md, issue #10). `price_count` holds, per key, the number of
 * `price_observation` rows with that key, NULLs included (a unique key with
 * NULLS NOT DISTINCT: an unmatched product or a row without a market is a key
 * of its own), so that a count whose conditions read only these columns is
 * the sum of `n` over the matching keys, and the same conditions on the same
 * column names select the same rows (src/query-compiler/compile.ts uses it only then).
 *
 * Kept in the writing transaction, like `price_series_day`, by statement-level
 * triggers with transition tables on the parent and on every partition (the
 * bulk writer COPYs straight into a month): one aggregated upsert of signed
 * deltas per statement, never a statement per row. Inserts add, deletes
 * subtract, updates add the new keys and subtract the old (a re-link moves
 * its count). TRUNCATE of a partition (or of the parent: PostgreSQL fires
 * each partition's trigger) subtracts the partition's rows before they go;
 * the partition maintenance truncates a price month before dropping it.
 * `price_count_rebuild()` recomputes the table from the facts.
 */
export class Migration20261130010000 extends Migration {
  override name = 'Migration20261130010000';

  override up(): void | Promise<void> {
    this.addSql(`create table "price_count" (
      "market_id" int null, "product_id" int null, "variety_id" int null, "n" bigint not null,
      constraint "price_count_key" unique nulls not distinct (${KEY}));`);

    // One upsert of signed deltas per statement, keys in sorted order (concurrent batches lock the same rows in the same order).
    const upsert = (select: string) =>
      `insert into price_count (${KEY}, n) ${select} order by 1, 2, 3
         on conflict (${KEY}) do update set n = price_count.n + excluded.n;`;
    this.addSql(`create function "price_count_change"() returns trigger language plpgsql as $$
      begin
        if tg_op = 'INSERT' then
          ${upsert(`select ${KEY}, count(*) from new_rows group by 1, 2, 3`)}
        elsif tg_op = 'DELETE' then
          ${upsert(`select ${KEY}, -count(*) from old_rows group by 1, 2, 3`)}
        else
          ${upsert(`select ${KEY}, sum(d) from (select ${KEY}, -1 as d from old_rows union all select ${KEY}, 1 from new_rows) x
                     group by 1, 2, 3 having sum(d) <> 0`)}
        end if;
        return null;
      end $$;`);
    // TRUNCATE has no transition table: the rows are counted before they go (on a partition, never the parent, which holds none).
    this.addSql(`create function "price_count_truncate"() returns trigger language plpgsql as $$
      begin
        execute format('${upsert(`select ${KEY}, -count(*) from %I.%I group by 1, 2, 3`).replace(/'/g, "''")}', tg_table_schema, tg_table_name);
        return null;
      end $$;`);
    this.addSql(`create function "price_count_attach"(rel text) returns void language plpgsql as $$
      begin
        execute format('create trigger price_count_insert after insert on %I referencing new table as new_rows for each statement execute function price_count_change()', rel);
        execute format('create trigger price_count_update after update on %I referencing old table as old_rows new table as new_rows for each statement execute function price_count_change()', rel);
        execute format('create trigger price_count_delete after delete on %I referencing old table as old_rows for each statement execute function price_count_change()', rel);
        if rel <> 'price_observation' then
          execute format('create trigger price_count_truncate before truncate on %I for each statement execute function price_count_truncate()', rel);
        end if;
      end $$;`);
    this.addSql(`create function "price_count_rebuild"() returns void language plpgsql as $$
      begin
        lock table price_observation in share mode;
        delete from price_count;
        insert into price_count (${KEY}, n) select ${KEY}, count(*) from price_observation group by 1, 2, 3;
      end $$;`);

    // The parent (statements through it) and every partition (statements straight into one: the bulk COPY).
    this.addSql(`select price_count_attach('price_observation');`);
    this.addSql(
      `select price_count_attach(c.relname) from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'price_observation'::regclass;`,
    );
    // New months get them too: price_series_attach (migration 20261129214500), which hub_month_partition calls for every new price month.
    this.addSql(`create or replace function "price_series_attach"(rel text) returns void language plpgsql as $$
      begin
        execute format('create trigger price_series_insert after insert on %I referencing new table as new_rows for each statement execute function price_series_add()', rel);
        execute format('create trigger price_series_update after update on %I referencing old table as old_rows new table as new_rows for each statement execute function price_series_recompute()', rel);
        execute format('create trigger price_series_delete after delete on %I referencing old table as old_rows for each statement execute function price_series_recompute()', rel);
        perform price_count_attach(rel);
      end $$;`);
    // The triggers exist (and hold their lock on the table until commit) before the stored rows are counted.
    this.addSql(`select price_count_rebuild();`);
    this.addSql(`analyze price_count;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`create or replace function "price_series_attach"(rel text) returns void language plpgsql as $$
      begin
        execute format('create trigger price_series_insert after insert on %I referencing new table as new_rows for each statement execute function price_series_add()', rel);
        execute format('create trigger price_series_update after update on %I referencing old table as old_rows new table as new_rows for each statement execute function price_series_recompute()', rel);
        execute format('create trigger price_series_delete after delete on %I referencing old table as old_rows for each statement execute function price_series_recompute()', rel);
      end $$;`);
    this.addSql(`do $$ declare r record; begin
      for r in select 'price_observation' as relname union all
               select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'price_observation'::regclass loop
        execute format('drop trigger if exists price_count_insert on %I', r.relname);
        execute format('drop trigger if exists price_count_update on %I', r.relname);
        execute format('drop trigger if exists price_count_delete on %I', r.relname);
        execute format('drop trigger if exists price_count_truncate on %I', r.relname);
      end loop; end $$;`);
    this.addSql(`drop function if exists price_count_rebuild();`);
    this.addSql(`drop function if exists price_count_attach(text);`);
    this.addSql(`drop function if exists price_count_truncate();`);
    this.addSql(`drop function if exists price_count_change();`);
    this.addSql(`drop table if exists "price_count";`);
  }
}
