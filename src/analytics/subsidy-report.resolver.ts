import { Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { HubContext } from '../graphql/context.js';
import { subsidyParcels, subsidyReport } from './subsidy-report.service.js';
import { assertOfficialView } from './official-access.js';
import { SubsidyParcel, SubsidyParcelsArgs, SubsidyReport, SubsidyReportArgs } from './subsidy-report.types.js';
import { onReadReplica } from '../platform/read-replica.js';

@Resolver(() => SubsidyReport)
export class SubsidyReportResolver {
  @Query(() => SubsidyReport, {
    description:
      'Per-parcel subsidies of a county for a month with the configured rates: eligible upstream and downstream parcels, totals per operating company, and fraud checks against the scans. CSV: `csvPath`.',
  })
  subsidyReport(@Args() args: SubsidyReportArgs, @Ctx() ctx: HubContext): Promise<SubsidyReport> {
    assertOfficialView(ctx.viewer, 'The subsidy report');
    return subsidyReport(onReadReplica(ctx.em), args.county, args.month);
  }

  @FieldResolver(() => [SubsidyParcel], { description: 'The parcels of the report with their checks; flagged ones by default.' })
  parcels(@Root() report: SubsidyReport, @Args() args: SubsidyParcelsArgs, @Ctx() ctx: HubContext): Promise<SubsidyParcel[]> {
    return subsidyParcels(onReadReplica(ctx.em), report.countyCode, report.month, args.only, args.first);
  }
}
