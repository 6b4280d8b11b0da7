import { startTestHub, type TestHub } from '../support/test-hub.js';
import { insertParcels } from './parcel-fixtures.js';

let t: TestHub;
const COUNTY = '140822'; // 万荣县: no seeded logistics network
let villages: string[];
let villageCount: number;

beforeAll(async () => {
  t = await startTestHub();
  villages = (await t.sql<{ code: string }>(`select code from region where level = 'VILLAGE' and code like $1 order by code limit 4`, [`${COUNTY}%`])).map(
    (r) => r.code,
  );
  [{ n: villageCount }] = await t.sql(`select count(*)::int as n from region where level = 'VILLAGE' and code like $1`, [`${COUNTY}%`]);
  const [{ id: courier }] = await t.sql(`select id from courier where code = 'zhongtong'`);
  // Service points: two filed on village 0, one filed on village 1, one still pending on village 2.
  await t.sql(
    `insert into logistics_node (code, name, kind, region_code, operator_id, filing_status)
     values ('cov-0a', 'A', 'VILLAGE_SERVICE_POINT', $1, $5, 'FILED'), ('cov-0b', 'B', 'VILLAGE_SERVICE_POINT', $1, $5, 'FILED'),
            ('cov-1', 'C', 'VILLAGE_SERVICE_POINT', $2, $5, 'FILED'), ('cov-2', 'D', 'VILLAGE_SERVICE_POINT', $3, $5, 'PENDING'),
            ('cov-st', 'E', 'TOWNSHIP_STATION', $4, $5, 'FILED')`,
    [villages[0], villages[1], villages[2], villages[3].slice(0, 9), courier],
  );
  await insertParcels(t, 'coverage-fixture', [
    // Deliveries up to 2025-09-30 count from 2025-09-01 on (30 days).
    {
      key: 'd0',
      direction: 'DOWNSTREAM',
      origin: '110105',
      destination: villages[0],
      pickedUpAt: '2025-09-18T10:00:00+08:00',
      deliveredAt: '2025-09-20T10:00:00+08:00',
      status: 'DELIVERED',
    },
    {
      key: 'd2',
      direction: 'DOWNSTREAM',
      origin: '110105',
      destination: villages[2],
      pickedUpAt: '2025-08-18T10:00:00+08:00',
      deliveredAt: '2025-08-31T23:00:00+08:00',
      status: 'DELIVERED',
    },
    {
      key: 'd3',
      direction: 'DOWNSTREAM',
      origin: '110105',
      destination: villages[3],
      pickedUpAt: '2025-09-29T10:00:00+08:00',
      deliveredAt: '2025-09-30T23:00:00+08:00',
      status: 'DELIVERED',
    },
    // Courier quality, promised times in 2025 (long past).
    {
      key: 'q1',
      direction: 'UPSTREAM',
      origin: villages[1],
      destination: '110105',
      pickedUpAt: '2025-09-02T10:00:00+08:00',
      promisedAt: '2025-09-05T00:00:00+08:00',
      deliveredAt: '2025-09-04T10:00:00+08:00',
    },
    {
      key: 'q2',
      direction: 'UPSTREAM',
      origin: villages[1],
      destination: '110105',
      pickedUpAt: '2025-09-02T10:00:00+08:00',
      promisedAt: '2025-09-05T00:00:00+08:00',
      deliveredAt: '2025-09-06T10:00:00+08:00',
    },
    {
      key: 'q3',
      direction: 'UPSTREAM',
      origin: villages[1],
      destination: '110105',
      status: 'IN_TRANSIT',
      pickedUpAt: '2025-09-02T10:00:00+08:00',
      promisedAt: '2025-09-05T00:00:00+08:00',
    },
    {
      key: 'q4',
      direction: 'UPSTREAM',
      origin: villages[1],
      destination: '110105',
      pickedUpAt: '2025-09-03T10:00:00+08:00',
      promisedAt: '2025-09-06T00:00:00+08:00',
      deliveredAt: '2025-09-05T10:00:00+08:00',
      scans: [{ status: 'EXCEPTION', at: '2025-09-04T10:00:00+08:00', rawCode: '209', rawText: '快件外包装破损' }],
    },
    {
      key: 'q5',
      courier: 'yuantong',
      direction: 'UPSTREAM',
      origin: villages[1],
      destination: '110105',
      status: 'EXCEPTION',
      pickedUpAt: '2025-09-03T10:00:00+08:00',
      promisedAt: '2025-09-06T00:00:00+08:00',
      scans: [{ status: 'EXCEPTION', at: '2025-09-05T10:00:00+08:00', rawCode: '2', rawText: '快件丢失，正在核实' }],
    },
  ]);
});
afterAll(() => t.close());

describe('village coverage', () => {
  it('counts villages with a filed service point and with a delivery in the last 30 days, per county', async () => {
    const res = await t.gql(`{ villageCoverage(region: "${COUNTY}", asOf: "2025-09-30") {
      countyCode countyName villages villagesWithServicePoint servicePointShare villagesWithRecentDelivery recentDeliveryShare } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.villageCoverage).toEqual([
      {
        countyCode: COUNTY,
        countyName: '万荣县',
        villages: villageCount,
        villagesWithServicePoint: 2,
        servicePointShare: 2 / villageCount,
        villagesWithRecentDelivery: 2,
        recentDeliveryShare: 2 / villageCount,
      },
    ]);
    const later = await t.gql(`{ villageCoverage(region: "${COUNTY}", asOf: "2025-10-25") { villagesWithRecentDelivery } }`);
    expect(later.data.villageCoverage[0].villagesWithRecentDelivery).toBe(1);
  });

  it('lists every county of a city', async () => {
    const res = await t.gql(`{ villageCoverage(region: "1408", asOf: "2025-09-30") { countyCode villages } }`);
    const [{ n }] = await t.sql(`select count(distinct left(code, 6))::int as n from region where level = 'VILLAGE' and code like '1408%'`);
    expect(res.data.villageCoverage).toHaveLength(n);
    expect(res.data.villageCoverage.find((c: any) => c.countyCode === COUNTY).villages).toBe(villageCount);
  });
});

describe('courier quality', () => {
  it('gives on-time, delay, damage and loss rates per courier', async () => {
    const res = await t.gql(`{ courierQuality(region: "${COUNTY}", from: "2025-09-01", to: "2025-09-10") {
      courierCode parcels delivered due onTime delayed damaged lost onTimeRate delayRate damageRate lossRate } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.courierQuality).toEqual([
      {
        courierCode: 'yuantong',
        parcels: 1,
        delivered: 0,
        due: 1,
        onTime: 0,
        delayed: 1,
        damaged: 0,
        lost: 1,
        onTimeRate: 0,
        delayRate: 1,
        damageRate: 0,
        lossRate: 1,
      },
      {
        courierCode: 'zhongtong',
        parcels: 4,
        delivered: 3,
        due: 4,
        onTime: 2,
        delayed: 2,
        damaged: 1,
        lost: 0,
        onTimeRate: 0.5,
        delayRate: 0.5,
        damageRate: 0.25,
        lossRate: 0,
      },
    ]);
  });
});
