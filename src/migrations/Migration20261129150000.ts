import { Migration } from '@mikro-orm/migrations';

/** Turns `table` into a table partitioned by month on `column`, keeping its rows, its id sequence and its defaults. */
function partitionByMonth(m: Migration, table: string, column: string): void {
  m.addSql(`alter table "${table}" rename to "${table}_unpartitioned";`);
  m.addSql(`create table "${table}" (like "${table}_unpartitioned" including defaults) partition by range ("${column}");`);
  // A month per partition from a year back (or the oldest row) to three months ahead; the maintenance job
  // (src/platform/partitions.ts) keeps creating months ahead, the ingest pipeline creates the months a batch needs.
  m.addSql(`select hub_month_partition('${table}', m::date) from generate_series(
      date_trunc('month', least(coalesce((select min("${column}") from "${table}_unpartitioned"), now()), now() - interval '12 months')),
      date_trunc('month', greatest(coalesce((select max("${column}") from "${table}_unpartitioned"), now()), now()) + interval '3 months'),
      interval '1 month') m;`);
  // Rows of a month without a partition (far past or future) land here rather than fail.
  m.addSql(`create table "${table}_default" partition of "${table}" default;`);
  m.addSql(`insert into "${table}" select * from "${table}_unpartitioned";`);
  m.addSql(`alter sequence "${table}_id_seq" owned by "${table}"."id";`);
  m.addSql(`drop table "${table}_unpartitioned" cascade;`);
  m.addSql(`alter table "${table}" add constraint "${table}_pkey" primary key ("id", "${column}");`);
}

export class Migration20261129150000 extends Migration {
  override name = 'Migration20261129150000';

  override up(): void | Promise<void> {
    // Issue #13: monthly partitions for the big fact tables (prices, tracking events, audit entries), so that indexes
    // stay small and retention drops whole months; integrity of their references is checked once per batch by the
    // ingest pipeline's own lookups (key-share locked, src/ingest/market-facts.kind.ts, src/logistics/tracking-event.kind.ts)
    // instead of a foreign-key trigger per row, and kept on delete by the referenced tables' own triggers below.
    this.addSql(`create function hub_month_partition(parent text, month date) returns text language plpgsql as $$
      declare
        name text := parent || '_' || to_char(month, 'YYYYMM');
        kind text;
        lo text;
        hi text;
      begin
        select format_type(a.atttypid, a.atttypmod) into kind
          from pg_partitioned_table pt join pg_attribute a on a.attrelid = pt.partrelid and a.attnum = pt.partattrs[0]
         where pt.partrelid = parent::regclass;
        lo := date_trunc('month', month)::date::text;
        hi := (date_trunc('month', month) + interval '1 month')::date::text;
        if kind <> 'date' then
          lo := lo || ' 00:00:00+00';
          hi := hi || ' 00:00:00+00';
        end if;
        if to_regclass(quote_ident(name)) is null then
          execute format('create table %I partition of %I for values from (%L) to (%L)', name, parent, lo, hi);
        end if;
        return name;
      end $$;`);

    // Prices: by the day quoted. Identity is (source, key, day): every connector's key already names the day.
    partitionByMonth(this, 'price_observation', 'observed_on');
    this.addSql(`alter table "price_observation" add constraint "price_observation_source_unique" unique ("source_connector", "source_key", "observed_on");`);
    this.addSql(`create index "price_observation_origin_prefix_idx" on "price_observation" ("origin_region_code" varchar_pattern_ops);`);
    this.addSql(`create index "price_observation_market_id_observed_on_id_index" on "price_observation" ("market_id", "observed_on", "id");`);
    this.addSql(`create index "price_observation_product_id_observed_on_index" on "price_observation" ("product_id", "observed_on");`);
    // (No index on observed_on alone: a month is a partition.)

    // Tracking events: by event time. Identity is (source, key, time): a re-sent event has both.
    partitionByMonth(this, 'tracking_event', 'occurred_at');
    this.addSql(`alter table "tracking_event" add constraint "tracking_event_source_unique" unique ("source_connector", "source_key", "occurred_at");`);
    this.addSql(`create index "tracking_event_shipment_id_occurred_at_index" on "tracking_event" ("shipment_id", "occurred_at");`);

    // Audit entries: by time; retention drops whole months (AUDIT_RETENTION_DAYS, at least 180 days).
    partitionByMonth(this, 'audit_entry', 'at');
    this.addSql(`create index "audit_entry_actor_at_index" on "audit_entry" ("actor", "at");`);
    this.addSql(`create index "audit_entry_at_index" on "audit_entry" ("at");`);
    this.addSql(`create trigger "audit_entry_append_only" before update or delete on "audit_entry" for each row execute function "audit_entry_append_only"();`);
    this.addSql(`create trigger "audit_entry_no_truncate" before truncate on "audit_entry" for each statement execute function "audit_entry_no_truncate"();`);

    // What the dropped foreign keys did when a referenced row goes: set the reference null (products, varieties,
    // regions, nodes) or refuse (markets, parcels), once per deleting statement.
    const nullOnDelete = (fn: string, parent: string, key: string, updates: string[]) => {
      this.addSql(`create function "${fn}"() returns trigger language plpgsql as $$
        begin
          ${updates.map((u) => `${u} in (select ${key} from old_rows);`).join('\n          ')}
          return null;
        end $$;`);
      this.addSql(`create trigger "${fn}" after delete on "${parent}" referencing old table as old_rows for each statement execute function "${fn}"();`);
    };
    nullOnDelete('fact_refs_product_deleted', 'product', 'id', [`update price_observation set product_id = null where product_id`]);
    nullOnDelete('fact_refs_variety_deleted', 'variety', 'id', [`update price_observation set variety_id = null where variety_id`]);
    nullOnDelete('fact_refs_region_deleted', 'region', 'code', [
      `update price_observation set origin_region_code = null where origin_region_code`,
      `update tracking_event set region_code = null where region_code`,
    ]);
    nullOnDelete('fact_refs_node_deleted', 'logistics_node', 'id', [`update tracking_event set node_id = null where node_id`]);
    const refuseDelete = (fn: string, parent: string, check: string, what: string) => {
      this.addSql(`create function "${fn}"() returns trigger language plpgsql as $$
        begin
          if exists (${check}) then
            raise exception '${what}' using errcode = 'foreign_key_violation';
          end if;
          return null;
        end $$;`);
      this.addSql(`create trigger "${fn}" after delete on "${parent}" referencing old table as old_rows for each statement execute function "${fn}"();`);
    };
    refuseDelete(
      'fact_refs_market_deleted',
      'market',
      'select 1 from price_observation p join old_rows o on p.market_id = o.id',
      'a deleted market is still referenced by price_observation',
    );
    refuseDelete(
      'fact_refs_shipment_deleted',
      'shipment',
      'select 1 from tracking_event e join old_rows o on e.shipment_id = o.id',
      'a deleted shipment still has tracking_event rows',
    );
  }

  override down(): void | Promise<void> {
    // Partitioned tables are kept: going back would mean copying every row into unpartitioned tables again.
    for (const fn of [
      'fact_refs_product_deleted',
      'fact_refs_variety_deleted',
      'fact_refs_region_deleted',
      'fact_refs_node_deleted',
      'fact_refs_market_deleted',
      'fact_refs_shipment_deleted',
    ]) {
      this.addSql(`drop function if exists "${fn}"() cascade;`);
    }
  }
}
