import { IsOptional } from 'class-validator';
import { ArgsType, Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLLocalDate } from 'graphql-scalars';
import { IsRegionCode } from '../regions/region-code.validator.js';
import { ShipmentDirection } from '../logistics/logistics-enums.js';
import { PeriodArgs } from './analytics-args.js';

/** Level the parcel statistics are broken down by. */
export enum ParcelGrouping {
  CITY = 'CITY',
  COUNTY = 'COUNTY',
  TOWNSHIP = 'TOWNSHIP',
}
registerEnumType(ParcelGrouping, { name: 'ParcelGrouping', description: 'Break parcel statistics down per city, county or township.' });

/** Length of the region code at each grouping level. */
export const GROUP_CODE_LENGTH: Record<ParcelGrouping, number> = {
  [ParcelGrouping.CITY]: 4,
  [ParcelGrouping.COUNTY]: 6,
  [ParcelGrouping.TOWNSHIP]: 9,
};

@ArgsType()
export class ParcelStatsArgs extends PeriodArgs {
  @Field({ description: 'Region whose subtree is counted, e.g. `14` (Shanxi) or `140821` (临猗县).', defaultValue: '14' })
  @IsRegionCode()
  region: string = '14';

  @Field(() => ParcelGrouping, { defaultValue: ParcelGrouping.COUNTY })
  groupBy: ParcelGrouping = ParcelGrouping.COUNTY;

  @Field(() => ShipmentDirection, { nullable: true, description: 'Only this direction (default: all).' })
  @IsOptional()
  direction?: ShipmentDirection;
}

@ObjectType({ description: 'Rural parcels of one region over a period (农村上下行快件统计).' })
export class ParcelStatsRow {
  @Field({ description: 'Code of the city, county or township; the region itself for the total.' })
  regionCode!: string;

  @Field(() => Int, { description: 'All parcels counted (per the direction filter).' })
  parcels!: number;

  @Field(() => Int, { description: 'Picked up here and delivered outside the county (上行).' })
  upstream!: number;

  @Field(() => Int, { description: 'Delivered to a township or village here (下行).' })
  downstream!: number;

  @Field(() => Int, { description: 'Parcels carrying farm products.' })
  farmProductParcels!: number;

  @Field(() => Float, { nullable: true, description: 'farmProductParcels / parcels; null without parcels.' })
  farmProductShare!: number | null;

  @Field(() => Int)
  delivered!: number;

  @Field(() => Float, { nullable: true, description: 'delivered / parcels; null without parcels.' })
  deliveredShare!: number | null;
}

@ObjectType({ description: 'Rural parcel statistics of a region subtree over a period.' })
export class ParcelStats {
  @Field()
  regionCode!: string;

  @Field(() => GraphQLLocalDate)
  from!: string;

  @Field(() => GraphQLLocalDate)
  to!: string;

  @Field(() => ParcelGrouping)
  groupBy!: ParcelGrouping;

  @Field(() => ShipmentDirection, { nullable: true })
  direction?: ShipmentDirection;

  @Field(() => ParcelStatsRow, { description: 'The whole region.' })
  total!: ParcelStatsRow;

  @Field(() => [ParcelStatsRow], { description: 'One row per city, county or township with parcels, by code.' })
  rows!: ParcelStatsRow[];
}
