import type { EntityManager } from '@mikro-orm/postgresql';

/** Connector of the generated parcels (as for the generated prices). */
export const DEMO_PARCEL_CONNECTOR = 'demo-generator';

/** Far ends of upstream parcels and origins of downstream ones: Beijing, Shanghai, Shenzhen, Hangzhou, Chengdu, Zhengzhou, Xi'an, Taiyuan. */
const FAR_ENDS = ['110105', '310115', '440305', '330106', '510107', '410105', '610113', '140105', '140106', '140109'];

export interface SeedDemoParcelsOptions {
  /** Parcels to generate. @default 20000 */
  parcels?: number;
  /** Days of history, ending today. @default 60 */
  days?: number;
}

/**
 * A recent parcel history for the demo, so that the dashboard's county table,
 * subsidy report and coverage have something to show on first start:
 * upstream parcels from Shanxi's villages to big cities (mostly farm products
 * sold online), downstream parcels to the villages, each with a pickup scan
 * and, for most, a delivery scan. Generated inside PostgreSQL in two
 * statements (seeded, so the same every time); does nothing when demo parcels
 * already exist.
 */
export async function seedDemoParcels(em: EntityManager, options: SeedDemoParcelsOptions = {}): Promise<number> {
  const parcels = options.parcels ?? 20_000;
  const days = options.days ?? 60;
  const conn = em.getConnection();
  const [{ n: existing }] = await conn.execute<{ n: string }[]>('select count(*) as n from shipment where source_connector = ?', [DEMO_PARCEL_CONNECTOR]);
  if (Number(existing) > 0) return 0;
  return em.transactional(async (tx) => {
    const sql = <T extends object[]>(text: string, params: unknown[] = []) => tx.getConnection().execute<T>(text, params, 'all', tx.getTransactionContext());
    await sql('select setseed(0.42)');
    const [{ n }] = await sql<{ n: string }[]>(
      `with villages as (select code, row_number() over (order by code) as idx from region where level = 'VILLAGE'),
            nv as (select count(*) as n from villages),
            draws as (
              select s as g, (1 + floor(random() * (select n from nv)))::int as vi, random() as r1, random() as r2, random() as r3, random() as r4, random() as r5,
                     (array[${FAR_ENDS.map((c) => `'${c}'`).join(',')}])[1 + floor(random() * ${FAR_ENDS.length})::int] as far,
                     now() - random() * (? * interval '1 day') as picked
                from generate_series(1, ?) s),
            g as (
              select d.*, case when d.r1 < 0.55 then 'UPSTREAM' when d.r1 < 0.95 then 'DOWNSTREAM' else 'NONE' end as direction,
                     case when d.r1 < 0.55 then d.r2 < 0.7 else d.r2 < 0.1 end as farm,
                     case when d.r1 < 0.55 then d.r2 < 0.8 else d.r2 < 0.6 end as online,
                     -- Delivered after 18-98 h; parcels of the last four days are still moving, and one in 200 older
                     -- ones is stuck (the delay scanner raises a few dozen DELAYED alerts from them).
                     d.picked < now() - interval '4 days' and d.r5 < 0.995 as delivered
                from draws d),
            inserted as (
              insert into shipment (courier_id, tracking_number, status, direction, origin_region_code, origin_code, destination_region_code, destination_code,
                                    platform_id, is_farm_product, weight_kg, recipient_phone, promised_at, picked_up_at, delivered_at, last_event_at,
                                    source_connector, source_key, ingested_at)
              select c.ids[1 + (g.g % array_length(c.ids, 1))], 'DEMO' || lpad(g.g::text, 10, '0'),
                     (case when g.delivered then 'DELIVERED' else 'IN_TRANSIT' end)::shipment_status, g.direction::shipment_direction,
                     case when g.direction = 'DOWNSTREAM' then case when g.far like '14%' then g.far end else v.code end,
                     case when g.direction = 'DOWNSTREAM' then g.far else v.code end,
                     case when g.direction = 'DOWNSTREAM' then v.code else case when g.far like '14%' then g.far end end,
                     case when g.direction = 'DOWNSTREAM' then v.code else g.far end,
                     case when g.online then pl.ids[1 + (g.g % array_length(pl.ids, 1))] end, g.farm, round((0.3 + g.r3 * 12)::numeric, 2),
                     '1' || (30 + g.g % 60) || lpad((g.g * 7919 % 100000000)::text, 8, '0'),
                     g.picked + interval '96 hours', g.picked,
                     case when g.delivered then g.picked + (18 + g.r4 * 80) * interval '1 hour' end,
                     case when g.delivered then g.picked + (18 + g.r4 * 80) * interval '1 hour'
                          when g.picked > now() - interval '4 days' then greatest(g.picked, now() - g.r4 * interval '12 hours')
                          else g.picked + g.r4 * interval '20 hours' end,
                     ?, 'demo-parcel-' || g.g, g.picked
                from g
                join villages v on v.idx = g.vi
               cross join (select array_agg(id order by id) as ids from courier) c
               cross join (select array_agg(id order by id) as ids from market where channel = 'ECOMMERCE_PLATFORM') pl
              returning 1)
       select count(*) as n from inserted`,
      [days, parcels, DEMO_PARCEL_CONNECTOR],
    );
    // The pickup and delivery scans the subsidy checks look for.
    await sql(
      `insert into tracking_event (shipment_id, occurred_at, status, region_code, area_code, source_connector, source_key)
       select s.id, e.at, e.status::shipment_status, case when e.area like '14%' and length(e.area) >= 6 then e.area end, e.area, ?, 'demo-parcel-' || s.id || '-' || e.status
         from shipment s
        cross join lateral (values (s.picked_up_at, 'PICKED_UP', s.origin_code), (s.delivered_at, 'DELIVERED', s.destination_code)) e(at, status, area)
        where s.source_connector = ? and e.at is not null`,
      [DEMO_PARCEL_CONNECTOR, DEMO_PARCEL_CONNECTOR],
    );
    return Number(n);
  });
}
