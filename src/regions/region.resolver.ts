import { Arg, Args, Ctx, FieldResolver, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { ConnectionType } from '../relay/connection.type.js';
import type { HubContext } from '../graphql/context.js';
import { Region } from './region.entity.js';
import { RegionsArgs } from './region.args.js';
import { ancestorCodes, childrenOf, listRegions } from './region.service.js';

@ObjectType()
export class RegionConnection extends ConnectionType(Region) {}

@Resolver(() => Region)
export class RegionResolver {
  @Query(() => RegionConnection, { description: 'Administrative divisions, filtered by level, subtree and name; ordered by code.' })
  async regions(@Args() args: RegionsArgs, @Ctx() ctx: HubContext): Promise<RegionConnection> {
    return new RegionConnection(await listRegions(ctx.em, args));
  }

  @Query(() => Region, { nullable: true, description: 'One region by its official code.' })
  region(@Arg('code') code: string, @Ctx() ctx: HubContext): Promise<Region | null> {
    return ctx.loaders.byKey(Region, code);
  }

  @FieldResolver(() => Region, { nullable: true, description: 'The region one level up.' })
  parent(@Root() region: Region, @Ctx() ctx: HubContext): Promise<Region | null> {
    return ctx.loaders.ref(Region, region.parent);
  }

  @FieldResolver(() => [Region], { description: 'All regions above this one, from the province down.' })
  async ancestors(@Root() region: Region, @Ctx() ctx: HubContext): Promise<Region[]> {
    const found = await Promise.all(ancestorCodes(region.code).map((code) => ctx.loaders.byKey(Region, code)));
    return found.filter((r): r is Region => r !== null);
  }

  @FieldResolver(() => [Region], { description: 'The regions directly below this one.' })
  children(@Root() region: Region, @Ctx() ctx: HubContext): Promise<Region[]> {
    return ctx.loaders.custom('region.children', (codes: readonly string[]) => childrenOf(ctx.em, codes)).load(region.code);
  }
}
