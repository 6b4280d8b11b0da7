import { stringify } from 'csv-stringify/sync';
import type { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError, NotFoundError } from '../platform/errors.js';
import { ShipmentDirection } from '../logistics/logistics-enums.js';
import { HUB_TIME_ZONE, parcelDay, parcelDestination, parcelOrigin } from './parcel-sql.js';
import { subsidyConfig, type SubsidyConfig } from './subsidy-config.js';
import {
  FraudFlag,
  IneligibilityReason,
  SubsidyParcelSelection,
  type CourierSubsidy,
  type SubsidyParcel,
  type SubsidyReport,
  type SubsidyTotals,
} from './subsidy-report.types.js';

interface ReportScope {
  county: string;
  month: string;
  start: string;
  end: string;
  rates: { upstream: number; downstream: number };
  config: SubsidyConfig;
}

/** Checks the county and month and finds the rates in force. */
async function scope(em: EntityManager, county: string, month: string, config = subsidyConfig()): Promise<ReportScope> {
  const [region] = await em.getConnection().execute<{ level: string }[]>('select level from region where code = ?', [county]);
  if (!region) throw new NotFoundError(`No region with code "${county}".`);
  if (region.level !== 'COUNTY') throw new BadUserInputError(`"${county}" is a ${region.level.toLowerCase()}, not a county.`, 'county');
  const year = month.slice(0, 4);
  const rates = config.rates[year];
  if (!rates) {
    throw new BadUserInputError(
      `No subsidy rates are configured for ${year} (configured: ${Object.keys(config.rates).join(', ') || 'none'}; see SUBSIDY_CONFIG_FILE).`,
      'month',
    );
  }
  const [y, m] = month.split('-').map(Number);
  const end = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
  return { county, month, start: `${month}-01`, end, rates: { upstream: rates.UPSTREAM, downstream: rates.DOWNSTREAM }, config };
}

/**
 * The per-parcel checks as one SQL query (CTE `checked`), so that totals,
 * lists and the CSV all come from the same statement text:
 * - parcels of the county and month: upstream ones picked up in the county,
 *   downstream ones delivered into it, by pickup day in China Standard Time;
 * - their scans from tracking_event (first pickup, last delivery, and where);
 * - fraud flags and, for honest parcels, why they are not (yet) eligible.
 * Regions have no coordinates, so "faster than the distance allows" compares
 * the scan-to-scan time with a least transit time per distance class (same
 * township, county, city, province, or not), from the configuration.
 */
