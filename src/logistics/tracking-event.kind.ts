import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ensureMonths, knownPartition, monthOf } from '../platform/partitions.js';
import { registerFactKind, type FactKind, type Indexed, type KindRejection, type KindWrite, type WriteContext } from '../ingest/fact-kind.js';
import { copyInto } from '../ingest/bulk-insert.js';
import { reject } from '../ingest/records.js';
import { storableText } from '../platform/storable-text.js';
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
    event.occurredAt.toISOString(),
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
  const clean = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? storableText(v) : v]));
  const event = clean(input);
  if (event.shipment && typeof event.shipment === 'object') event.shipment = clean(event.shipment as Record<string, unknown>);
  return event as unknown as TrackingRecord;
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

/** Lookups of one batch, each referenced row key-share locked until the commit. @internal */
async function resolveReferences(client: pg.PoolClient, events: readonly TrackingRecord[]) {
  const nodeCodes = new Set<string>();
  const places = new Set<string>();
  const regionCodes = new Set<string>();
  const products = new Set<string>();
  const platforms = new Set<string>();
  for (const e of events) {
    if (e.nodeCode) nodeCodes.add(e.nodeCode);
    else if (e.location) places.add(e.location);
    if (e.areaCode) regionCodes.add(e.areaCode);
    if (e.shipment?.product) products.add(e.shipment.product);
    if (e.shipment?.platform) platforms.add(e.shipment.platform);
  }
  const nodes =
    nodeCodes.size || places.size
      ? (
          await client.query<{ id: number; code: string; name: string; region_code: string }>(
            'select id, code, name, region_code from logistics_node where code = any($1::varchar[]) or name = any($2::varchar[]) order by id for key share',
            [[...nodeCodes], [...places]],
          )
        ).rows
      : [];
  for (const n of nodes) regionCodes.add(n.region_code);
  const regions = regionCodes.size
    ? (await client.query<{ code: string }>('select code from region where code = any($1::varchar[]) order by code for key share', [[...regionCodes]])).rows
    : [];
  const productRows = products.size
    ? (
        await client.query<{ id: number; code: string; min: number | null; max: number | null }>(
          'select id, code, cold_chain_min_c as min, cold_chain_max_c as max from product where code = any($1::varchar[]) order by id for key share',
          [[...products]],
        )
      ).rows
    : [];
  const platformRows = platforms.size
    ? (
        await client.query<{ id: number; code: string }>('select id, code from market where code = any($1::varchar[]) order by id for key share', [
          [...platforms],
        ])
      ).rows
    : [];
  return {
    nodesByCode: new Map(nodes.map((n) => [n.code, n])),
    nodesByName: new Map(nodes.map((n) => [n.name, n])),
    regions: new Set(regions.map((r) => r.code)),
    products: new Map(productRows.map((p) => [p.code, p])),
    platforms: new Map(platformRows.map((p) => [p.code, p.id])),
  };
}

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

/** Creates the monthly partitions of the batch's event times, before its transaction. @internal */
async function prepare(records: Indexed<TrackingRecord>[], { em }: { em: EntityManager }): Promise<void> {
  const months = new Set(records.map(({ record }) => monthOf(record.occurredAt)));
  await ensureMonths((await em.getConnection().getNativeClient()) as pg.Pool, 'tracking_event', months);
}

