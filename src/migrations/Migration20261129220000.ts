import { Migration } from '@mikro-orm/migrations';

export class Migration20261129220000 extends Migration {
  override name = 'Migration20261129220000';

  override up(): void | Promise<void> {
    // Issue #11: a platform sees its own refused listings and sales (the ecommerce-platform connector names the
    // platform whose data it brings); the row rule filters on it.
    this.addSql(`alter table "rejected_record" add column "submitter" varchar(64) null;`);
    this.addSql(`create index "rejected_record_submitter_index" on "rejected_record" ("submitter") where "submitter" is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "rejected_record_submitter_index";`);
    this.addSql(`alter table "rejected_record" drop column if exists "submitter";`);
  }
}
