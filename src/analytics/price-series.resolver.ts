import { Args, Ctx, Query, Resolver } from 'type-graphql';
import type { HubContext } from '../graphql/context.js';
import { priceSeries } from './price-series.service.js';
import { PriceSeries, PriceSeriesArgs } from './price-series.types.js';
import { onReadReplica } from '../platform/read-replica.js';

@Resolver(() => PriceSeries)
export class PriceSeriesResolver {
  @Query(() => [PriceSeries], {
    description:
      'Price trend of a product (yuan/kg): low, mean, median, high and volume per day, week or month; split per market, origin or variety to compare.',
  })
  priceSeries(@Args() args: PriceSeriesArgs, @Ctx() ctx: HubContext): Promise<PriceSeries[]> {
    return priceSeries(onReadReplica(ctx.em), args);
  }
}
