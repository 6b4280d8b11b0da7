import { startTestHub, subscribe, waitFor, type TestHub } from '../support/test-hub.js';

let t: TestHub;

/** Inserts per-kg price quotes with plain SQL (connector `analytics-fixture`). */
async function prices(
  rows: {
    key: string;
    product: string;
    market: string;
    day: string;
    low?: number;
    avg: number | null;
    high?: number;
    volume?: number | null;
    origin?: string;
    unit?: string;
  }[],
) {
  await t.sql(
    `insert into price_observation (source_connector, source_key, product_id, market_id, origin_region_code, observed_on, raw_name,
                                    low_price, avg_price, high_price, unit, low_per_kg, avg_per_kg, high_per_kg, volume, volume_unit)
     select 'analytics-fixture', r.key, p.id, m.id, r.origin, r.day, p.name, coalesce(r.low, r.avg, 3), coalesce(r.avg, 3), coalesce(r.high, r.avg, 3), r.unit,
            r.low, r.avg, r.high, r.volume, case when r.volume is null then null else 'kg' end
       from jsonb_to_recordset($1::jsonb) as r(key text, product text, market text, day date, low numeric, avg numeric, high numeric, volume numeric, origin text, unit text)
       join product p on p.code = r.product join market m on m.code = r.market`,
    [JSON.stringify(rows.map((r) => ({ unit: '公斤', origin: null, volume: null, low: r.avg, high: r.avg, ...r })))],
  );
}

const SERIES = `query ($filter: PriceSeriesFilter!, $interval: TimeInterval, $splitBy: PriceSplit) {
  priceSeries(filter: $filter, interval: $interval, splitBy: $splitBy) { key label points { bucket low average median high volume observations } }
}`;

/** The pear series at Jincheng: 24 quiet days alternating 4.0 / 4.2 yuan/kg, then a spike and a drop. */
const QUIET = Array.from({ length: 24 }, (_, i) => ({ day: `2025-04-${String(i + 1).padStart(2, '0')}`, avg: i % 2 ? 4.2 : 4.0 }));
const meanSd = (values: number[]) => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
  return { mean, sd };
};

