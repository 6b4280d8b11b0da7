import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ensureMonths, knownPartition } from '../platform/partitions.js';
import { registerFactKind, type FactKind, type Indexed, type KindRejection, type KindWrite, type WriteContext } from '../ingest/fact-kind.js';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { hasSubscribers, type HubPubSub } from '../platform/pubsub.js';
import { reject } from '../ingest/records.js';
import { storableText } from '../platform/storable-text.js';
import { isoTime } from '../platform/iso-time.js';
import { pgArray } from '../platform/sql.js';
import { publishAlerts, storeAlertsWith, type NewAlert } from '../alerts/stream/alert.service.js';
import { AlertKind, AlertSeverity } from '../alerts/stream/alert-kind.js';
import { ShipmentStatus } from './logistics-enums.js';
import { TrackingFormat } from './tracking-format.js';
import { SHIPMENT_UPDATED, shipmentTopic, type ShipmentUpdatedEvent } from './shipment.events.js';
import { DIRECTION_SQL } from './shipment-direction.js';
import type { FeedEvent } from './feeds/feed-event.js';

/**
 * Tracking events as a kind of fact of the one ingest pipeline (issue #13).
 * Validation: event time, tracking number and courier. Writing, inside the
 * batch's transaction:
 *
 * 1. resolve nodes, regions, products and platforms with one lookup per
 *    table per batch, key-share locked (instead of a foreign-key trigger per
 *    event row);
 * 2. lock the batch's parcels in tracking-number order (concurrent batches
 *    never deadlock) and read their current state;
 * 3. skip events already stored (their key, looked up once; the parcels'
 *    lock keeps a concurrent batch from storing the same parcel's events);
 * 4. derive each parcel's new state from its CURRENT state and the NEW events
 *    only (status follows event time: an older event never sets it back), and
 *    insert new parcels with it;
 * 5. COPY the new events straight into `tracking_event` with reserved ids;
 * 6. update the parcels that changed; raise alerts; publish after the commit.
 */

/** A mapped tracking event, as the pipeline validates it. */
export type TrackingRecord = FeedEvent & { kind: 'tracking' };

/** The pushing courier, attached to the session by the ingest service. */
export interface CourierContext {
  courier: { id: number; code: string; aftership_slug: string | null };
}

/** Clock skew tolerated for event times; later than this is an impossible (future) time. */
export const FUTURE_TOLERANCE_MS = 10 * 60_000;
/** Earliest plausible event time. */
const EARLIEST_EVENT = Date.parse('2000-01-01T00:00:00Z');

/**
 * A waybill number, in every format (issue #11): letters, digits and dashes,
 * 4 to 64 of them, as the native JSON Schema says. Anything else (spaces,
 * `=HYPERLINK(...)`, control characters) is refused, naming the field.
 */
export const TRACKING_NUMBER = /^[A-Za-z0-9-]{4,64}$/;

/** The field that carries the event time, per format (named in "impossible time" errors). */
const TIME_FIELD: Readonly<Record<TrackingFormat, string>> = {
  [TrackingFormat.NATIVE]: 'occurredAt',
  [TrackingFormat.GRAPHQL]: 'occurredAt',
  [TrackingFormat.KUAIDI100]: 'ftime',
  [TrackingFormat.AFTERSHIP]: 'checkpoint_time',
  [TrackingFormat.EPCIS]: 'eventTime',
};

/** The field that carries the tracking number, per format. */
const NUMBER_FIELD: Readonly<Record<TrackingFormat, string>> = {
  [TrackingFormat.NATIVE]: 'trackingNumber',
  [TrackingFormat.GRAPHQL]: 'trackingNumber',
  [TrackingFormat.KUAIDI100]: 'nu',
  [TrackingFormat.AFTERSHIP]: 'tracking_number',
  [TrackingFormat.EPCIS]: 'epcList',
};

/** Statuses after which a parcel is no longer expected to move (no DELAYED alerts). */
export const FINAL_STATUSES = [ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED, ShipmentStatus.REJECTED] as const;

/** The rejected-store connector name (and the facts' source) of a courier's feed. */
export const courierConnector = (courierCode: string) => `courier:${courierCode}`;

/**
 * A stable key per event: the courier's own id when it sends one, else a hash
 * of what makes the scan that scan (tracking number, time, status, raw code,
 * place and text). The same event pushed twice, or retried after a timeout,
 * gets the same key and is stored once.
 */
export function eventKey(event: FeedEvent): string {
  if (event.eventId) return `${event.format}:id:${event.eventId}`.slice(0, 255);
  const identity = [
    event.trackingNumber,
    isoTime(event.occurredAt),
    event.status,
    event.rawCode ?? '',
    event.areaCode ?? '',
    event.nodeCode ?? '',
    event.location ?? '',
    event.rawText ?? '',
    event.temperatureC ?? '',
  ];
  return `${event.format}:${event.trackingNumber}:${createHash('sha256').update(identity.join('\u0001')).digest('base64url').slice(0, 32)}`;
}

