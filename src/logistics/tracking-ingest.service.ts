import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { HubPubSub } from '../platform/pubsub.js';
import { sqlList } from '../platform/sql.js';
import { keepRejected } from '../ingest/rejected-store.js';
import { publishAlerts, storeAlerts, type NewAlert } from '../alerts/stream/alert.service.js';
import { AlertKind, AlertSeverity } from '../alerts/stream/alert-kind.js';
import type { AlertRaisedEvent } from '../alerts/stream/alert.events.js';
import { ShipmentStatus } from './logistics-enums.js';
import { TrackingFormat } from './tracking-format.js';
import { SignatureError, SignatureFailure, UnknownCourierError } from './tracking-errors.js';
import { SHIPMENT_UPDATED, shipmentTopic, type ShipmentUpdatedEvent } from './shipment.events.js';
import { DIRECTION_SQL } from './shipment-direction.js';
import { FeedProblem, type FeedEvent, type FeedMapper, type RawFeedItem } from './feeds/feed-event.js';
import { mapNativeEvent } from './feeds/native.mapper.js';
import { mapKuaidi100Item } from './feeds/kuaidi100.mapper.js';
import { mapAftershipCheckpoint } from './feeds/aftership.mapper.js';
import { mapEpcisEvent } from './feeds/epcis.mapper.js';

/** Per format: how one kept raw record becomes an event. Replays go through the same table. */
export const FEED_MAPPERS: Readonly<Record<TrackingFormat, FeedMapper>> = {
  [TrackingFormat.NATIVE]: (raw) => mapNativeEvent(raw),
  [TrackingFormat.GRAPHQL]: (raw) => mapNativeEvent(raw, TrackingFormat.GRAPHQL),
  [TrackingFormat.KUAIDI100]: mapKuaidi100Item,
  [TrackingFormat.AFTERSHIP]: mapAftershipCheckpoint,
  [TrackingFormat.EPCIS]: mapEpcisEvent,
};

/** The field that carries the event time, per format (named in "impossible time" errors). */
const TIME_FIELD: Readonly<Record<TrackingFormat, string>> = {
  [TrackingFormat.NATIVE]: 'occurredAt',
  [TrackingFormat.GRAPHQL]: 'occurredAt',
  [TrackingFormat.KUAIDI100]: 'ftime',
  [TrackingFormat.AFTERSHIP]: 'checkpoint_time',
  [TrackingFormat.EPCIS]: 'eventTime',
};

/** Clock skew tolerated for event times; later than this is an impossible (future) time. */
export const FUTURE_TOLERANCE_MS = 10 * 60_000;
/** Earliest plausible event time. */
const EARLIEST_EVENT = Date.parse('2000-01-01T00:00:00Z');

/** Statuses after which a parcel is no longer expected to move (no DELAYED alerts). */
export const FINAL_STATUSES = [ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED, ShipmentStatus.REJECTED] as const;

/** The rejected-store connector name of a courier's feed. */
export const courierConnector = (courierCode: string) => `courier:${courierCode}`;

/** What the rejected store keeps of a refused event: enough to replay it alone. */
export interface KeptTrackingEvent {
  format: TrackingFormat;
  courier: string;
  event: unknown;
}

/** One push (or mutation call, or replay) of a known courier. */
export interface IngestRequest {
  /** The authenticated courier: every event must be its own. */
  courier: string;
  items: readonly RawFeedItem[];
  /** Signature of a native push: stored with the events, so the same request cannot be replayed. */
  signature?: string;
  /** Where the request came from, for the rejected store (e.g. `POST /hooks/couriers/zhongtong`). */
  origin: string;
  /** Keep refused events in the rejected store (replays of kept events say false). @default true */
  keepRejected?: boolean;
}

/** One refused event, by its index in the request. */
export interface RejectedEvent {
  index: number;
  field: string;
  reason: string;
  /** Id of the rejected-store record kept for replay. */
  rejectedRecordId?: string;
}

