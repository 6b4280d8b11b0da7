import { startTestHub, type TestHub } from '../support/test-hub.js';
import pg from 'pg';
import { insertParcels, placesIn } from './parcel-fixtures.js';
import { foldParcelStats } from '../../src/analytics/parcel-stat-fold.js';

let t: TestHub;
let p: Awaited<ReturnType<typeof placesIn>>;
let wanrongVillage: string;

const STATS = `query ($region: String!, $from: LocalDate!, $to: LocalDate!, $groupBy: ParcelGrouping, $direction: ShipmentDirection) {
  parcelStats(region: $region, from: $from, to: $to, groupBy: $groupBy, direction: $direction) {
    total { regionCode parcels upstream downstream farmProductParcels farmProductShare delivered deliveredShare }
    rows { regionCode region { name } parcels upstream downstream farmProductParcels delivered deliveredShare }
  }
}`;

beforeAll(async () => {
  t = await startTestHub();
  p = await placesIn(t, '140821'); // 临猗县
  wanrongVillage = (await placesIn(t, '140822')).villageA1; // 万荣县
  await insertParcels(t, 'stats-fixture', [
    { key: 's1', direction: 'UPSTREAM', origin: p.villageA1, destination: '110105', farm: true, status: 'DELIVERED', pickedUpAt: '2026-06-03T10:00:00+08:00' },
    { key: 's2', direction: 'UPSTREAM', origin: p.townshipA, destination: '110105', farm: true, status: 'IN_TRANSIT', pickedUpAt: '2026-06-05T10:00:00+08:00' },
    { key: 's3', direction: 'UPSTREAM', origin: p.villageB1, destination: '310115', farm: false, status: 'DELIVERED', pickedUpAt: '2026-06-10T10:00:00+08:00' },
    {
      key: 's4',
      direction: 'DOWNSTREAM',
      origin: '310115',
      destination: p.villageA1,
      farm: false,
      status: 'DELIVERED',
      pickedUpAt: '2026-06-11T10:00:00+08:00',
    },
    // 23:30 in Shanxi on 30 June is 15:30 UTC: still June.
    {
      key: 's5',
      direction: 'DOWNSTREAM',
      origin: '310115',
      destination: p.townshipB,
      farm: false,
      status: 'IN_TRANSIT',
      pickedUpAt: '2026-06-30T23:30:00+08:00',
    },
    {
      key: 's6',
      direction: 'UPSTREAM',
      origin: wanrongVillage,
      destination: '110105',
      farm: true,
      status: 'DELIVERED',
      pickedUpAt: '2026-06-12T10:00:00+08:00',
    },
    // 00:30 on 1 July in Shanxi is 30 June in UTC: July, not counted.
    { key: 's7', direction: 'UPSTREAM', origin: p.villageA1, destination: '110105', farm: true, status: 'DELIVERED', pickedUpAt: '2026-07-01T00:30:00+08:00' },
    { key: 's8', direction: 'NONE', origin: p.villageB1, destination: p.villageB1, farm: false, status: 'DELIVERED', pickedUpAt: '2026-06-20T10:00:00+08:00' },
  ]);
});
afterAll(() => t.close());