beforeAll(async () => {
  t = await startTestHub();
  await prices([
    { key: 's1', product: 'apple', market: 'beijing-xinfadi', day: '2025-03-03', low: 6, avg: 7, high: 8, volume: 100, origin: '140821' },
    { key: 's2', product: 'apple', market: 'beijing-xinfadi', day: '2025-03-04', low: 7, avg: 8, high: 9, volume: 50, origin: '140821' },
    { key: 's3', product: 'apple', market: 'taiyuan-hexi', day: '2025-03-05', low: 5, avg: 6, high: 7, origin: '140822' },
    { key: 's4', product: 'apple', market: 'beijing-xinfadi', day: '2025-03-10', low: 8, avg: 10, high: 12, volume: 10, origin: '140821' },
    { key: 's5', product: 'apple', market: 'taiyuan-hexi', day: '2025-03-11', low: 6, avg: 7, high: 8, volume: 20, origin: '140822' },
    // Per piece: no per-kg price, so not in the series.
    { key: 's6', product: 'apple', market: 'taiyuan-hexi', day: '2025-03-12', avg: null, unit: '个' },
    ...QUIET.map((q) => ({ key: `q-${q.day}`, product: 'pear', market: 'jincheng-lvxin', day: q.day, avg: q.avg })),
    { key: 'spike', product: 'pear', market: 'jincheng-lvxin', day: '2025-04-25', avg: 6.0 },
    { key: 'calm', product: 'pear', market: 'jincheng-lvxin', day: '2025-04-26', avg: 4.1 },
    { key: 'drop', product: 'pear', market: 'jincheng-lvxin', day: '2025-04-27', avg: 2.5 },
  ]);
  await t.sql(
    `insert into supply_listing (source_connector, source_key, product_id, platform_id, raw_name, seller, origin_region_code, quantity, quantity_unit, available_from)
     select 'analytics-fixture', r.key, p.id, m.id, p.name, 'coop', r.origin, r.qty, r.unit, '2025-05-10'
       from jsonb_to_recordset($1::jsonb) as r(key text, product text, origin text, qty numeric, unit text)
       join product p on p.code = r.product join market m on m.code = 'taobao'`,
    [
      JSON.stringify([
        { key: 'l1', product: 'apple', origin: '140821', qty: 1000, unit: '斤' },
        { key: 'l2', product: 'apple', origin: '140821', qty: 2, unit: '吨' },
        { key: 'l3', product: 'apple', origin: '140822', qty: 300, unit: 'KG' },
        { key: 'l4', product: 'apple', origin: '140822', qty: 50, unit: '箱' },
      ]),
    ],
  );
  await t.sql(
    `insert into sales_record (source_connector, source_key, product_id, raw_name, channel, origin_region_code, period_start, period_end, quantity, quantity_unit, amount, orders)
     select 'analytics-fixture', r.key, p.id, p.name, r.channel::market_channel, r.origin, '2025-05-01', '2025-05-31', r.qty, r.unit, r.amount, r.orders
       from jsonb_to_recordset($1::jsonb) as r(key text, product text, channel text, origin text, qty numeric, unit text, amount numeric, orders int)
       join product p on p.code = r.product`,
    [
      JSON.stringify([
        { key: 'r1', product: 'apple', channel: 'ECOMMERCE_PLATFORM', origin: '140821', qty: 800, unit: 'kg', amount: 6400, orders: 40 },
        { key: 'r2', product: 'apple', channel: 'WHOLESALE_MARKET', origin: '140821', qty: 1, unit: '吨', amount: 5000, orders: 2 },
        { key: 'r3', product: 'apple', channel: 'ECOMMERCE_PLATFORM', origin: '140822', qty: 500, unit: '斤', amount: 2000, orders: 25 },
      ]),
    ],
  );
});
afterAll(() => t.close());

describe('priceSeries', () => {
  const filter = { product: '苹果', from: '2025-03-01', to: '2025-03-31' };

  it('gives low, mean, median, high and volume per week, from per-kg prices only', async () => {
    const res = await t.gql(SERIES, { filter, interval: 'WEEK' });
    expect(res.errors).toBeUndefined();
    expect(res.data.priceSeries).toEqual([
      {
        key: 'all',
        label: 'all',
        points: [
          { bucket: '2025-03-03', low: 5, average: 7, median: 7, high: 9, volume: 150, observations: 3 },
          { bucket: '2025-03-10', low: 6, average: 8.5, median: 8.5, high: 12, volume: 30, observations: 2 },
        ],
      },
    ]);
  });

  it('buckets by month and by day', async () => {
    const month = await t.gql(SERIES, { filter, interval: 'MONTH' });
    expect(month.data.priceSeries[0].points).toEqual([{ bucket: '2025-03-01', low: 5, average: 7.6, median: 7, high: 12, volume: 180, observations: 5 }]);
    const day = await t.gql(SERIES, { filter: { ...filter, to: '2025-03-04' }, interval: 'DAY' });
    expect(day.data.priceSeries[0].points.map((p: any) => [p.bucket, p.median])).toEqual([
      ['2025-03-03', 7],
      ['2025-03-04', 8],
    ]);
  });

  it('compares markets and origins side by side', async () => {
    const markets = await t.gql(SERIES, { filter, interval: 'WEEK', splitBy: 'MARKET' });
    expect(markets.data.priceSeries.map((s: any) => [s.key, s.points.map((p: any) => [p.bucket, p.low, p.average, p.high, p.volume])])).toEqual([
      [
        'beijing-xinfadi',
        [
          ['2025-03-03', 6, 7.5, 9, 150],
          ['2025-03-10', 8, 10, 12, 10],
        ],
      ],
      [
        'taiyuan-hexi',
        [
          ['2025-03-03', 5, 6, 7, 0],
          ['2025-03-10', 6, 7, 8, 20],
        ],
      ],
    ]);
    const origins = await t.gql(SERIES, { filter, interval: 'MONTH', splitBy: 'ORIGIN_COUNTY' });
    expect(origins.data.priceSeries.map((s: any) => [s.key, s.label, s.points[0].median])).toEqual([
      ['140821', '临猗县', 8],
      ['140822', '万荣县', 6.5],
    ]);
    const onlyXinfadi = await t.gql(SERIES, { filter: { ...filter, market: 'beijing-xinfadi', originUnder: '1408' }, interval: 'MONTH' });
    expect(onlyXinfadi.data.priceSeries[0].points[0]).toMatchObject({ observations: 3, median: 8 });
  });

  it('refuses an unknown product and an inverted period', async () => {
    const unknown = await t.gql(SERIES, { filter: { product: 'durian-x' } });
    expect(unknown.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'filter.product' });
    const inverted = await t.gql(SERIES, { filter: { product: 'apple', from: '2025-04-01', to: '2025-03-01' } });
    expect(inverted.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'filter.from' });
  });
});