export interface IngestResult {
  /** Events stored by this request. */
  accepted: number;
  /** Events already stored before (same stable key); nothing changed. */
  duplicates: number;
  rejected: RejectedEvent[];
  /** Shipments that received at least one new event. */
  shipmentsUpdated: number;
  /** Alerts raised by this request. */
  alerts: number;
}

interface Candidate {
  item: RawFeedItem;
  event: FeedEvent;
  key: string;
  nodeId: number | null;
  regionCode: string | null;
}

interface Lookups {
  nodesByCode: Map<string, { id: number; region_code: string }>;
  nodesByName: Map<string, { id: number; region_code: string }>;
  regions: Set<string>;
  products: Map<string, { id: number; min: number | null; max: number | null; code: string }>;
  platforms: Map<string, number>;
}

type Row = Record<string, unknown>;

/** The statement runner of a (transactional) EntityManager. @internal */
function sql<T = Row[]>(em: EntityManager, text: string, params: unknown[] = []): Promise<T> {
  return em.getConnection().execute(text, params, 'all', em.getTransactionContext()) as Promise<T>;
}

/**
 * PostgreSQL's text form of a one-dimensional array (`{"a",NULL}`), for
 * `unnest(?::type[])`: MikroORM inlines parameters, and one array literal per
 * column parses far faster than a literal per cell. @internal
 */
