import { Args, Ctx, Query, Resolver } from 'type-graphql';
import type { HubContext } from '../graphql/context.js';
import { salesByChannel, supplyDemand } from './supply-demand.service.js';
import { ChannelSales, SalesByChannelArgs, SupplyDemandArgs, SupplyDemandRow } from './supply-demand.types.js';
import { onReadReplica } from '../platform/read-replica.js';

@Resolver(() => SupplyDemandRow)
export class SupplyDemandResolver {
  @Query(() => [SupplyDemandRow], { description: 'Supply on offer against sales, in kg and yuan, per origin region (province, city or county) and product.' })
  supplyDemand(@Args() args: SupplyDemandArgs, @Ctx() ctx: HubContext): Promise<SupplyDemandRow[]> {
    return supplyDemand(onReadReplica(ctx.em), args);
  }

  @Query(() => [ChannelSales], { description: 'Sales per channel (wholesale, origin market, e-commerce, retail...) from an origin region.' })
  salesByChannel(@Args() args: SalesByChannelArgs, @Ctx() ctx: HubContext): Promise<ChannelSales[]> {
    return salesByChannel(onReadReplica(ctx.em), args);
  }
}
