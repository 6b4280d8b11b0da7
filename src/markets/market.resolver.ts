import { Arg, Args, Ctx, FieldResolver, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { ConnectionType } from '../relay/connection.type.js';
import { DEFAULT_PAGE_SIZE } from '../relay/connection.args.js';
import type { HubContext } from '../graphql/context.js';
import { Region } from '../regions/region.entity.js';
import { PriceObservationConnection } from '../pricing/price.resolver.js';
import { MarketPricesArgs, PriceOrder } from '../pricing/price.args.js';
import { PRICE_ORDERINGS, countPricesByMarket, latestPricesByMarket, listPrices } from '../pricing/price.service.js';
import { firstPage } from '../relay/paginate.js';
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

  /**
   * The newest prices of this market. The first page of every market in a
   * list is loaded in one statement (and counted in one more), so a list of
   * 10 or 200 markets costs the same number of queries.
   */
  @FieldResolver(() => PriceObservationConnection, { description: 'Prices observed at this market, newest first.' })
  async prices(@Root() market: Market, @Args() args: MarketPricesArgs, @Ctx() ctx: HubContext): Promise<PriceObservationConnection> {
    const filter = { ...args.filter, market: undefined };
    if (args.after != null || args.before != null || args.last != null) {
      return new PriceObservationConnection(
        await listPrices(ctx.em, { ...args, filter: { ...filter, market: market.code }, orderBy: PriceOrder.OBSERVED_ON_DESC }),
      );
    }
    const first = args.first ?? DEFAULT_PAGE_SIZE;
    const key = JSON.stringify({ first, filter });
    const rows = await ctx.loaders
      .custom(`market.prices:${key}`, (ids: readonly number[]) => latestPricesByMarket(ctx.em, ids, first + 1, filter))
      .load(market.id);
    const count = () =>
      ctx.loaders
        .custom(`market.priceCount:${JSON.stringify(filter)}`, (ids: readonly number[]) => countPricesByMarket(ctx.em, ids, filter))
        .load(market.id);
    return new PriceObservationConnection(firstPage(rows, first, PRICE_ORDERINGS[PriceOrder.OBSERVED_ON_DESC], count));
  }
}