/** Every string of an event (and of its declared shipment) made storable: a NUL or lone surrogate is no reason to fail a batch. @internal */
function storable(input: Record<string, unknown>): TrackingRecord {
  // (In place: the mapped record is the mapper's own new object. Most strings need nothing: storableText returns them as they are.)
  for (const k in input) {
    const v = input[k];
    if (typeof v === 'string') input[k] = storableText(v);
  }
  const shipment = input.shipment as Record<string, unknown> | undefined;
  if (shipment && typeof shipment === 'object') {
    const copy: Record<string, unknown> = {};
    for (const k in shipment) copy[k] = typeof shipment[k] === 'string' ? storableText(shipment[k]) : shipment[k];
    input.shipment = copy;
  }
  return input as unknown as TrackingRecord;
}

function validate(input: Record<string, unknown>, { now, context }: { now: number; context: unknown }): TrackingRecord | ReturnType<typeof reject> {
  const event = storable(input);
  const { courier } = context as CourierContext;
  const at = event.occurredAt.getTime();
  if (at > now + FUTURE_TOLERANCE_MS) return reject(`impossible time ${event.occurredAt.toISOString()}: in the future.`, TIME_FIELD[event.format]);
  if (at < EARLIEST_EVENT) return reject(`impossible time ${event.occurredAt.toISOString()}: before 2000.`, TIME_FIELD[event.format]);
  if (typeof event.trackingNumber !== 'string' || !TRACKING_NUMBER.test(event.trackingNumber)) {
    return reject(`"${String(event.trackingNumber).slice(0, 80)}" is not a tracking number: 4 to 64 letters, digits or dashes.`, NUMBER_FIELD[event.format]);
  }
  if (event.courierCode && event.courierCode !== courier.code && event.courierCode !== courier.aftership_slug) {
    const field = event.courierField ?? (event.format === TrackingFormat.KUAIDI100 ? 'com' : 'slug');
    // Kuaidi100's `comNew` is its correction of the subscribed courier: the parcel is that courier's, not the pusher's.
    const corrected = field === 'comNew' ? ' (Kuaidi100 corrected the courier code in comNew: re-register the waybill with that courier)' : '';
    return reject(`event of courier "${event.courierCode}" pushed by courier "${courier.code}"${corrected}.`, field);
  }
  return event;
}

type Row = Record<string, unknown>;

/** The current state of a parcel: what derivation starts from. @internal */
interface ParcelState {
  id?: string;
  status: ShipmentStatus | null;
  last_event_at: Date | null;
  picked_up_at: Date | null;
  delivered_at: Date | null;
  origin_code: string | null;
  destination_code: string | null;
  origin_scan_at: Date | null;
  destination_scan_at: Date | null;
}

/** A new event with what was resolved for it. @internal */
interface Candidate {
  index: number;
  event: TrackingRecord;
  key: string;
  nodeId: number | null;
  regionCode: string | null;
  id?: string;
}

/** What the events declare about their parcel, later events (by event time) winning. @internal */
interface Declared {
  origin_code: string | null;
  destination_code: string | null;
  product_id: number | null;
  platform_id: number | null;
  is_farm_product: boolean | null;
  weight_kg: number | null;
  promised_at: Date | null;
  recipient_name: string | null;
  recipient_phone: string | null;
  recipient_address: string | null;
}

/** The shipment columns subscribers get. */
const SHIPMENT_FIELDS = [
  'source_connector',
  'source_key',
  'ingested_at',
  'courier_id',
  'tracking_number',
  'status',
  'direction',
  'origin_region_code',
  'destination_region_code',
  'origin_code',
  'destination_code',
  'product_id',
  'platform_id',
  'is_farm_product',
  'weight_kg',
  'promised_at',
  'picked_up_at',
  'delivered_at',
  'last_event_at',
];
const shipmentReturning = (alias: string) => `${alias}id::text as id, ${SHIPMENT_FIELDS.map((c) => `${alias}${c}`).join(', ')}`;

const EVENT_COLUMNS = {
  source_connector: 'varchar',
  source_key: 'varchar',
  shipment_id: 'bigint',
  occurred_at: 'timestamptz',
  status: 'shipment_status',
  raw_code: 'varchar',
  raw_text: 'text',
  region_code: 'varchar',
  area_code: 'varchar',
  node_id: 'int',
  location: 'varchar',
  temperature_c: 'real',
  format: 'tracking_format',
} as const;

const time = (e: Candidate) => e.event.occurredAt.getTime();
const later = (a: Date | null, b: Date | null) => (a && (!b || a > b) ? a : b);
const earlier = (a: Date | null, b: Date | null) => (a && (!b || a < b) ? a : b);

/**
 * A parcel's state after its new events, from its state before them (issue
 * #13: incremental, not from all of its events). Status and last scan: the
 * latest event wins, an older one never sets them back. Origin: where the
 * earliest pick-up scan with a place was, else the declared origin, else the
 * first place scanned; destination: where the latest delivery scan with a
 * place was, else the declared destination. `origin_scan_at` /
 * `destination_scan_at` remember which scan set them, so a late-arriving
 * earlier pick-up scan still wins.
 * @internal
 */
