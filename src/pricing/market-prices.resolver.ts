import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { HubContext } from '../graphql/context.js';
import { DEFAULT_PAGE_SIZE } from '../relay/connection.args.js';
import { firstPage } from '../relay/paginate.js';
import { Market } from '../markets/market.entity.js';
import { PriceObservationConnection } from './price.resolver.js';
import { MarketPricesArgs, PriceOrder } from './price.args.js';
import { PRICE_ORDERINGS, countPricesByMarket, latestPricesByMarket, listPrices } from './price.service.js';

/** `Market.prices`: pricing extends the market type (markets know nothing of prices). */
@Resolver(() => Market)
export class MarketPricesResolver {
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
      ctx.loaders.custom(`market.priceCount:${JSON.stringify(filter)}`, (ids: readonly number[]) => countPricesByMarket(ctx.em, ids, filter)).load(market.id);
    return new PriceObservationConnection(firstPage(rows, first, PRICE_ORDERINGS[PriceOrder.OBSERVED_ON_DESC], count));
  }
}