export function pgArray(values: readonly unknown[]): string {
  return `{${values
    .map((v) => (v === null || v === undefined ? 'NULL' : `"${(v instanceof Date ? v.toISOString() : String(v)).replace(/[\\"]/g, '\\$&')}"`))
    .join(',')}}`;
}

/**
 * A stable key per event: the courier's own id when it sends one, else a hash
 * of what makes the scan that scan (tracking number, time, status, raw code,
 * place and text). The same event pushed twice, or retried after a timeout,
 * gets the same key and is stored once.
 */
export function eventKey(event: FeedEvent): string {
  if (event.eventId) return `${event.format}:id:${event.eventId}`.slice(0, 255);
  const identity = [event.trackingNumber, event.occurredAt.toISOString(), event.status, event.rawCode ?? '', event.areaCode ?? '', event.nodeCode ?? '', event.location ?? '', event.rawText ?? '', event.temperatureC ?? ''];
  return `${event.format}:${event.trackingNumber}:${createHash('sha256').update(identity.join('\u0001')).digest('base64url').slice(0, 32)}`;
}

/** Whether the event claims to belong to `courier` (Kuaidi100 `com`, AfterShip slug). */
function belongsTo(event: FeedEvent, courier: { code: string; aftership_slug: string | null }): boolean {
  return !event.courierCode || event.courierCode === courier.code || event.courierCode === courier.aftership_slug;
}

async function lookups(em: EntityManager, events: readonly FeedEvent[]): Promise<Lookups> {
  const nodeCodes = new Set(events.map((e) => e.nodeCode).filter(Boolean));
  const places = new Set(events.filter((e) => !e.nodeCode && e.location).map((e) => e.location));
  const regionCodes = new Set(events.flatMap((e) => [e.areaCode, e.shipment?.originCode, e.shipment?.destinationCode]).filter(Boolean));
  const products = new Set(events.map((e) => e.shipment?.product).filter(Boolean));
  const platforms = new Set(events.map((e) => e.shipment?.platform).filter(Boolean));
  const [nodes, regions, productRows, platformRows] = await Promise.all([
    // (No `in (?)` with an empty list: MikroORM renders `[null]` as `()`.)
    nodeCodes.size || places.size
      ? sql<{ id: number; code: string; name: string; region_code: string }[]>(em,
          `select id, code, name, region_code from logistics_node where ${[nodeCodes.size ? 'code in (?)' : '', places.size ? 'name in (?)' : ''].filter(Boolean).join(' or ')}`,
          [...(nodeCodes.size ? [[...nodeCodes]] : []), ...(places.size ? [[...places]] : [])])
      : [],
    regionCodes.size ? sql<{ code: string }[]>(em, 'select code from region where code in (?)', [sqlList(regionCodes)]) : [],
    products.size
      ? sql<{ id: number; code: string; cold_chain_min_c: number | null; cold_chain_max_c: number | null }[]>(em,
          'select id, code, cold_chain_min_c, cold_chain_max_c from product where code in (?)', [sqlList(products)])
      : [],
    platforms.size ? sql<{ id: number; code: string }[]>(em, 'select id, code from market where code in (?)', [sqlList(platforms)]) : [],
  ]);
  return {
    nodesByCode: new Map(nodes.map((n) => [n.code, n])),
    nodesByName: new Map(nodes.map((n) => [n.name, n])),
    regions: new Set(regions.map((r) => r.code)),
    products: new Map(productRows.map((p) => [p.code, { id: p.id, code: p.code, min: p.cold_chain_min_c, max: p.cold_chain_max_c }])),
    platforms: new Map(platformRows.map((p) => [p.code, p.id])),
  };
}

/**
 * The one ingest path of courier tracking feeds, whatever the transport
 * (webhook, GraphQL, replay): validate each event and normalise its status
 * through its format's mapping table, resolve places to regions and nodes,
 * then in ONE transaction upsert the shipments, insert the new events in
 * bulk (a stable key per event: duplicates are skipped), derive each
 * shipment's current status from its events in event-time order, and store
 * the alerts they raise. After the commit, publish to subscribers.
 * Refused events are answered by index and kept in the rejected store.
 * Knows nothing of HTTP: the caller passes the authenticated courier.
 */
export async function ingestTrackingEvents(em: EntityManager, pubSub: HubPubSub, request: IngestRequest): Promise<IngestResult> {
  const [courier] = await sql<{ id: number; code: string; aftership_slug: string | null }[]>(
    em, 'select id, code, aftership_slug from courier where code = ?', [request.courier]);
  if (!courier) throw new UnknownCourierError(request.courier);

  const rejected: (RejectedEvent & { item: RawFeedItem })[] = [];
  const reject = (item: RawFeedItem, field: string, reason: string) => rejected.push({ item, index: item.index, field: `${item.path}.${field}`, reason });

  // 1. Validate and normalise each event on its own.
  const parsed: { item: RawFeedItem; event: FeedEvent }[] = [];
  const now = Date.now();
  for (const item of request.items) {
    try {
      const event = FEED_MAPPERS[item.format](item.raw);
      const at = event.occurredAt.getTime();
      if (at > now + FUTURE_TOLERANCE_MS) throw new FeedProblem(TIME_FIELD[item.format], `impossible time ${event.occurredAt.toISOString()}: in the future.`);
      if (at < EARLIEST_EVENT) throw new FeedProblem(TIME_FIELD[item.format], `impossible time ${event.occurredAt.toISOString()}: before 2000.`);
      if (!belongsTo(event, courier)) {
        throw new FeedProblem(item.format === TrackingFormat.KUAIDI100 ? 'com' : 'slug', `event of courier "${event.courierCode}" pushed by courier "${courier.code}".`);
      }
      parsed.push({ item, event });
    } catch (error) {
      if (!(error instanceof FeedProblem)) throw error;
      reject(item, error.field, error.message);
    }
  }

  // 2. Resolve places, nodes, products and platforms (a handful of queries for the whole batch).
  const found = await lookups(em, parsed.map((p) => p.event));
  const candidates: Candidate[] = [];
  for (const { item, event } of parsed) {
    const node = event.nodeCode ? found.nodesByCode.get(event.nodeCode) : event.location ? found.nodesByName.get(event.location) : undefined;
    if (event.nodeCode && !node) {
      reject(item, 'location.nodeCode', `unknown logistics node "${event.nodeCode}".`);
      continue;
    }
    if (event.shipment?.product && !found.products.has(event.shipment.product)) {
      reject(item, 'shipment.product', `unknown product "${event.shipment.product}".`);
      continue;
    }
    if (event.shipment?.platform && !found.platforms.has(event.shipment.platform)) {
      reject(item, 'shipment.platform', `unknown market "${event.shipment.platform}".`);
      continue;
    }
    // A scan at a known node is in the node's region when the courier gave no code.
    if (!event.areaCode && node) event.areaCode = node.region_code;
    const regionCode = event.areaCode && (found.regions.has(event.areaCode) || event.areaCode === node?.region_code) ? event.areaCode : null;
    candidates.push({ item, event, key: eventKey(event), nodeId: node?.id ?? null, regionCode });
  }

  // 3. Keep the refused events (own statement: they stay even if the batch below fails).
  if (rejected.length && request.keepRejected !== false) {
    const ids = await keepRejected(em, rejected.map((r) => ({
      connector: courierConnector(courier.code),
      reason: r.reason,
      field: r.field,
      position: `${request.origin} #${r.index}`.slice(0, 300),
      raw: { format: r.item.format, courier: courier.code, event: r.item.raw } satisfies KeptTrackingEvent,
    })));
    ids.forEach((id, i) => (rejected[i].rejectedRecordId = id));
  }

  // 4. Write everything in one transaction.
  const written = candidates.length || request.signature
    ? await em.transactional((tx) => writeBatch(tx, courier, candidates, request.signature, found))
    : { inserted: 0, updates: [], alerts: [] };

  // 5. After the commit: subscribers.
  for (const update of written.updates) {
    pubSub.publish(SHIPMENT_UPDATED, update);
    pubSub.publish(shipmentTopic(update.trackingNumber), update);
  }
  publishAlerts(pubSub, written.alerts);

  return {
    accepted: written.inserted,
    duplicates: candidates.length - written.inserted,
    rejected: rejected.sort((a, b) => a.index - b.index).map(({ item: _item, ...r }) => r),
    shipmentsUpdated: written.updates.length,
    alerts: written.alerts.length,
  };
}