describe('price anomalies', () => {
  const ANOMALIES = `query ($from: LocalDate!, $to: LocalDate!, $k: Float) {
    priceAnomalies(from: $from, to: $to, product: "pear", market: "jincheng-lvxin", k: $k) { kind day price mean stddev zScore marketCode productName }
  }`;

  it('finds days beyond k rolling standard deviations of the previous 20 days', async () => {
    const res = await t.gql(ANOMALIES, { from: '2025-04-01', to: '2025-04-30' });
    expect(res.errors).toBeUndefined();
    const spikeWindow = meanSd(QUIET.slice(4, 24).map((q) => q.avg)); // the 20 quiet days before the 25th
    const dropWindow = meanSd([...QUIET.slice(6, 24).map((q) => q.avg), 6.0, 4.1]); // the 20 days before the 27th
    const [spike, drop, ...rest] = res.data.priceAnomalies;
    expect(rest).toEqual([]);
    expect(spike).toMatchObject({
      kind: 'PRICE_SPIKE',
      day: '2025-04-25',
      price: 6,
      mean: round(spikeWindow.mean),
      stddev: round(spikeWindow.sd),
      marketCode: 'jincheng-lvxin',
      productName: '梨',
    });
    expect(spike.zScore).toBeCloseTo((6 - spikeWindow.mean) / spikeWindow.sd, 1);
    expect(drop).toMatchObject({ kind: 'PRICE_DROP', day: '2025-04-27', price: 2.5, mean: round(dropWindow.mean), stddev: round(dropWindow.sd) });
    expect(drop.zScore).toBeCloseTo((2.5 - dropWindow.mean) / dropWindow.sd, 1);
    // A looser threshold finds nothing more in the quiet days, a stricter one keeps only the spike.
    const strict = await t.gql(ANOMALIES, { from: '2025-04-01', to: '2025-04-30', k: 9 });
    expect(strict.data.priceAnomalies.map((a: any) => a.kind)).toEqual(['PRICE_SPIKE']);
  });

  it('raises each anomaly once as an alert, live on alertRaised', async () => {
    const live = subscribe(t.ws(), `subscription { alertRaised(kinds: [PRICE_SPIKE, PRICE_DROP]) { kind message product { code } market { code } details } }`);
    await waitFor(async () => (await t.metric('hub_graphql_open_subscriptions')) === 1, 10_000, 'the subscription to be listening');
    const { scanPriceAnomalies } = await import('../../src/analytics/price-anomaly.service.js');
    const scan = await scanPriceAnomalies(t.hub.db.orm.em.fork(), t.hub.pubSub.pubSub, { from: '2025-04-01', to: '2025-04-30', product: 'pear' });
    expect(scan.alertsRaised).toBe(2);
    const first = await live.next();
    expect(first.data.alertRaised).toMatchObject({
      kind: 'PRICE_SPIKE',
      product: { code: 'pear' },
      market: { code: 'jincheng-lvxin' },
      details: { day: '2025-04-25', price: 6 },
    });
    expect(first.data.alertRaised.message).toContain('2025-04-25');
    expect((await live.next()).data.alertRaised).toMatchObject({ kind: 'PRICE_DROP', details: { day: '2025-04-27' } });
    const again = await scanPriceAnomalies(t.hub.db.orm.em.fork(), t.hub.pubSub.pubSub, { from: '2025-04-01', to: '2025-04-30', product: 'pear' });
    expect(again).toMatchObject({ alertsRaised: 0 });
    expect(again.anomalies).toHaveLength(2);
    live.dispose();
  });

  it('scans new prices as they are stored and alerts a spike without being asked', async () => {
    const live = subscribe(t.ws(), `subscription { alertRaised(kinds: [PRICE_SPIKE]) { kind details } }`);
    await waitFor(async () => (await t.metric('hub_graphql_open_subscriptions')) === 1, 10_000, 'the subscription to be listening');
    const { storePrices } = await import('../../src/ingest/price-writer.js');
    await storePrices(t.hub.db.orm.em.fork(), t.hub.pubSub.pubSub, 'analytics-feed', [
      {
        sourceKey: 'new-spike',
        rawName: '梨',
        product: 'pear',
        market: 'jincheng-lvxin',
        observedOn: '2025-04-28',
        avgPrice: 9,
        lowPrice: 9,
        highPrice: 9,
        unit: '公斤',
      } as never,
    ]);
    const event = await live.next(15_000);
    expect(event.data.alertRaised).toMatchObject({ kind: 'PRICE_SPIKE', details: { day: '2025-04-28', price: 9 } });
    live.dispose();
  });
});

