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

/** The product picker: Chinese name, alias, variety or code containing the typed text. */
export const PRODUCT_SEARCH = `query DashboardProductSearch($search: String!) {
  products(search: $search, first: 50) { nodes { code name nameEn aliases varieties { name aliases } } }
}`;

/** Who the stored key is: the role decides what the dashboard may show (OFFICIAL data). */
export const VIEWER = `query DashboardViewer {
  viewer { role organisation credential }
}`;

export const PRICE_ANOMALIES = `query DashboardPriceAnomalies($from: LocalDate!, $to: LocalDate!, $product: String) {
  priceAnomalies(from: $from, to: $to, product: $product) { kind day productName varietyName marketCode marketName price mean stddev zScore change }
}`;

export const COURIER_QUALITY = `query DashboardCourierQuality($from: LocalDate!, $to: LocalDate!) {
  courierQuality(region: "14", from: $from, to: $to) {
    courierCode courierName parcels delivered due onTime delayed damaged lost onTimeRate delayRate damageRate lossRate
  }
}`;

/** The map: parcels and coverage of every Shanxi county in one request. */
export const COUNTY_MAP = `query DashboardCountyMap($from: LocalDate!, $to: LocalDate!) {
  parcelStats(region: "14", groupBy: COUNTY, from: $from, to: $to) { rows { regionCode parcels upstream downstream } }
  villageCoverage(region: "14") { countyCode countyName villages servicePointShare recentDeliveryShare }
}`;

export const REVIEW_QUEUE = `query DashboardReviewQueue($after: String) {
  unmatchedNames(first: 20, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes {
      rawName normalised count connectors examples firstSeenAt lastSeenAt
      candidates { product { code name } variety { name } score rule evidence }
    }
  }
}`;

export const REVIEW_DECISIONS = `query DashboardReviewDecisions {
  relinks(first: 20, kind: "PRODUCT") { raw actor relinkedAt product { name } previousProduct { name } }
}`;

export const ACCEPT_MATCH = `mutation DashboardAcceptMatch($input: AcceptMatchInput!) {
  acceptMatch(input: $input) { relinked entry { rawName status } }
}`;

export const DISMISS_NAME = `mutation DashboardDismissName($rawName: String!) {
  dismissUnmatchedName(rawName: $rawName) { rawName status }
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

/** Sent as a GraphQL multipart request (the file in `$file`), see api.ts `uploadFile`. */
export const IMPORT_SPREADSHEET = `mutation DashboardImportSpreadsheet($file: Upload!) {
  importSpreadsheet(file: $file) {
    status error fileName bytes durationMs
    counts { read stored duplicates rejected unmatched }
    rejections { position field reason }
    unmatchedNames { name rows }
  }
}`;

/** All of them, for the manifest. */
export const dashboardOperations: readonly string[] = [
  PRICE_TREND,
  PRODUCT_SEARCH,
  VIEWER,
  COUNTY_PARCELS,
  SUBSIDY_SUMMARY,
  VILLAGE_COVERAGE,
  RECENT_ALERTS,
  LIVE_ALERTS,
  PRICE_ANOMALIES,
  COURIER_QUALITY,
  COUNTY_MAP,
  REVIEW_QUEUE,
  REVIEW_DECISIONS,
  ACCEPT_MATCH,
  DISMISS_NAME,
  IMPORT_SPREADSHEET,
];
