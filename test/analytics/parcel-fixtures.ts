import type { TestHub } from '../support/test-hub.js';

/** A scan on a fixture parcel. */
export interface FixtureScan {
  status: 'PICKED_UP' | 'IN_TRANSIT' | 'DELIVERED' | 'EXCEPTION';
  at: string;
  /** Region code where the scan happened (a Shanxi code is also stored as region_code). */
  area?: string;
  rawCode?: string;
  rawText?: string;
}

/** A parcel to insert directly (the courier-feed ingest is another issue's code). */
export interface FixtureParcel {
  key: string;
  courier?: string;
  trackingNumber?: string;
  direction: 'UPSTREAM' | 'DOWNSTREAM' | 'NONE';
  status?: string;
  origin?: string;
  destination?: string;
  platform?: string | null;
  farm?: boolean;
  weightKg?: number | null;
  phone?: string | null;
  pickedUpAt?: string | null;
  deliveredAt?: string | null;
  promisedAt?: string | null;
  scans?: FixtureScan[];
}

const shanxi = (code?: string | null) => (code && code.startsWith('14') ? code : null);

/**
 * Inserts parcels and their scans with plain SQL in one statement each, and
 * returns the shipment id per fixture key.
 */
export async function insertParcels(t: TestHub, connector: string, parcels: FixtureParcel[]): Promise<Map<string, string>> {
  const rows = parcels.map((p) => [
    p.courier ?? 'zhongtong',
    p.trackingNumber ?? `${connector}-${p.key}`,
    p.status ?? 'DELIVERED',
    p.direction,
    shanxi(p.origin),
    p.origin ?? null,
    shanxi(p.destination),
    p.destination ?? null,
    p.platform === undefined ? 'taobao' : p.platform,
    p.farm ?? true,
    p.weightKg === undefined ? 2 : p.weightKg,
    p.phone ?? null,
    p.pickedUpAt ?? null,
    p.deliveredAt ?? null,
    p.promisedAt ?? null,
    p.key,
  ]);
  const stored = await t.sql<{ id: string; source_key: string }>(
    `insert into shipment (courier_id, tracking_number, status, direction, origin_region_code, origin_code, destination_region_code, destination_code,
                           platform_id, is_farm_product, weight_kg, recipient_phone, picked_up_at, delivered_at, promised_at, source_connector, source_key)
     select c.id, r.tn, r.status::shipment_status, r.direction::shipment_direction, r.o_region, r.o_code, r.d_region, r.d_code,
            m.id, r.farm, r.weight, r.phone, r.picked, r.delivered, r.promised, $2, r.key
       from jsonb_to_recordset($1::jsonb) as r(courier text, tn text, status text, direction text, o_region text, o_code text, d_region text, d_code text,
                                             platform text, farm boolean, weight real, phone text, picked timestamptz, delivered timestamptz, promised timestamptz, key text)
       join courier c on c.code = r.courier
       left join market m on m.code = r.platform
     returning id, source_key`,
    [
      JSON.stringify(
        rows.map((r) => ({
          courier: r[0],
          tn: r[1],
          status: r[2],
          direction: r[3],
          o_region: r[4],
          o_code: r[5],
          d_region: r[6],
          d_code: r[7],
          platform: r[8],
          farm: r[9],
          weight: r[10],
          phone: r[11],
          picked: r[12],
          delivered: r[13],
          promised: r[14],
          key: r[15],
        })),
      ),
      connector,
    ],
  );
  const ids = new Map(stored.map((s) => [s.source_key, String(s.id)]));
  if (ids.size !== parcels.length) throw new Error(`fixture: stored ${ids.size} of ${parcels.length} parcels (unknown courier or platform?)`);
  const scans = parcels.flatMap((p) =>
    (p.scans ?? []).map((s, i) => ({
      shipment: ids.get(p.key),
      at: s.at,
      status: s.status,
      region: shanxi(s.area),
      area: s.area ?? null,
      raw_code: s.rawCode ?? null,
      raw_text: s.rawText ?? null,
      key: `${p.key}#${i}`,
    })),
  );
  if (scans.length) {
    await t.sql(
      `insert into tracking_event (shipment_id, occurred_at, status, region_code, area_code, raw_code, raw_text, source_connector, source_key)
       select r.shipment::bigint, r.at, r.status::shipment_status, r.region, r.area, r.raw_code, r.raw_text, $2, r.key
         from jsonb_to_recordset($1::jsonb) as r(shipment text, at timestamptz, status text, region text, area text, raw_code text, raw_text text, key text)`,
      [JSON.stringify(scans), connector],
    );
  }
  return ids;
}

/** The first township and its first two villages of a county, and a second township's village, from the seeded divisions. */
export async function placesIn(t: TestHub, county: string) {
  const townships = await t.sql<{ code: string }>(`select code from region where parent_code = $1 order by code limit 2`, [county]);
  const villagesOf = (township: string) => t.sql<{ code: string }>(`select code from region where parent_code = $1 order by code limit 2`, [township]);
  const [a, b] = townships.map((r) => r.code);
  const [v1, v2] = (await villagesOf(a)).map((r) => r.code);
  const [w1] = (await villagesOf(b)).map((r) => r.code);
  return { townshipA: a, townshipB: b, villageA1: v1, villageA2: v2, villageB1: w1 };
}
