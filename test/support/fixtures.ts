/** The demo price history in the test template ends on this day, so figures are stable. */
export const TEST_PRICE_END_DATE = '2026-06-30';
/** Days of demo price history in the test template. */
export const TEST_PRICE_DAYS = 30;