const SHIPMENT_COLUMNS = {
  source_connector: 'varchar', source_key: 'varchar', courier_id: 'int', tracking_number: 'varchar', origin_code: 'varchar', destination_code: 'varchar',
  product_id: 'int', platform_id: 'int', is_farm_product: 'boolean', weight_kg: 'real', promised_at: 'timestamptz',
  recipient_name: 'varchar', recipient_phone: 'varchar', recipient_address: 'varchar',
} as const;

const EVENT_COLUMNS = {
  source_connector: 'varchar', source_key: 'varchar', shipment_id: 'bigint', occurred_at: 'timestamptz', status: 'shipment_status', raw_code: 'varchar',
  raw_text: 'text', region_code: 'varchar', area_code: 'varchar', node_id: 'int', location: 'varchar', temperature_c: 'real', format: 'tracking_format',
} as const;

/** `unnest(?::t1[], ?::t2[], ...)` for a column map. @internal */
const unnest = (columns: Readonly<Record<string, string>>) => `unnest(${Object.values(columns).map((t) => `?::${t}[]`).join(', ')})`;
const columnsOf = (columns: Readonly<Record<string, string>>) => Object.keys(columns).map((c) => `"${c}"`).join(', ');
/** Rows to one array literal per column. @internal */
const arraysOf = (rows: readonly unknown[][], width: number) => Array.from({ length: width }, (_, i) => pgArray(rows.map((r) => r[i])));

