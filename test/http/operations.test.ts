import { startTestHub, type TestHub } from '../support/test-hub.js';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t.close());

describe('operations endpoints', () => {
  it('/healthz says the process is up and /readyz that the database is reachable and migrated', async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
  });

  it('/metrics speaks Prometheus: requests by operation, errors by code, subscriptions, pool, event-loop lag', async () => {
    await t.gql(`query CountRegions { regions(first: 1) { totalCount } }`);
    await t.gql(`{ regions(under: "x") { totalCount } }`);
    const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.adminKey}` } });
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/hub_graphql_requests_total\{operation="CountRegions",type="query"\} 1/);
    expect(text).toMatch(/hub_graphql_request_duration_seconds_bucket\{le="[^"]+",operation="CountRegions"/);
    expect(text).toMatch(/hub_graphql_errors_total\{code="BAD_USER_INPUT"\} 1/);
    expect(text).toContain('hub_graphql_open_subscriptions 0');
    expect(text).toMatch(/hub_db_pool_connections\{state="total"\}/);
    expect(text).toContain('hub_nodejs_eventloop_lag_seconds');
  });

  it('serves GraphiQL at /graphiql from local assets only, and / points to it', async () => {
    const page = await (await fetch(`${t.url}/graphiql`)).text();
    expect(page).toContain('GraphiQL');
    const sources = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources.length).toBeGreaterThanOrEqual(5);
    for (const src of sources) {
      expect(src.startsWith('/assets/vendor/')).toBe(true);
      const asset = await fetch(`${t.url}${src}`);
      expect(asset.status).toBe(200);
    }
    expect(await (await fetch(`${t.url}/`)).text()).toContain('href="/graphiql"');
    expect((await fetch(`${t.url}/assets/vendor/package.json`)).status).toBe(404);
  });

  it('answers an oversized body with 413 and a malformed one with 400, in GraphQL error shape', async () => {
    const big = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ regions(first: 1) { totalCount } }`, padding: 'x'.repeat(3 * 1024 * 1024) }),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as any).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    const malformed = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('masks unexpected errors and never sends a stack trace', async () => {
    const res = await t.gql(`{ regions(first: 1) { totalCount } }`);
    expect(JSON.stringify(res)).not.toContain('stacktrace');
  });
});