export function deriveParcel(before: ParcelState, declared: Declared | undefined, events: readonly Candidate[]): ParcelState {
  const next = { ...before };
  const sorted = [...events].sort((a, b) => time(a) - time(b));
  const latest = sorted.at(-1);
  if (latest && (!next.last_event_at || latest.event.occurredAt >= next.last_event_at)) {
    next.status = latest.event.status;
    next.last_event_at = latest.event.occurredAt;
  }
  for (const e of sorted) {
    if (e.event.status === ShipmentStatus.PICKED_UP) next.picked_up_at = earlier(e.event.occurredAt, next.picked_up_at);
    if (e.event.status === ShipmentStatus.DELIVERED) next.delivered_at = later(e.event.occurredAt, next.delivered_at);
  }
  const pickup = sorted.find((e) => e.event.status === ShipmentStatus.PICKED_UP && e.event.areaCode);
  if (pickup && (!next.origin_scan_at || pickup.event.occurredAt < next.origin_scan_at)) {
    next.origin_code = pickup.event.areaCode!;
    next.origin_scan_at = pickup.event.occurredAt;
  } else if (!next.origin_scan_at) {
    next.origin_code = declared?.origin_code ?? next.origin_code ?? sorted.find((e) => e.event.areaCode)?.event.areaCode ?? null;
  }
  const delivery = [...sorted].reverse().find((e) => e.event.status === ShipmentStatus.DELIVERED && e.event.areaCode);
  if (delivery && (!next.destination_scan_at || delivery.event.occurredAt >= next.destination_scan_at)) {
    next.destination_code = delivery.event.areaCode!;
    next.destination_scan_at = delivery.event.occurredAt;
  } else if (!next.destination_scan_at) {
    next.destination_code = declared?.destination_code ?? next.destination_code;
  }
  return next;
}

const PARCEL_TYPES = {
  status: 'shipment_status',
  last_event_at: 'timestamptz',
  picked_up_at: 'timestamptz',
  delivered_at: 'timestamptz',
  origin_code: 'varchar',
  destination_code: 'varchar',
  origin_scan_at: 'timestamptz',
  destination_scan_at: 'timestamptz',
  product_id: 'int',
  platform_id: 'int',
  is_farm_product: 'boolean',
  weight_kg: 'real',
  promised_at: 'timestamptz',
  recipient_name: 'varchar',
  recipient_phone: 'varchar',
  recipient_address: 'varchar',
} as const;
type ParcelColumn = keyof typeof PARCEL_TYPES;
const PARCEL_COLUMNS = Object.keys(PARCEL_TYPES) as ParcelColumn[];

/** `(select code from region where code = x)` and the direction rule for a row alias. @internal */
const placesSql = (u: string) =>
  `(select r.code from region r where r.code = ${u}.origin_code), (select r.code from region r where r.code = ${u}.destination_code), ${DIRECTION_SQL(`${u}.origin_code`, `${u}.destination_code`)}`;
/** `YYYY-MM` of an event time without building its ISO text. @internal */
function monthOfTime(at: Date): string {
  const m = at.getUTCMonth() + 1;
  return `${at.getUTCFullYear()}-${m < 10 ? '0' : ''}${m}`;
}

/** Creates the monthly partitions of the batch's event times, before its transaction. @internal */
async function prepare(records: Indexed<TrackingRecord>[], { em }: { em: EntityManager }): Promise<void> {
  const months = new Set(records.map(({ record }) => monthOfTime(record.occurredAt)));
  await ensureMonths((await em.getConnection().getNativeClient()) as pg.Pool, 'tracking_event', months);
}

/** A json column as the driver returns it (parsed, or text on a pool with its own parsers). @internal */
const json = <T>(value: unknown): T[] => (value == null ? [] : typeof value === 'string' ? (JSON.parse(value) as T[]) : (value as T[]));

/**
 * The batch's ONE lookup statement (issue #13: one round trip instead of six):
 * nodes, regions, products and platforms key-share locked (in that order, as
 * the pipeline's own integrity check: no per-row foreign-key trigger on
 * `tracking_event`), the batch's existing parcels locked `for update` in
 * tracking-number order (concurrent batches never deadlock), and which of the
 * batch's event keys are stored already for those parcels (through the
 * `(shipment_id, occurred_at)` index: an event cannot outlive its parcel, so a
 * new parcel has none, and the plan does not depend on the statistics of a
 * month partition being filled right now); and, in the same round trip, ids
 * for the batch's events and parcels from their sequences. A named statement.
 * The keys are read through `array(select unnest(…))`: PostgreSQL plans a
 * named statement anew at every bind while it keeps custom plans, and a key
 * list given as a constant (1,000 keys) was estimated key by key for every
 * month partition: 2.6 ms of planning per batch, 0.8 ms this way (session 5).
 * @internal
 */
