import { IsOptional, MaxLength } from 'class-validator';
import { ArgsType, Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { IsRegionCode } from '../regions/region-code.validator.js';
import { MarketChannel } from '../markets/market-channel.js';
import { OptionalPeriodArgs } from './analytics-args.js';

/** Level supply and sales are totalled at. */
export enum SupplyLevel {
  PROVINCE = 'PROVINCE',
  CITY = 'CITY',
  COUNTY = 'COUNTY',
}
registerEnumType(SupplyLevel, { name: 'SupplyLevel', description: 'Total per province, city or county of origin.' });

export const SUPPLY_LEVEL_LENGTH: Record<SupplyLevel, number> = {
  [SupplyLevel.PROVINCE]: 2,
  [SupplyLevel.CITY]: 4,
  [SupplyLevel.COUNTY]: 6,
};

@ArgsType()
export class SupplyDemandArgs extends OptionalPeriodArgs {
  @Field({ defaultValue: '14', description: 'Origin region whose subtree is totalled.' })
  @IsRegionCode()
  regionUnder: string = '14';

  @Field(() => SupplyLevel, { defaultValue: SupplyLevel.COUNTY })
  level: SupplyLevel = SupplyLevel.COUNTY;

  @Field({ nullable: true, description: 'Only this product (code, name or alias).' })
  @IsOptional()
  @MaxLength(100)
  product?: string;
}

@ArgsType()
export class SalesByChannelArgs extends OptionalPeriodArgs {
  @Field({ defaultValue: '14', description: 'Origin region whose subtree is totalled.' })
  @IsRegionCode()
  regionUnder: string = '14';

  @Field({ nullable: true, description: 'Only this product (code, name or alias).' })
  @IsOptional()
  @MaxLength(100)
  product?: string;
}

@ObjectType({ description: 'Supply on offer against sales of one product from one region (产销对接).' })
export class SupplyDemandRow {
  @Field({ description: 'Origin region code at the asked level.' })
  regionCode!: string;

  @Field()
  productCode!: string;

  @Field()
  productName!: string;

  @Field(() => Int, { description: 'Supply listings.' })
  listings!: number;

  @Field(() => Float, { description: 'Quantity on offer, kg (listings in weight units only).' })
  supplyKg!: number;

  @Field(() => Int, { description: 'Sales records.' })
  salesRecords!: number;

  @Field(() => Float, { description: 'Quantity sold, kg (records in weight units only).' })
  salesKg!: number;

  @Field(() => Float, { description: 'Sales amount, yuan.' })
  salesAmount!: number;

  @Field(() => Int)
  orders!: number;

  @Field(() => Float, { description: 'supplyKg - salesKg: positive means more on offer than sold.' })
  balanceKg!: number;

  @Field(() => Float, { nullable: true, description: 'salesKg / supplyKg (share of the offer that sold); null without supply.' })
  sellThrough!: number | null;
}

@ObjectType({ description: 'Sales through one channel.' })
export class ChannelSales {
  @Field(() => MarketChannel)
  channel!: MarketChannel;

  @Field(() => Int)
  records!: number;

  @Field(() => Float, { description: 'Quantity sold, kg (weight units only).' })
  quantityKg!: number;

  @Field(() => Float, { description: 'Amount, yuan.' })
  amount!: number;

  @Field(() => Int)
  orders!: number;

  @Field(() => Float, { nullable: true, description: 'Share of the amount of all channels.' })
  amountShare!: number | null;
}
