import { IsDateString, IsOptional } from 'class-validator';
import { GraphQLLocalDate } from 'graphql-scalars';
import { ArgsType, Field, Float, Int, ObjectType } from 'type-graphql';
import { IsRegionCode } from '../regions/region-code.validator.js';
import { PeriodArgs } from './analytics-args.js';

@ArgsType()
export class VillageCoverageArgs {
  @Field({ defaultValue: '14', description: 'Region whose counties are listed (a province, city or county).' })
  @IsRegionCode()
  region: string = '14';

  @Field(() => GraphQLLocalDate, { nullable: true, description: 'Day the 30 days of deliveries end on (default: today, China Standard Time).' })
  @IsOptional()
  @IsDateString({ strict: true })
  asOf?: string;
}

@ObjectType({ description: 'Direct courier service to the administrative villages of a county (建制村快递服务通达率).' })
export class VillageCoverage {
  @Field()
  countyCode!: string;

  @Field()
  countyName!: string;

  @Field(() => Int, { description: 'Administrative villages.' })
  villages!: number;

  @Field(() => Int, { description: 'Villages with a filed (备案) village service point.' })
  villagesWithServicePoint!: number;

  @Field(() => Float, { nullable: true })
  servicePointShare!: number | null;

  @Field(() => Int, { description: 'Villages with at least one delivery in the 30 days up to `asOf`.' })
  villagesWithRecentDelivery!: number;

  @Field(() => Float, { nullable: true })
  recentDeliveryShare!: number | null;
}

@ArgsType()
export class CourierQualityArgs extends PeriodArgs {
  @Field({ defaultValue: '14', description: 'Parcels picked up or delivered in this region subtree.' })
  @IsRegionCode()
  region: string = '14';
}

@ObjectType({ description: 'Service quality of one courier: on-time, delay, damage and loss rates.' })
export class CourierQuality {
  @Field()
  courierCode!: string;

  @Field()
  courierName!: string;

  @Field(() => Int)
  parcels!: number;

  @Field(() => Int)
  delivered!: number;

  @Field(() => Int, { description: 'Parcels with a promised time that are due (promise passed, or delivered).' })
  due!: number;

  @Field(() => Int, { description: 'Delivered by the promised time.' })
  onTime!: number;

  @Field(() => Int, { description: 'Delivered after the promised time, or not delivered and past it.' })
  delayed!: number;

  @Field(() => Int, { description: 'With an exception scan reporting damage (Kuaidi100 209, 破损, damaged).' })
  damaged!: number;

  @Field(() => Int, { description: 'With an exception scan reporting loss (丢失, 遗失, lost).' })
  lost!: number;

  @Field(() => Float, { nullable: true, description: 'onTime / due.' })
  onTimeRate!: number | null;

  @Field(() => Float, { nullable: true, description: 'delayed / due.' })
  delayRate!: number | null;

  @Field(() => Float, { nullable: true, description: 'damaged / parcels.' })
  damageRate!: number | null;

  @Field(() => Float, { nullable: true, description: 'lost / parcels.' })
  lossRate!: number | null;
}
