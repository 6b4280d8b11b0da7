import { ArrayMaxSize, IsOptional, MaxLength } from 'class-validator';
import { Args, ArgsType, Ctx, Field, ID, Int, Mutation, ObjectType, Resolver } from 'type-graphql';
import type { HubContext } from '../graphql/context.js';
import { BadUserInputError } from '../platform/errors.js';
import { fromGlobalId } from '../relay/global-id.js';
import type { IngestContext } from './ingest-runtime.js';
import { LoadCounts } from './connectors/connector.resolver.js';
import { RejectedRecord } from './rejected-record.entity.js';
import { REPLAY_LIMIT, replayRejected } from './replay.js';

@ArgsType()
export class ReplayRejectedArgs {
  @Field(() => [ID], { nullable: true, description: 'Rejected records to replay (global IDs).' })
  @IsOptional()
  @ArrayMaxSize(REPLAY_LIMIT)
  ids?: string[];

  @Field({ nullable: true, description: `Or: every pending record of this connector (oldest first, at most ${REPLAY_LIMIT}).` })
  @IsOptional()
  @MaxLength(64)
  connector?: string;
}

@ObjectType({ description: 'Outcome of a replay.' })
export class ReplayRejectedPayload {
  @Field(() => Int, { description: 'Records that now passed (stored, or already stored).' })
  replayed!: number;

  @Field(() => Int, { description: 'Records that still fail; their reason is updated.' })
  stillRejected!: number;

  @Field(() => Int, { description: 'Records no replayer knows how to re-read (left as they were).' })
  skipped!: number;

  @Field(() => LoadCounts)
  counts!: LoadCounts;

  @Field(() => [RejectedRecord], { description: 'The records replayed successfully, now REPLAYED.' })
  records!: RejectedRecord[];
}

/** Replay of the shared rejected store (kept apart from the query resolver so access control can guard it on its own). */
@Resolver()
export class RejectedReplayResolver {
  @Mutation(() => ReplayRejectedPayload, {
    description: 'Re-runs pending rejected records through the pipeline that refused them, after fixing an alias, a market or the mapping.',
  })
  async replayRejected(@Args() args: ReplayRejectedArgs, @Ctx() ctx: HubContext & IngestContext): Promise<ReplayRejectedPayload> {
    if (!args.ids?.length && !args.connector) throw new BadUserInputError('Give `ids` or `connector`.', 'ids');
    const ids = args.ids?.map((id) => {
      const parsed = fromGlobalId(id);
      if (!parsed || parsed.type !== 'RejectedRecord') throw new BadUserInputError(`"${id}" is not a RejectedRecord ID.`, 'ids');
      return parsed.key;
    });
    const result = await replayRejected(ctx.em, { ingest: ctx.ingest, pubSub: ctx.pubSub }, { ids, connector: args.connector });
    const records = result.replayedIds.length ? await ctx.em.fork().find(RejectedRecord, { id: { $in: result.replayedIds } }) : [];
    return { ...result, records };
  }
}
