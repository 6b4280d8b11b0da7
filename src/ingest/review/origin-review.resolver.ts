import { IsOptional, Length, Matches, MaxLength } from 'class-validator';
import { Arg, Args, ArgsType, Authorized, Ctx, Field, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { HubContext } from '../../graphql/context.js';
import { Role } from '../../policy/role.js';
import { ConnectionArgs } from '../../relay/connection.args.js';
import { ConnectionType } from '../../relay/connection.type.js';
import { paginate, type Ordering } from '../../relay/paginate.js';
import { NotFoundError } from '../../platform/errors.js';
import { ReviewStatus } from './unmatched-name.entity.js';
import { UnmatchedOrigin } from './unmatched-origin.entity.js';
import { acceptOrigin } from './review.service.js';
import { actorOf } from './review.resolver.js';

@ObjectType()
export class UnmatchedOriginConnection extends ConnectionType(UnmatchedOrigin) {}

@ArgsType()
export class UnmatchedOriginsArgs extends ConnectionArgs {
  @Field(() => ReviewStatus, { nullable: true, defaultValue: ReviewStatus.PENDING })
  status?: ReviewStatus;

  @Field({ nullable: true, description: 'Only origins sent by this connector.' })
  @IsOptional()
  @MaxLength(64)
  connector?: string;
}

@InputType({ description: "A reviewer's region for a queued origin string." })
export class AcceptOriginInput {
  @Field({ description: 'The origin exactly as queued (`rawText`).' })
  @Length(1, 100)
  rawText!: string;

  @Field({ description: 'Region code the origin stands for, e.g. `140821` (临猗县).' })
  @Matches(/^\d{2}(\d{2}){0,2}(\d{3}){0,2}$/, { message: 'regionCode must be an official region code (2, 4, 6, 9 or 12 digits)' })
  regionCode!: string;
}

@ObjectType()
export class AcceptOriginPayload {
  @Field(() => UnmatchedOrigin)
  entry!: UnmatchedOrigin;

  @Field(() => Int, { description: 'Stored prices re-linked to the region (their earlier region is kept in `relinks`).' })
  relinked!: number;
}

const mostFrequentFirst: Ordering<UnmatchedOrigin> = {
  direction: 'desc',
  keys: [
    { sql: 'u.count', read: (u) => u.count },
    { sql: 'u.id', read: (u) => u.id },
  ],
};

/** The review queue of origin strings (issue #14). */
@Resolver(() => UnmatchedOrigin)
export class UnmatchedOriginResolver {
  // Data quality (raw source examples, connector names): officials and admins only.
  @Authorized(Role.OFFICIAL, Role.ADMIN)
  @Query(() => UnmatchedOriginConnection, {
    description: '(OFFICIAL, ADMIN) Origin strings (产地) no region matched, most frequent first. Strings naming several provinces (冀鲁豫) are not queued.',
  })
  async unmatchedOrigins(@Args() args: UnmatchedOriginsArgs, @Ctx() ctx: HubContext): Promise<UnmatchedOriginConnection> {
    const qb = ctx.em.createQueryBuilder(UnmatchedOrigin, 'u');
    if (args.status) qb.andWhere({ status: args.status });
    if (args.connector) qb.andWhere({ connectors: { $overlap: [args.connector] } });
    return new UnmatchedOriginConnection(await paginate(qb, mostFrequentFirst, args));
  }

  @Authorized(Role.OFFICIAL, Role.ADMIN)
  @Mutation(() => AcceptOriginPayload, {
    description: 'Ties a queued origin string to a region (officials): later loads resolve it, and stored prices carrying it are re-linked.',
  })
  async acceptOrigin(@Arg('input') input: AcceptOriginInput, @Ctx() ctx: HubContext): Promise<AcceptOriginPayload> {
    const { relinked } = await acceptOrigin(ctx.em, input.rawText, input.regionCode, actorOf(ctx));
    const entry = await ctx.em.fork().findOneOrFail(UnmatchedOrigin, { rawText: input.rawText });
    return { entry, relinked };
  }

  @Authorized(Role.OFFICIAL, Role.ADMIN)
  @Mutation(() => UnmatchedOrigin, { description: 'Takes an origin string off the review queue without a region.' })
  async dismissUnmatchedOrigin(@Arg('rawText') rawText: string, @Ctx() ctx: HubContext): Promise<UnmatchedOrigin> {
    const result = await ctx.em
      .getConnection()
      .execute<{ affectedRows: number }>('update unmatched_origin set status = ? where raw_text = ?', [ReviewStatus.DISMISSED, rawText], 'run');
    if (!result.affectedRows) throw new NotFoundError(`"${rawText}" is not in the origin review queue.`);
    return ctx.em.fork().findOneOrFail(UnmatchedOrigin, { rawText });
  }
}