async function writeBatch(
  tx: EntityManager,
  courier: { id: number; code: string },
  candidates: readonly Candidate[],
  signature: string | undefined,
  found: Lookups,
): Promise<{ inserted: number; updates: ShipmentUpdatedEvent[]; alerts: AlertRaisedEvent[] }> {
  const connector = courierConnector(courier.code);
  if (signature) {
    // In the batch's own transaction: a batch that rolls back does not burn its signature.
    const seen = await sql<Row[]>(tx, 'insert into webhook_signature (signature, courier_id) values (?, ?) on conflict do nothing returning signature', [signature, courier.id]);
    if (!seen.length) throw new SignatureError(SignatureFailure.REPLAYED, 'This signature was already used: re-sign the request with a fresh timestamp.');
  }
  if (!candidates.length) return { inserted: 0, updates: [], alerts: [] };

  // Shipments: what the events declare, later events (by event time) winning; sorted by number so that
  // concurrent batches lock shared shipments in the same order (no deadlocks).
  const declared = new Map<string, unknown[]>();
  for (const c of [...candidates].sort((a, b) => a.event.occurredAt.getTime() - b.event.occurredAt.getTime())) {
    const s = c.event.shipment ?? {};
    const prev = declared.get(c.event.trackingNumber);
    const product = s.product ? found.products.get(s.product) : undefined;
    const next = [
      connector, c.event.trackingNumber, courier.id, c.event.trackingNumber, s.originCode, s.destinationCode,
      product?.id, s.platform ? found.platforms.get(s.platform) : undefined, s.isFarmProduct ?? (product ? true : undefined), s.weightKg, s.promisedAt,
      s.recipientName, s.recipientPhone, s.recipientAddress,
    ];
    declared.set(c.event.trackingNumber, prev ? next.map((v, i) => v ?? prev[i]) : next);
  }
  const shipmentRows = [...declared.values()].sort((a, b) => String(a[1]).localeCompare(String(b[1])));
  const shipmentIds = await sql<{ id: string; tracking_number: string }[]>(tx,
    `insert into shipment (${columnsOf(SHIPMENT_COLUMNS)})
     select s, k, c, t, o, d, p, pl, coalesce(f, false), w, pr, rn, rp, ra from ${unnest(SHIPMENT_COLUMNS)} as u(s, k, c, t, o, d, p, pl, f, w, pr, rn, rp, ra)
     on conflict (courier_id, tracking_number) do update set
       origin_code = coalesce(excluded.origin_code, shipment.origin_code),
       destination_code = coalesce(excluded.destination_code, shipment.destination_code),
       product_id = coalesce(excluded.product_id, shipment.product_id),
       platform_id = coalesce(excluded.platform_id, shipment.platform_id),
       is_farm_product = shipment.is_farm_product or excluded.is_farm_product,
       weight_kg = coalesce(excluded.weight_kg, shipment.weight_kg),
       promised_at = coalesce(excluded.promised_at, shipment.promised_at),
       recipient_name = coalesce(excluded.recipient_name, shipment.recipient_name),
       recipient_phone = coalesce(excluded.recipient_phone, shipment.recipient_phone),
       recipient_address = coalesce(excluded.recipient_address, shipment.recipient_address)
     returning id, tracking_number`,
    arraysOf(shipmentRows, Object.keys(SHIPMENT_COLUMNS).length));
  const shipmentId = new Map(shipmentIds.map((s) => [s.tracking_number, String(s.id)]));

  // Events: one statement; a key already stored (or twice in this batch) is skipped.
  const eventRows = [...candidates]
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((c) => [
      connector, c.key, shipmentId.get(c.event.trackingNumber), c.event.occurredAt, c.event.status, c.event.rawCode?.slice(0, 32), c.event.rawText,
      c.regionCode, c.event.areaCode, c.nodeId, c.event.location?.slice(0, 200), c.event.temperatureC, c.event.format,
    ]);
  const inserted = await sql<Row[]>(tx,
    `insert into tracking_event (${columnsOf(EVENT_COLUMNS)}) select * from ${unnest(EVENT_COLUMNS)}
     on conflict (source_connector, source_key) do nothing returning *`,
    arraysOf(eventRows, Object.keys(EVENT_COLUMNS).length));
  if (!inserted.length) return { inserted: 0, updates: [], alerts: [] };

  // Current state of each touched shipment, derived from ALL its events in event-time order
  // (so an out-of-order event never sets the status back).
  const touched = [...new Set(inserted.map((e) => String(e.shipment_id)))];
  const shipments = await sql<Row[]>(tx,
    `with ev as (select id, shipment_id, status, occurred_at, area_code from tracking_event where shipment_id in (?)),
     latest as (select distinct on (shipment_id) shipment_id, status, occurred_at from ev order by shipment_id, occurred_at desc, id desc),
     agg as (
       select shipment_id,
              min(occurred_at) filter (where status = 'PICKED_UP') as picked,
              max(occurred_at) filter (where status = 'DELIVERED') as delivered,
              (array_agg(area_code order by occurred_at, id) filter (where area_code is not null and status = 'PICKED_UP'))[1] as pickup_area,
              (array_agg(area_code order by occurred_at, id) filter (where area_code is not null))[1] as first_area,
              (array_agg(area_code order by occurred_at desc, id desc) filter (where area_code is not null and status = 'DELIVERED'))[1] as delivery_area
         from ev group by shipment_id),
     d as (
       select s.id, latest.status, latest.occurred_at, agg.picked, agg.delivered,
              coalesce(agg.pickup_area, s.origin_code, agg.first_area) as origin,
              coalesce(agg.delivery_area, s.destination_code) as destination
         from shipment s join latest on latest.shipment_id = s.id join agg on agg.shipment_id = s.id)
     update shipment s set
       status = d.status, last_event_at = d.occurred_at, picked_up_at = d.picked, delivered_at = d.delivered,
       origin_code = d.origin, destination_code = d.destination,
       origin_region_code = (select r.code from region r where r.code = d.origin),
       destination_region_code = (select r.code from region r where r.code = d.destination),
       direction = ${DIRECTION_SQL('d.origin', 'd.destination')}
     from d where s.id = d.id
     returning s.id, s.source_connector, s.source_key, s.ingested_at, s.courier_id, s.tracking_number, s.status, s.direction,
               s.origin_region_code, s.destination_region_code, s.origin_code, s.destination_code, s.product_id, s.platform_id,
               s.is_farm_product, s.weight_kg, s.promised_at, s.picked_up_at, s.delivered_at, s.last_event_at`,
    [sqlList(touched)]);
  const shipmentById = new Map(shipments.map((s) => [String(s.id), s]));

  // Alerts raised by the new events: exception, failed attempt, cold-chain excursion.
  const rangeByProduct = new Map([...found.products.values()].map((p) => [p.id, p]));
  const alerts: NewAlert[] = [];
  for (const e of inserted) {
    const shipment = shipmentById.get(String(e.shipment_id))!;
    const region = (e.region_code ?? shipment.destination_region_code ?? shipment.origin_region_code ?? null) as string | null;
    const base = { regionCode: region, shipmentId: String(e.shipment_id), raisedAt: new Date() };
    const what = `${courier.code} ${shipment.tracking_number}`;
    const where = e.location ? ` at ${e.location}` : '';
    if (e.status === ShipmentStatus.EXCEPTION || e.status === ShipmentStatus.REJECTED) {
      alerts.push({ ...base, kind: AlertKind.EXCEPTION, severity: AlertSeverity.WARNING, dedupeKey: `exception:event:${e.id}`,
        message: `Parcel ${what}: ${e.status === ShipmentStatus.REJECTED ? 'refused by the recipient' : 'courier reported an exception'}${where}${e.raw_text ? ` (${e.raw_text})` : ''}.`,
        details: { eventId: String(e.id), status: e.status, rawCode: e.raw_code, rawText: e.raw_text, occurredAt: e.occurred_at } });
    }
    if (e.status === ShipmentStatus.FAILED_ATTEMPT) {
      alerts.push({ ...base, kind: AlertKind.FAILED_ATTEMPT, severity: AlertSeverity.INFO, dedupeKey: `failed-attempt:event:${e.id}`,
        message: `Parcel ${what}: delivery attempt failed${where}${e.raw_text ? ` (${e.raw_text})` : ''}.`,
        details: { eventId: String(e.id), rawCode: e.raw_code, rawText: e.raw_text, occurredAt: e.occurred_at } });
    }
    const reading = e.temperature_c as number | null;
    let product = shipment.product_id != null ? rangeByProduct.get(Number(shipment.product_id)) : undefined;
    if (!product && shipment.product_id != null && reading != null) {
      product = await productRange(tx, Number(shipment.product_id));
      if (product) rangeByProduct.set(product.id, product);
    }
    if (reading != null && product && ((product.min != null && reading < product.min) || (product.max != null && reading > product.max))) {
      alerts.push({ ...base, kind: AlertKind.COLD_CHAIN_EXCURSION, severity: AlertSeverity.CRITICAL, dedupeKey: `cold-chain:event:${e.id}`,
        productId: product.id,
        message: `Parcel ${what} (${product.code}): ${reading} °C${where}, allowed ${product.min ?? '-∞'} to ${product.max ?? '+∞'} °C.`,
        details: { eventId: String(e.id), temperatureC: reading, minC: product.min, maxC: product.max, product: product.code, occurredAt: e.occurred_at } });
    }
  }
  const raised = await storeAlerts(tx, alerts);

  const newEvents = new Map<string, Row[]>();
  for (const e of inserted) newEvents.set(String(e.shipment_id), [...(newEvents.get(String(e.shipment_id)) ?? []), e]);
  const updates = [...newEvents].map(([id, events]): ShipmentUpdatedEvent => {
    const shipment = shipmentById.get(id)!;
    events.sort((a, b) => new Date(a.occurred_at as string).getTime() - new Date(b.occurred_at as string).getTime() || Number(a.id) - Number(b.id));
    const areaCodes = [shipment.origin_code, shipment.destination_code, ...events.map((e) => e.area_code)].filter((c): c is string => typeof c === 'string');
    return { shipment: plain(shipment), events: events.map(plain), courierCode: courier.code, trackingNumber: String(shipment.tracking_number), areaCodes: [...new Set(areaCodes)] };
  });
  return { inserted: inserted.length, updates, alerts: raised };
}

