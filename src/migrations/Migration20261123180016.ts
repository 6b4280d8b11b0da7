import { Migration } from '@mikro-orm/migrations';

export class Migration20261123180016 extends Migration {
  override name = 'Migration20261123180016';

  override up(): void | Promise<void> {
    this.addSql(`create type "tracking_format" as enum ('NATIVE', 'KUAIDI100', 'AFTERSHIP', 'EPCIS', 'GRAPHQL');`);
    this.addSql(
      `create table "courier_credential" ("id" serial primary key, "courier_id" int not null, "secret" varchar(200) not null, "created_at" timestamptz not null default now(), "retired_at" timestamptz null);`,
    );
    this.addSql(`create index "courier_credential_courier_id_retired_at_index" on "courier_credential" ("courier_id", "retired_at");`);

    this.addSql(
      `create table "webhook_signature" ("signature" varchar(128) not null, "courier_id" int not null, "seen_at" timestamptz not null default now(), primary key ("signature"));`,
    );
    this.addSql(`create index "webhook_signature_seen_at_index" on "webhook_signature" ("seen_at");`);

    this.addSql(`alter table "shipment" add "origin_code" varchar(12) null, add "destination_code" varchar(12) null;`);

    this.addSql(`alter table "tracking_event" add "area_code" varchar(12) null, add "format" "tracking_format" not null default 'NATIVE';`);

    this.addSql(
      `alter table "courier_credential" add constraint "courier_credential_courier_id_foreign" foreign key ("courier_id") references "courier" ("id");`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "courier_credential" cascade;`);
    this.addSql(`drop table if exists "webhook_signature" cascade;`);

    this.addSql(`alter table "shipment" drop column "origin_code", drop column "destination_code";`);

    this.addSql(`alter table "tracking_event" drop column "area_code", drop column "format";`);

    this.addSql(`drop type "tracking_format";`);
  }
}
