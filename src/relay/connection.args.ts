import { ArgsType, Field, Int } from 'type-graphql';
import { IsOptional, Max, Min } from 'class-validator';

/** Page size when a client gives neither `first` nor `last`. */
export const DEFAULT_PAGE_SIZE = 20;
/** Largest page a client may ask for (issue #6: `first` at most 500). */
export const MAX_PAGE_SIZE = 500;

@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, { nullable: true, description: `Forward pagination: at most this many items (max ${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}).` })
  @IsOptional()
  @Min(0)
  @Max(MAX_PAGE_SIZE)
  first?: number;

  @Field({ nullable: true, description: 'Forward pagination: items after this cursor.' })
  after?: string;

  @Field(() => Int, { nullable: true, description: `Backward pagination: at most this many items before \`before\` (max ${MAX_PAGE_SIZE}).` })
  @IsOptional()
  @Min(0)
  @Max(MAX_PAGE_SIZE)
  last?: number;

  @Field({ nullable: true, description: 'Backward pagination: items before this cursor.' })
  before?: string;
}
