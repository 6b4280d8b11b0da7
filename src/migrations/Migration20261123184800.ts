import { Migration } from '@mikro-orm/migrations';

export class Migration20261123184800 extends Migration {
  override name = 'Migration20261123184800';

  override up(): void | Promise<void> {
    // Parcel statistics per county and city read one grain over a period: (grain, day) halves their time
    // on a province-year (issue #7, BENCHMARKS.md).
    this.addSql(`create index "parcel_daily_stat_grain_day_index" on "parcel_daily_stat" ("grain", "day");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "parcel_daily_stat_grain_day_index";`);
  }
}