describe('parcelStats', () => {
  it('counts upstream, downstream, farm-product and delivered parcels per county, with the days of China Standard Time', async () => {
    const res = await t.gql(STATS, { region: '1408', from: '2026-06-01', to: '2026-06-30', groupBy: 'COUNTY' });
    expect(res.errors).toBeUndefined();
    const { total, rows } = res.data.parcelStats;
    expect(total).toEqual({
      regionCode: '1408',
      parcels: 7,
      upstream: 4,
      downstream: 2,
      farmProductParcels: 3,
      farmProductShare: 3 / 7,
      delivered: 5,
      deliveredShare: 5 / 7,
    });
    expect(rows).toEqual([
      { regionCode: '140821', region: { name: '临猗县' }, parcels: 6, upstream: 3, downstream: 2, farmProductParcels: 2, delivered: 4, deliveredShare: 4 / 6 },
      { regionCode: '140822', region: { name: '万荣县' }, parcels: 1, upstream: 1, downstream: 0, farmProductParcels: 1, delivered: 1, deliveredShare: 1 },
    ]);
  });

  it('breaks a county down per township and filters by direction', async () => {
    const byTownship = await t.gql(STATS, { region: '140821', from: '2026-06-01', to: '2026-06-30', groupBy: 'TOWNSHIP' });
    expect(byTownship.data.parcelStats.rows.map((r: any) => [r.regionCode, r.parcels, r.upstream, r.downstream])).toEqual([
      [p.townshipA, 3, 2, 1],
      [p.townshipB, 3, 1, 1],
    ]);
    const upstream = await t.gql(STATS, { region: '14', from: '2026-06-01', to: '2026-07-31', groupBy: 'CITY', direction: 'UPSTREAM' });
    expect(upstream.data.parcelStats.rows).toEqual([
      expect.objectContaining({ regionCode: '1408', parcels: 5, upstream: 5, downstream: 0, farmProductParcels: 4 }),
    ]);
  });

  it('follows updates and deletes of parcels at once (rollup maintained by triggers)', async () => {
    await t.sql(`update shipment set status = 'DELIVERED' where source_connector = 'stats-fixture' and source_key = 's2'`);
    await t.sql(`update shipment set picked_up_at = '2026-07-02T10:00:00+08:00' where source_connector = 'stats-fixture' and source_key = 's3'`);
    await t.sql(`delete from shipment where source_connector = 'stats-fixture' and source_key = 's6'`);
    const res = await t.gql(STATS, { region: '1408', from: '2026-06-01', to: '2026-06-30', groupBy: 'COUNTY' });
    expect(res.data.parcelStats.rows).toEqual([
      expect.objectContaining({ regionCode: '140821', parcels: 5, upstream: 2, downstream: 2, farmProductParcels: 2, delivered: 4 }),
    ]);
    // The rollup agrees with a count over the parcels themselves.
    const [direct] = await t.sql(
      `select count(*)::int as n from shipment where source_connector = 'stats-fixture' and origin_region_code like '140821%' and direction = 'UPSTREAM'
          and (picked_up_at at time zone 'Asia/Shanghai')::date between '2026-06-01' and '2026-06-30'`,
    );
    expect(direct.n).toBe(2);
  });

  it('folds the counts the triggers appended into the rollup without changing a figure, once even when two folds run at once', async () => {
    const before = await t.gql(STATS, { region: '1408', from: '2026-06-01', to: '2026-06-30', groupBy: 'TOWNSHIP' });
    // (The hub's own fold job may run meanwhile: what holds whatever it does is asserted, not who folded what.)
    // One fold inside an open transaction, a second one at the same time: it waits, then finds nothing left to fold.
    const first = new pg.Client({ connectionString: t.databaseUrl });
    await first.connect();
    try {
      await first.query('begin');
      await first.query('select parcel_daily_stat_fold()');
      const second = foldParcelStats(t.hub.db.orm.em.fork());
      await first.query('commit');
      expect(await second).toBe(0);
    } finally {
      await first.end();
    }
    expect(await t.sql(`select count(*)::int as n from parcel_daily_stat_delta`)).toEqual([{ n: 0 }]);
    const after = await t.gql(STATS, { region: '1408', from: '2026-06-01', to: '2026-06-30', groupBy: 'TOWNSHIP' });
    expect(after.data).toEqual(before.data);
  });

  it('refuses a grouping above the region and an inverted period, naming the argument', async () => {
    const above = await t.gql(STATS, { region: '140821', from: '2026-06-01', to: '2026-06-30', groupBy: 'CITY' });
    expect(above.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'groupBy' });
    const inverted = await t.gql(STATS, { region: '14', from: '2026-07-01', to: '2026-06-01' });
    expect(inverted.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'from' });
    const badRegion = await t.gql(STATS, { region: '1408x', from: '2026-06-01', to: '2026-06-30' });
    expect(badRegion.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'region' });
  });
});
