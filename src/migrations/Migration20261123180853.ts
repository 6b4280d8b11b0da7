import { Migration } from '@mikro-orm/migrations';

/** Connectors (issue #4): connector state (cursor, status, counts), the review queue of unmatched names, replay pipeline of rejected records. */
export class Migration20261123180853 extends Migration {
  override name = 'Migration20261123180853';

  override up(): void | Promise<void> {
    this.addSql(`create type "connector_status" as enum ('IDLE', 'RUNNING', 'OK', 'FAILED');`);
    this.addSql(`create type "review_status" as enum ('PENDING', 'ACCEPTED', 'DISMISSED');`);
    this.addSql(
      `create table "connector_state" ("name" varchar(64) not null, "module" varchar(64) not null, "status" "connector_status" not null default 'IDLE', "cursor" jsonb null, "last_run_at" timestamptz null, "last_success_at" timestamptz null, "last_error" text null, "last_error_at" timestamptz null, "last_counts" jsonb null, "total_counts" jsonb null, "updated_at" timestamptz not null default now(), primary key ("name"));`,
    );

    this.addSql(
      `create table "unmatched_name" ("id" serial primary key, "raw_name" varchar(200) not null, "normalised" varchar(200) not null, "count" int not null default 0, "examples" jsonb not null default '[]', "connectors" text[] not null default '{}', "suggested_product_id" int null, "suggested_variety_id" int null, "suggestion_score" real null, "status" "review_status" not null default 'PENDING', "relinked" int not null default 0, "first_seen_at" timestamptz not null default now(), "last_seen_at" timestamptz not null default now());`,
    );
    this.addSql(`alter table "unmatched_name" add constraint "unmatched_name_raw_name_unique" unique ("raw_name");`);

    this.addSql(`alter table "rejected_record" add "pipeline" varchar(64) null;`);

    this.addSql(
      `alter table "unmatched_name" add constraint "unmatched_name_suggested_product_id_foreign" foreign key ("suggested_product_id") references "product" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "unmatched_name" add constraint "unmatched_name_suggested_variety_id_foreign" foreign key ("suggested_variety_id") references "variety" ("id") on delete set null;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "connector_state" cascade;`);
    this.addSql(`drop table if exists "unmatched_name" cascade;`);
    this.addSql(`alter table "rejected_record" drop column "pipeline";`);
    this.addSql(`drop type "connector_status";`);
    this.addSql(`drop type "review_status";`);
  }
}
