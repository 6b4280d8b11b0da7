import { startTestHub, type TestHub } from '../support/test-hub.js';

/**
 * Issue #11: /metrics was public and labelled series with the client's
 * operation name, unbounded (three requests with 20 KB names grew it from 20 KB
 * to 860 KB). Now it is behind an ADMIN key or METRICS_TOKEN (or alone on
 * METRICS_PORT), and operation names come from a bounded set.
 */
const METRICS_TOKEN = 'metrics-scraper-token-0123456789';
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ METRICS_TOKEN, METRICS_MAX_OPERATION_NAMES: '3' });
});
afterAll(() => t.close());

const scrape = (headers: Record<string, string> = {}) => fetch(`${t.url}/metrics`, { headers });

describe('/metrics behind a key', () => {
  it('refuses anonymous callers (even in demo mode) with 401 and non-admin keys with 403', async () => {
    const anonymous = await scrape();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect(await anonymous.text()).not.toContain('hub_graphql_requests_total');
    const official = await t.createKey({ role: 'OFFICIAL' });
    expect((await scrape({ authorization: `Bearer ${official}` })).status).toBe(403);
    expect((await scrape({ authorization: 'Bearer wrong-token-of-some-length' })).status).toBe(401);
  });

  it('serves an ADMIN key and the METRICS_TOKEN', async () => {
    expect((await scrape({ authorization: `Bearer ${t.adminKey}` })).status).toBe(200);
    const res = await scrape({ authorization: `Bearer ${METRICS_TOKEN}` });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('hub_graphql_requests_total');
  });

  it('on METRICS_PORT: served there without a key, and not at all on the main port', async () => {
    const own = await startTestHub({ METRICS_PORT: '0' });
    try {
      expect(own.hub.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(own.hub.metricsUrl).not.toContain(`:${own.hub.port}/`);
      const res = await fetch(own.hub.metricsUrl!);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('hub_db_statements_total');
      expect((await fetch(`${own.url}/metrics`, { headers: { authorization: `Bearer ${own.adminKey}` } })).status).toBe(404);
    } finally {
      await own.close();
    }
  });
});

describe('bounded labels', () => {
  it('keeps a bounded set of operation names: over-long, invalid and later names fold into "other"', async () => {
    const before = (await (await scrape({ authorization: `Bearer ${METRICS_TOKEN}` })).text()).length;
    for (let i = 0; i < 3; i++) await t.gql(`query Q${i}${'x'.repeat(20_000)} { viewer { role } }`);
    for (const name of ['First', 'Second', 'Third', 'Fourth', 'Fifth']) await t.gql(`query ${name} { viewer { role } }`);
    const text = await (await scrape({ authorization: `Bearer ${METRICS_TOKEN}` })).text();
    expect(text).not.toContain('xxxxxxxxxx');
    const operations = new Set([...text.matchAll(/hub_graphql_requests_total\{operation="([^"]*)"/g)].map((m) => m[1]));
    expect(operations).toEqual(new Set(['anonymous', 'First', 'Second', 'Third', 'other']));
    // The test hub's own warm-up query is anonymous; whatever came before, the size grew by a few series only.
    expect(text.length - before).toBeLessThan(20_000);
  });
});
