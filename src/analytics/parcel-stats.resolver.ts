import { Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { HubContext } from '../graphql/context.js';
import { Region } from '../regions/region.entity.js';
import { parcelStats } from './parcel-stats.service.js';
import { ParcelStats, ParcelStatsArgs, ParcelStatsRow } from './parcel-stats.types.js';
import { onReadReplica } from '../platform/read-replica.js';

@Resolver(() => ParcelStatsRow)
export class ParcelStatsResolver {
  @Query(() => ParcelStats, {
    description:
      'Rural upstream/downstream parcels per city, county or township of a region over a period, with farm-product and delivered shares (from the daily rollup).',
  })
  parcelStats(@Args() args: ParcelStatsArgs, @Ctx() ctx: HubContext): Promise<ParcelStats> {
    return parcelStats(onReadReplica(ctx.em), args);
  }

  @FieldResolver(() => Region, { nullable: true })
  region(@Root() row: ParcelStatsRow, @Ctx() ctx: HubContext): Promise<Region | null> {
    return ctx.loaders.byKey(Region, row.regionCode);
  }
}