const LOOKUP_SQL = `
with n as (select id, code, name, region_code from logistics_node where code = any($1::varchar[]) or name = any($2::varchar[]) order by id for key share),
     r as (select code from region where code = any($3::varchar[] || array(select region_code from n)) order by code for key share),
     p as (select id, code, cold_chain_min_c as min, cold_chain_max_c as max from product where code = any($4::varchar[]) order by id for key share),
     m as (select id, code from market where code = any($5::varchar[]) order by id for key share),
     s as (select x.id::text as id, x.tracking_number, x.status, x.last_event_at, x.picked_up_at, x.delivered_at, x.origin_code, x.destination_code,
                  x.origin_scan_at, x.destination_scan_at, x.product_id, x.platform_id, x.is_farm_product, x.weight_kg, x.promised_at,
                  x.recipient_name, x.recipient_phone, x.recipient_address
             from unnest($7::varchar[]) with ordinality as q(number, at)
             cross join lateral (select * from shipment where courier_id = $6 and tracking_number = q.number offset 0) x
            order by q.at for update of x),
     k as (select e.source_key from s
             cross join lateral (select t.source_key from tracking_event t
                                  where t.shipment_id = s.id::bigint and t.source_key = any(array(select unnest($9::varchar[]))) and (t.source_connector || '') = $8 offset 0) e)
select (select json_agg(n) from n) as nodes, (select json_agg(r.code) from r) as regions, (select json_agg(p) from p) as products,
       (select json_agg(m) from m) as platforms, (select json_agg(s) from s) as parcels, (select json_agg(k.source_key) from k) as keys,
       (select array_agg(nextval('tracking_event_id_seq'::regclass))::text from generate_series(1, $10::int)) as event_ids,
       (select array_agg(nextval('shipment_id_seq'::regclass))::text from generate_series(1, $11::int)) as shipment_ids`;

/** Keys stored for the batch's existing parcels (the keys that needed the lookup first). @internal */
const PARCEL_KEYS_SQL = `select e.source_key from unnest($2::bigint[]) as s(id)
  cross join lateral (select t.source_key from tracking_event t where t.shipment_id = s.id and t.source_key = any(array(select unnest($3::varchar[]))) and (t.source_connector || '') = $1 offset 0) e`;
/** Keys stored for any parcel: the careful way, after a batch met a stored key the parcel lookup did not see. @internal */
const STORED_KEYS_SQL = 'select source_key from tracking_event where source_connector = $1 and source_key = any($2::varchar[])';
/** Session cache flag: this load met a key stored under another parcel; look keys up across all parcels. @internal */
const GLOBAL_KEYS = 'tracking:global-keys';

const idList = (text: string | null): string[] => (text ? text.slice(1, -1).split(',') : []);

const DATE_COLUMNS = ['last_event_at', 'picked_up_at', 'delivered_at', 'origin_scan_at', 'destination_scan_at', 'promised_at'] as const;

/** One cell of COPY's text format. @internal */
function cell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '\\N';
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : value;
}

/**
 * The COPYed columns. Not `ingested_at`: its default, `now()`, is the batch transaction's start, the time the parcels
 * get too (session 5: 1,000 timestamps less to format, send and parse per batch).
 */
const COPY_COLUMNS = ['id', ...Object.keys(EVENT_COLUMNS)];

/** A parcel value as a statement parameter: times as ISO text (the driver's own Date formatting is slow). @internal */
const param = (value: unknown): string | number | boolean | null =>
  value instanceof Date ? isoTime(value) : ((value ?? null) as string | number | boolean | null);

/**
 * The parcel write of a batch: new parcels inserted (with reserved ids) and changed ones updated, in ONE statement;
 * the written rows come back only when `returning` (alerts or subscribers need them). @internal
 */
function parcelWriteSql(inserts: boolean, updates: boolean, returning: boolean): string {
  const cols = PARCEL_COLUMNS;
  const n = cols.length;
  const insert = `insert into shipment (id, source_connector, source_key, courier_id, tracking_number, ${cols.join(', ')}, origin_region_code, destination_region_code, direction)
       select u.id, $1, u.tracking_number, $2, u.tracking_number, ${cols.map((c) => (c === 'is_farm_product' ? 'coalesce(u.is_farm_product, false)' : `u.${c}`)).join(', ')}, ${placesSql('u')}
         from unnest($3::bigint[], $4::varchar[], ${cols.map((c, i) => `$${i + 5}::${PARCEL_TYPES[c]}[]`).join(', ')}) as u(id, tracking_number, ${cols.join(', ')})
        order by u.tracking_number${
          returning
            ? `
       returning true as created, ${shipmentReturning('')}`
            : ''
        }`;
  const at = inserts ? n + 5 : 1;
  const update = `update shipment s set ${cols.map((c) => `${c} = u.${c}`).join(', ')},
              (origin_region_code, destination_region_code, direction) = (select ${placesSql('u')})
         from unnest($${at}::bigint[], ${cols.map((c, i) => `$${at + i + 1}::${PARCEL_TYPES[c]}[]`).join(', ')}) as u(id, ${cols.join(', ')})
        where s.id = u.id${
          returning
            ? `
       returning false as created, ${shipmentReturning('s.')}`
            : ''
        }`;
  if (inserts && updates)
    return returning ? `with i as (${insert}), u as (${update}) select * from i union all select * from u` : `with i as (${insert}) ${update}`;
  return inserts ? insert : update;
}

