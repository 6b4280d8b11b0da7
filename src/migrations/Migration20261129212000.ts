import { Migration } from '@mikro-orm/migrations';

export class Migration20261129212000 extends Migration {
  override name = 'Migration20261129212000';

  override up(): void | Promise<void> {
    // Bulk ingest (issue #13): the unique key (source_connector, source_key, observed_on) exists for idempotency only
    // (equality; no query orders by a source key), and comparing its long text keys with the database's linguistic
    // collation cost about a third of that index's share of a COPY (BENCHMARKS.md). Equality is the same under "C"
    // (deterministic collations compare bytes for equality), so the key still refuses the same duplicates. The
    // columns change type in place (no table rewrite); the partitions' unique indexes are rebuilt.
    this.addSql(`alter table "price_observation" alter column "source_connector" type varchar(64) collate "C";`);
    this.addSql(`alter table "price_observation" alter column "source_key" type varchar(255) collate "C";`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "price_observation" alter column "source_connector" type varchar(64) collate "default";`);
    this.addSql(`alter table "price_observation" alter column "source_key" type varchar(255) collate "default";`);
  }
}
