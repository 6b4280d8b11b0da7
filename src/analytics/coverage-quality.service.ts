import type { EntityManager } from '@mikro-orm/postgresql';
import { inSubtree } from '../regions/region-code.validator.js';
import { assertPeriod, share } from './analytics-args.js';
import { HUB_TIME_ZONE, parcelDay, parcelDestination } from './parcel-sql.js';
import type { CourierQuality, CourierQualityArgs, VillageCoverage, VillageCoverageArgs } from './coverage-quality.types.js';

/**
 * Damage and loss as couriers report them: Kuaidi100 sub-status 209 (破损),
 * AfterShip subtags Exception_012 (shipment damage) and Exception_013
 * (shipment lost), EPCIS dispositions `damaged` and `stolen`, or an exception
 * scan whose text says so. Raw codes and texts are kept on every event, so
 * these rules can be refined without re-ingesting.
 */
export const DAMAGE_EVENT_SQL = `(e.raw_code in ('209', 'Exception_012') or (e.status = 'EXCEPTION' and e.raw_text ~* '破损|损坏|damage'))`;
export const LOSS_EVENT_SQL = `(e.raw_code = 'Exception_013' or (e.status = 'EXCEPTION' and e.raw_text ~* '丢失|遗失|丢件|lost|^stolen$'))`;

/**
 * Per county: administrative villages, those with a filed village service
 * point, and those with a delivery in the 30 days up to `asOf`, in one
 * statement.
 */
export async function villageCoverage(em: EntityManager, args: VillageCoverageArgs): Promise<VillageCoverage[]> {
  const [villages, villageParams] = inSubtree('v.code', args.region);
  const rows = await em.getConnection().execute<Record<string, string>[]>(
    `with asof as (select coalesce(?::date, (now() at time zone '${HUB_TIME_ZONE}')::date) as day),
     villages as (
       select v.code, left(v.code, 6) as county from region v where v.level = 'VILLAGE' and ${villages}
     ), served as (
       select distinct left(n.region_code, 12) as code from logistics_node n
        where n.kind = 'VILLAGE_SERVICE_POINT' and n.filing_status = 'FILED' and length(n.region_code) = 12 and n.region_code like ?
     ), delivered as (
       select distinct left(${parcelDestination('s')}, 12) as code from shipment s, asof
        where s.delivered_at >= (asof.day - 29)::timestamp at time zone '${HUB_TIME_ZONE}'
          and s.delivered_at < (asof.day + 1)::timestamp at time zone '${HUB_TIME_ZONE}'
          and s.destination_region_code like ? and length(s.destination_region_code) = 12
     )
     select v.county, c.name, count(*) as villages, count(sv.code) as served, count(d.code) as delivered
       from villages v
       join region c on c.code = v.county
       left join served sv on sv.code = v.code
       left join delivered d on d.code = v.code
      group by v.county, c.name
      order by v.county`,
    [args.asOf ?? null, ...villageParams, `${args.region.slice(0, 6)}%`, `${args.region.slice(0, 6)}%`],
  );
  return rows.map((r) => ({
    countyCode: r.county,
    countyName: r.name,
    villages: Number(r.villages),
    villagesWithServicePoint: Number(r.served),
    servicePointShare: share(Number(r.served), Number(r.villages)),
    villagesWithRecentDelivery: Number(r.delivered),
    recentDeliveryShare: share(Number(r.delivered), Number(r.villages)),
  }));
}

/**
 * Per courier, for parcels picked up or delivered in a region over a period:
 * on-time and delay rates against the promised time, damage and loss rates
 * from the exception scans. One statement.
 */
export async function courierQuality(em: EntityManager, args: CourierQualityArgs): Promise<CourierQuality[]> {
  assertPeriod(args.from, args.to);
  const [origin, originParams] = inSubtree('s.origin_region_code', args.region);
  const [destination, destinationParams] = inSubtree('s.destination_region_code', args.region);
  // One pass over the period's parcels (index-only scan of shipment_parcel_day_cover_index, in parallel),
  // aggregated per courier id; the few exception scans are found through their partial index and joined by
  // hash; courier names are joined to the nine aggregated rows last (issue #13).
  const period = `(${origin} or ${destination}) and ${parcelDay('s')} between ? and ?`;
  const periodParams = [...originParams, ...destinationParams, args.from, args.to];
  const rows = await em.getConnection().execute<Record<string, string>[]>(
    `select c.code, c.name, a.* from (
       select s.courier_id, count(*) as parcels,
              count(*) filter (where s.status = 'DELIVERED' or s.delivered_at is not null) as delivered,
              count(*) filter (where s.promised_at is not null and (s.delivered_at is not null or s.promised_at < now())) as due,
              count(*) filter (where s.delivered_at <= s.promised_at) as on_time,
              count(*) filter (where s.delivered_at > s.promised_at or (s.delivered_at is null and s.promised_at < now())) as delayed,
              count(*) filter (where sg.damaged) as damaged,
              count(*) filter (where sg.lost) as lost
         from shipment s
         left join (
           select e.shipment_id, bool_or(${DAMAGE_EVENT_SQL}) as damaged, bool_or(${LOSS_EVENT_SQL}) as lost
             from tracking_event e
            where (e.status = 'EXCEPTION' or e.raw_code = '209')
              and e.shipment_id in (select s.id from shipment s where ${period})
            group by e.shipment_id
         ) sg on sg.shipment_id = s.id
        where ${period}
        group by s.courier_id
     ) a
     join courier c on c.id = a.courier_id
     order by c.code`,
    [...periodParams, ...periodParams],
  );
  return rows.map((r) => {
    const parcels = Number(r.parcels);
    const due = Number(r.due);
    return {
      courierCode: r.code,
      courierName: r.name,
      parcels,
      delivered: Number(r.delivered),
      due,
      onTime: Number(r.on_time),
      delayed: Number(r.delayed),
      damaged: Number(r.damaged),
      lost: Number(r.lost),
      onTimeRate: share(Number(r.on_time), due),
      delayRate: share(Number(r.delayed), due),
      damageRate: share(Number(r.damaged), parcels),
      lossRate: share(Number(r.lost), parcels),
    };
  });
}
