import { Migration } from '@mikro-orm/migrations';

export class Migration20261129140000 extends Migration {
  override name = 'Migration20261129140000';

  override up(): void | Promise<void> {
    // One rejected-record store for every ingest path (issue #13), kept once per raw record: a re-sent push or
    // re-loaded file refused again does not store its refused records twice (issue #11: a replayed push writes
    // nothing). The fingerprint hashes the source, the pipeline and the raw record.
    this.addSql(`alter table "rejected_record" add column "fingerprint" varchar(64) null;`);
    this.addSql(
      `create unique index "rejected_record_pending_fingerprint_unique" on "rejected_record" ("connector", "fingerprint") where "status" = 'PENDING' and "fingerprint" is not null;`,
    );

    // A parcel's state is derived from its current state and its NEW events only (issue #13), not re-derived from
    // all of its events: remember which scan set its origin (the earliest pick-up scan with a place) and its
    // destination (the latest delivery scan with a place), so that a late-arriving earlier pick-up still wins.
    this.addSql(`alter table "shipment" add column "origin_scan_at" timestamptz null, add column "destination_scan_at" timestamptz null;`);
    this.addSql(`update "shipment" s set "origin_scan_at" = p.t from (
        select distinct on (shipment_id) shipment_id, occurred_at as t from tracking_event
         where status = 'PICKED_UP' and area_code is not null order by shipment_id, occurred_at, id) p
      where p.shipment_id = s.id;`);
    this.addSql(`update "shipment" s set "destination_scan_at" = d.t from (
        select distinct on (shipment_id) shipment_id, occurred_at as t from tracking_event
         where status = 'DELIVERED' and area_code is not null order by shipment_id, occurred_at desc, id desc) d
      where d.shipment_id = s.id;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "shipment" drop column if exists "origin_scan_at", drop column if exists "destination_scan_at";`);
    this.addSql(`drop index if exists "rejected_record_pending_fingerprint_unique";`);
    this.addSql(`alter table "rejected_record" drop column if exists "fingerprint";`);
  }
}
