import { Migration } from '@mikro-orm/migrations';

export class Migration20261129163000 extends Migration {
  override name = 'Migration20261129163000';

  override up(): void | Promise<void> {
    // Issue #14: catalogue classes with their standard codes (NY/T 3177-2018), reviewed aliases kept apart from the
    // catalogue files, the origin review queue and aliases, lineage of re-links, and the loaded version of reference data.
    this.addSql(`create type "category_level" as enum ('SECTOR', 'CLASS');`);
    this.addSql(`create type "alias_source" as enum ('CATALOGUE', 'REVIEW', 'IMPORT');`);
    this.addSql(
      `create table "match_relink" ("id" bigserial primary key, "kind" varchar(16) not null, "raw" varchar(200) not null, "fact_table" varchar(32) not null, "fact_id" bigint not null, "previous_product_id" int null, "previous_variety_id" int null, "product_id" int null, "variety_id" int null, "previous_region_code" varchar(12) null, "region_code" varchar(12) null, "actor" varchar(200) null, "relinked_at" timestamptz not null default now());`,
    );
    this.addSql(`create index "match_relink_raw_index" on "match_relink" ("raw");`);
    this.addSql(`create index "match_relink_fact_table_fact_id_index" on "match_relink" ("fact_table", "fact_id");`);

    this.addSql(
      `create table "origin_alias" ("id" serial primary key, "text" varchar(100) not null, "region_code" varchar(12) not null, "created_by" varchar(200) null, "created_at" timestamptz not null default now());`,
    );
    this.addSql(`alter table "origin_alias" add constraint "origin_alias_text_unique" unique ("text");`);

    this.addSql(
      `create table "seed_version" ("name" varchar(64) not null, "hash" varchar(64) not null, "loaded_at" timestamptz not null default now(), primary key ("name"));`,
    );

    this.addSql(
      `create table "unmatched_origin" ("id" serial primary key, "raw_text" varchar(100) not null, "count" int not null default 0, "examples" jsonb not null default '[]', "connectors" text[] not null default '{}', "status" "review_status" not null default 'PENDING', "region_code" varchar(12) null, "relinked" int not null default 0, "first_seen_at" timestamptz not null default now(), "last_seen_at" timestamptz not null default now());`,
    );
    this.addSql(`alter table "unmatched_origin" add constraint "unmatched_origin_raw_text_unique" unique ("raw_text");`);

    this.addSql(
      `create table "catalog_alias" ("id" serial primary key, "alias" varchar(200) not null, "alias_key" varchar(200) not null, "product_id" int not null, "variety_id" int null, "source" "alias_source" not null, "created_by" varchar(200) null, "note" text null, "created_at" timestamptz not null default now());`,
    );
    this.addSql(`alter table "catalog_alias" add constraint "catalog_alias_alias_key_unique" unique ("alias_key");`);
    this.addSql(`create index "catalog_alias_product_id_index" on "catalog_alias" ("product_id");`);

    this.addSql(
      `alter table "product_category" add "name_en" varchar(100) null, add "level" "category_level" not null default 'CLASS', add "standard" varchar(64) null, add "standard_code" varchar(16) null;`,
    );

    this.addSql(
      `alter table "catalog_alias" add constraint "catalog_alias_product_id_foreign" foreign key ("product_id") references "product" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "catalog_alias" add constraint "catalog_alias_variety_id_foreign" foreign key ("variety_id") references "variety" ("id") on delete set null;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "match_relink" cascade;`);
    this.addSql(`drop table if exists "origin_alias" cascade;`);
    this.addSql(`drop table if exists "seed_version" cascade;`);
    this.addSql(`drop table if exists "unmatched_origin" cascade;`);
    this.addSql(`drop table if exists "catalog_alias" cascade;`);
    this.addSql(`alter table "product_category" drop column "name_en", drop column "level", drop column "standard", drop column "standard_code";`);
    this.addSql(`drop type "category_level";`);
    this.addSql(`drop type "alias_source";`);
  }
}