async function write(records: Indexed<TrackingRecord>[], ctx: WriteContext): Promise<KindWrite> {
  const { client, connector } = ctx;
  const { courier } = ctx.context as CourierContext;
  const rejections: KindRejection[] = [];

  // 1. ONE lookup: references, parcels (locked), stored keys.
  const nodeCodes = new Set<string>();
  const places = new Set<string>();
  const regionCodes = new Set<string>();
  const products = new Set<string>();
  const platforms = new Set<string>();
  const numbers = new Set<string>();
  /** Keys known before the lookup: an event's key depends on the lookup only when it has no id and takes its place from a node. */
  const earlyKeys = new Map<number, string>();
  for (const { index, record: e } of records) {
    if (e.nodeCode) nodeCodes.add(e.nodeCode);
    else if (e.location) places.add(e.location);
    if (e.areaCode) regionCodes.add(e.areaCode);
    if (e.shipment?.product) products.add(e.shipment.product);
    if (e.shipment?.platform) platforms.add(e.shipment.platform);
    numbers.add(e.trackingNumber);
    if (e.eventId || e.areaCode || (!e.nodeCode && !e.location)) earlyKeys.set(index, eventKey(e));
  }
  const sortedNumbers = [...numbers].sort();
  const { rows: lookupRows } = await client.query({
    name: 'tracking-lookup',
    text: LOOKUP_SQL,
    // (Array parameters as PostgreSQL's array text, written by pgArray: the driver's own formatting is slower.)
    values: [
      pgArray([...nodeCodes]),
      pgArray([...places]),
      pgArray([...regionCodes]),
      pgArray([...products]),
      pgArray([...platforms]),
      courier.id,
      pgArray(sortedNumbers),
      connector,
      pgArray([...new Set(earlyKeys.values())]),
      // Ids for as many events and parcels as the batch may store (unused ones are skipped: one round trip less).
      records.length,
      numbers.size,
    ],
  });
  const lookup = lookupRows[0] as Record<string, unknown>;
  const nodes = json<{ id: number; code: string; name: string; region_code: string }>(lookup.nodes);
  const productRows = json<{ id: number; code: string; min: number | null; max: number | null }>(lookup.products);
  const found = {
    nodesByCode: new Map(nodes.map((n) => [n.code, n])),
    nodesByName: new Map(nodes.map((n) => [n.name, n])),
    regions: new Set(json<string>(lookup.regions)),
    products: new Map(productRows.map((p) => [p.code, p])),
    platforms: new Map(json<{ id: number; code: string }>(lookup.platforms).map((p) => [p.code, p.id])),
  };
  const parcels = json<ParcelState & Row>(lookup.parcels);
  for (const s of parcels) for (const k of DATE_COLUMNS) if (s[k] != null) (s as Row)[k] = new Date(s[k] as unknown as string);
  const current = new Map(parcels.map((s) => [String(s.tracking_number), s]));
  const storedKeys = new Set(json<string>(lookup.keys));

  // Resolve each event's node, place, product and platform.
  const candidates: Candidate[] = [];
  const lateKeys: string[] = [];
  for (const { index, record: event } of records) {
    const node = event.nodeCode ? found.nodesByCode.get(event.nodeCode) : event.location ? found.nodesByName.get(event.location) : undefined;
    if (event.nodeCode && !node) {
      rejections.push({ index, field: 'location.nodeCode', reason: `unknown logistics node "${event.nodeCode}".` });
      continue;
    }
    if (event.shipment?.product && !found.products.has(event.shipment.product)) {
      rejections.push({ index, field: 'shipment.product', reason: `unknown product "${event.shipment.product}".` });
      continue;
    }
    if (event.shipment?.platform && !found.platforms.has(event.shipment.platform)) {
      rejections.push({ index, field: 'shipment.platform', reason: `unknown market "${event.shipment.platform}".` });
      continue;
    }
    // A scan at a known node is in the node's region when the courier gave no code.
    if (!event.areaCode && node) event.areaCode = node.region_code;
    const regionCode = event.areaCode && found.regions.has(event.areaCode) ? event.areaCode : null;
    let key = earlyKeys.get(index);
    if (key === undefined) lateKeys.push((key = eventKey(event)));
    candidates.push({ index, event, key, nodeId: node?.id ?? null, regionCode });
  }
  if (!candidates.length) return { rejections, stored: 0, duplicates: 0 };
  // Keys that needed the lookup (no event id, place from a node): one more statement, only when their parcels exist.
  const parcelIds = parcels.map((p) => String(p.id));
  if (lateKeys.length && parcelIds.length) {
    const more = await client.query<{ source_key: string }>({
      name: 'tracking-parcel-keys',
      text: PARCEL_KEYS_SQL,
      values: [connector, pgArray(parcelIds), pgArray(lateKeys)],
    });
    for (const row of more.rows) storedKeys.add(row.source_key);
  }
  // A courier that re-used an event id for another parcel: that batch failed on the table's unique key and runs again
  // here, looking its keys up across all parcels (as an event's identity is its key).
  if (ctx.cache.get(GLOBAL_KEYS)) {
    const all = await client.query<{ source_key: string }>(STORED_KEYS_SQL, [connector, pgArray(candidates.map((c) => c.key))]);
    for (const row of all.rows) storedKeys.add(row.source_key);
  }

  // What the events declare about their parcels, later events winning.
  const declared = new Map<string, Declared>();
  const withShipment = candidates.filter((c) => c.event.shipment);
  for (const c of withShipment.length > 1 ? withShipment.sort((a, b) => time(a) - time(b)) : withShipment) {
    const s = c.event.shipment!;
    const product = s.product ? found.products.get(s.product) : undefined;
    const next: Declared = {
      origin_code: s.originCode ?? null,
      destination_code: s.destinationCode ?? null,
      product_id: product?.id ?? null,
      platform_id: s.platform ? (found.platforms.get(s.platform) ?? null) : null,
      is_farm_product: s.isFarmProduct ?? (product ? true : null),
      weight_kg: s.weightKg ?? null,
      promised_at: s.promisedAt ?? null,
      recipient_name: s.recipientName ?? null,
      recipient_phone: s.recipientPhone ?? null,
      recipient_address: s.recipientAddress ?? null,
    };
    const prev = declared.get(c.event.trackingNumber);
    declared.set(
      c.event.trackingNumber,
      prev ? (Object.fromEntries(Object.entries(next).map(([k, v]) => [k, v ?? prev[k as keyof Declared]])) as unknown as Declared) : next,
    );
  }

  // Events already stored (a re-sent push) or repeated in the batch are skipped. An event's identity is its key,
  // whatever time it is sent with (a courier retrying a batch may rebuild it): the lookup read every month's unique
  // index by its (source, key) prefix. The parcels' locks keep a concurrent batch from storing the same parcel's
  // events meanwhile; the table's own unique key (source, key, time) is the last guard.
  const unique = new Map<string, Candidate>();
  for (const c of candidates) if (!unique.has(c.key) && !storedKeys.has(c.key)) unique.set(c.key, c);
  const fresh = [...unique.values()];
  const duplicates = candidates.length - fresh.length;

  // 2. Derive each touched parcel's state from its current state and its new events (incremental).
  const byNumber = new Map<string, Candidate[]>();
  for (const c of fresh) {
    const list = byNumber.get(c.event.trackingNumber);
    if (list) list.push(c);
    else byNumber.set(c.event.trackingNumber, [c]);
  }
  const empty: ParcelState = {
    status: null,
    last_event_at: null,
    picked_up_at: null,
    delivered_at: null,
    origin_code: null,
    destination_code: null,
    origin_scan_at: null,
    destination_scan_at: null,
  };
  const inserts: [string, ParcelState & Declared][] = [];
  const updates: [string, ParcelState & Declared][] = [];
  for (const number of sortedNumbers) {
    const events = byNumber.get(number) ?? [];
    const before = current.get(number);
    const said = declared.get(number);
    if (!before) {
      if (events.length) inserts.push([number, { ...(said ?? ({} as Declared)), ...deriveParcel(empty, said, events) }]);
      // (deriveParcel keeps the declared places it chose; the other declared values are as said.)
      continue;
    }
    // A parcel with no new event changes only when the events declare something new about it.
    const changed =
      said && (Object.keys(said) as (keyof Declared)[]).some((k) => said[k] != null && String(said[k]) !== String(before[k as keyof typeof before] ?? ''));
    if (!events.length && !changed) continue;
    const next = deriveParcel(before, said, events);
    const merged = { ...next } as ParcelState & Declared;
    for (const k of ['product_id', 'platform_id', 'weight_kg', 'promised_at', 'recipient_name', 'recipient_phone', 'recipient_address'] as const) {
      (merged as unknown as Row)[k] = said?.[k] ?? (before as Row)[k] ?? null;
    }
    merged.is_farm_product = Boolean((before as Row).is_farm_product) || Boolean(said?.is_farm_product);
    updates.push([before.id!, merged]);
  }

  // 3. Ids for the new events and parcels (reserved by the lookup), then the events COPYed straight into their
  //    month's partition, ordered by parcel and time; the parcels are written after the events, just before the
  //    commit (their triggers lock the referenced rows and append the parcel statistics).
  const newParcelIds = new Map<string, string>();
  if (fresh.length || inserts.length) {
    const eventIds = idList(lookup.event_ids as string | null);
    const parcelIds = idList(lookup.shipment_ids as string | null);
    inserts.forEach(([number], i) => newParcelIds.set(number, parcelIds[i]));
    fresh.sort((a, b) => (a.event.trackingNumber < b.event.trackingNumber ? -1 : a.event.trackingNumber > b.event.trackingNumber ? 1 : time(a) - time(b)));
    fresh.forEach((c, i) => (c.id = eventIds[i]));
  }
  const idOf = (number: string) => newParcelIds.get(number) ?? String(current.get(number)!.id);
  if (fresh.length) {
    try {
      await copyEvents(ctx, connector, fresh, idOf);
    } catch (error) {
      // (The pipeline runs the batch again on a unique violation; this session then looks keys up the careful way.)
      if ((error as { code?: string }).code === '23505') ctx.cache.set(GLOBAL_KEYS, true);
      throw error;
    }
  }

  // 4. The parcels: new ones inserted, changed ones updated, in one statement. Their rows come back only when
  //    alerts or listening subscribers need them (session 5: reading 200 parcel rows back cost the hub ~1 ms a
  //    batch nobody watches); a subscriber that starts listening meanwhile gets them read after the commit.
  const pubSub = ctx.pubSub;
  const alerting = fresh.some((c) => isAlerting(c.event));
  const returning = alerting || (pubSub !== undefined && listenedNumbers(pubSub, byNumber.keys()).length > 0);
  const shipments = new Map<string, Row>();
  if (inserts.length || updates.length) {
    const cols = PARCEL_COLUMNS;
    const values: unknown[] = [];
    if (inserts.length) {
      values.push(
        connector,
        courier.id,
        pgArray(inserts.map(([n]) => newParcelIds.get(n))),
        pgArray(inserts.map(([n]) => n)),
        ...cols.map((c) => pgArray(inserts.map(([, s]) => param((s as unknown as Row)[c])))),
      );
    }
    if (updates.length) values.push(pgArray(updates.map(([id]) => id)), ...cols.map((c) => pgArray(updates.map(([, s]) => param((s as unknown as Row)[c])))));
    const variant = `${inserts.length ? 'i' : ''}${updates.length ? 'u' : ''}${returning ? 'r' : ''}`;
    // A parcel another batch (or writer) created meanwhile fails the insert on the table's unique key (23505): the
    // pipeline runs the batch again, and its lookup then finds the parcel. (A plain insert: no speculative insertion
    // per row, as `on conflict` would do for a case the retry already covers.)
    const written = await client.query({
      name: `tracking-parcels-${variant}`,
      text: parcelWriteSql(inserts.length > 0, updates.length > 0, returning),
      values,
    });
    for (const row of written.rows as Row[]) {
      delete row.created;
      shipments.set(String(row.tracking_number), row);
    }
  }

  // Alerts raised by the new events: exception, failed attempt, cold-chain excursion.
  const ranges = new Map([...found.products.values()].map((p) => [p.id, p]));
  const readings = fresh.some((c) => c.event.temperatureC != null);
  const missingRanges = readings ? [...new Set([...shipments.values()].map((s) => s.product_id).filter((id) => id != null && !ranges.has(Number(id))))] : [];
  if (missingRanges.length) {
    const more = await client.query<{ id: number; code: string; min: number | null; max: number | null }>(
      'select id, code, cold_chain_min_c as min, cold_chain_max_c as max from product where id = any($1::int[])',
      [missingRanges],
    );
    for (const p of more.rows) ranges.set(p.id, p);
  }
  const alerts: NewAlert[] = [];
  for (const c of fresh) {
    const e = c.event;
    const reading = e.temperatureC;
    if (!isAlerting(e)) continue;
    const shipment = shipments.get(e.trackingNumber)!;
    const region = (c.regionCode ?? shipment.destination_region_code ?? shipment.origin_region_code ?? null) as string | null;
    const base = { regionCode: region, shipmentId: String(shipment.id), raisedAt: new Date() };
    const what = `${courier.code} ${e.trackingNumber}`;
    const where = e.location ? ` at ${e.location}` : '';
    const occurredAt = e.occurredAt.toISOString();
    if (e.status === ShipmentStatus.EXCEPTION || e.status === ShipmentStatus.REJECTED) {
      alerts.push({
        ...base,
        kind: AlertKind.EXCEPTION,
        severity: AlertSeverity.WARNING,
        dedupeKey: `exception:event:${c.id}`,
        message: `Parcel ${what}: ${e.status === ShipmentStatus.REJECTED ? 'refused by the recipient' : 'courier reported an exception'}${where}${e.rawText ? ` (${e.rawText})` : ''}.`,
        details: { eventId: c.id, status: e.status, rawCode: e.rawCode ?? null, rawText: e.rawText ?? null, occurredAt },
      });
    }
    if (e.status === ShipmentStatus.FAILED_ATTEMPT) {
      alerts.push({
        ...base,
        kind: AlertKind.FAILED_ATTEMPT,
        severity: AlertSeverity.INFO,
        dedupeKey: `failed-attempt:event:${c.id}`,
        message: `Parcel ${what}: delivery attempt failed${where}${e.rawText ? ` (${e.rawText})` : ''}.`,
        details: { eventId: c.id, rawCode: e.rawCode ?? null, rawText: e.rawText ?? null, occurredAt },
      });
    }
    const product = shipment.product_id != null ? ranges.get(Number(shipment.product_id)) : undefined;
    if (reading != null && product && ((product.min != null && reading < product.min) || (product.max != null && reading > product.max))) {
      alerts.push({
        ...base,
        kind: AlertKind.COLD_CHAIN_EXCURSION,
        severity: AlertSeverity.CRITICAL,
        dedupeKey: `cold-chain:event:${c.id}`,
        productId: product.id,
        message: `Parcel ${what} (${product.code}): ${reading} °C${where}, allowed ${product.min ?? '-∞'} to ${product.max ?? '+∞'} °C.`,
        details: { eventId: c.id, temperatureC: reading, minC: product.min, maxC: product.max, product: product.code, occurredAt },
      });
    }
  }
  const raised = await storeAlertsWith(client, alerts);

  return {
    rejections,
    stored: fresh.length,
    duplicates,
    figures: { shipmentsUpdated: byNumber.size, alerts: raised.length },
    publish: pubSub
      ? async () => {
          // What subscribers get, per parcel that received new events: built only for topics someone listens to
          // (issue #13: a bulk push nobody watches costs no per-event publishing work).
          const all = hasSubscribers(pubSub, SHIPMENT_UPDATED);
          const listened = all ? [...byNumber.keys()] : listenedNumbers(pubSub, byNumber.keys());
          const unread = listened.filter((number) => !shipments.has(number));
          if (unread.length) {
            // Nobody listened when the parcels were written: read the listened ones as they now stand.
            const pool = (await ctx.em.getConnection().getNativeClient()) as pg.Pool;
            const read = await pool.query(`select ${shipmentReturning('')} from shipment where id = any($1::bigint[])`, [unread.map(idOf)]);
            for (const row of read.rows as Row[]) shipments.set(String(row.tracking_number), row);
          }
          for (const number of listened) {
            const events = byNumber.get(number)!;
            const own = shipmentTopic(number);
            const mine = hasSubscribers(pubSub, own);
            const row = shipments.get(number);
            if (!row) continue;
            const update = shipmentUpdate(connector, courier.code, number, row, events);
            if (all) pubSub.publish(SHIPMENT_UPDATED, update);
            if (mine) pubSub.publish(own, update);
          }
          publishAlerts(pubSub, raised);
        }
      : undefined,
  };
}