describe('supply and sales', () => {
  const SUPPLY = `query ($level: SupplyLevel, $region: String) {
    supplyDemand(regionUnder: $region, level: $level, product: "apple", from: "2025-05-01", to: "2025-05-31") {
      regionCode productCode listings supplyKg salesRecords salesKg salesAmount orders balanceKg sellThrough
    }
  }`;

  it('matches supply against sales per county and product, in kg whatever the unit', async () => {
    const res = await t.gql(SUPPLY, { level: 'COUNTY', region: '1408' });
    expect(res.errors).toBeUndefined();
    expect(res.data.supplyDemand).toEqual([
      {
        regionCode: '140821',
        productCode: 'apple',
        listings: 2,
        supplyKg: 2500,
        salesRecords: 2,
        salesKg: 1800,
        salesAmount: 11400,
        orders: 42,
        balanceKg: 700,
        sellThrough: 0.72,
      },
      {
        regionCode: '140822',
        productCode: 'apple',
        listings: 2,
        supplyKg: 300,
        salesRecords: 1,
        salesKg: 250,
        salesAmount: 2000,
        orders: 25,
        balanceKg: 50,
        sellThrough: 250 / 300,
      },
    ]);
    const city = await t.gql(SUPPLY, { level: 'CITY', region: '14' });
    expect(city.data.supplyDemand).toEqual([
      expect.objectContaining({ regionCode: '1408', listings: 4, supplyKg: 2800, salesKg: 2050, salesAmount: 13400, orders: 67 }),
    ]);
  });

  it('totals sales per channel with their share of the amount', async () => {
    const res = await t.gql(
      `{ salesByChannel(regionUnder: "14", from: "2025-05-01", to: "2025-05-31") { channel records quantityKg amount orders amountShare } }`,
    );
    expect(res.data.salesByChannel).toEqual([
      { channel: 'ECOMMERCE_PLATFORM', records: 2, quantityKg: 1050, amount: 8400, orders: 65, amountShare: round4(8400 / 13400) },
      { channel: 'WHOLESALE_MARKET', records: 1, quantityKg: 1000, amount: 5000, orders: 2, amountShare: round4(5000 / 13400) },
    ]);
  });
});

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
function round4(x: number): number {
  return Math.round(x * 10000) / 10000;
}
