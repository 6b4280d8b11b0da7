import { startTestHub, type TestHub } from '../support/test-hub.js';

let t: TestHub;
beforeAll(async () => {
  // No background work (the delay scan's first tick comes 5 s after start) may be counted as the query's.
  t = await startTestHub({ DELAY_SCAN_INTERVAL_S: '0', PRICE_SERIES_REFRESH_INTERVAL_S: '0' });
  // 200 extra markets, each with three prices of a product with variety and an origin village.
  await t.sql(`
    insert into market (code, name, channel, region_code)
    select 'bench-' || g, '测试市场' || g, 'WHOLESALE_MARKET', '140121' from generate_series(1, 200) g`);
  await t.sql(`
    insert into price_observation (source_connector, source_key, product_id, variety_id, market_id, origin_region_code,
                                   observed_on, raw_name, avg_price, unit)
    select 'sql-count-test', m.code || '-' || d, v.product_id, v.id, m.id,
           (select code from region where level = 'VILLAGE' and code like '140121%' order by code limit 1),
           date '2026-07-01' + d, v.name, 3 + d, '斤'
      from market m
      cross join generate_series(0, 2) d
      cross join lateral (select id, product_id, name from variety order by id limit 1) v
     where m.code like 'bench-%'`);
});
afterAll(() => t.close());

const NESTED = `query ($first: Int!) {
  markets(first: $first, search: "bench-") {
    totalCount
    edges { node {
      code
      prices(first: 3) {
        totalCount
        nodes { avgPrice product { name } variety { name } originRegion { code parent { code parent { name } } } }
      }
    } }
  }
}`;

async function statementsFor(first: number) {
  // The key's lookup is cached for 30 s: refreshed here, so the measured request finds it cached.
  await t.gql('{ viewer { role } }');
  const before = await t.metric('hub_db_statements_total');
  const res = await t.gql(NESTED, { first });
  const after = await t.metric('hub_db_statements_total');
  expect(res.errors).toBeUndefined();
  return { statements: after - before, res };
}

describe('no N+1: markets -> prices -> product -> variety -> origin region -> parent region', () => {
  it('issues the same small number of SQL statements for 10 and for 200 markets', async () => {
    const small = await statementsFor(10);
    const large = await statementsFor(200);
    expect(small.res.data.markets.edges).toHaveLength(10);
    expect(large.res.data.markets.edges).toHaveLength(200);
    const node = large.res.data.markets.edges[199].node;
    expect(node.prices.totalCount).toBe(3);
    expect(node.prices.nodes[0].originRegion.parent.parent.name).toBe('清徐县');
    expect(large.statements).toBe(small.statements);
    // markets page + count, prices + count, products, varieties, and the villages together with
    // their townships and counties (a region is loaded with its ancestors: codes are prefixes)
    expect(large.statements).toBeLessThanOrEqual(7);
  });
});
