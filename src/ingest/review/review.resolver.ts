import { IsOptional, Length, MaxLength } from 'class-validator';
import { Arg, Args, ArgsType, Authorized, Ctx, Field, FieldResolver, Float, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { HubContext } from '../../graphql/context.js';
import { Role } from '../../policy/role.js';
import { ConnectionArgs } from '../../relay/connection.args.js';
import { ConnectionType } from '../../relay/connection.type.js';
import { paginate, type Ordering } from '../../relay/paginate.js';
import { Product } from '../../catalog/product.entity.js';
import { Variety } from '../../catalog/variety.entity.js';
import { ProductMatcher } from '../matching/product-matcher.js';
import { ReviewStatus, UnmatchedName } from './unmatched-name.entity.js';
import { acceptMatch, dismissUnmatched } from './review.service.js';

@ObjectType()
export class UnmatchedNameConnection extends ConnectionType(UnmatchedName) {}

@ArgsType()
export class UnmatchedNamesArgs extends ConnectionArgs {
  @Field(() => ReviewStatus, { nullable: true, defaultValue: ReviewStatus.PENDING })
  status?: ReviewStatus;

  @Field({ nullable: true, description: 'Only names sent by this connector.' })
  @IsOptional()
  @MaxLength(64)
  connector?: string;
}

@InputType({ description: "A reviewer's match for a queued name." })
export class AcceptMatchInput {
  @Field({ description: 'The name exactly as queued (`rawName`).' })
  @Length(1, 200)
  rawName!: string;

  @Field({ description: 'Product code or canonical name, e.g. `watermelon`.' })
  @Length(1, 100)
  product!: string;

  @Field({ nullable: true, description: 'Variety name or alias of that product; the name becomes an alias of the variety.' })
  @IsOptional()
  @Length(1, 100)
  variety?: string;
}

@ObjectType({ description: 'Outcome of accepting a match.' })
export class AcceptMatchPayload {
  @Field(() => UnmatchedName)
  entry!: UnmatchedName;

  @Field(() => Int, { description: 'Stored prices, listings and sales re-linked to the product (their earlier product is kept in `relinks`).' })
  relinked!: number;
}

@ObjectType({ description: 'A review candidate for a queued name: a product (and variety) it might be, and why. Never linked without a reviewer.' })
export class MatchCandidate {
  @Field(() => Product)
  product!: Product;

  @Field(() => Variety, { nullable: true })
  variety?: Variety | null;

  @Field(() => Float, { description: 'Ranking score, 0..1 (not a probability).' })
  score!: number;

  @Field({ description: 'The rule: AMBIGUOUS (the name names several products) or SIMILAR (shares characters or is a few edits away).' })
  rule!: string;

  @Field({ description: 'The evidence: which catalogue name or alias, and how it relates to the queued name.' })
  evidence!: string;
}

const mostFrequentFirst: Ordering<UnmatchedName> = {
  direction: 'desc',
  keys: [
    { sql: 'u.count', read: (u) => u.count },
    { sql: 'u.id', read: (u) => u.id },
  ],
};

/** One matcher per request for the candidates of a page of queued names. */
const matchers = new WeakMap<HubContext, Promise<ProductMatcher>>();

/** The review queue of entity resolution (issue #14). */
@Resolver(() => UnmatchedName)
export class UnmatchedNameResolver {
  // Data quality (raw source examples with their figures, connector names): officials and admins only.
  @Authorized(Role.OFFICIAL, Role.ADMIN)
  @Query(() => UnmatchedNameConnection, {
    description:
      '(OFFICIAL, ADMIN) Product names no catalogue entry matched on unambiguous evidence, most frequent first, with counts, examples and ranked candidates.',
  })
  async unmatchedNames(@Args() args: UnmatchedNamesArgs, @Ctx() ctx: HubContext): Promise<UnmatchedNameConnection> {
    const qb = ctx.em.createQueryBuilder(UnmatchedName, 'u');
    if (args.status) qb.andWhere({ status: args.status });
    if (args.connector) qb.andWhere({ connectors: { $overlap: [args.connector] } });
    return new UnmatchedNameConnection(await paginate(qb, mostFrequentFirst, args));
  }

  @Authorized(Role.OFFICIAL, Role.ADMIN)
  @Mutation(() => AcceptMatchPayload, {
    description:
      'Accepts a match (officials): the name becomes an alias of the product for every source, and the stored facts that carried it are re-linked, their earlier product kept in `relinks`.',
  })
  async acceptMatch(@Arg('input') input: AcceptMatchInput, @Ctx() ctx: HubContext): Promise<AcceptMatchPayload> {
    const result = await acceptMatch(ctx.em, input.rawName, input.product, input.variety, actorOf(ctx));
    const entry = await ctx.em.fork().findOneOrFail(UnmatchedName, { rawName: input.rawName });
    return { entry, relinked: result.relinked };
  }

  @Authorized(Role.OFFICIAL, Role.ADMIN)
  @Mutation(() => UnmatchedName, { description: 'Takes a name off the review queue without matching it.' })
  async dismissUnmatchedName(@Arg('rawName') rawName: string, @Ctx() ctx: HubContext): Promise<UnmatchedName> {
    await dismissUnmatched(ctx.em, rawName);
    return ctx.em.fork().findOneOrFail(UnmatchedName, { rawName });
  }

  @FieldResolver(() => Product, {
    nullable: true,
    description: 'Best candidate (never linked automatically); `candidates` has the ranked list with the evidence.',
  })
  suggestedProduct(@Root() entry: UnmatchedName, @Ctx() ctx: HubContext): Promise<Product | null> {
    return ctx.loaders.ref(Product, entry.suggestedProduct);
  }

  @FieldResolver(() => Variety, { nullable: true })
  suggestedVariety(@Root() entry: UnmatchedName, @Ctx() ctx: HubContext): Promise<Variety | null> {
    return ctx.loaders.ref(Variety, entry.suggestedVariety);
  }

  @FieldResolver(() => [MatchCandidate], { description: 'Ranked candidates with the evidence for each, from the current catalogue and reviewed aliases.' })
  async candidates(@Root() entry: UnmatchedName, @Ctx() ctx: HubContext): Promise<MatchCandidate[]> {
    let matcher = matchers.get(ctx);
    if (!matcher) {
      matcher = ProductMatcher.load(ctx.em);
      matchers.set(ctx, matcher);
    }
    // With the category the list filed the name under (kept with the examples): the same veto as when it was queued.
    const outcome = (await matcher).match(entry.rawName, undefined, undefined, categoryOf(entry));
    const found = outcome.match ? [{ ...outcome.match }] : (outcome.candidates ?? []);
    return Promise.all(
      found.map(async (c) => ({
        product: (await ctx.loaders.ref(Product, ctx.em.getReference(Product, c.productId)))!,
        variety: c.varietyId ? await ctx.loaders.ref(Variety, ctx.em.getReference(Variety, c.varietyId)) : null,
        score: c.score,
        rule: c.method,
        evidence: c.evidence,
      })),
    );
  }
}

/** The category (section) the sources filed a queued name under, from its examples; the first one given. @internal */
function categoryOf(entry: UnmatchedName): string | undefined {
  for (const example of entry.examples) {
    const category = (example as { category?: unknown } | null)?.category;
    if (typeof category === 'string' && category) return category;
  }
  return undefined;
}

/** Who decided, for aliases and the lineage: the organisation, else the key or subject. */
export function actorOf(ctx: HubContext): string | undefined {
  return ctx.viewer.organisationName ?? (ctx.viewer.actor === 'anonymous' ? undefined : ctx.viewer.actor);
}
