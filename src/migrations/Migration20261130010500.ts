import { Migration } from '@mikro-orm/migrations';

/** What each dropped foreign key of `shipment` referred to. @internal */
const REFERENCES = [
  { constraint: 'shipment_courier_id_foreign', columns: ['courier_id'], parent: 'courier', key: 'id', onDelete: 'refuse' },
  { constraint: 'shipment_origin_region_code_foreign', columns: ['origin_region_code'], parent: 'region', key: 'code', onDelete: 'set null' },
  { constraint: 'shipment_destination_region_code_foreign', columns: ['destination_region_code'], parent: 'region', key: 'code', onDelete: 'set null' },
  { constraint: 'shipment_product_id_foreign', columns: ['product_id'], parent: 'product', key: 'id', onDelete: 'set null' },
  { constraint: 'shipment_platform_id_foreign', columns: ['platform_id'], parent: 'market', key: 'id', onDelete: 'set null' },
] as const;

export class Migration20261130010500 extends Migration {
  override name = 'Migration20261130010500';

  override up(): void | Promise<void> {
    // Issue #13, courier webhook: the five foreign keys of `shipment` fired one check per row and key (about a thousand
    // per batch of 200 parcels, a third of the parcel write's server time). They become ONE set-based check per
    // statement, from the statement's transition table: every referenced courier, region, product and market row is
    // key-share locked in key order (the lock a foreign key's check takes, so a concurrent delete waits for the
    // batch's commit and then sees its rows) and a reference that found no row refuses the statement with SQLSTATE
    // 23503, as the foreign key did. It holds for every writer of `shipment`, not only the ingest pipeline.
    for (const r of REFERENCES) this.addSql(`alter table "shipment" drop constraint if exists "${r.constraint}";`);
    this.addSql(`create function "shipment_refs_check"() returns trigger language plpgsql as $$
      declare
        missing text;
      begin
        -- (= any(array(...)): index probes for the few distinct keys, whatever the transition table's size estimate.)
        with c as materialized (select id from courier where id = any(array(select distinct courier_id from new_rows)) order by id for key share),
             r as materialized (select code from region
                                 where code = any(array(select origin_region_code from new_rows union select destination_region_code from new_rows))
                                 order by code for key share),
             p as materialized (select id from product where id = any(array(select distinct product_id from new_rows)) order by id for key share),
             m as materialized (select id from market where id = any(array(select distinct platform_id from new_rows)) order by id for key share)
        select case
                 when (select count(*) from c) < (select count(distinct courier_id) from new_rows) then 'courier_id'
                 when (select count(*) from r) < (select count(*) from (select origin_region_code as code from new_rows
                                                                        union select destination_region_code from new_rows) k
                                                    where k.code is not null) then 'origin_region_code or destination_region_code'
                 when (select count(*) from p) < (select count(distinct product_id) from new_rows) then 'product_id'
                 when (select count(*) from m) < (select count(distinct platform_id) from new_rows) then 'platform_id'
               end
          into missing;
        if missing is not null then
          raise exception 'shipment.% refers to a row that does not exist', missing using errcode = 'foreign_key_violation';
        end if;
        return null;
      end $$;`);
    this.addSql(
      `create trigger "shipment_refs_check_insert" after insert on "shipment" referencing new table as new_rows for each statement execute function "shipment_refs_check"();`,
    );
    this.addSql(
      `create trigger "shipment_refs_check_update" after update on "shipment" referencing new table as new_rows for each statement execute function "shipment_refs_check"();`,
    );

    // What the foreign keys did when a referenced row goes (once per deleting statement): refuse for a courier,
    // set the reference null for the others. A changed key of a referenced row is refused while parcels use it.
    this.addSql(`create function "shipment_refs_courier_deleted"() returns trigger language plpgsql as $$
      begin
        if exists (select 1 from shipment s join old_rows o on s.courier_id = o.id) then
          raise exception 'a deleted courier still has shipment rows' using errcode = 'foreign_key_violation';
        end if;
        return null;
      end $$;`);
    this.addSql(
      `create trigger "shipment_refs_courier_deleted" after delete on "courier" referencing old table as old_rows for each statement execute function "shipment_refs_courier_deleted"();`,
    );
    this.addSql(`create function "shipment_refs_region_deleted"() returns trigger language plpgsql as $$
      begin
        -- (One statement for both columns: the check of the updated rows sees neither pointing at a deleted region.)
        update shipment
           set origin_region_code = case when origin_region_code in (select code from old_rows) then null else origin_region_code end,
               destination_region_code = case when destination_region_code in (select code from old_rows) then null else destination_region_code end
         where origin_region_code in (select code from old_rows) or destination_region_code in (select code from old_rows);
        return null;
      end $$;`);
    this.addSql(
      `create trigger "shipment_refs_region_deleted" after delete on "region" referencing old table as old_rows for each statement execute function "shipment_refs_region_deleted"();`,
    );
    this.addSql(`create function "shipment_refs_product_deleted"() returns trigger language plpgsql as $$
      begin
        update shipment set product_id = null where product_id in (select id from old_rows);
        return null;
      end $$;`);
    this.addSql(
      `create trigger "shipment_refs_product_deleted" after delete on "product" referencing old table as old_rows for each statement execute function "shipment_refs_product_deleted"();`,
    );
    this.addSql(`create function "shipment_refs_market_deleted"() returns trigger language plpgsql as $$
      begin
        update shipment set platform_id = null where platform_id in (select id from old_rows);
        return null;
      end $$;`);
    this.addSql(
      `create trigger "shipment_refs_market_deleted" after delete on "market" referencing old table as old_rows for each statement execute function "shipment_refs_market_deleted"();`,
    );
    this.addSql(`create function "shipment_refs_key_changed"() returns trigger language plpgsql as $$
      declare
        used boolean;
      begin
        if tg_table_name = 'region' then
          used := exists (select 1 from shipment s where s.origin_region_code = old.code or s.destination_region_code = old.code);
        elsif tg_table_name = 'courier' then
          used := exists (select 1 from shipment s where s.courier_id = old.id);
        elsif tg_table_name = 'product' then
          used := exists (select 1 from shipment s where s.product_id = old.id);
        else
          used := exists (select 1 from shipment s where s.platform_id = old.id);
        end if;
        if used then
          raise exception 'a changed % key is still referenced by shipment', tg_table_name using errcode = 'foreign_key_violation';
        end if;
        return new;
      end $$;`);
    for (const parent of ['courier', 'product', 'market'])
      this.addSql(
        `create trigger "shipment_refs_key_changed" before update of id on "${parent}" for each row when (old.id is distinct from new.id) execute function "shipment_refs_key_changed"();`,
      );
    this.addSql(
      `create trigger "shipment_refs_key_changed" before update of code on "region" for each row when (old.code is distinct from new.code) execute function "shipment_refs_key_changed"();`,
    );
    // (Kept by a delete of a product or market without an index on the column, as the foreign keys were.)
  }

  override down(): void | Promise<void> {
    for (const parent of ['courier', 'product', 'market', 'region']) this.addSql(`drop trigger if exists "shipment_refs_key_changed" on "${parent}";`);
    for (const fn of [
      'shipment_refs_key_changed',
      'shipment_refs_market_deleted',
      'shipment_refs_product_deleted',
      'shipment_refs_region_deleted',
      'shipment_refs_courier_deleted',
      'shipment_refs_check',
    ])
      this.addSql(`drop function if exists "${fn}"() cascade;`);
    for (const r of REFERENCES) {
      const action = r.onDelete === 'set null' ? ' on delete set null' : '';
      this.addSql(`alter table "shipment" add constraint "${r.constraint}" foreign key ("${r.columns[0]}") references "${r.parent}" ("${r.key}")${action};`);
    }
  }
}
