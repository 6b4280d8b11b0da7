import { Args, Ctx, Query, Resolver } from 'type-graphql';
import type { HubContext } from '../graphql/context.js';
import { courierQuality, villageCoverage } from './coverage-quality.service.js';
import { assertOfficialView } from './official-access.js';
import { CourierQuality, CourierQualityArgs, VillageCoverage, VillageCoverageArgs } from './coverage-quality.types.js';
import { onReadReplica } from '../platform/read-replica.js';

@Resolver(() => VillageCoverage)
export class CoverageQualityResolver {
  @Query(() => [VillageCoverage], {
    description: 'Per county: share of administrative villages with a filed village service point and with a delivery in the last 30 days.',
  })
  villageCoverage(@Args() args: VillageCoverageArgs, @Ctx() ctx: HubContext): Promise<VillageCoverage[]> {
    return villageCoverage(onReadReplica(ctx.em), args);
  }

  @Query(() => [CourierQuality], {
    description: 'Per courier: on-time, delay, damage and loss rates of the parcels picked up or delivered in a region over a period.',
  })
  courierQuality(@Args() args: CourierQualityArgs, @Ctx() ctx: HubContext): Promise<CourierQuality[]> {
    assertOfficialView(ctx.viewer, 'Courier quality');
    return courierQuality(onReadReplica(ctx.em), args);
  }
}