/** Whether a new event raises an alert (exception, refusal, failed attempt, a temperature reading to check). @internal */
function isAlerting(e: TrackingRecord): boolean {
  return e.status === ShipmentStatus.EXCEPTION || e.status === ShipmentStatus.REJECTED || e.status === ShipmentStatus.FAILED_ATTEMPT || e.temperatureC != null;
}

/** The tracking numbers whose `shipmentUpdated` topic someone may hear (all of them when anyone listens to every parcel). @internal */
function listenedNumbers(pubSub: HubPubSub, numbers: Iterable<string>): string[] {
  const all = hasSubscribers(pubSub, SHIPMENT_UPDATED);
  const out: string[] = [];
  for (const number of numbers) if (all || hasSubscribers(pubSub, shipmentTopic(number))) out.push(number);
  return out;
}

/** The new events COPYed straight into their month's partition (through the parent when they span months). @internal */
async function copyEvents(ctx: WriteContext, connector: string, fresh: readonly Candidate[], idOf: (number: string) => string): Promise<void> {
  const pool = (await ctx.em.getConnection().getNativeClient()) as pg.Pool;
  const months = new Set(fresh.map((c) => monthOfTime(c.event.occurredAt)));
  const into = months.size === 1 ? knownPartition(pool, 'tracking_event', [...months][0]) : undefined;
  const source = cell(connector);
  // Each line written into one buffer as it is made (session 5: converting one long string of the whole batch to
  // bytes cost more than building it).
  let data = Buffer.allocUnsafe(fresh.length * 192 + 4096);
  let size = 0;
  for (const c of fresh) {
    const e = c.event;
    const line =
      `${c.id}\t${source}\t${cell(c.key)}\t${idOf(e.trackingNumber)}\t${isoTime(e.occurredAt)}\t${e.status}\t${cell(e.rawCode?.slice(0, 32))}\t` +
      `${cell(e.rawText)}\t${cell(c.regionCode)}\t${cell(e.areaCode)}\t${cell(c.nodeId)}\t${cell(e.location?.slice(0, 200))}\t${cell(e.temperatureC)}\t${e.format}\n`;
    // (At most 3 bytes per UTF-16 unit.)
    if (size + line.length * 3 > data.length) {
      const larger = Buffer.allocUnsafe(Math.max(data.length * 2, size + line.length * 3));
      data.copy(larger, 0, 0, size);
      data = larger;
    }
    size += data.write(line, size);
  }
  const columns = COPY_COLUMNS.map((c) => `"${c}"`).join(', ');
  await pipeline(Readable.from([data.subarray(0, size)]), ctx.client.query(copyFrom(`copy "${into ?? 'tracking_event'}" (${columns}) from stdin`)));
}

