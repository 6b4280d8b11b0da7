import { IsOptional, MaxLength } from 'class-validator';
import { Args, ArgsType, Ctx, Field, ObjectType, Query, Resolver } from 'type-graphql';
import { ConnectionArgs } from '../relay/connection.args.js';
import { ConnectionType } from '../relay/connection.type.js';
import { paginate, type Ordering } from '../relay/paginate.js';
import type { HubContext } from '../graphql/context.js';
import { RejectedRecord, RejectedStatus } from './rejected-record.entity.js';

@ObjectType()
export class RejectedRecordConnection extends ConnectionType(RejectedRecord) {}

@ArgsType()
export class RejectedRecordsArgs extends ConnectionArgs {
  @Field({ nullable: true, description: 'Only records of this connector or feed.' })
  @IsOptional()
  @MaxLength(64)
  connector?: string;

  @Field(() => RejectedStatus, { nullable: true, defaultValue: RejectedStatus.PENDING })
  status?: RejectedStatus;
}

const newestFirst: Ordering<RejectedRecord> = {
  direction: 'desc',
  keys: [
    { sql: 'r.received_at', read: (r) => r.receivedAt },
    { sql: 'r.id', read: (r) => Number(r.id) },
  ],
};

@Resolver(() => RejectedRecord)
export class RejectedRecordResolver {
  @Query(() => RejectedRecordConnection, { description: 'Records refused by an ingest path, kept with their raw input for replay.' })
  async rejectedRecords(@Args() args: RejectedRecordsArgs, @Ctx() ctx: HubContext): Promise<RejectedRecordConnection> {
    const qb = ctx.em.createQueryBuilder(RejectedRecord, 'r');
    if (args.connector) qb.andWhere({ connector: args.connector });
    if (args.status) qb.andWhere({ status: args.status });
    return new RejectedRecordConnection(await paginate(qb, newestFirst, args));
  }
}
