import { IsOptional, Length, MaxLength } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { HubContext } from '../../graphql/context.js';
import { ConnectionArgs } from '../../relay/connection.args.js';
import { ConnectionType } from '../../relay/connection.type.js';
import { paginate, type Ordering } from '../../relay/paginate.js';
import { Product } from '../../catalog/product.entity.js';
import { Variety } from '../../catalog/variety.entity.js';
import { ReviewStatus, UnmatchedName } from './unmatched-name.entity.js';
import { acceptMatch, dismissUnmatched } from './review.service.js';

@ObjectType()
export class UnmatchedNameConnection extends ConnectionType(UnmatchedName) {}

@ArgsType()
export class UnmatchedNamesArgs extends ConnectionArgs {
  @Field(() => ReviewStatus, { nullable: true, defaultValue: ReviewStatus.PENDING })
  status?: ReviewStatus;

  @Field({ nullable: true, description: 'Only names sent by this connector.' })
  @IsOptional() @MaxLength(64)
  connector?: string;
}

@InputType({ description: 'A reviewer\'s match for a queued name.' })
export class AcceptMatchInput {
  @Field({ description: 'The name exactly as queued (`rawName`).' })
  @Length(1, 200)
  rawName!: string;

  @Field({ description: 'Product code or canonical name, e.g. `watermelon`.' })
  @Length(1, 100)
  product!: string;

  @Field({ nullable: true, description: 'Variety name or alias of that product; the name becomes an alias of the variety.' })
  @IsOptional() @Length(1, 100)
  variety?: string;
}

@ObjectType({ description: 'Outcome of accepting a match.' })
export class AcceptMatchPayload {
  @Field(() => UnmatchedName)
  entry!: UnmatchedName;

  @Field(() => Int, { description: 'Stored prices, listings and sales re-linked to the product.' })
  relinked!: number;
}

const mostFrequentFirst: Ordering<UnmatchedName> = {
  direction: 'desc',
  keys: [{ sql: 'u.count', read: (u) => u.count }, { sql: 'u.id', read: (u) => u.id }],
};

/** The review queue of entity resolution. */
@Resolver(() => UnmatchedName)
export class UnmatchedNameResolver {
  @Query(() => UnmatchedNameConnection, { description: 'Product names no catalogue entry matched with confidence, most frequent first, with counts, examples and a suggestion.' })
  async unmatchedNames(@Args() args: UnmatchedNamesArgs, @Ctx() ctx: HubContext): Promise<UnmatchedNameConnection> {
    const qb = ctx.em.createQueryBuilder(UnmatchedName, 'u');
    if (args.status) qb.andWhere({ status: args.status });
    if (args.connector) qb.andWhere({ connectors: { $overlap: [args.connector] } });
    return new UnmatchedNameConnection(await paginate(qb, mostFrequentFirst, args));
  }

  @Mutation(() => AcceptMatchPayload, { description: 'Accepts a match: adds the name as an alias and re-links the stored facts that carried it.' })
  async acceptMatch(@Arg('input') input: AcceptMatchInput, @Ctx() ctx: HubContext): Promise<AcceptMatchPayload> {
    const result = await acceptMatch(ctx.em, input.rawName, input.product, input.variety);
    const entry = await ctx.em.fork().findOneOrFail(UnmatchedName, { rawName: input.rawName });
    return { entry, relinked: result.relinked };
  }

  @Mutation(() => UnmatchedName, { description: 'Takes a name off the review queue without matching it.' })
  async dismissUnmatchedName(@Arg('rawName') rawName: string, @Ctx() ctx: HubContext): Promise<UnmatchedName> {
    await dismissUnmatched(ctx.em, rawName);
    return ctx.em.fork().findOneOrFail(UnmatchedName, { rawName });
  }

  @FieldResolver(() => Product, { nullable: true, description: 'Best catalogue candidate (below the confidence to link it automatically).' })
  suggestedProduct(@Root() entry: UnmatchedName, @Ctx() ctx: HubContext): Promise<Product | null> {
    return ctx.loaders.ref(Product, entry.suggestedProduct);
  }

  @FieldResolver(() => Variety, { nullable: true })
  suggestedVariety(@Root() entry: UnmatchedName, @Ctx() ctx: HubContext): Promise<Variety | null> {
    return ctx.loaders.ref(Variety, entry.suggestedVariety);
  }
}
