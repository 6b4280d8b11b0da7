/** The demo price history in the test template ends on this day, so figures are stable. */
export const TEST_PRICE_END_DATE = '2026-06-30';
/** Days of demo price history in the test template. */
export const TEST_PRICE_DAYS = 30;
/** SECRETS_KEY of test hubs (issue #11: courier webhook secrets are sealed with it). Test-only, public. */
export const TEST_SECRETS_KEY = Buffer.alloc(32, 0x11).toString('base64');
