import { IsDateString, IsOptional, MaxLength } from 'class-validator';
import { GraphQLLocalDate } from 'graphql-scalars';
import { ArgsType, Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { IsRegionCode } from '../regions/region-code.validator.js';
import { MarketChannel } from '../markets/market-channel.js';
import { TimeInterval } from './analytics-args.js';

/** How a price series is split into several, for comparison. */
export enum PriceSplit {
  NONE = 'NONE',
  MARKET = 'MARKET',
  ORIGIN_PROVINCE = 'ORIGIN_PROVINCE',
  ORIGIN_CITY = 'ORIGIN_CITY',
  ORIGIN_COUNTY = 'ORIGIN_COUNTY',
  VARIETY = 'VARIETY',
}
registerEnumType(PriceSplit, {
  name: 'PriceSplit',
  description: 'One series for everything, or one per market, per origin (province, city or county of the origin region) or per variety.',
});

@InputType({ description: 'Which prices a series is computed from. All conditions must hold.' })
export class PriceSeriesFilter {
  @Field({ description: 'Product code, canonical name or alias, e.g. `apple` or `苹果` (required: a median over different products means nothing).' })
  @MaxLength(100)
  product!: string;

  @Field({ nullable: true, description: 'Variety name or alias, e.g. `红富士`.' })
  @IsOptional()
  @MaxLength(100)
  variety?: string;

  @Field({ nullable: true, description: 'Market code, e.g. `beijing-xinfadi`.' })
  @IsOptional()
  @MaxLength(64)
  market?: string;

  @Field(() => MarketChannel, { nullable: true })
  @IsOptional()
  channel?: MarketChannel;

  @Field({ nullable: true, description: 'Origin region; matches its whole subtree.' })
  @IsOptional()
  @IsRegionCode()
  originUnder?: string;

  @Field({ nullable: true, description: "Market's region; matches its whole subtree." })
  @IsOptional()
  @IsRegionCode()
  marketRegionUnder?: string;

  @Field(() => GraphQLLocalDate, { nullable: true, description: 'First day, inclusive (default: a year before `to`).' })
  @IsOptional()
  @IsDateString({ strict: true })
  from?: string;

  @Field(() => GraphQLLocalDate, { nullable: true, description: 'Last day, inclusive (default: the newest price).' })
  @IsOptional()
  @IsDateString({ strict: true })
  to?: string;
}

@ArgsType()
export class PriceSeriesArgs {
  @Field(() => PriceSeriesFilter)
  filter!: PriceSeriesFilter;

  @Field(() => TimeInterval, { defaultValue: TimeInterval.WEEK })
  interval: TimeInterval = TimeInterval.WEEK;

  @Field(() => PriceSplit, { defaultValue: PriceSplit.NONE, description: 'Split into one series per market, origin or variety, to compare them.' })
  splitBy: PriceSplit = PriceSplit.NONE;
}

@ObjectType({ description: 'Prices of one time bucket, in yuan per kg.' })
export class PricePoint {
  @Field(() => GraphQLLocalDate, { description: 'First day of the bucket (Monday for weeks, the 1st for months).' })
  bucket!: string;

  @Field(() => Float, { description: 'Lowest low price (yuan/kg).' })
  low!: number;

  @Field(() => Float, { description: 'Mean of the average prices (yuan/kg).' })
  average!: number;

  @Field(() => Float, { description: 'Median of the average prices (yuan/kg).' })
  median!: number;

  @Field(() => Float, { description: 'Highest high price (yuan/kg).' })
  high!: number;

  @Field(() => Float, { description: 'Traded volume reported with the prices (sum; 0 when none was reported).' })
  volume!: number;

  @Field(() => Int, { description: 'Price observations in the bucket.' })
  observations!: number;
}

@ObjectType({ description: 'A price series; with a split, one per market, origin or variety.' })
export class PriceSeries {
  @Field({ description: 'What this series is: `all`, a market code, an origin region code or a variety name.' })
  key!: string;

  @Field({ description: 'Readable label of the key (market, region or variety name).' })
  label!: string;

  marketId?: number;
  originCode?: string;

  @Field(() => [PricePoint])
  points!: PricePoint[];
}
