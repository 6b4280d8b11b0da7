import { Migration } from '@mikro-orm/migrations';

export class Migration20261130014500 extends Migration {
  override name = 'Migration20261130014500';

  override up(): void | Promise<void> {
    // Issue #10/#11: the abnormal-access check reads an actor's personal records of the last hour from per-minute
    // counters (at most 61 rows) kept in the same statement as the audit rows, instead of summing every audit row of
    // the actor in the hour (thousands for a busy key). Derived data: the audit rows stay the record.
    this.addSql(`create table "audit_personal_minute" (
      "actor" varchar(200) not null,
      "minute" timestamptz not null,
      "records" bigint not null,
      primary key ("actor", "minute"));`);
    this.addSql(`insert into "audit_personal_minute" ("actor", "minute", "records")
      select "actor", date_trunc('minute', "at"), sum("personal_records") from "audit_entry"
      where "at" > now() - interval '1 hour' and "personal_records" > 0 group by 1, 2;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "audit_personal_minute";`);
  }
}
