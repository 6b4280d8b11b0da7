import { PriceSeriesResolver } from './price-series.resolver.js';
import { PriceAnomalyResolver } from './price-anomaly.resolver.js';
import { SupplyDemandResolver } from './supply-demand.resolver.js';
import { ParcelStatsResolver } from './parcel-stats.resolver.js';
import { SubsidyReportResolver } from './subsidy-report.resolver.js';
import { CoverageQualityResolver } from './coverage-quality.resolver.js';

/** The officials' analytics (issue #7), registered in src/schema.ts. */
export const analyticsResolvers = [
  PriceSeriesResolver,
  PriceAnomalyResolver,
  SupplyDemandResolver,
  ParcelStatsResolver,
  SubsidyReportResolver,
  CoverageQualityResolver,
] as const;