function checkedSql(s: ReportScope): { sql: string; params: unknown[] } {
  const c = s.config;
  const t = c.minTransitHours;
  const origin = parcelOrigin('p');
  const destination = parcelDestination('p');
  const sql = `
    with parcels as (
      select p.*, ${parcelDay('p')} as day,
             case when p.direction = 'UPSTREAM' then 'UPSTREAM' else 'DOWNSTREAM' end as claim
        from shipment p
       where ((p.direction = 'UPSTREAM' and p.origin_region_code like ?) or (p.direction = 'DOWNSTREAM' and p.destination_region_code like ?))
         and coalesce(p.picked_up_at, p.ingested_at) >= (?::date)::timestamp at time zone '${HUB_TIME_ZONE}'
         and coalesce(p.picked_up_at, p.ingested_at) < (?::date)::timestamp at time zone '${HUB_TIME_ZONE}'
    ), scans as (
      select e.shipment_id,
             min(e.occurred_at) filter (where e.status = 'PICKED_UP') as pickup_at,
             (array_agg(coalesce(e.region_code, e.area_code) order by e.occurred_at) filter (where e.status = 'PICKED_UP'))[1] as pickup_region,
             max(e.occurred_at) filter (where e.status = 'DELIVERED') as delivery_at
        from tracking_event e
       where e.shipment_id in (select id from parcels) and e.status in ('PICKED_UP', 'DELIVERED')
       group by e.shipment_id
    ), facts as (
      select p.id, p.tracking_number, p.courier_id, p.claim, p.day, p.weight_kg, p.is_farm_product, p.status,
             ${origin} as origin, ${destination} as destination,
             coalesce(sc.pickup_region, ${origin}) as pickup_region,
             sc.pickup_at, sc.delivery_at,
             (p.delivered_at is not null or p.status = 'DELIVERED') as reported_delivered,
             exists (select 1 from shipment d where d.tracking_number = p.tracking_number and d.id <> p.id) as duplicate,
             case when p.recipient_phone is null then 0 else count(*) over (partition by p.recipient_phone, p.day) end as phone_day_parcels,
             coalesce(m.channel = 'ECOMMERCE_PLATFORM', false) as sold_online
        from parcels p
        left join scans sc on sc.shipment_id = p.id
        left join market m on m.id = p.platform_id
    ), timed as (
      select f.*,
             case when f.origin is null or f.destination is null then ${t.otherProvince}
                  when length(f.origin) >= 9 and length(f.destination) >= 9 and left(f.origin, 9) = left(f.destination, 9) then ${t.sameTownship}
                  when left(f.origin, 6) = left(f.destination, 6) then ${t.sameCounty}
                  when left(f.origin, 4) = left(f.destination, 4) then ${t.sameCity}
                  when left(f.origin, 2) = left(f.destination, 2) then ${t.sameProvince}
                  else ${t.otherProvince} end as min_hours
        from facts f
    ), checked as (
      select x.*,
             array_remove(array[
               case when x.duplicate then '${FraudFlag.DUPLICATE_TRACKING_NUMBER}' end,
               case when x.pickup_at is null then '${FraudFlag.MISSING_PICKUP_SCAN}' end,
               case when x.delivery_at is null and x.reported_delivered then '${FraudFlag.MISSING_DELIVERY_SCAN}' end,
               case when x.delivery_at < x.pickup_at then '${FraudFlag.DELIVERED_BEFORE_PICKUP}' end,
               case when x.delivery_at >= x.pickup_at and extract(epoch from x.delivery_at - x.pickup_at) / 3600 < x.min_hours then '${FraudFlag.FASTER_THAN_DISTANCE_ALLOWS}' end,
               case when x.phone_day_parcels > ${c.maxParcelsPerPhonePerDay} then '${FraudFlag.MANY_PARCELS_TO_ONE_PHONE}' end,
               case when x.weight_kg is null or x.weight_kg < ${c.minWeightKg} or x.weight_kg > ${c.maxWeightKg} then '${FraudFlag.WEIGHT_OUT_OF_RANGE}' end
             ], null) as flags,
             array_remove(array[
               case when x.claim = 'UPSTREAM' and not x.is_farm_product then '${IneligibilityReason.NOT_FARM_PRODUCT}' end,
               case when x.claim = 'UPSTREAM' and not x.sold_online then '${IneligibilityReason.NOT_SOLD_ONLINE}' end,
               case when x.claim = 'UPSTREAM' and x.pickup_region not like ? then '${IneligibilityReason.PICKED_UP_OUTSIDE_COUNTY}' end,
               case when x.claim = 'UPSTREAM' and x.destination like ? then '${IneligibilityReason.DESTINATION_INSIDE_COUNTY}' end,
               case when x.claim = 'UPSTREAM' and x.destination is null then '${IneligibilityReason.DESTINATION_UNKNOWN}' end,
               case when x.delivery_at is null and not x.reported_delivered then '${IneligibilityReason.NOT_DELIVERED}' end
             ], null) as reasons
        from timed x
    ), judged as (
      select k.*, cardinality(k.flags) > 0 as flagged,
             cardinality(k.flags) = 0 and cardinality(k.reasons) = 0 as eligible,
             case when cardinality(k.flags) = 0 and cardinality(k.reasons) = 0
                  then case when k.claim = 'UPSTREAM' then ${s.rates.upstream}::numeric else ${s.rates.downstream}::numeric end
                  else 0 end as amount
        from checked k
    )`;
  const prefix = `${s.county}%`;
  return { sql, params: [prefix, prefix, s.start, s.end, prefix, prefix] };
}

function totals(row: Record<string, string> | undefined): SubsidyTotals {
  return {
    parcels: Number(row?.parcels ?? 0),
    eligible: Number(row?.eligible ?? 0),
    flagged: Number(row?.flagged ?? 0),
    amount: Number(row?.amount ?? 0),
  };
}

/**
 * The subsidy report of a county and month: totals per direction and per
 * operating company, computed in SQL over the per-parcel checks.
 */
export async function subsidyReport(em: EntityManager, county: string, month: string, config?: SubsidyConfig): Promise<SubsidyReport> {
  const s = await scope(em, county, month, config);
  const { sql, params } = checkedSql(s);
  const rows = await em.getConnection().execute<Record<string, string>[]>(
    `${sql}
     select j.claim, c.code as courier_code, c.name as courier_name,
            grouping(c.code, c.name) as by_all,
            count(*) as parcels, count(*) filter (where j.eligible) as eligible,
            count(*) filter (where j.flagged) as flagged, coalesce(sum(j.amount), 0) as amount
       from judged j join courier c on c.id = j.courier_id
      group by grouping sets ((j.claim), (j.claim, c.code, c.name))
      order by c.code nulls first, j.claim`,
    params,
  );
  const overall = new Map(rows.filter((r) => Number(r.by_all) !== 0).map((r) => [r.claim, r]));
  const couriers = new Map<string, CourierSubsidy>();
  for (const r of rows.filter((row) => Number(row.by_all) === 0)) {
    let entry = couriers.get(r.courier_code);
    if (!entry) {
      entry = { courierCode: r.courier_code, courierName: r.courier_name, upstream: totals(undefined), downstream: totals(undefined), amount: 0 };
      couriers.set(r.courier_code, entry);
    }
    entry[r.claim === 'UPSTREAM' ? 'upstream' : 'downstream'] = totals(r);
    entry.amount = Math.round((entry.upstream.amount + entry.downstream.amount) * 100) / 100;
  }
  const upstream = totals(overall.get('UPSTREAM'));
  const downstream = totals(overall.get('DOWNSTREAM'));
  return {
    countyCode: county,
    month,
    rates: s.rates,
    upstream,
    downstream,
    totalAmount: Math.round((upstream.amount + downstream.amount) * 100) / 100,
    byCourier: [...couriers.values()],
    csvPath: `/reports/subsidy.csv?county=${county}&month=${month}`,
  };
}

