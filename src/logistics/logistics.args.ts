import { IsDateString, IsOptional, MaxLength } from 'class-validator';
import { ArgsType, Field } from 'type-graphql';
import { ConnectionArgs } from '../relay/connection.args.js';
import { IsRegionCode } from '../regions/region-code.validator.js';
import { FilingStatus, LogisticsNodeKind, ShipmentDirection, ShipmentStatus } from './logistics-enums.js';

@ArgsType()
export class LogisticsNodesArgs extends ConnectionArgs {
  @Field(() => LogisticsNodeKind, { nullable: true })
  kind?: LogisticsNodeKind;

  @Field(() => FilingStatus, { nullable: true })
  filingStatus?: FilingStatus;

  @Field({ nullable: true, description: 'Only nodes inside this region (whole subtree).' })
  @IsOptional()
  @IsRegionCode()
  regionUnder?: string;
}

@ArgsType()
export class ShipmentsArgs extends ConnectionArgs {
  @Field({ nullable: true, description: 'Courier code.' })
  @IsOptional()
  @MaxLength(64)
  courier?: string;

  @Field(() => ShipmentStatus, { nullable: true })
  status?: ShipmentStatus;

  @Field(() => ShipmentDirection, { nullable: true })
  direction?: ShipmentDirection;

  @Field({ nullable: true, description: 'Origin or destination inside this region (whole subtree).' })
  @IsOptional()
  @IsRegionCode()
  regionUnder?: string;

  @Field({ nullable: true, description: 'Only parcels whose latest tracking event is at or after this time (ISO 8601).' })
  @IsOptional()
  @IsDateString({ strict: true })
  lastEventAfter?: string;

  @Field({ nullable: true, description: 'Only parcels whose latest tracking event is before this time (ISO 8601).' })
  @IsOptional()
  @IsDateString({ strict: true })
  lastEventBefore?: string;
}
