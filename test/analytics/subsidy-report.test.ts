import { startTestHub, type TestHub } from '../support/test-hub.js';
import { insertParcels, placesIn, type FixtureParcel } from './parcel-fixtures.js';

let t: TestHub;

const REPORT = `query ($county: String!, $month: String!, $only: SubsidyParcelSelection, $first: Int) {
  subsidyReport(county: $county, month: $month) {
    countyCode month csvPath rates { upstream downstream }
    upstream { parcels eligible flagged amount }
    downstream { parcels eligible flagged amount }
    totalAmount
    byCourier { courierCode upstream { parcels eligible flagged amount } downstream { parcels eligible flagged amount } amount }
    parcels(only: $only, first: $first) { trackingNumber courierCode direction day eligible amount flags reasons }
  }
}`;

/** Expected flags of each planted fraud case, by tracking number. */
const FRAUD: Record<string, string[]> = {
  'DUP-001': ['DUPLICATE_TRACKING_NUMBER'],
  'F-NOPICKUP': ['MISSING_PICKUP_SCAN'],
  'F-NODELIVERY': ['MISSING_DELIVERY_SCAN'],
  'F-BACKWARDS': ['DELIVERED_BEFORE_PICKUP'],
  'F-TOOFAST': ['FASTER_THAN_DISTANCE_ALLOWS'],
  'F-HEAVY': ['WEIGHT_OUT_OF_RANGE'],
  'F-NOWEIGHT': ['WEIGHT_OUT_OF_RANGE'],
  'DF-BACKWARDS': ['DELIVERED_BEFORE_PICKUP'],
  ...Object.fromEntries([1, 2, 3, 4, 5, 6].map((i) => [`F-PHONE-${i}`, ['MANY_PARCELS_TO_ONE_PHONE']])),
};
const CLEAN_ELIGIBLE = ['C-1', 'C-2', 'C-3', 'P5-1', 'P5-2', 'P5-3', 'P5-4', 'P5-5', 'D-1', 'D-2'];
const HONEST_INELIGIBLE: Record<string, string[]> = {
  'N-NOTFARM': ['NOT_FARM_PRODUCT'],
  'N-LOCAL': ['DESTINATION_INSIDE_COUNTY'],
  'N-TRANSIT': ['NOT_DELIVERED'],
  'N-OFFLINE': ['NOT_SOLD_ONLINE'],
};

