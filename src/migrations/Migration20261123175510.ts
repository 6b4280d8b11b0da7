import { Migration } from '@mikro-orm/migrations';

export class Migration20261123175510 extends Migration {
  override name = 'Migration20261123175510';

  override up(): void | Promise<void> {
    this.addSql(`create type "rejected_status" as enum ('PENDING', 'REPLAYED', 'DISCARDED');`);
    this.addSql(
      `create type "alert_kind" as enum ('DELAYED', 'EXCEPTION', 'FAILED_ATTEMPT', 'COLD_CHAIN_EXCURSION', 'PRICE_SPIKE', 'PRICE_DROP', 'ABNORMAL_ACCESS');`,
    );
    this.addSql(`create type "alert_severity" as enum ('INFO', 'WARNING', 'CRITICAL');`);
    this.addSql(
      `create table "rejected_record" ("id" bigserial primary key, "connector" varchar(64) not null, "reason" text not null, "field" varchar(200) null, "position" varchar(300) null, "raw" jsonb not null, "status" "rejected_status" not null default 'PENDING', "received_at" timestamptz not null default now(), "replayed_at" timestamptz null);`,
    );
    this.addSql(`create index "rejected_record_connector_status_received_at_index" on "rejected_record" ("connector", "status", "received_at");`);

    this.addSql(
      `create table "alert" ("id" bigserial primary key, "kind" "alert_kind" not null, "severity" "alert_severity" not null default 'WARNING', "message" text not null, "region_code" varchar(12) null, "shipment_id" bigint null, "product_id" int null, "market_id" int null, "details" jsonb not null default '{}', "raised_at" timestamptz not null default now(), "dedupe_key" varchar(255) not null);`,
    );
    this.addSql(`create index "alert_shipment_id_index" on "alert" ("shipment_id");`);
    this.addSql(`alter table "alert" add constraint "alert_dedupe_key_unique" unique ("dedupe_key");`);
    this.addSql(`create index "alert_region_prefix_idx" on "alert" ("region_code" varchar_pattern_ops);`);
    this.addSql(`create index "alert_kind_raised_at_index" on "alert" ("kind", "raised_at");`);

    this.addSql(`alter table "alert" add constraint "alert_region_code_foreign" foreign key ("region_code") references "region" ("code") on delete set null;`);
    this.addSql(`alter table "alert" add constraint "alert_shipment_id_foreign" foreign key ("shipment_id") references "shipment" ("id") on delete set null;`);
    this.addSql(`alter table "alert" add constraint "alert_product_id_foreign" foreign key ("product_id") references "product" ("id") on delete set null;`);
    this.addSql(`alter table "alert" add constraint "alert_market_id_foreign" foreign key ("market_id") references "market" ("id") on delete set null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "rejected_record" cascade;`);
    this.addSql(`drop table if exists "alert" cascade;`);

    this.addSql(`drop type "rejected_status";`);
    this.addSql(`drop type "alert_kind";`);
    this.addSql(`drop type "alert_severity";`);
  }
}
