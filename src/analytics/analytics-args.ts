import { IsDateString, IsOptional } from 'class-validator';
import { GraphQLLocalDate } from 'graphql-scalars';
import { ArgsType, Field, registerEnumType } from 'type-graphql';
import { BadUserInputError } from '../platform/errors.js';

/** Bucket width of a time series. */
export enum TimeInterval {
  DAY = 'DAY',
  WEEK = 'WEEK',
  MONTH = 'MONTH',
}
registerEnumType(TimeInterval, { name: 'TimeInterval', description: 'Bucket width: day, ISO week (from Monday) or calendar month.' });

/** PostgreSQL `date_trunc` unit of each interval. */
export const DATE_TRUNC_UNIT: Record<TimeInterval, string> = {
  [TimeInterval.DAY]: 'day',
  [TimeInterval.WEEK]: 'week',
  [TimeInterval.MONTH]: 'month',
};

/** A period of whole days, both ends inclusive. */
@ArgsType()
export class PeriodArgs {
  @Field(() => GraphQLLocalDate, { description: 'First day, inclusive.' })
  @IsDateString({ strict: true })
  from!: string;

  @Field(() => GraphQLLocalDate, { description: 'Last day, inclusive.' })
  @IsDateString({ strict: true })
  to!: string;
}

/** An optional period of whole days, both ends inclusive. */
@ArgsType()
export class OptionalPeriodArgs {
  @Field(() => GraphQLLocalDate, { nullable: true, description: 'First day, inclusive.' })
  @IsOptional()
  @IsDateString({ strict: true })
  from?: string;

  @Field(() => GraphQLLocalDate, { nullable: true, description: 'Last day, inclusive.' })
  @IsOptional()
  @IsDateString({ strict: true })
  to?: string;
}

/** Refuses an inverted period, naming the argument. */
export function assertPeriod(from: string | undefined, to: string | undefined, argumentName = 'from'): void {
  if (from && to && from > to) throw new BadUserInputError(`"${argumentName}" must not be after "to".`, argumentName);
}

/** A share in [0, 1], or null when there is nothing to divide by. */
export function share(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}