beforeAll(async () => {
  t = await startTestHub();
  const p = await placesIn(t, '140821'); // 临猗县
  const elsewhere = (await placesIn(t, '140822')).villageA1;
  // A clean upstream parcel: farm product sold on Taobao, picked up in a village of the county at 10:00,
  // delivered in Beijing 30 hours later, 2 kg, its own recipient.
  let n = 0;
  const up = (tn: string, day: string, over: Partial<FixtureParcel> = {}): FixtureParcel => ({
    key: tn,
    trackingNumber: tn,
    direction: 'UPSTREAM',
    origin: p.villageA1,
    destination: '110105',
    phone: `1380000${String(++n).padStart(4, '0')}`,
    pickedUpAt: `${day}T10:00:00+08:00`,
    deliveredAt: `${day}T16:00:00Z`,
    status: 'DELIVERED',
    scans: [
      { status: 'PICKED_UP', at: `${day}T10:00:00+08:00`, area: p.villageA1 },
      { status: 'DELIVERED', at: `${day}T16:00:00Z`, area: '110105' },
    ],
    ...over,
  });
  // A clean downstream parcel: from Shanghai to a village of the county in 40 hours.
  const down = (tn: string, day: string, over: Partial<FixtureParcel> = {}): FixtureParcel => ({
    key: tn,
    trackingNumber: tn,
    direction: 'DOWNSTREAM',
    origin: '310115',
    destination: p.villageA2,
    farm: false,
    platform: 'jd',
    phone: `1390000${String(++n).padStart(4, '0')}`,
    pickedUpAt: `${day}T08:00:00+08:00`,
    status: 'DELIVERED',
    scans: [
      { status: 'PICKED_UP', at: `${day}T08:00:00+08:00`, area: '310115' },
      { status: 'DELIVERED', at: `${day}T16:00:00Z`, area: p.villageA2 },
    ],
    ...over,
  });
  const parcels: FixtureParcel[] = [
    up('C-1', '2026-06-02'),
    up('C-2', '2026-06-03'),
    up('C-3', '2026-06-04', { courier: 'youzhengguonei' }),
    // Five parcels to one phone on one day is still allowed (the limit is more than five).
    ...[1, 2, 3, 4, 5].map((i) => up(`P5-${i}`, '2026-06-16', { phone: '13900000005' })),
    down('D-1', '2026-06-05', { courier: 'youzhengguonei' }),
    down('D-2', '2026-06-06'),
    // Honest but not eligible.
    up('N-NOTFARM', '2026-06-07', { farm: false }),
    up('N-LOCAL', '2026-06-07', {
      destination: p.villageB1,
      scans: [
        { status: 'PICKED_UP', at: '2026-06-07T10:00:00+08:00', area: p.villageA1 },
        { status: 'DELIVERED', at: '2026-06-07T15:00:00+08:00', area: p.villageB1 },
      ],
    }),
    up('N-TRANSIT', '2026-06-28', {
      status: 'IN_TRANSIT',
      deliveredAt: null,
      scans: [{ status: 'PICKED_UP', at: '2026-06-28T10:00:00+08:00', area: p.villageA1 }],
    }),
    up('N-OFFLINE', '2026-06-08', { platform: null }),
    // Planted fraud.
    up('DUP-001', '2026-06-09'),
    up('DUP-001', '2026-06-10', { key: 'DUP-001-b', courier: 'yuantong' }),
    up('F-NOPICKUP', '2026-06-11', { scans: [{ status: 'DELIVERED', at: '2026-06-12T16:00:00Z', area: '110105' }] }),
    up('F-NODELIVERY', '2026-06-12', { scans: [{ status: 'PICKED_UP', at: '2026-06-12T10:00:00+08:00', area: p.villageA1 }] }),
    up('F-BACKWARDS', '2026-06-13', {
      scans: [
        { status: 'PICKED_UP', at: '2026-06-13T10:00:00+08:00', area: p.villageA1 },
        { status: 'DELIVERED', at: '2026-06-13T08:00:00+08:00', area: '110105' },
      ],
    }),
    up('F-TOOFAST', '2026-06-14', {
      scans: [
        { status: 'PICKED_UP', at: '2026-06-14T10:00:00+08:00', area: p.villageA1 },
        { status: 'DELIVERED', at: '2026-06-14T13:00:00+08:00', area: '110105' },
      ],
    }),
    ...[1, 2, 3, 4, 5, 6].map((i) => up(`F-PHONE-${i}`, '2026-06-15', { phone: '13800009999' })),
    up('F-HEAVY', '2026-06-17', { weightKg: 80 }),
    up('F-NOWEIGHT', '2026-06-18', { weightKg: null }),
    down('DF-BACKWARDS', '2026-06-19', {
      scans: [
        { status: 'PICKED_UP', at: '2026-06-20T08:00:00+08:00', area: '310115' },
        { status: 'DELIVERED', at: '2026-06-19T16:00:00Z', area: p.villageA2 },
      ],
    }),
    // Not in the report: picked up on 1 July (China Standard Time), and in another county.
    up('X-JULY', '2026-07-01', { pickedUpAt: '2026-07-01T00:30:00+08:00' }),
    up('X-WANRONG', '2026-06-10', { origin: elsewhere }),
  ];
  await insertParcels(t, 'subsidy-fixture', parcels);
});
afterAll(() => t.close());

