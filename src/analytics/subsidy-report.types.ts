import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { GraphQLLocalDate } from 'graphql-scalars';
import { ArgsType, Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ShipmentDirection } from '../logistics/logistics-enums.js';

/** A reason to doubt a subsidy claim, checked against the scan data (弄虚作假 must be caught). */
export enum FraudFlag {
  /** The same tracking number is stored more than once (under another courier). */
  DUPLICATE_TRACKING_NUMBER = 'DUPLICATE_TRACKING_NUMBER',
  /** No pickup scan (PICKED_UP event). */
  MISSING_PICKUP_SCAN = 'MISSING_PICKUP_SCAN',
  /** Reported delivered, but no delivery scan (DELIVERED event). */
  MISSING_DELIVERY_SCAN = 'MISSING_DELIVERY_SCAN',
  /** The delivery scan is earlier than the pickup scan. */
  DELIVERED_BEFORE_PICKUP = 'DELIVERED_BEFORE_PICKUP',
  /** Delivered sooner after pickup than the distance allows. */
  FASTER_THAN_DISTANCE_ALLOWS = 'FASTER_THAN_DISTANCE_ALLOWS',
  /** More parcels than allowed to one recipient phone on one day. */
  MANY_PARCELS_TO_ONE_PHONE = 'MANY_PARCELS_TO_ONE_PHONE',
  /** Weight missing, or outside the plausible range. */
  WEIGHT_OUT_OF_RANGE = 'WEIGHT_OUT_OF_RANGE',
}
registerEnumType(FraudFlag, { name: 'FraudFlag', description: 'A reason to doubt a subsidy claim, found in the scan data.' });

/** Why an honest parcel does not (yet) earn the subsidy. */
export enum IneligibilityReason {
  NOT_FARM_PRODUCT = 'NOT_FARM_PRODUCT',
  NOT_SOLD_ONLINE = 'NOT_SOLD_ONLINE',
  PICKED_UP_OUTSIDE_COUNTY = 'PICKED_UP_OUTSIDE_COUNTY',
  DESTINATION_INSIDE_COUNTY = 'DESTINATION_INSIDE_COUNTY',
  DESTINATION_UNKNOWN = 'DESTINATION_UNKNOWN',
  NOT_DELIVERED = 'NOT_DELIVERED',
  FLAGGED = 'FLAGGED',
}
registerEnumType(IneligibilityReason, {
  name: 'IneligibilityReason',
  description:
    'Upstream parcels must carry farm products sold on an e-commerce platform, picked up in the county and delivered outside it; every parcel needs its pickup and delivery scans and no fraud flag.',
});

export enum SubsidyParcelSelection {
  ALL = 'ALL',
  ELIGIBLE = 'ELIGIBLE',
  FLAGGED = 'FLAGGED',
  INELIGIBLE = 'INELIGIBLE',
}
registerEnumType(SubsidyParcelSelection, { name: 'SubsidyParcelSelection' });

export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

@ArgsType()
export class SubsidyReportArgs {
  @Field({ description: 'County-level region code (6 digits), e.g. `140821`.' })
  @Matches(/^\d{6}$/, { message: 'must be a county-level region code of 6 digits, e.g. "140821"' })
  county!: string;

  @Field({ description: 'Month of pickup, `YYYY-MM` (China Standard Time).' })
  @Matches(MONTH_PATTERN, { message: 'must be a month written YYYY-MM, e.g. "2026-06"' })
  month!: string;
}

@ArgsType()
export class SubsidyParcelsArgs {
  @Field(() => SubsidyParcelSelection, { defaultValue: SubsidyParcelSelection.FLAGGED })
  only: SubsidyParcelSelection = SubsidyParcelSelection.FLAGGED;

  @Field(() => Int, { defaultValue: 100, description: 'At most this many (max 1000); the CSV export has them all.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  first: number = 100;
}

@ObjectType({ description: 'Yuan per eligible parcel in force for the report.' })
export class SubsidyRates {
  @Field(() => Float)
  upstream!: number;

  @Field(() => Float)
  downstream!: number;
}

@ObjectType({ description: 'Parcel and subsidy totals of one direction (or of one courier).' })
export class SubsidyTotals {
  @Field(() => Int, { description: 'Parcels claimed in the month.' })
  parcels!: number;

  @Field(() => Int)
  eligible!: number;

  @Field(() => Int, { description: 'Parcels with at least one fraud flag.' })
  flagged!: number;

  @Field(() => Float, { description: 'Subsidy, yuan.' })
  amount!: number;
}

@ObjectType({ description: 'Subsidy totals of one operating company (courier).' })
export class CourierSubsidy {
  @Field()
  courierCode!: string;

  @Field()
  courierName!: string;

  @Field(() => SubsidyTotals)
  upstream!: SubsidyTotals;

  @Field(() => SubsidyTotals)
  downstream!: SubsidyTotals;

  @Field(() => Float)
  amount!: number;
}

@ObjectType({ description: "One parcel of a subsidy claim, with the checks' outcome." })
export class SubsidyParcel {
  shipmentId!: string;

  @Field()
  trackingNumber!: string;

  @Field()
  courierCode!: string;

  @Field(() => ShipmentDirection)
  direction!: ShipmentDirection;

  @Field(() => GraphQLLocalDate, { description: 'Day of pickup (or of first report).' })
  day!: string;

  @Field({ nullable: true })
  originCode?: string;

  @Field({ nullable: true })
  destinationCode?: string;

  @Field(() => Float, { nullable: true })
  weightKg?: number;

  @Field({ nullable: true, description: 'First pickup scan.' })
  pickupScanAt?: Date;

  @Field({ nullable: true, description: 'Last delivery scan.' })
  deliveryScanAt?: Date;

  @Field()
  eligible!: boolean;

  @Field(() => Float, { description: 'Subsidy, yuan (0 unless eligible).' })
  amount!: number;

  @Field(() => [FraudFlag])
  flags!: FraudFlag[];

  @Field(() => [IneligibilityReason])
  reasons!: IneligibilityReason[];
}

@ObjectType({ description: 'Per-parcel subsidies of a county for a month, checked against the scans (快递补贴核查).' })
export class SubsidyReport {
  @Field()
  countyCode!: string;

  @Field({ description: '`YYYY-MM`.' })
  month!: string;

  @Field(() => SubsidyRates)
  rates!: SubsidyRates;

  @Field(() => SubsidyTotals, { description: 'Upstream parcels (farm products out of the county).' })
  upstream!: SubsidyTotals;

  @Field(() => SubsidyTotals, { description: 'Downstream parcels (into the county).' })
  downstream!: SubsidyTotals;

  @Field(() => Float, { description: 'Subsidy of the month, yuan.' })
  totalAmount!: number;

  @Field(() => [CourierSubsidy], { description: 'Totals per operating company.' })
  byCourier!: CourierSubsidy[];

  @Field({ description: 'Where to download every parcel of the report as CSV (GET, same API key).' })
  csvPath!: string;
}
