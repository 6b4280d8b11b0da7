import { IsOptional, MaxLength } from 'class-validator';
import { ArgsType, Field } from 'type-graphql';
import { ConnectionArgs } from '../relay/connection.args.js';
import { RegionLevel } from './region-level.js';
import { IsRegionCode } from './region-code.validator.js';

@ArgsType()
export class RegionsArgs extends ConnectionArgs {
  @Field(() => RegionLevel, { nullable: true, description: 'Only regions of this level.' })
  level?: RegionLevel;

  @Field({ nullable: true, description: 'Only regions inside this region (its whole subtree, the region itself included).' })
  @IsOptional()
  @IsRegionCode()
  under?: string;

  @Field({ nullable: true, description: 'Only regions whose name contains this text.' })
  @IsOptional()
  @MaxLength(50)
  search?: string;
}
