import { Migration } from '@mikro-orm/migrations';

export class Migration20261129150012 extends Migration {
  override name = 'Migration20261129150012';

  override up(): void | Promise<void> {
    // Issue #12: a connector's cursor is fenced. Every batch moves it forward with
    // `where cursor_seq = <the value its run started from>`, so a run that lost its lock (its
    // lock session died and another instance took over) can never write an older cursor back.
    this.addSql(`alter table "connector_state" add column "cursor_seq" bigint not null default 0;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "connector_state" drop column "cursor_seq";`);
  }
}
