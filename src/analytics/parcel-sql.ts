/**
 * SQL fragments every parcel figure shares, so that the statistics, the
 * rollup trigger and the subsidy report agree on what "a parcel's day" and
 * "a parcel's region" are.
 */

/** Officials count days in China Standard Time, whatever the server's zone. */
export const HUB_TIME_ZONE = 'Asia/Shanghai';

/**
 * The day a parcel counts for: its pickup (the scan that puts it into the
 * network) or, before it is picked up, the day the hub first heard of it.
 * `alias` is the shipment table alias.
 */
export const parcelDay = (alias: string) => `((coalesce(${alias}.picked_up_at, ${alias}.ingested_at) at time zone '${HUB_TIME_ZONE}')::date)`;

/**
 * The rural region a parcel belongs to for the statistics: where it was picked
 * up for upstream (and undirected) parcels, where it goes for downstream ones.
 */
export const parcelLocalRegion = (alias: string) =>
  `(case when ${alias}.direction = 'DOWNSTREAM' then coalesce(${alias}.destination_region_code, ${alias}.destination_code) else coalesce(${alias}.origin_region_code, ${alias}.origin_code) end)`;

/** Where a parcel was picked up, known region or raw code. */
export const parcelOrigin = (alias: string) => `coalesce(${alias}.origin_region_code, ${alias}.origin_code)`;

/** Where a parcel goes, known region or raw code. */
export const parcelDestination = (alias: string) => `coalesce(${alias}.destination_region_code, ${alias}.destination_code)`;