describe('subsidyReport', () => {
  it('totals eligible parcels per direction and operating company with the configured rates', async () => {
    const res = await t.gql(REPORT, { county: '140821', month: '2026-06', only: 'ALL', first: 1000 });
    expect(res.errors).toBeUndefined();
    const r = res.data.subsidyReport;
    expect(r.rates).toEqual({ upstream: 1, downstream: 0.4 });
    // Upstream: 3 clean + 5 to one phone + 4 honest ineligible + 14 planted fraud = 26; 8 eligible at 1 yuan.
    expect(r.upstream).toEqual({ parcels: 26, eligible: 8, flagged: 14, amount: 8 });
    expect(r.downstream).toEqual({ parcels: 3, eligible: 2, flagged: 1, amount: 0.8 });
    expect(r.totalAmount).toBe(8.8);
    expect(r.byCourier).toEqual([
      {
        courierCode: 'youzhengguonei',
        upstream: { parcels: 1, eligible: 1, flagged: 0, amount: 1 },
        downstream: { parcels: 1, eligible: 1, flagged: 0, amount: 0.4 },
        amount: 1.4,
      },
      {
        courierCode: 'yuantong',
        upstream: { parcels: 1, eligible: 0, flagged: 1, amount: 0 },
        downstream: { parcels: 0, eligible: 0, flagged: 0, amount: 0 },
        amount: 0,
      },
      {
        courierCode: 'zhongtong',
        upstream: { parcels: 24, eligible: 7, flagged: 13, amount: 7 },
        downstream: { parcels: 2, eligible: 1, flagged: 1, amount: 0.4 },
        amount: 7.4,
      },
    ]);
    expect(r.csvPath).toBe('/reports/subsidy.csv?county=140821&month=2026-06');
  });

  it('flags each planted fraud case with exactly its check, and no clean parcel', async () => {
    const res = await t.gql(REPORT, { county: '140821', month: '2026-06', only: 'ALL', first: 1000 });
    const parcels: any[] = res.data.subsidyReport.parcels;
    expect(parcels).toHaveLength(29);
    const flagged = parcels.filter((p) => p.flags.length);
    expect(flagged).toHaveLength(Object.keys(FRAUD).length + 1); // DUP-001 twice
    for (const p of flagged) {
      expect([p.trackingNumber, p.flags]).toEqual([p.trackingNumber, FRAUD[p.trackingNumber]]);
      expect(p).toMatchObject({ eligible: false, amount: 0 });
      expect(p.reasons).toContain('FLAGGED');
    }
    for (const p of parcels.filter((x) => !FRAUD[x.trackingNumber])) expect([p.trackingNumber, p.flags]).toEqual([p.trackingNumber, []]);
    const eligible = parcels
      .filter((p) => p.eligible)
      .map((p) => p.trackingNumber)
      .sort();
    expect(eligible).toEqual([...CLEAN_ELIGIBLE].sort());
    for (const [tn, reasons] of Object.entries(HONEST_INELIGIBLE)) {
      expect(parcels.find((p) => p.trackingNumber === tn)).toMatchObject({ eligible: false, flags: [], reasons });
    }
    expect(parcels.some((p) => p.trackingNumber.startsWith('X-'))).toBe(false);
  });

  it('lists flagged parcels first by default', async () => {
    const res = await t.gql(REPORT, { county: '140821', month: '2026-06', first: 3 });
    const parcels: any[] = res.data.subsidyReport.parcels;
    expect(parcels).toHaveLength(3);
    expect(parcels.every((p) => p.flags.length > 0)).toBe(true);
  });

  it('exports every parcel as CSV, without the recipient phone', async () => {
    const res = await fetch(`${t.url}/reports/subsidy.csv?county=140821&month=2026-06`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers.get('content-disposition')).toContain('subsidy-140821-2026-06.csv');
    const text = (await res.text()).replace(/^\uFEFF/, '');
    const lines = text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'tracking_number,courier,direction,day,origin_code,destination_code,weight_kg,pickup_scan_at,delivery_scan_at,eligible,amount_yuan,fraud_flags,reasons',
    );
    expect(lines).toHaveLength(30);
    expect(lines.find((l) => l.startsWith('C-1,'))).toMatch(/,zhongtong,UPSTREAM,2026-06-02,.*,true,1\.00,,$/);
    expect(lines.find((l) => l.startsWith('F-PHONE-1,'))).toMatch(/,false,0\.00,MANY_PARCELS_TO_ONE_PHONE,FLAGGED$/);
    expect(text).not.toContain('13800009999');
  });

  it('answers a clear error for a bad county, month or unconfigured year', async () => {
    const notCounty = await t.gql(REPORT, { county: '140821', month: '2026-13' });
    expect(notCounty.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'month' });
    const city = await t.gql(REPORT, { county: '1408', month: '2026-06' });
    expect(city.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'county' });
    const unknown = await t.gql(REPORT, { county: '149999', month: '2026-06' });
    expect(unknown.errors![0].extensions!.code).toBe('NOT_FOUND');
    const year = await t.gql(REPORT, { county: '140821', month: '2031-06' });
    expect(year.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argumentName: 'month' } });
    expect(year.errors![0].message).toContain('No subsidy rates are configured for 2031');
    const csv = await fetch(`${t.url}/reports/subsidy.csv?county=1408&month=2026-06`);
    expect(csv.status).toBe(400);
    expect(await csv.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT', argumentName: 'county' } }] });
  });

  it('is for officials: a courier or platform key is refused, an OFFICIAL key is served', async () => {
    const courier = await t.createKey({ role: 'COURIER', courier: 'zhongtong' });
    const refused = await t.as(courier).gql(REPORT, { county: '140821', month: '2026-06' });
    expect(refused.errors![0].extensions!.code).toBe('FORBIDDEN');
    const csv = await fetch(`${t.url}/reports/subsidy.csv?county=140821&month=2026-06`, { headers: { authorization: `Bearer ${courier}` } });
    expect(csv.status).toBe(403);
    const official = await t.createKey({ role: 'OFFICIAL' });
    const served = await t.as(official).gql(REPORT, { county: '140821', month: '2026-06', first: 1 });
    expect(served.errors).toBeUndefined();
    expect(served.data.subsidyReport.totalAmount).toBe(8.8);
    const officialCsv = await fetch(`${t.url}/reports/subsidy.csv?county=140821&month=2026-06`, { headers: { authorization: `Bearer ${official}` } });
    expect(officialCsv.status).toBe(200);
    const badKey = await fetch(`${t.url}/reports/subsidy.csv?county=140821&month=2026-06`, { headers: { authorization: 'Bearer not-a-key' } });
    expect(badKey.status).toBe(401);
  });
});
