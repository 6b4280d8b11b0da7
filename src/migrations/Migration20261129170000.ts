import { Migration } from '@mikro-orm/migrations';

export class Migration20261129170000 extends Migration {
  override name = 'Migration20261129170000';

  override up(): void | Promise<void> {
    // Courier webhook secrets are sealed at rest (issue #11): AES-256-GCM, base64url, longer than the
    // plain secret. Rows still in clear are sealed by the hub at start (it has SECRETS_KEY, SQL has not).
    this.addSql(`alter table "courier_credential" alter column "secret" type text;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "courier_credential" alter column "secret" type varchar(200);`);
  }
}
