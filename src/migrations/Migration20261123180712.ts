import { Migration } from '@mikro-orm/migrations';

/**
 * Access control (issue #6): organisations, API keys (hashed), and the
 * append-only audit trail. The trigger refuses UPDATE and TRUNCATE always, and
 * DELETE except by the retention pruning, which flags its transaction with
 * `set local harvest.audit_prune = 'on'` and may only remove rows older than
 * 180 days (the legal minimum of six months, DOMAIN.md "Data protection").
 */
export class Migration20261123180712 extends Migration {
  override name = 'Migration20261123180712';

  override up(): void | Promise<void> {
    this.addSql(`create type "organisation_kind" as enum ('PLATFORM', 'COURIER', 'AGENCY', 'OPERATOR');`);
    this.addSql(`create type "access_role" as enum ('PLATFORM', 'COURIER', 'OFFICIAL', 'ADMIN');`);
    this.addSql(
      `create table "audit_entry" ("id" bigserial primary key, "at" timestamptz not null default now(), "actor" varchar(200) not null, "credential" varchar(16) not null, "role" varchar(16) null, "organisation" varchar(100) null, "ip" varchar(64) null, "transport" varchar(8) not null, "operation_type" varchar(16) not null, "operation_name" varchar(200) null, "operation_hash" varchar(64) not null, "variables" jsonb not null default '{}', "classified_fields" text[] not null default '{}', "rows_returned" int not null default 0, "personal_records" int not null default 0, "unmask_reason" text null, "outcome" varchar(200) not null);`,
    );
    this.addSql(`create index "audit_entry_actor_at_index" on "audit_entry" ("actor", "at");`);
    this.addSql(`create index "audit_entry_at_index" on "audit_entry" ("at");`);

    this.addSql(
      `create table "organisation" ("id" serial primary key, "name" varchar(100) not null, "kind" "organisation_kind" not null, "courier_id" int null, "platform_id" int null, "created_at" timestamptz not null default now());`,
    );
    this.addSql(`alter table "organisation" add constraint "organisation_name_unique" unique ("name");`);

    this.addSql(
      `create table "api_key" ("id" serial primary key, "key_id" varchar(32) not null, "secret_hash" varchar(64) not null, "organisation_id" int not null, "role" "access_role" not null, "scopes" text[] not null, "label" varchar(200) null, "created_at" timestamptz not null default now(), "expires_at" timestamptz null, "revoked_at" timestamptz null, "last_used_at" timestamptz null, "rotated_from" varchar(32) null);`,
    );
    this.addSql(`alter table "api_key" add constraint "api_key_key_id_unique" unique ("key_id");`);
    this.addSql(`create index "api_key_organisation_id_index" on "api_key" ("organisation_id");`);

    this.addSql(
      `alter table "organisation" add constraint "organisation_courier_id_foreign" foreign key ("courier_id") references "courier" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "organisation" add constraint "organisation_platform_id_foreign" foreign key ("platform_id") references "market" ("id") on delete set null;`,
    );

    this.addSql(`alter table "api_key" add constraint "api_key_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id");`);

    this.addSql(`create function "audit_entry_append_only"() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' and current_setting('harvest.audit_prune', true) = 'on' and old.at < now() - interval '180 days' then
          return old;
        end if;
        raise exception 'audit_entry is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
      end $$;`);
    this.addSql(`create trigger "audit_entry_append_only" before update or delete on "audit_entry" for each row execute function "audit_entry_append_only"();`);
    this.addSql(`create function "audit_entry_no_truncate"() returns trigger language plpgsql as $$
      begin
        raise exception 'audit_entry is append-only: TRUNCATE refused' using errcode = 'insufficient_privilege';
      end $$;`);
    this.addSql(`create trigger "audit_entry_no_truncate" before truncate on "audit_entry" for each statement execute function "audit_entry_no_truncate"();`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "api_key" cascade;`);
    this.addSql(`drop table if exists "organisation" cascade;`);
    this.addSql(`drop table if exists "audit_entry" cascade;`);
    this.addSql(`drop function if exists "audit_entry_append_only"();`);
    this.addSql(`drop function if exists "audit_entry_no_truncate"();`);
    this.addSql(`drop type "organisation_kind";`);
    this.addSql(`drop type "access_role";`);
  }
}