async function write(records: Indexed<TrackingRecord>[], ctx: WriteContext): Promise<KindWrite> {
  const { client, connector } = ctx;
  const { courier } = ctx.context as CourierContext;
  const rejections: KindRejection[] = [];
  const found = await resolveReferences(
    client,
    records.map((r) => r.record),
  );

  // Resolve each event's node, place, product and platform.
  const candidates: Candidate[] = [];
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
    candidates.push({ index, event, key: eventKey(event), nodeId: node?.id ?? null, regionCode });
  }
  if (!candidates.length) return { rejections, stored: 0, duplicates: 0 };

  // What the events declare about their parcels, later events winning.
  const declared = new Map<string, Declared>();
  for (const c of [...candidates].sort((a, b) => time(a) - time(b))) {
    const s = c.event.shipment;
    if (!s) continue;
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

  // Lock the batch's parcels that exist, in tracking-number order, and read their state.
  const numbers = [...new Set(candidates.map((c) => c.event.trackingNumber))].sort();
  const locked = await client.query<ParcelState & Row>(
    `select id::text, tracking_number, status, last_event_at, picked_up_at, delivered_at, origin_code, destination_code, origin_scan_at, destination_scan_at,
            product_id, platform_id, is_farm_product, weight_kg, promised_at, recipient_name, recipient_phone, recipient_address
       from shipment where courier_id = $1 and tracking_number = any($2::varchar[]) order by tracking_number for update`,
    [courier.id, numbers],
  );
  // (The ORM's pool may hand timestamps back as text.)
  for (const s of locked.rows)
    for (const k of ['last_event_at', 'picked_up_at', 'delivered_at', 'origin_scan_at', 'destination_scan_at', 'promised_at'] as const) {
      if (s[k] != null && !(s[k] instanceof Date)) (s as Row)[k] = new Date(s[k] as unknown as string);
    }
  const current = new Map(locked.rows.map((s) => [String(s.tracking_number), s]));

  // Events already stored (a re-sent push) or repeated in the batch are skipped.
  const unique = new Map<string, Candidate>();
  for (const c of candidates) if (!unique.has(c.key)) unique.set(c.key, c);
  // An event's identity is its key, whatever time it is sent with (a courier retrying a batch may rebuild it): the
  // lookup reads every month's unique index by its (source, key) prefix. The parcels' locks above keep a concurrent
  // batch from storing the same parcel's events meanwhile; the table's own unique key (source, key, time) is the
  // last guard.
  const stored = await client.query<{ source_key: string }>(
    'select source_key from tracking_event where source_connector = $1 and source_key = any($2::varchar[])',
    [connector, [...unique.keys()]],
  );
  for (const row of stored.rows) unique.delete(row.source_key);
  const fresh = [...unique.values()];
  const duplicates = candidates.length - fresh.length;

  // Derive each touched parcel's state from its current state and its new events.
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
  for (const number of numbers) {
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

  const shipments = new Map<string, Row>();
  if (inserts.length) {
    const cols = PARCEL_COLUMNS;
    const inserted = await client.query(
      `insert into shipment (source_connector, source_key, courier_id, tracking_number, ${cols.join(', ')}, origin_region_code, destination_region_code, direction)
       select $1, u.tracking_number, $2, u.tracking_number, ${cols.map((c) => (c === 'is_farm_product' ? 'coalesce(u.is_farm_product, false)' : `u.${c}`)).join(', ')}, ${placesSql('u')}
         from unnest($3::varchar[], ${cols.map((c, i) => `$${i + 4}::${PARCEL_TYPES[c]}[]`).join(', ')}) as u(tracking_number, ${cols.join(', ')})
        order by u.tracking_number
       on conflict (courier_id, tracking_number) do nothing
       returning ${shipmentReturning('')}`,
      [connector, courier.id, inserts.map(([n]) => n), ...cols.map((c) => inserts.map(([, s]) => (s as unknown as Row)[c] ?? null))],
    );
    // Another batch created one of these parcels meanwhile: run the batch again (it now finds the parcel).
    if (inserted.rows.length !== inserts.length) throw Object.assign(new Error('a parcel of the batch was created concurrently'), { code: '40001' });
    for (const row of inserted.rows) shipments.set(String(row.tracking_number), row);
  }
  const idOf = (number: string) => String(shipments.get(number)?.id ?? current.get(number)?.id);

  // The new events, COPYed with reserved ids, ordered by parcel and time.
  if (fresh.length) {
    fresh.sort((a, b) => (a.event.trackingNumber < b.event.trackingNumber ? -1 : a.event.trackingNumber > b.event.trackingNumber ? 1 : time(a) - time(b)));
    const rows = fresh.map((c) => [
      connector,
      c.key,
      idOf(c.event.trackingNumber),
      c.event.occurredAt.toISOString(),
      c.event.status,
      c.event.rawCode?.slice(0, 32) ?? null,
      c.event.rawText ?? null,
      c.regionCode,
      c.event.areaCode ?? null,
      c.nodeId,
      c.event.location?.slice(0, 200) ?? null,
      c.event.temperatureC ?? null,
      c.event.format,
    ]);
    const pool = (await ctx.em.getConnection().getNativeClient()) as pg.Pool;
    const partitionOf = (row: readonly unknown[]) => knownPartition(pool, 'tracking_event', monthOf(String(row[3])));
    const { ids } = await copyInto(client, { table: 'tracking_event', sequence: 'tracking_event_id_seq', columns: EVENT_COLUMNS, partitionOf }, rows);
    fresh.forEach((c, i) => (c.id = ids[i]));
  }

  if (updates.length) {
    const cols = PARCEL_COLUMNS;
    const updated = await client.query(
      `update shipment s set ${cols.map((c) => `${c} = u.${c}`).join(', ')},
              (origin_region_code, destination_region_code, direction) = (select ${placesSql('u')})
         from unnest($1::bigint[], ${cols.map((c, i) => `$${i + 2}::${PARCEL_TYPES[c]}[]`).join(', ')}) as u(id, ${cols.join(', ')})
        where s.id = u.id
       returning ${shipmentReturning('s.')}`,
      [updates.map(([id]) => id), ...cols.map((c) => updates.map(([, s]) => (s as unknown as Row)[c] ?? null))],
    );
    for (const row of updated.rows) shipments.set(String(row.tracking_number), row);
  }

  // Alerts raised by the new events: exception, failed attempt, cold-chain excursion.
  const ranges = new Map([...found.products.values()].map((p) => [p.id, p]));
  const missingRanges = [...new Set([...shipments.values()].map((s) => s.product_id).filter((id) => id != null && !ranges.has(Number(id))))];
  if (missingRanges.length && fresh.some((c) => c.event.temperatureC != null)) {
    const more = await client.query<{ id: number; code: string; min: number | null; max: number | null }>(
      'select id, code, cold_chain_min_c as min, cold_chain_max_c as max from product where id = any($1::int[])',
      [missingRanges],
    );
    for (const p of more.rows) ranges.set(p.id, p);
  }
  const alerts: NewAlert[] = [];
  for (const c of fresh) {
    const e = c.event;
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
    const reading = e.temperatureC;
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

  // What subscribers get, per parcel that received new events.
  const published: ShipmentUpdatedEvent[] = [];
  for (const [number, events] of byNumber) {
    const shipment = plain(shipments.get(number)!);
    const eventRows = events
      .sort((a, b) => time(a) - time(b) || Number(a.id) - Number(b.id))
      .map((c) =>
        plain({
          id: c.id,
          source_connector: connector,
          source_key: c.key,
          shipment_id: shipment.id,
          occurred_at: c.event.occurredAt,
          status: c.event.status,
          raw_code: c.event.rawCode?.slice(0, 32) ?? null,
          raw_text: c.event.rawText ?? null,
          region_code: c.regionCode,
          area_code: c.event.areaCode ?? null,
          node_id: c.nodeId,
          location: c.event.location?.slice(0, 200) ?? null,
          temperature_c: c.event.temperatureC ?? null,
          format: c.event.format,
        }),
      );
    const areaCodes = [shipment.origin_code, shipment.destination_code, ...eventRows.map((e) => e.area_code)].filter((c): c is string => typeof c === 'string');
    published.push({ shipment, events: eventRows, courierCode: courier.code, trackingNumber: number, areaCodes: [...new Set(areaCodes)] });
  }
  const pubSub = ctx.pubSub;
  return {
    rejections,
    stored: fresh.length,
    duplicates,
    figures: { shipmentsUpdated: published.length, alerts: raised.length },
    publish: pubSub
      ? () => {
          for (const update of published) {
            pubSub.publish(SHIPMENT_UPDATED, update);
            pubSub.publish(shipmentTopic(update.trackingNumber), update);
          }
          publishAlerts(pubSub, raised);
        }
      : undefined,
  };
}

/** A database row as plain JSON (dates as ISO strings, bigints as strings): it crosses Redis. @internal */
function plain(row: Row): Row {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? String(v) : v]));
}

export const trackingKind: FactKind<TrackingRecord> = { kind: 'tracking', validate, prepare, write };
registerFactKind(trackingKind);
