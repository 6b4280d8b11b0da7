import { IsOptional, MaxLength } from 'class-validator';
import { ArgsType, Field } from 'type-graphql';
import { ConnectionArgs } from '../relay/connection.args.js';
import { IsRegionCode } from '../regions/region-code.validator.js';
import { MarketChannel } from './market-channel.js';

@ArgsType()
export class MarketsArgs extends ConnectionArgs {
  @Field(() => MarketChannel, { nullable: true })
  channel?: MarketChannel;

  @Field({ nullable: true, description: 'Only markets inside this region (whole subtree).' })
  @IsOptional()
  @IsRegionCode()
  regionUnder?: string;

  @Field({ nullable: true, description: 'Name or code containing this text.' })
  @IsOptional()
  @MaxLength(50)
  search?: string;
}
