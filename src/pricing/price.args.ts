import { IsDateString, IsOptional, MaxLength } from 'class-validator';
import { GraphQLLocalDate } from 'graphql-scalars';
import { ArgsType, Field, InputType, registerEnumType } from 'type-graphql';
import { ConnectionArgs } from '../relay/connection.args.js';
import { MarketChannel } from '../markets/market-channel.js';
import { IsRegionCode } from '../regions/region-code.validator.js';

export enum PriceOrder {
  OBSERVED_ON_DESC = 'OBSERVED_ON_DESC',
  OBSERVED_ON_ASC = 'OBSERVED_ON_ASC',
  AVG_PRICE_DESC = 'AVG_PRICE_DESC',
  AVG_PRICE_ASC = 'AVG_PRICE_ASC',
}
registerEnumType(PriceOrder, { name: 'PriceOrder', description: 'Order of a price list; ties break on the newest record.' });

@InputType({ description: 'Which prices to return. All conditions must hold.' })
export class PriceFilter {
  @Field({ nullable: true, description: 'Product code, canonical name or alias, e.g. `apple` or `苹果`.' })
  @IsOptional()
  @MaxLength(100)
  product?: string;

  @Field({ nullable: true, description: 'Variety name or alias, e.g. `红富士`.' })
  @IsOptional()
  @MaxLength(100)
  variety?: string;

  @Field({ nullable: true, description: 'Market code, e.g. `beijing-xinfadi`.' })
  @IsOptional()
  @MaxLength(64)
  market?: string;

  @Field(() => MarketChannel, { nullable: true })
  channel?: MarketChannel;

  @Field({ nullable: true, description: 'Origin region code; matches the whole subtree (a county covers its townships and villages).' })
  @IsOptional()
  @IsRegionCode()
  originUnder?: string;

  @Field({ nullable: true, description: "Market's region code; matches the whole subtree." })
  @IsOptional()
  @IsRegionCode()
  marketRegionUnder?: string;

  @Field(() => GraphQLLocalDate, { nullable: true, description: 'First day, inclusive.' })
  @IsOptional()
  @IsDateString({ strict: true })
  from?: string;

  @Field(() => GraphQLLocalDate, { nullable: true, description: 'Last day, inclusive.' })
  @IsOptional()
  @IsDateString({ strict: true })
  to?: string;

  @Field({ nullable: true, description: 'Only facts from this connector (lineage).' })
  @IsOptional()
  @MaxLength(64)
  connector?: string;
}

@ArgsType()
export class PricesArgs extends ConnectionArgs {
  @Field(() => PriceFilter, { nullable: true })
  filter?: PriceFilter;

  @Field(() => PriceOrder, { defaultValue: PriceOrder.OBSERVED_ON_DESC })
  orderBy: PriceOrder = PriceOrder.OBSERVED_ON_DESC;
}

@ArgsType()
export class MarketPricesArgs extends ConnectionArgs {
  @Field(() => PriceFilter, { nullable: true, description: 'Further conditions (the market is given).' })
  filter?: PriceFilter;
}
