import { IsIn, IsOptional, Length } from 'class-validator';
import { Args, ArgsType, Authorized, Ctx, Field, FieldResolver, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { Role } from '../../policy/role.js';
import type { HubContext } from '../../graphql/context.js';
import { Product } from '../../catalog/product.entity.js';
import { Variety } from '../../catalog/variety.entity.js';
import { ConnectionArgs } from '../../relay/connection.args.js';
import { MatchRelink } from './match-relink.entity.js';

@ObjectType('Relink', { description: 'Lineage of a review decision: one stored fact re-linked, with what it was linked to before.' })
export class RelinkView {
  @Field({ description: 'PRODUCT or ORIGIN.' })
  kind!: string;

  @Field({ description: 'The name or origin text decided on.' })
  raw!: string;

  @Field({ description: 'price_observation, supply_listing or sales_record.' })
  factTable!: string;

  @Field({ description: 'Id of the fact in that table.' })
  factId!: string;

  previousProductId?: number | null;
  previousVarietyId?: number | null;
  productId?: number | null;
  varietyId?: number | null;

  @Field({ nullable: true })
  previousRegionCode?: string;

  @Field({ nullable: true })
  regionCode?: string;

  @Field({ nullable: true, description: 'Who decided.' })
  actor?: string;

  @Field()
  relinkedAt!: Date;
}

@ArgsType()
export class RelinksArgs extends ConnectionArgs {
  @Field({ nullable: true, description: 'Only re-links of this name or origin text.' })
  @IsOptional()
  @Length(1, 200)
  raw?: string;

  @Field({ nullable: true, description: 'PRODUCT or ORIGIN.' })
  @IsOptional()
  @IsIn(['PRODUCT', 'ORIGIN'])
  kind?: string;
}

/** The lineage of re-links (issue #14): a fact's earlier product is never lost. */
@Resolver(() => RelinkView)
export class RelinkResolver {
  // Review decisions and who made them: officials and admins only.
  @Authorized(Role.OFFICIAL, Role.ADMIN)
  @Query(() => [RelinkView], { description: '(OFFICIAL, ADMIN) Re-links made by review decisions, newest first (at most `first`, default 100).' })
  async relinks(@Args() args: RelinksArgs, @Ctx() ctx: HubContext): Promise<RelinkView[]> {
    const where: Record<string, unknown> = {};
    if (args.raw) where.raw = args.raw;
    if (args.kind) where.kind = args.kind;
    const rows = await ctx.em.find(MatchRelink, where, { orderBy: { id: 'desc' }, limit: Math.min(args.first ?? 100, 500) });
    return rows.map((r) => Object.assign(new RelinkView(), r));
  }

  @FieldResolver(() => Product, { nullable: true, description: 'The product the fact was linked to before (null: none).' })
  previousProduct(@Root() r: RelinkView, @Ctx() ctx: HubContext): Promise<Product | null> {
    return r.previousProductId ? ctx.loaders.ref(Product, ctx.em.getReference(Product, r.previousProductId)) : Promise.resolve(null);
  }

  @FieldResolver(() => Variety, { nullable: true })
  previousVariety(@Root() r: RelinkView, @Ctx() ctx: HubContext): Promise<Variety | null> {
    return r.previousVarietyId ? ctx.loaders.ref(Variety, ctx.em.getReference(Variety, r.previousVarietyId)) : Promise.resolve(null);
  }

  @FieldResolver(() => Product, { nullable: true, description: 'The product the decision linked it to.' })
  product(@Root() r: RelinkView, @Ctx() ctx: HubContext): Promise<Product | null> {
    return r.productId ? ctx.loaders.ref(Product, ctx.em.getReference(Product, r.productId)) : Promise.resolve(null);
  }

  @FieldResolver(() => Variety, { nullable: true })
  variety(@Root() r: RelinkView, @Ctx() ctx: HubContext): Promise<Variety | null> {
    return r.varietyId ? ctx.loaders.ref(Variety, ctx.em.getReference(Variety, r.varietyId)) : Promise.resolve(null);
  }
}