/** The cold-chain range of a product the batch did not name (set by an earlier push). @internal */
async function productRange(tx: EntityManager, id: number): Promise<{ id: number; code: string; min: number | null; max: number | null } | undefined> {
  const [p] = await sql<{ id: number; code: string; cold_chain_min_c: number | null; cold_chain_max_c: number | null }[]>(
    tx, 'select id, code, cold_chain_min_c, cold_chain_max_c from product where id = ?', [id]);
  return p && { id: p.id, code: p.code, min: p.cold_chain_min_c, max: p.cold_chain_max_c };
}

/** A database row as plain JSON (dates as ISO strings, bigints as strings): it crosses Redis. @internal */
function plain(row: Row): Row {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? String(v) : v]));
}

/**
 * Keeps a whole push that could not be read (malformed JSON, bad envelope) in
 * the rejected store, after its signature verified: nothing of it is stored,
 * but nothing is lost either.
 */
export async function keepUnreadablePush(em: EntityManager, courier: string, format: TrackingFormat, body: string, field: string, reason: string, origin: string): Promise<string | undefined> {
  const [id] = await keepRejected(em, [{
    connector: courierConnector(courier), reason, field, position: origin.slice(0, 300),
    raw: { format, courier, body: body.slice(0, 1_000_000) },
  }]);
  return id;
}
