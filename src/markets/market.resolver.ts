import { Arg, Args, Ctx, FieldResolver, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { ConnectionType } from '../relay/connection.type.js';
import type { HubContext } from '../graphql/context.js';
import { Region } from '../regions/region.entity.js';
import { Market } from './market.entity.js';
import { MarketsArgs } from './market.args.js';
import { listMarkets } from './market.service.js';

@ObjectType()
export class MarketConnection extends ConnectionType(Market) {}

@Resolver(() => Market)
export class MarketResolver {
  @Query(() => MarketConnection, { description: 'Markets and platforms, ordered by code.' })
  async markets(@Args() args: MarketsArgs, @Ctx() ctx: HubContext): Promise<MarketConnection> {
    return new MarketConnection(await listMarkets(ctx.em, args));
  }

  @Query(() => Market, { nullable: true, description: 'One market by code.' })
  market(@Arg('code') code: string, @Ctx() ctx: HubContext): Promise<Market | null> {
    return ctx.em.findOne(Market, { code });
  }

  @FieldResolver(() => Region, { nullable: true })
  region(@Root() market: Market, @Ctx() ctx: HubContext): Promise<Region | null> {
    return ctx.loaders.ref(Region, market.region);
  }
}
