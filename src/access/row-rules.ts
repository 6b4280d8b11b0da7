import type { EntityClass } from '@mikro-orm/core';
import { GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { Region } from '../regions/region.entity.js';
import { ProductCategory } from '../catalog/product-category.entity.js';
import { Product } from '../catalog/product.entity.js';
import { Variety } from '../catalog/variety.entity.js';
import { OriginLabel } from '../catalog/origin-label.entity.js';
import { Market } from '../markets/market.entity.js';
import { PriceObservation } from '../pricing/price-observation.entity.js';
import { SupplyListing } from '../supply/supply-listing.entity.js';
import { SalesRecord } from '../supply/sales-record.entity.js';
import { Courier } from '../logistics/courier.entity.js';
import { LogisticsNode } from '../logistics/logistics-node.entity.js';
import { Shipment } from '../logistics/shipment.entity.js';
import { TrackingEvent } from '../logistics/tracking-event.entity.js';
import { Alert } from '../alerts/alert.entity.js';
import { AlertKind } from '../alerts/stream/alert-kind.js';
import { RejectedRecord } from '../ingest/rejected-record.entity.js';
import { UnmatchedName } from '../ingest/review/unmatched-name.entity.js';
import { UnmatchedOrigin } from '../ingest/review/unmatched-origin.entity.js';
import { CatalogAlias } from '../catalog/catalog-alias.entity.js';
import { OriginAlias } from '../ingest/review/origin-alias.entity.js';
import { AuditEntry } from './audit-entry.entity.js';
import { ApiKey } from './api-key.entity.js';
import { Organisation } from './organisation.entity.js';
import { Role } from '../policy/role.js';
import type { Viewer } from '../policy/viewer.js';
import {
  adminRows,
  declaredRowRule,
  declareRows,
  loadedRef,
  publicRows,
  refId,
  scopedRows,
  wrapperRows,
  type RowRule,
  type SeenRows,
} from '../policy/row-rule.js';

/**
 * Who may see which rows, per GraphQL object type (issue #11 "fail closed by
 * construction"). Every object type of the schema has an entry here or one
 * declared where it is made (connections and edges: src/relay); the schema
 * refuses to build otherwise (`assertRowRules`). Entity-backed types name
 * their entity: the rule's `where` becomes the SQL predicate of every read of
 * it on the request's EntityManager (src/access/row-scope.ts), and
 * `node(id:)` loads nothing else.
 *
 * | role | Shipment, TrackingEvent | SupplyListing, SalesRecord | Alert | RejectedRecord | review queues and aliases |
 * | --- | --- | --- | --- | --- | --- |
 * | ADMIN | all | all | all | all | all |
 * | OFFICIAL | all | all | all | none | all |
 * | COURIER | its own | all (figures masked) | about its own parcels or none, no ABNORMAL_ACCESS | its own feed's | none |
 * | PLATFORM | sold through it | its own | about its own parcels or none, no ABNORMAL_ACCESS | its own | none |
 * | anonymous (demo) | all (masked) | all (masked) | no ABNORMAL_ACCESS | none | none |
 *
 * Who may call each root Query and Subscription field at all: src/access/root-access.ts.
 */

/** The id a missing courier or platform of a scoped viewer stands for: matches no row (fail closed). */
const NO_ROW = -1;
const same = (a: string | null | undefined, b: number | null): boolean | undefined =>
  a === undefined ? undefined : a !== null && b !== null && a === String(b);

/** A parcel: its courier's, the platform's it was sold through; OFFICIAL, ADMIN and demo see all (recipients masked). */
const shipmentRows = scopedRows(
  (viewer) => {
    if (viewer.role === Role.COURIER) return { courier: viewer.courierId ?? NO_ROW };
    if (viewer.role === Role.PLATFORM) return { platform: viewer.platformId ?? NO_ROW };
    return true;
  },
  (viewer, row) => {
    if (viewer.role === Role.COURIER) return same(refId(row, 'courier'), viewer.courierId);
    if (viewer.role === Role.PLATFORM) return same(refId(row, 'platform'), viewer.platformId);
    return true;
  },
);

/** The parcel's rule, through the row's parcel (undefined while it is not loaded). */
function throughShipment(viewer: Viewer, row: Record<string, unknown>, seen?: SeenRows): boolean | undefined {
  const shipment = loadedRef(row, 'shipment');
  if (shipment === undefined) {
    // Not loaded (a plain row, a reference): visible when its parcel already was in this operation (`Shipment.events`).
    const id = refId(row, 'shipment');
    return id && seen?.('Shipment', id) ? true : undefined;
  }
  if (shipment === null) return false;
  return shipmentRows.test(viewer, shipment);
}

const trackingEventRows = scopedRows(
  (viewer) => {
    if (viewer.role === Role.COURIER) return { shipment: { courier: viewer.courierId ?? NO_ROW } };
    if (viewer.role === Role.PLATFORM) return { shipment: { platform: viewer.platformId ?? NO_ROW } };
    return true;
  },
  (viewer, row, seen) => (viewer.role === Role.COURIER || viewer.role === Role.PLATFORM ? throughShipment(viewer, row, seen) : true),
  // The parcel's rule through `shipment` (its condition is `{ shipment: <the parcel's condition> }`): a parcel's events
  // read under a parcel that passed its rule need no second check (the query compiler verifies the two conditions agree).
  { relation: 'shipment', typeName: 'Shipment' },
);

/** Alerts: ABNORMAL_ACCESS (who read how much personal data) only for ADMIN and OFFICIAL; a courier or platform only alerts about its own parcels or about none. */
const alertRows = scopedRows(
  (viewer) => {
    if (viewer.role === Role.ADMIN || viewer.role === Role.OFFICIAL) return true;
    const notAccess = { kind: { $ne: AlertKind.ABNORMAL_ACCESS } };
    if (viewer.role === Role.COURIER) return { ...notAccess, $or: [{ shipment: null }, { shipment: { courier: viewer.courierId ?? NO_ROW } }] };
    if (viewer.role === Role.PLATFORM) return { ...notAccess, $or: [{ shipment: null }, { shipment: { platform: viewer.platformId ?? NO_ROW } }] };
    return notAccess;
  },
  (viewer, row, seen) => {
    if (viewer.role === Role.ADMIN || viewer.role === Role.OFFICIAL) return true;
    if (row.kind === undefined) return undefined;
    if (row.kind === AlertKind.ABNORMAL_ACCESS) return false;
    if (viewer.role !== Role.COURIER && viewer.role !== Role.PLATFORM) return true;
    const shipment = refId(row, 'shipment');
    if (shipment === null) return true;
    if (shipment === undefined) return undefined;
    return throughShipment(viewer, row, seen);
  },
);

/**
 * Review queues and decisions (issue #14): names and origins as sources wrote them, with a few of the facts that
 * carried them (their connector, source key and what they said, figures included), and the reviewed aliases with
 * who added them. Data quality: OFFICIAL and ADMIN only, on every path (`unmatchedNames`, `node(id:)`). The
 * matcher and the catalogue read aliases in SQL of their own, unscoped; `Product.aliases` stays public.
 */
const officialRows = scopedRows(
  (viewer) => viewer.role === Role.ADMIN || viewer.role === Role.OFFICIAL,
  (viewer) => viewer.role === Role.ADMIN || viewer.role === Role.OFFICIAL,
);

/** A platform's listings and sales: its own; other roles all (figures masked for couriers and demo). */
const platformRows = scopedRows(
  (viewer) => (viewer.role === Role.PLATFORM ? { platform: viewer.platformId ?? NO_ROW } : true),
  (viewer, row) => (viewer.role === Role.PLATFORM ? same(refId(row, 'platform'), viewer.platformId) : true),
);

/**
 * Rejected records keep the raw input (recipients included): ADMIN, or the
 * courier whose feed (`courier:<code>`) or platform (`platform:<code>`)
 * submitted it — its connector, or the `submitter` a connector names for a
 * firm's data (the ecommerce-platform connector: `platform:<code>`).
 * Officials and demo callers see none.
 */
const rejectedRows = scopedRows(
  (viewer) => {
    if (viewer.role === Role.ADMIN) return true;
    const feed = ownFeed(viewer);
    return feed ? { $or: [{ connector: feed }, { submitter: feed }] } : false;
  },
  (viewer, row) => {
    if (viewer.role === Role.ADMIN) return true;
    const feed = ownFeed(viewer);
    if (feed === null) return false;
    if (row.connector === feed || (row.submitter != null && row.submitter === feed)) return true;
    // A row that does not carry both columns cannot tell: re-read through the scoped EntityManager.
    return row.connector === undefined || row.submitter === undefined ? undefined : false;
  },
);

/** The connector name a courier's or platform's own pushes are kept under. @internal */
export function ownFeed(viewer: Viewer): string | null {
  if (viewer.role === Role.COURIER && viewer.courierCode) return `courier:${viewer.courierCode}`;
  if (viewer.role === Role.PLATFORM && viewer.platformCode) return `platform:${viewer.platformCode}`;
  return null;
}

/** Entity-backed types: their rule and the entity it filters. */
const ENTITY_RULES: [EntityClass<object>, RowRule][] = [
  [Region, publicRows],
  [ProductCategory, publicRows],
  [Product, publicRows],
  [Variety, publicRows],
  [OriginLabel, publicRows],
  [Market, publicRows],
  [PriceObservation, publicRows],
  [Courier, publicRows],
  [LogisticsNode, publicRows],
  [CatalogAlias, officialRows],
  [OriginAlias, officialRows],
  [UnmatchedName, officialRows],
  [UnmatchedOrigin, officialRows],
  [SupplyListing, platformRows],
  [SalesRecord, platformRows],
  [Shipment, shipmentRows],
  [TrackingEvent, trackingEventRows],
  [Alert, alertRows],
  [RejectedRecord, rejectedRows],
  [AuditEntry, adminRows],
  [ApiKey, adminRows],
  [Organisation, adminRows],
];

/** Types with no rows of their own: what they hold is checked by each field's own type. */
const WRAPPERS = [
  // Reference data computed from public rows.
  'ProductOriginSource',
  'Provenance',
  'MatchCandidate',
  'Connector',
  'LoadCounts',
  'RefusedFile',
  'Relink',
  // Aggregates: their resolvers decide who may ask (src/analytics/official-access.ts) and sum in SQL.
  'PriceSeries',
  'PricePoint',
  'PriceAnomaly',
  'SupplyDemandRow',
  'ChannelSales',
  'ParcelStats',
  'ParcelStatsRow',
  'SubsidyReport',
  'SubsidyRates',
  'SubsidyTotals',
  'CourierSubsidy',
  'SubsidyParcel',
  'VillageCoverage',
  'CourierQuality',
  // The caller itself.
  'ViewerInfo',
  // Mutation payloads: the caller's own write; any row they carry is typed and checked by its own rule.
  'RecordPricesPayload',
  'IngestTrackingEventsPayload',
  'RejectedTrackingEvent',
  'ReplayedTrackingEvent',
  'ConnectorRunPayload',
  'ReplayRejectedPayload',
  'AcceptMatchPayload',
  'AcceptOriginPayload',
  'ImportAliasesPayload',
  'PriceAnomalyScan',
  'IssuedApiKey',
  'SpreadsheetImportPayload',
  'ImportRejection',
  'ImportUnmatchedName',
  // Subscription payloads: a wrapper around typed rows (ShipmentUpdate.shipment, .newEvents) that each field checks.
  'ShipmentUpdate',
];

const entityByType = new Map<string, EntityClass<object>>();
for (const [entity, rule] of ENTITY_RULES) {
  declareRows(entity.name, rule);
  entityByType.set(entity.name, entity);
}
for (const name of WRAPPERS) declareRows(name, wrapperRows);

/** The rule of a GraphQL object type, if it declared one. */
export const rowRuleOf = declaredRowRule;

/** The entity behind a GraphQL type whose rows have a rule (the only types `node(id:)` may load). */
export function entityOfType(typeName: string): EntityClass<object> | undefined {
  return entityByType.get(typeName);
}

/** The entity behind a Relay Node type with a row rule, or undefined: what `node(id:)` may load (never an internal entity). */
export function nodeEntityOf(typeName: string): EntityClass<object> | undefined {
  const entity = entityByType.get(typeName);
  return entity && Object.getOwnPropertyDescriptor((entity as { prototype: object }).prototype, 'globalId') ? entity : undefined;
}

/** Entity-backed rules, for the row scope of a request's EntityManager. */
export function entityRules(): readonly (readonly [EntityClass<object>, RowRule])[] {
  return ENTITY_RULES;
}

const ROOTS = new Set(['Query', 'Mutation', 'Subscription']);

/**
 * Refuses a schema with an object type that declares no row rule (issue #11):
 * a type added without thinking about who may see its rows does not build.
 */
export function assertRowRules(schema: GraphQLSchema): void {
  const missing = Object.values(schema.getTypeMap())
    .filter((type) => type instanceof GraphQLObjectType && !type.name.startsWith('__') && !ROOTS.has(type.name) && !rowRuleOf(type.name))
    .map((type) => type.name);
  if (missing.length) {
    throw new Error(
      `Every GraphQL object type must declare who may see which of its rows (src/access/row-rules.ts, issue #11); none declared for: ${missing.sort().join(', ')}.`,
    );
  }
}
