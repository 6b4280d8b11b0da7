import { IsDateString, IsOptional, Max, MaxLength, Min } from 'class-validator';
import { GraphQLLocalDate } from 'graphql-scalars';
import { ArgsType, Field, Float, Int, ObjectType } from 'type-graphql';
import { AlertKind } from '../alerts/stream/alert-kind.js';

/** Defaults of the anomaly rule, documented in the README. */
export const ANOMALY_DEFAULTS = {
  /** Past daily prices the mean and standard deviation are taken over. */
  window: 20,
  /** A day is anomalous beyond this many rolling standard deviations. */
  k: 3,
  /** Fewer past days than this and nothing is judged. */
  minHistory: 10,
  /** Moves smaller than this share of the mean are never anomalies (a flat series has a tiny deviation). */
  minRelativeChange: 0.05,
} as const;

@ArgsType()
export class DetectPriceAnomaliesArgs {
  @Field(() => GraphQLLocalDate, { description: 'First day judged, inclusive.' })
  @IsDateString({ strict: true })
  from!: string;

  @Field(() => GraphQLLocalDate, { description: 'Last day judged, inclusive.' })
  @IsDateString({ strict: true })
  to!: string;

  @Field({ nullable: true, description: 'Only this product (code, name or alias).' })
  @IsOptional()
  @MaxLength(100)
  product?: string;

  @Field({ nullable: true, description: 'Only this market (code).' })
  @IsOptional()
  @MaxLength(64)
  market?: string;

  @Field(() => Float, { defaultValue: ANOMALY_DEFAULTS.k, description: 'Threshold in rolling standard deviations.' })
  @Min(1)
  @Max(10)
  k: number = ANOMALY_DEFAULTS.k;

  @Field(() => Int, { defaultValue: ANOMALY_DEFAULTS.window, description: 'Past daily prices in the rolling window.' })
  @Min(3)
  @Max(365)
  window: number = ANOMALY_DEFAULTS.window;
}

@ObjectType({ description: "A day's price far from its rolling mean: the figures behind a PRICE_SPIKE or PRICE_DROP alert." })
export class PriceAnomaly {
  @Field(() => AlertKind)
  kind!: AlertKind;

  @Field(() => GraphQLLocalDate)
  day!: string;

  productId!: number;
  marketId!: number;

  @Field()
  productName!: string;

  @Field({ nullable: true })
  varietyName?: string;

  @Field()
  marketCode!: string;

  @Field()
  marketName!: string;

  @Field(() => Float, { description: "The day's mean price (yuan/kg)." })
  price!: number;

  @Field(() => Float, { description: 'Mean of the past window (yuan/kg).' })
  mean!: number;

  @Field(() => Float, { description: 'Standard deviation of the past window (yuan/kg).' })
  stddev!: number;

  @Field(() => Float, { description: '(price - mean) / stddev.' })
  zScore!: number;

  @Field(() => Float, { description: '(price - mean) / mean.' })
  change!: number;
}

@ObjectType({ description: 'Outcome of an anomaly scan.' })
export class PriceAnomalyScan {
  @Field(() => [PriceAnomaly], { description: 'Every anomaly in the period (also those alerted before).' })
  anomalies!: PriceAnomaly[];

  @Field(() => Int, { description: 'Alerts raised by this scan (an anomaly is alerted once).' })
  alertsRaised!: number;
}
