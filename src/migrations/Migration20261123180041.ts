import { Migration } from '@mikro-orm/migrations';

export class Migration20261123180041 extends Migration {
  override name = 'Migration20261123180041';

  override up(): void | Promise<void> {
    this.addSql(`drop index "price_observation_market_id_observed_on_index";`);
    this.addSql(`create index "price_observation_market_id_observed_on_id_index" on "price_observation" ("market_id", "observed_on", "id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "price_observation_market_id_observed_on_id_index";`);
    this.addSql(`create index "price_observation_market_id_observed_on_index" on "price_observation" ("market_id", "observed_on");`);
  }
}
