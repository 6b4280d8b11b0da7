import { Args, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '../policy/role.js';
import type { HubContext } from '../graphql/context.js';
import { findPriceAnomalies, scanPriceAnomalies } from './price-anomaly.service.js';
import { DetectPriceAnomaliesArgs, PriceAnomaly, PriceAnomalyScan } from './price-anomaly.types.js';
import { onReadReplica } from '../platform/read-replica.js';

@Resolver(() => PriceAnomaly)
export class PriceAnomalyResolver {
  @Query(() => [PriceAnomaly], { description: 'Days whose price lies beyond k rolling standard deviations of the previous days (no alert raised).' })
  priceAnomalies(@Args() args: DetectPriceAnomaliesArgs, @Ctx() ctx: HubContext): Promise<PriceAnomaly[]> {
    return findPriceAnomalies(onReadReplica(ctx.em), args);
  }

  @Authorized(Role.OFFICIAL)
  @Mutation(() => PriceAnomalyScan, {
    description:
      'Scans a period for price anomalies and raises a PRICE_SPIKE or PRICE_DROP alert (alertRaised) for each one not alerted before. New prices are scanned automatically; this re-scans on demand, e.g. with another k. OFFICIAL or ADMIN.',
  })
  detectPriceAnomalies(@Args() args: DetectPriceAnomaliesArgs, @Ctx() ctx: HubContext): Promise<PriceAnomalyScan> {
    return scanPriceAnomalies(ctx.em, ctx.pubSub, args);
  }
}