/** The checked parcels of a report, flagged ones first, then by day and tracking number. */
export async function subsidyParcels(
  em: EntityManager,
  county: string,
  month: string,
  only: SubsidyParcelSelection = SubsidyParcelSelection.ALL,
  limit?: number,
  config?: SubsidyConfig,
): Promise<SubsidyParcel[]> {
  const s = await scope(em, county, month, config);
  const { sql, params } = checkedSql(s);
  const where = {
    [SubsidyParcelSelection.ALL]: 'true',
    [SubsidyParcelSelection.ELIGIBLE]: 'j.eligible',
    [SubsidyParcelSelection.FLAGGED]: 'j.flagged',
    [SubsidyParcelSelection.INELIGIBLE]: 'not j.eligible',
  }[only];
  const rows = await em.getConnection().execute<Record<string, unknown>[]>(
    `${sql}
     select j.id, j.tracking_number, c.code as courier_code, j.claim, to_char(j.day, 'YYYY-MM-DD') as day, j.origin, j.destination,
            j.weight_kg, j.pickup_at, j.delivery_at, j.eligible, j.amount, j.flags, j.reasons
       from judged j join courier c on c.id = j.courier_id
      where ${where}
      order by j.flagged desc, j.day, j.tracking_number, j.id
      ${limit === undefined ? '' : `limit ${Math.max(0, Math.floor(limit))}`}`,
    params,
  );
  return rows.map((r) => ({
    shipmentId: String(r.id),
    trackingNumber: String(r.tracking_number),
    courierCode: String(r.courier_code),
    direction: r.claim as ShipmentDirection,
    day: String(r.day),
    originCode: (r.origin as string | null) ?? undefined,
    destinationCode: (r.destination as string | null) ?? undefined,
    weightKg: r.weight_kg == null ? undefined : Number(r.weight_kg),
    pickupScanAt: r.pickup_at ? new Date(r.pickup_at as string) : undefined,
    deliveryScanAt: r.delivery_at ? new Date(r.delivery_at as string) : undefined,
    eligible: Boolean(r.eligible),
    amount: Number(r.amount),
    flags: pgArray(r.flags) as FraudFlag[],
    reasons: (() => {
      const reasons = pgArray(r.reasons) as IneligibilityReason[];
      return pgArray(r.flags).length ? [IneligibilityReason.FLAGGED, ...reasons] : reasons;
    })(),
  }));
}

/** A text[] as the driver returns it: an array, or the literal `{A,B}`. @internal */
function pgArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  const text = String(value ?? '{}');
  return text === '{}' ? [] : text.replace(/^\{|\}$/g, '').split(',');
}

const CSV_COLUMNS = [
  'tracking_number',
  'courier',
  'direction',
  'day',
  'origin_code',
  'destination_code',
  'weight_kg',
  'pickup_scan_at',
  'delivery_scan_at',
  'eligible',
  'amount_yuan',
  'fraud_flags',
  'reasons',
];

/**
 * Every parcel of a report as CSV (UTF-8 with a byte-order mark, so that
 * spreadsheet programs read the Chinese text), one line per parcel, with no
 * personal data: the recipient phone behind MANY_PARCELS_TO_ONE_PHONE is not
 * exported.
 */
export async function subsidyReportCsv(em: EntityManager, county: string, month: string, config?: SubsidyConfig): Promise<string> {
  const parcels = await subsidyParcels(em, county, month, SubsidyParcelSelection.ALL, undefined, config);
  const rows = parcels.map((p) => [
    p.trackingNumber,
    p.courierCode,
    p.direction,
    p.day,
    p.originCode,
    p.destinationCode,
    p.weightKg,
    p.pickupScanAt,
    p.deliveryScanAt,
    p.eligible,
    p.amount.toFixed(2),
    p.flags.join(';'),
    p.reasons.join(';'),
  ]);
  // RFC 4180 quoting, and cells a spreadsheet would run as a formula (= + - @, tab, CR and their
  // full-width forms: a courier-supplied tracking number such as =HYPERLINK(...)) prefixed with ' (issue #11).
  const csv = stringify([CSV_COLUMNS, ...rows], {
    record_delimiter: '\r\n',
    escape_formulas: true,
    cast: { date: (d) => d.toISOString(), boolean: (b) => String(b) },
  });
  return `\uFEFF${csv}`;
}
