import { startTestHub, type TestHub } from '../support/test-hub.js';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t.close());

const RECORD = `mutation ($input: RecordPricesInput!) {
  recordPriceObservations(input: $input) { stored duplicates observations { sourceKey: source { key } avgPrice avgPerKg unit product { code } variety { name } } }
}`;

const quote = (key: string, over: Record<string, unknown> = {}) => ({
  sourceKey: key,
  rawName: '红富士',
  product: 'apple',
  variety: '红富士',
  market: 'beijing-xinfadi',
  originRegion: '140821',
  originText: '山西运城临猗',
  observedOn: '2026-07-01',
  lowPrice: 3,
  avgPrice: 3.5,
  highPrice: 4,
  unit: '斤',
  ...over,
});

describe('recording prices', () => {
  it('stores a batch, converts 斤 to per-kg and keeps per-piece prices unconverted', async () => {
    const res = await t.gql(RECORD, {
      input: {
        connector: 'test-feed',
        observations: [
          quote('a1'),
          quote('a2', { originRegion: '140121', originText: '清徐', observedOn: '2026-07-02', avgPrice: 3.0, lowPrice: 2.5, highPrice: 3.2 }),
          quote('a3', { originRegion: '140821100', observedOn: '2026-07-03', unit: '个', lowPrice: null, highPrice: null, avgPrice: 1.2 }),
        ],
      },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.recordPriceObservations.stored).toBe(3);
    const [a1, , a3] = res.data.recordPriceObservations.observations;
    expect(a1).toMatchObject({ avgPrice: 3.5, avgPerKg: 7, unit: '斤', product: { code: 'apple' }, variety: { name: '红富士' } });
    expect(a3).toMatchObject({ unit: '个', avgPerKg: null });
  });

  it('stores nothing twice when a batch is sent again', async () => {
    // A quote is identified by its source key and its day (prices are partitioned by month of the day quoted).
    const again = [
      quote('a1'),
      quote('a2', { originRegion: '140121', originText: '清徐', observedOn: '2026-07-02', avgPrice: 3.0, lowPrice: 2.5, highPrice: 3.2 }),
    ];
    const res = await t.gql(RECORD, { input: { connector: 'test-feed', observations: again } });
    expect(res.data.recordPriceObservations).toMatchObject({ stored: 0, duplicates: 2, observations: [] });
    const [{ n }] = await t.sql(`select count(*)::int as n from price_observation where source_connector = 'test-feed'`);
    expect(n).toBe(3);
  });

  it('rejects the whole batch, naming the record and field, when one record is wrong', async () => {
    const res = await t.gql(RECORD, {
      input: { connector: 'test-feed', observations: [quote('b1'), quote('b2', { market: 'no-such-market' })] },
    });
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'observations[1].market' });
    const [{ n }] = await t.sql(`select count(*)::int as n from price_observation where source_key in ('b1', 'b2')`);
    expect(n).toBe(0);
  });

  it('validates inputs at the edge: prices, dates and region codes', async () => {
    const bad = await t.gql(RECORD, { input: { connector: 'test-feed', observations: [quote('c1', { lowPrice: 5, avgPrice: 3 })] } });
    expect(bad.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    const badRegion = await t.gql(RECORD, { input: { connector: 'test-feed', observations: [quote('c2', { originRegion: '14012' })] } });
    expect(badRegion.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    expect(badRegion.errors![0].message).toContain('originRegion');
  });
});

describe('querying prices', () => {
  const PRICES = `query ($filter: PriceFilter, $first: Int, $after: String, $orderBy: PriceOrder) {
    prices(filter: $filter, first: $first, after: $after, orderBy: $orderBy) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { observedOn avgPrice originRegion { code } source { connector key } }
    }
  }`;

  it('filters by product and origin subtree (a county covers its townships)', async () => {
    const res = await t.gql(PRICES, { filter: { product: 'apple', originUnder: '140821', connector: 'test-feed' }, first: 10 });
    expect(res.errors).toBeUndefined();
    expect(res.data.prices.totalCount).toBe(2);
    expect(res.data.prices.nodes.map((n: any) => n.source.key)).toEqual(['a3', 'a1']);
    expect(res.data.prices.nodes.map((n: any) => n.originRegion.code)).toEqual(['140821100', '140821']);
  });

  it('pages with cursors in the asked order', async () => {
    const filter = { product: '苹果', connector: 'test-feed' };
    const first = await t.gql(PRICES, { filter, first: 2, orderBy: 'OBSERVED_ON_ASC' });
    expect(first.data.prices.nodes.map((n: any) => n.observedOn)).toEqual(['2026-07-01', '2026-07-02']);
    expect(first.data.prices.pageInfo.hasNextPage).toBe(true);
    const second = await t.gql(PRICES, { filter, first: 2, orderBy: 'OBSERVED_ON_ASC', after: first.data.prices.pageInfo.endCursor });
    expect(second.data.prices.nodes.map((n: any) => n.observedOn)).toEqual(['2026-07-03']);
    expect(second.data.prices.pageInfo.hasNextPage).toBe(false);
  });

  it('filters by date range and refuses an inverted one', async () => {
    const res = await t.gql(PRICES, { filter: { connector: 'test-feed', from: '2026-07-02', to: '2026-07-02' } });
    expect(res.data.prices.totalCount).toBe(1);
    const bad = await t.gql(PRICES, { filter: { from: '2026-07-03', to: '2026-07-01' } });
    expect(bad.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'filter.from' });
  });

  it('serves the seeded demo history by product and market', async () => {
    const res = await t.gql(PRICES, { filter: { market: 'beijing-xinfadi', connector: 'demo-generator' }, first: 5 });
    expect(res.errors).toBeUndefined();
    expect(res.data.prices.totalCount).toBeGreaterThan(100);
  });
});
