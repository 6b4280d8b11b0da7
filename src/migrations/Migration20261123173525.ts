import { Migration } from '@mikro-orm/migrations';

export class Migration20261123173525 extends Migration {
  override name = 'Migration20261123173525';

  override up(): void | Promise<void> {
    this.addSql(`create type "region_level" as enum ('PROVINCE', 'CITY', 'COUNTY', 'TOWNSHIP', 'VILLAGE');`);
    this.addSql(`create type "market_channel" as enum ('WHOLESALE_MARKET', 'ORIGIN_MARKET', 'ECOMMERCE_PLATFORM', 'RETAIL', 'COLD_CHAIN_HUB');`);
    this.addSql(
      `create type "logistics_node_kind" as enum ('COUNTY_DISTRIBUTION_CENTRE', 'TOWNSHIP_STATION', 'VILLAGE_SERVICE_POINT', 'COLD_STORAGE', 'PARCEL_LOCKER', 'SORTING_CENTRE');`,
    );
    this.addSql(`create type "filing_status" as enum ('FILED', 'PENDING', 'NOT_FILED');`);
    this.addSql(
      `create type "shipment_status" as enum ('INFO_RECEIVED', 'PICKED_UP', 'IN_TRANSIT', 'ARRIVED_AT_NODE', 'OUT_FOR_DELIVERY', 'AVAILABLE_FOR_PICKUP', 'DELIVERED', 'FAILED_ATTEMPT', 'EXCEPTION', 'RETURNING', 'RETURNED', 'REJECTED');`,
    );
    this.addSql(`create type "shipment_direction" as enum ('UPSTREAM', 'DOWNSTREAM', 'NONE');`);
    this.addSql(`create type "origin_label_kind" as enum ('GEOGRAPHICAL_INDICATION', 'GREEN_FOOD', 'ORGANIC', 'PRODUCT_OF_ORIGIN');`);
    this.addSql(
      `create table "courier" ("id" serial primary key, "code" varchar(64) not null, "name" varchar(100) not null, "aftership_slug" varchar(64) null);`,
    );
    this.addSql(`alter table "courier" add constraint "courier_code_unique" unique ("code");`);

    this.addSql(`create table "product_category" ("id" serial primary key, "code" varchar(64) not null, "name" varchar(100) not null, "parent_id" int null);`);
    this.addSql(`alter table "product_category" add constraint "product_category_code_unique" unique ("code");`);

    this.addSql(
      `create table "product" ("id" serial primary key, "code" varchar(64) not null, "name" varchar(100) not null, "name_en" varchar(100) null, "category_id" int not null, "aliases" text[] not null default '{}', "is_farm_product" boolean not null default true, "cold_chain_min_c" real null, "cold_chain_max_c" real null);`,
    );
    this.addSql(`alter table "product" add constraint "product_code_unique" unique ("code");`);
    this.addSql(`alter table "product" add constraint "product_name_unique" unique ("name");`);
    this.addSql(`create index "product_category_id_index" on "product" ("category_id");`);

    this.addSql(
      `create table "region" ("code" varchar(12) not null, "name" varchar(100) not null, "level" "region_level" not null, "parent_code" varchar(12) null, primary key ("code"));`,
    );
    this.addSql(`create index "region_level_index" on "region" ("level");`);
    this.addSql(`create index "region_parent_code_index" on "region" ("parent_code");`);
    this.addSql(`create index "region_code_prefix_idx" on "region" ("code" varchar_pattern_ops);`);

    this.addSql(
      `create table "market" ("id" serial primary key, "code" varchar(64) not null, "name" varchar(200) not null, "channel" "market_channel" not null, "region_code" varchar(12) null, "address" varchar(300) null, "longitude" double precision null, "latitude" double precision null);`,
    );
    this.addSql(`alter table "market" add constraint "market_code_unique" unique ("code");`);
    this.addSql(`create index "market_region_code_index" on "market" ("region_code");`);

    this.addSql(
      `create table "logistics_node" ("id" serial primary key, "code" varchar(64) not null, "name" varchar(200) not null, "kind" "logistics_node_kind" not null, "region_code" varchar(12) not null, "operator_id" int null, "filing_status" "filing_status" not null default 'NOT_FILED', "filing_no" varchar(64) null, "filed_on" date null, "longitude" double precision null, "latitude" double precision null);`,
    );
    this.addSql(`alter table "logistics_node" add constraint "logistics_node_code_unique" unique ("code");`);
    this.addSql(`create index "logistics_node_region_code_index" on "logistics_node" ("region_code");`);

    this.addSql(
      `create table "shipment" ("id" bigserial primary key, "source_connector" varchar(64) not null, "source_key" varchar(255) not null, "ingested_at" timestamptz not null default now(), "courier_id" int not null, "tracking_number" varchar(64) not null, "status" "shipment_status" not null default 'INFO_RECEIVED', "direction" "shipment_direction" not null default 'NONE', "origin_region_code" varchar(12) null, "destination_region_code" varchar(12) null, "product_id" int null, "platform_id" int null, "is_farm_product" boolean not null default false, "weight_kg" real null, "recipient_name" varchar(100) null, "recipient_phone" varchar(32) null, "recipient_address" varchar(300) null, "promised_at" timestamptz null, "picked_up_at" timestamptz null, "delivered_at" timestamptz null, "last_event_at" timestamptz null);`,
    );
    this.addSql(`create index "shipment_destination_prefix_idx" on "shipment" ("destination_region_code" varchar_pattern_ops);`);
    this.addSql(`create index "shipment_origin_prefix_idx" on "shipment" ("origin_region_code" varchar_pattern_ops);`);
    this.addSql(`create index "shipment_status_last_event_at_index" on "shipment" ("status", "last_event_at");`);
    this.addSql(`alter table "shipment" add constraint "shipment_source_connector_source_key_unique" unique ("source_connector", "source_key");`);
    this.addSql(`alter table "shipment" add constraint "shipment_courier_id_tracking_number_unique" unique ("courier_id", "tracking_number");`);

    this.addSql(
      `create table "tracking_event" ("id" bigserial primary key, "source_connector" varchar(64) not null, "source_key" varchar(255) not null, "ingested_at" timestamptz not null default now(), "shipment_id" bigint not null, "occurred_at" timestamptz not null, "status" "shipment_status" not null, "raw_code" varchar(32) null, "raw_text" text null, "region_code" varchar(12) null, "node_id" int null, "location" varchar(200) null, "temperature_c" real null);`,
    );
    this.addSql(`create index "tracking_event_shipment_id_occurred_at_index" on "tracking_event" ("shipment_id", "occurred_at");`);
    this.addSql(`alter table "tracking_event" add constraint "tracking_event_source_connector_source_key_unique" unique ("source_connector", "source_key");`);

    this.addSql(
      `create table "variety" ("id" serial primary key, "product_id" int not null, "name" varchar(100) not null, "aliases" text[] not null default '{}');`,
    );
    this.addSql(`create index "variety_product_id_index" on "variety" ("product_id");`);
    this.addSql(`alter table "variety" add constraint "variety_product_id_name_unique" unique ("product_id", "name");`);

    this.addSql(
      `create table "supply_listing" ("id" bigserial primary key, "source_connector" varchar(64) not null, "source_key" varchar(255) not null, "ingested_at" timestamptz not null default now(), "product_id" int null, "variety_id" int null, "platform_id" int not null, "raw_name" varchar(200) not null, "seller" varchar(200) not null, "origin_region_code" varchar(12) null, "quantity" numeric(14,2) not null, "quantity_unit" varchar(16) not null, "price" numeric(12,2) null, "price_unit" varchar(16) null, "available_from" date not null, "available_to" date null);`,
    );
    this.addSql(`create index "supply_listing_platform_id_index" on "supply_listing" ("platform_id");`);
    this.addSql(`create index "supply_listing_origin_prefix_idx" on "supply_listing" ("origin_region_code" varchar_pattern_ops);`);
    this.addSql(`create index "supply_listing_product_id_available_from_index" on "supply_listing" ("product_id", "available_from");`);
    this.addSql(`alter table "supply_listing" add constraint "supply_listing_source_connector_source_key_unique" unique ("source_connector", "source_key");`);

    this.addSql(
      `create table "sales_record" ("id" bigserial primary key, "source_connector" varchar(64) not null, "source_key" varchar(255) not null, "ingested_at" timestamptz not null default now(), "product_id" int null, "variety_id" int null, "raw_name" varchar(200) not null, "channel" "market_channel" not null, "platform_id" int null, "origin_region_code" varchar(12) null, "destination_region_code" varchar(12) null, "period_start" date not null, "period_end" date not null, "quantity" numeric(14,2) not null, "quantity_unit" varchar(16) not null, "amount" numeric(16,2) not null, "orders" int not null default 0);`,
    );
    this.addSql(`create index "sales_record_platform_id_index" on "sales_record" ("platform_id");`);
    this.addSql(`create index "sales_record_origin_prefix_idx" on "sales_record" ("origin_region_code" varchar_pattern_ops);`);
    this.addSql(`create index "sales_record_product_id_period_start_index" on "sales_record" ("product_id", "period_start");`);
    this.addSql(`alter table "sales_record" add constraint "sales_record_source_connector_source_key_unique" unique ("source_connector", "source_key");`);

    this.addSql(
      `create table "price_observation" ("id" bigserial primary key, "source_connector" varchar(64) not null, "source_key" varchar(255) not null, "ingested_at" timestamptz not null default now(), "product_id" int null, "variety_id" int null, "market_id" int not null, "origin_region_code" varchar(12) null, "origin_text" varchar(100) null, "observed_on" date not null, "raw_name" varchar(200) not null, "spec" varchar(100) null, "low_price" numeric(12,2) null, "avg_price" numeric(12,2) not null, "high_price" numeric(12,2) null, "unit" varchar(32) not null, "low_per_kg" numeric(12,2) null, "avg_per_kg" numeric(12,2) null, "high_per_kg" numeric(12,2) null, "volume" numeric(14,2) null, "volume_unit" varchar(16) null);`,
    );
    this.addSql(`create index "price_observation_origin_prefix_idx" on "price_observation" ("origin_region_code" varchar_pattern_ops);`);
    this.addSql(`create index "price_observation_observed_on_index" on "price_observation" ("observed_on");`);
    this.addSql(`create index "price_observation_market_id_observed_on_index" on "price_observation" ("market_id", "observed_on");`);
    this.addSql(`create index "price_observation_product_id_observed_on_index" on "price_observation" ("product_id", "observed_on");`);
    this.addSql(
      `alter table "price_observation" add constraint "price_observation_source_connector_source_key_unique" unique ("source_connector", "source_key");`,
    );

    this.addSql(
      `create table "origin_label" ("id" serial primary key, "source_connector" varchar(64) not null, "source_key" varchar(255) not null, "ingested_at" timestamptz not null default now(), "product_id" int not null, "variety_id" int null, "region_code" varchar(12) not null, "kind" "origin_label_kind" not null, "name" varchar(100) not null, "registration_no" varchar(64) null, "issuer" varchar(100) null);`,
    );
    this.addSql(`create index "origin_label_product_id_index" on "origin_label" ("product_id");`);
    this.addSql(`create index "origin_label_region_code_index" on "origin_label" ("region_code");`);
    this.addSql(`alter table "origin_label" add constraint "origin_label_source_connector_source_key_unique" unique ("source_connector", "source_key");`);

    this.addSql(
      `alter table "product_category" add constraint "product_category_parent_id_foreign" foreign key ("parent_id") references "product_category" ("id") on delete set null;`,
    );

    this.addSql(`alter table "product" add constraint "product_category_id_foreign" foreign key ("category_id") references "product_category" ("id");`);

    this.addSql(
      `alter table "region" add constraint "region_parent_code_foreign" foreign key ("parent_code") references "region" ("code") on delete set null;`,
    );

    this.addSql(
      `alter table "market" add constraint "market_region_code_foreign" foreign key ("region_code") references "region" ("code") on delete set null;`,
    );

    this.addSql(`alter table "logistics_node" add constraint "logistics_node_region_code_foreign" foreign key ("region_code") references "region" ("code");`);
    this.addSql(
      `alter table "logistics_node" add constraint "logistics_node_operator_id_foreign" foreign key ("operator_id") references "courier" ("id") on delete set null;`,
    );

    this.addSql(`alter table "shipment" add constraint "shipment_courier_id_foreign" foreign key ("courier_id") references "courier" ("id");`);
    this.addSql(
      `alter table "shipment" add constraint "shipment_origin_region_code_foreign" foreign key ("origin_region_code") references "region" ("code") on delete set null;`,
    );
    this.addSql(
      `alter table "shipment" add constraint "shipment_destination_region_code_foreign" foreign key ("destination_region_code") references "region" ("code") on delete set null;`,
    );
    this.addSql(
      `alter table "shipment" add constraint "shipment_product_id_foreign" foreign key ("product_id") references "product" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "shipment" add constraint "shipment_platform_id_foreign" foreign key ("platform_id") references "market" ("id") on delete set null;`,
    );

    this.addSql(`alter table "tracking_event" add constraint "tracking_event_shipment_id_foreign" foreign key ("shipment_id") references "shipment" ("id");`);
    this.addSql(
      `alter table "tracking_event" add constraint "tracking_event_region_code_foreign" foreign key ("region_code") references "region" ("code") on delete set null;`,
    );
    this.addSql(
      `alter table "tracking_event" add constraint "tracking_event_node_id_foreign" foreign key ("node_id") references "logistics_node" ("id") on delete set null;`,
    );

    this.addSql(`alter table "variety" add constraint "variety_product_id_foreign" foreign key ("product_id") references "product" ("id");`);

    this.addSql(
      `alter table "supply_listing" add constraint "supply_listing_product_id_foreign" foreign key ("product_id") references "product" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "supply_listing" add constraint "supply_listing_variety_id_foreign" foreign key ("variety_id") references "variety" ("id") on delete set null;`,
    );
    this.addSql(`alter table "supply_listing" add constraint "supply_listing_platform_id_foreign" foreign key ("platform_id") references "market" ("id");`);
    this.addSql(
      `alter table "supply_listing" add constraint "supply_listing_origin_region_code_foreign" foreign key ("origin_region_code") references "region" ("code") on delete set null;`,
    );

    this.addSql(
      `alter table "sales_record" add constraint "sales_record_product_id_foreign" foreign key ("product_id") references "product" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "sales_record" add constraint "sales_record_variety_id_foreign" foreign key ("variety_id") references "variety" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "sales_record" add constraint "sales_record_platform_id_foreign" foreign key ("platform_id") references "market" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "sales_record" add constraint "sales_record_origin_region_code_foreign" foreign key ("origin_region_code") references "region" ("code") on delete set null;`,
    );
    this.addSql(
      `alter table "sales_record" add constraint "sales_record_destination_region_code_foreign" foreign key ("destination_region_code") references "region" ("code") on delete set null;`,
    );

    this.addSql(
      `alter table "price_observation" add constraint "price_observation_product_id_foreign" foreign key ("product_id") references "product" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "price_observation" add constraint "price_observation_variety_id_foreign" foreign key ("variety_id") references "variety" ("id") on delete set null;`,
    );
    this.addSql(`alter table "price_observation" add constraint "price_observation_market_id_foreign" foreign key ("market_id") references "market" ("id");`);
    this.addSql(
      `alter table "price_observation" add constraint "price_observation_origin_region_code_foreign" foreign key ("origin_region_code") references "region" ("code") on delete set null;`,
    );

    this.addSql(`alter table "origin_label" add constraint "origin_label_product_id_foreign" foreign key ("product_id") references "product" ("id");`);
    this.addSql(
      `alter table "origin_label" add constraint "origin_label_variety_id_foreign" foreign key ("variety_id") references "variety" ("id") on delete set null;`,
    );
    this.addSql(`alter table "origin_label" add constraint "origin_label_region_code_foreign" foreign key ("region_code") references "region" ("code");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "logistics_node" drop constraint "logistics_node_operator_id_foreign";`);
    this.addSql(`alter table "shipment" drop constraint "shipment_courier_id_foreign";`);
    this.addSql(`alter table "product_category" drop constraint "product_category_parent_id_foreign";`);
    this.addSql(`alter table "product" drop constraint "product_category_id_foreign";`);
    this.addSql(`alter table "shipment" drop constraint "shipment_product_id_foreign";`);
    this.addSql(`alter table "variety" drop constraint "variety_product_id_foreign";`);
    this.addSql(`alter table "supply_listing" drop constraint "supply_listing_product_id_foreign";`);
    this.addSql(`alter table "sales_record" drop constraint "sales_record_product_id_foreign";`);
    this.addSql(`alter table "price_observation" drop constraint "price_observation_product_id_foreign";`);
    this.addSql(`alter table "origin_label" drop constraint "origin_label_product_id_foreign";`);
    this.addSql(`alter table "region" drop constraint "region_parent_code_foreign";`);
    this.addSql(`alter table "market" drop constraint "market_region_code_foreign";`);
    this.addSql(`alter table "logistics_node" drop constraint "logistics_node_region_code_foreign";`);
    this.addSql(`alter table "shipment" drop constraint "shipment_origin_region_code_foreign";`);
    this.addSql(`alter table "shipment" drop constraint "shipment_destination_region_code_foreign";`);
    this.addSql(`alter table "tracking_event" drop constraint "tracking_event_region_code_foreign";`);
    this.addSql(`alter table "supply_listing" drop constraint "supply_listing_origin_region_code_foreign";`);
    this.addSql(`alter table "sales_record" drop constraint "sales_record_origin_region_code_foreign";`);
    this.addSql(`alter table "sales_record" drop constraint "sales_record_destination_region_code_foreign";`);
    this.addSql(`alter table "price_observation" drop constraint "price_observation_origin_region_code_foreign";`);
    this.addSql(`alter table "origin_label" drop constraint "origin_label_region_code_foreign";`);
    this.addSql(`alter table "shipment" drop constraint "shipment_platform_id_foreign";`);
    this.addSql(`alter table "supply_listing" drop constraint "supply_listing_platform_id_foreign";`);
    this.addSql(`alter table "sales_record" drop constraint "sales_record_platform_id_foreign";`);
    this.addSql(`alter table "price_observation" drop constraint "price_observation_market_id_foreign";`);
    this.addSql(`alter table "tracking_event" drop constraint "tracking_event_node_id_foreign";`);
    this.addSql(`alter table "tracking_event" drop constraint "tracking_event_shipment_id_foreign";`);
    this.addSql(`alter table "supply_listing" drop constraint "supply_listing_variety_id_foreign";`);
    this.addSql(`alter table "sales_record" drop constraint "sales_record_variety_id_foreign";`);
    this.addSql(`alter table "price_observation" drop constraint "price_observation_variety_id_foreign";`);
    this.addSql(`alter table "origin_label" drop constraint "origin_label_variety_id_foreign";`);

    this.addSql(`drop table if exists "courier" cascade;`);
    this.addSql(`drop table if exists "product_category" cascade;`);
    this.addSql(`drop table if exists "product" cascade;`);
    this.addSql(`drop table if exists "region" cascade;`);
    this.addSql(`drop table if exists "market" cascade;`);
    this.addSql(`drop table if exists "logistics_node" cascade;`);
    this.addSql(`drop table if exists "shipment" cascade;`);
    this.addSql(`drop table if exists "tracking_event" cascade;`);
    this.addSql(`drop table if exists "variety" cascade;`);
    this.addSql(`drop table if exists "supply_listing" cascade;`);
    this.addSql(`drop table if exists "sales_record" cascade;`);
    this.addSql(`drop table if exists "price_observation" cascade;`);
    this.addSql(`drop table if exists "origin_label" cascade;`);

    this.addSql(`drop type "region_level";`);
    this.addSql(`drop type "market_channel";`);
    this.addSql(`drop type "logistics_node_kind";`);
    this.addSql(`drop type "filing_status";`);
    this.addSql(`drop type "shipment_status";`);
    this.addSql(`drop type "shipment_direction";`);
    this.addSql(`drop type "origin_label_kind";`);
  }
}
