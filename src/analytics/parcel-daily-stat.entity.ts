import { Entity, Enum, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { PrimaryKeyProp } from '@mikro-orm/core';
import { ShipmentDirection } from '../logistics/logistics-enums.js';

/** Grain of a parcel rollup row. */
export enum ParcelStatGrain {
  COUNTY = 'COUNTY',
  TOWNSHIP = 'TOWNSHIP',
}

/**
 * Parcels per day, rural region (county and township grain) and direction,
 * maintained by statement-level triggers on `shipment` (see the migration that
 * creates `parcel_daily_stat_apply`): every insert, update or delete of
 * shipments appends its signed counts to `parcel_daily_stat_delta` in the same
 * transaction, folded into this table every 15 s (src/analytics/parcel-stat-fold.ts);
 * readers sum both, so the statistics are never stale and a province-year sums a
 * few tens of thousands of rows instead of millions of parcels. Declared as an entity only so that schema
 * diffs know the table; nothing writes it through the ORM.
 */
@Entity({ tableName: 'parcel_daily_stat' })
@Index({ properties: ['grain', 'day'] })
export class ParcelDailyStat {
  [PrimaryKeyProp]?: ['grain', 'regionCode', 'day', 'direction'];

  @Enum({ items: () => ParcelStatGrain, nativeEnumName: 'parcel_stat_grain', primary: true })
  grain!: ParcelStatGrain;

  /** County (6-digit) or township (9-digit) code. */
  @PrimaryKey({ length: 12 })
  regionCode!: string;

  @PrimaryKey({ type: 'date' })
  day!: string;

  @Enum({ items: () => ShipmentDirection, nativeEnumName: 'shipment_direction', primary: true })
  direction!: ShipmentDirection;

  @Property({ type: 'bigint', default: 0 })
  parcels!: number;

  @Property({ type: 'bigint', default: 0 })
  farmParcels!: number;

  @Property({ type: 'bigint', default: 0 })
  deliveredParcels!: number;
}
