/**
 * Every GraphQL document the dashboard sends, named, in one place: the
 * persisted-operation manifest (schema/persisted-operations.json, `npm run
 * documents:generate`) is generated from this module, so the dashboard keeps
 * working on a hub that runs only trusted documents (TRUSTED_DOCUMENTS=only).
 * A test fails when this file and the committed manifest drift apart.
 */
export const PRICE_TREND = `query DashboardPriceTrend($filter: PriceSeriesFilter!, $interval: TimeInterval) {
  priceSeries(filter: $filter, interval: $interval) { label points { bucket low average median high volume observations } }
}`;

export const PRODUCT_NAMES = `query DashboardProductNames {
  products(first: 200) { nodes { code name } }
}`;

export const COUNTY_PARCELS = `query DashboardCountyParcels($from: LocalDate!, $to: LocalDate!) {
  parcelStats(region: "14", groupBy: COUNTY, from: $from, to: $to) {
    rows { regionCode region { name } parcels upstream downstream farmProductShare deliveredShare }
  }
}`;

export const SUBSIDY_SUMMARY = `query DashboardSubsidySummary($county: String!, $month: String!) {
  subsidyReport(county: $county, month: $month) {
    rates { upstream downstream } totalAmount csvPath
    upstream { parcels eligible flagged amount } downstream { parcels eligible flagged amount }
    byCourier { courierName amount upstream { eligible flagged } downstream { eligible flagged } }
  }
}`;

export const VILLAGE_COVERAGE = `query DashboardVillageCoverage {
  villageCoverage(region: "14") { countyName villages villagesWithServicePoint servicePointShare recentDeliveryShare }
}`;

export const RECENT_ALERTS = `query DashboardRecentAlerts {
  alerts(first: 10) { nodes { kind severity message raisedAt } }
}`;

export const LIVE_ALERTS = `subscription DashboardLiveAlerts {
  alertRaised { kind severity message raisedAt }
}`;

/** All of them, for the manifest. */
export const dashboardOperations: readonly string[] = [PRICE_TREND, PRODUCT_NAMES, COUNTY_PARCELS, SUBSIDY_SUMMARY, VILLAGE_COVERAGE, RECENT_ALERTS, LIVE_ALERTS];
