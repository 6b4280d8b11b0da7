import { Migration } from '@mikro-orm/migrations';

/**
 * A bulk price batch's counts and dirty marks without its series-day groups (issue #13, session 6).
 *
 * `price_facts_added` (migrations 20261130050000 and 20261130060000) takes a batch's series-day groups as seven
 * arrays and derives the dirty marks from them: for a 20,000-price batch spread over three years, ~14,800 groups
 * parsed from array text, unnested twice and grouped again for ~40 marks (~40-60 ms of PostgreSQL per batch on the
 * shared machine). Now the hub sends the marks it derived (one per series, its first day) and the counts to
 * `price_facts_counted`, and COPYs the groups straight into `price_series_day_delta` in the same transaction
 * (src/ingest/market-facts.kind.ts). Same rows, same order of locks (counts, marks, then the append);
 * `price_facts_added` stays for any other caller.
 */
export class Migration20261130070000 extends Migration {
  override name = 'Migration20261130070000';

  override up(): void | Promise<void> {
    this.addSql(`create function "price_facts_counted"(
        d_product int[], d_variety int[], d_market int[], d_from date[],
        c_market int[], c_product int[], c_variety int[], c_n bigint[]) returns void language plpgsql as $$
      begin
        perform set_config('hub.price_facts_counted', 'on', true);
        insert into price_count (market_id, product_id, variety_id, n)
          select * from unnest(c_market, c_product, c_variety, c_n) order by 1, 2, 3
        on conflict (market_id, product_id, variety_id) do update set n = price_count.n + excluded.n;
        insert into price_series_dirty (product_id, variety_id, market_id, from_day)
          select p, v, m, min(d) from unnest(d_product, d_variety, d_market, d_from) as t(p, v, m, d) group by 1, 2, 3 order by 1, 2, 3
        on conflict (product_id, variety_id, market_id) do update set from_day = least(price_series_dirty.from_day, excluded.from_day), version = excluded.version;
      end $$;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop function if exists "price_facts_counted"(int[], int[], int[], date[], int[], int[], int[], bigint[]);`);
  }
}