/** What `shipmentUpdated` subscribers get about one parcel: its row as it now stands and its new events, as plain JSON. @internal */
function shipmentUpdate(connector: string, courierCode: string, number: string, row: Row, events: Candidate[]): ShipmentUpdatedEvent {
  const shipment = plain(row);
  const eventRows = events
    .sort((a, b) => time(a) - time(b) || Number(a.id) - Number(b.id))
    .map((c) => ({
      id: c.id,
      source_connector: connector,
      source_key: c.key,
      shipment_id: shipment.id,
      occurred_at: isoTime(c.event.occurredAt),
      status: c.event.status,
      raw_code: c.event.rawCode?.slice(0, 32) ?? null,
      raw_text: c.event.rawText ?? null,
      region_code: c.regionCode,
      area_code: c.event.areaCode ?? null,
      node_id: c.nodeId,
      location: c.event.location?.slice(0, 200) ?? null,
      temperature_c: c.event.temperatureC ?? null,
      format: c.event.format,
    }));
  const areaCodes = new Set<string>();
  for (const code of [shipment.origin_code, shipment.destination_code, ...eventRows.map((e) => e.area_code)]) if (typeof code === 'string') areaCodes.add(code);
  return { shipment, events: eventRows, courierCode, trackingNumber: number, areaCodes: [...areaCodes] };
}

/** A database row as plain JSON (dates as ISO strings, bigints as strings): it crosses Redis. @internal */
function plain(row: Row): Row {
  const out: Row = {};
  for (const k in row) {
    const v = row[k];
    out[k] = v instanceof Date ? isoTime(v) : typeof v === 'bigint' ? String(v) : v;
  }
  return out;
}

export const trackingKind: FactKind<TrackingRecord> = { kind: 'tracking', validate, prepare, write };
registerFactKind(trackingKind);
