import { Migration } from '@mikro-orm/migrations';

export class Migration20261129161300 extends Migration {
  override name = 'Migration20261129161300';

  override up(): void | Promise<void> {
    // Province-wide courier quality over a month (issue #13): the period's parcels come from this index alone
    // (index-only scan: the day expression of src/analytics/parcel-sql.ts plus every column the query reads),
    // instead of a scan of every parcel. 1.2 s -> see BENCHMARKS.md.
    this
      .addSql(`create index if not exists "shipment_parcel_day_cover_index" on "shipment" (((coalesce("picked_up_at", "ingested_at") at time zone 'Asia/Shanghai')::date))
      include ("id", "courier_id", "status", "promised_at", "delivered_at", "origin_region_code", "destination_region_code", "picked_up_at", "ingested_at");`);
    // Damage and loss signals: only exception scans (and Kuaidi100 209) are read, so a partial index finds them
    // without probing every parcel's events.
    this.addSql(
      `create index if not exists "tracking_event_signal_index" on "tracking_event" ("shipment_id") where "status" = 'EXCEPTION' or "raw_code" = '209';`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "tracking_event_signal_index";`);
    this.addSql(`drop index if exists "shipment_parcel_day_cover_index";`);
  }
}
