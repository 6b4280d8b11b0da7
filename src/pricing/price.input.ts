import { IsDateString, IsNumber, IsOptional, Length, MaxLength, Min, ValidateNested, ArrayMaxSize, ArrayMinSize, Matches } from 'class-validator';
import { GraphQLLocalDate } from 'graphql-scalars';
import { Field, Float, InputType } from 'type-graphql';
import { IsRegionCode } from '../regions/region-code.validator.js';

@InputType({ description: 'One price quote to record.' })
export class PriceObservationInput {
  @Field({ description: "The quote's stable key in its source; recording the same key again is a no-op." })
  @Length(1, 255)
  sourceKey!: string;

  @Field({ description: 'Product name as the source writes it (matched to the catalogue by name, code or alias).' })
  @Length(1, 200)
  rawName!: string;

  @Field({ nullable: true, description: 'Product code or name, when the source already knows it.' })
  @IsOptional()
  @MaxLength(100)
  product?: string;

  @Field({ nullable: true, description: 'Variety name or alias.' })
  @IsOptional()
  @MaxLength(100)
  variety?: string;

  @Field({ description: 'Market code, e.g. `beijing-xinfadi`.' })
  @Length(1, 64)
  market!: string;

  @Field({ nullable: true, description: 'Origin region code.' })
  @IsOptional()
  @IsRegionCode()
  originRegion?: string;

  @Field({ nullable: true, description: 'Origin as the source wrote it.' })
  @IsOptional()
  @MaxLength(100)
  originText?: string;

  @Field(() => GraphQLLocalDate)
  @IsDateString({ strict: true })
  observedOn!: string;

  @Field(() => Float, { nullable: true })
  @IsOptional()
  @IsNumber()
  @Min(0)
  lowPrice?: number;

  @Field(() => Float)
  @IsNumber()
  @Min(0)
  avgPrice!: number;

  @Field(() => Float, { nullable: true })
  @IsOptional()
  @IsNumber()
  @Min(0)
  highPrice?: number;

  @Field({ description: 'Unit the prices are per: 斤, 公斤, 吨, 个, 箱...' })
  @Length(1, 32)
  unit!: string;

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(100)
  spec?: string;

  @Field(() => Float, { nullable: true })
  @IsOptional()
  @IsNumber()
  @Min(0)
  volume?: number;

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(16)
  volumeUnit?: string;
}

@InputType({ description: 'A batch of price quotes from one source, stored all-or-nothing.' })
export class RecordPricesInput {
  @Field({ description: 'The connector or source system, e.g. `xinfadi-prices`.' })
  @Matches(/^[a-z0-9][a-z0-9-]{0,63}$/, { message: 'must be a lower-case slug (letters, digits, dashes)' })
  connector!: string;

  @Field(() => [PriceObservationInput])
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  observations!: PriceObservationInput[];
}
