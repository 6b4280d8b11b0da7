import { Migration } from '@mikro-orm/migrations';

export class Migration20261129190000 extends Migration {
  override name = 'Migration20261129190000';

  override up(): void | Promise<void> {
    // Bulk ingest (issue #13): most price lists name no origin region, and every null was an entry of the origin
    // prefix index (about a tenth of the server's CPU of a COPY of Xinfadi rows). Queries filter by a prefix
    // (`origin_region_code like '14%'`), which implies not null, so the partial index serves them all the same.
    this.addSql(`drop index if exists "price_observation_origin_prefix_idx";`);
    this.addSql(
      `create index "price_observation_origin_prefix_idx" on "price_observation" ("origin_region_code" varchar_pattern_ops) where "origin_region_code" is not null;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "price_observation_origin_prefix_idx";`);
    this.addSql(`create index "price_observation_origin_prefix_idx" on "price_observation" ("origin_region_code" varchar_pattern_ops);`);
  }
}
