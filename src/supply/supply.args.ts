import { IsDateString, IsOptional, MaxLength } from 'class-validator';
import { GraphQLLocalDate } from 'graphql-scalars';
import { ArgsType, Field, InputType } from 'type-graphql';
import { ConnectionArgs } from '../relay/connection.args.js';
import { IsRegionCode } from '../regions/region-code.validator.js';
import { MarketChannel } from '../markets/market-channel.js';

@InputType({ description: 'Which supply listings or sales records to return. All conditions must hold.' })
export class SupplyFilter {
  @Field({ nullable: true, description: 'Product code, canonical name or alias.' })
  @IsOptional()
  @MaxLength(100)
  product?: string;

  @Field({ nullable: true, description: 'Platform (market) code, e.g. `pinduoduo`.' })
  @IsOptional()
  @MaxLength(64)
  platform?: string;

  @Field(() => MarketChannel, { nullable: true, description: 'Sales channel (sales records only).' })
  channel?: MarketChannel;

  @Field({ nullable: true, description: 'Origin region code; matches its whole subtree.' })
  @IsOptional()
  @IsRegionCode()
  originUnder?: string;

  @Field({ nullable: true, description: 'Destination region code; matches its whole subtree (sales records only).' })
  @IsOptional()
  @IsRegionCode()
  destinationUnder?: string;

  @Field(() => GraphQLLocalDate, { nullable: true, description: 'Available (listings) or period starting (sales) on or after this day.' })
  @IsOptional()
  @IsDateString({ strict: true })
  from?: string;

  @Field(() => GraphQLLocalDate, { nullable: true, description: 'Available or period starting on or before this day.' })
  @IsOptional()
  @IsDateString({ strict: true })
  to?: string;
}

@ArgsType()
export class SupplyArgs extends ConnectionArgs {
  @Field(() => SupplyFilter, { nullable: true })
  filter?: SupplyFilter;
}
