import type { EntityManager } from '@mikro-orm/postgresql';
import { Shipment } from '../logistics/shipment.entity.js';
import { TrackingEvent } from '../logistics/tracking-event.entity.js';
import { SupplyListing } from '../supply/supply-listing.entity.js';
import { SalesRecord } from '../supply/sales-record.entity.js';
import { Alert } from '../alerts/alert.entity.js';
import { ApiKey } from './api-key.entity.js';
import { AuditEntry } from './audit-entry.entity.js';
import { Organisation } from './organisation.entity.js';
import { Role } from '../policy/role.js';
import type { Viewer } from '../policy/viewer.js';

const NOTHING = { id: { $lt: 0 } };

/**
 * Row-level scoping, in one place: MikroORM filters on the request's forked
 * EntityManager, so every `em.find`, every DataLoader (`ref`, `byKey`,
 * `many`, hence `node(id)`) and every connection (`paginate` applies the
 * filters to its query builder) sees only the rows the viewer may see.
 *
 * - COURIER: its own shipments and their tracking events (and alerts about them).
 * - PLATFORM: its own supply listings, sales records and the parcels sold through it;
 *   other platforms' figures only through aggregate queries (raw SQL sums, issue #7).
 * - OFFICIAL, ADMIN, anonymous demo: every row (classified fields are masked instead).
 * - Keys, organisations and the audit trail: ADMIN only.
 *
 * Raw SQL (`em.execute`) is not filtered: it is how aggregates are computed, and
 * aggregates are what other roles may see.
 */
export function applyRowScope(em: EntityManager, viewer: Viewer): void {
  if (viewer.role !== Role.ADMIN) {
    em.addFilter({ name: 'access:admin-only', entity: [ApiKey, AuditEntry, Organisation], cond: NOTHING });
  }
  if (viewer.role === Role.COURIER) {
    const courier = viewer.courierId ?? -1;
    em.addFilter({ name: 'access:courier-shipments', entity: [Shipment], cond: { courier } });
    em.addFilter({ name: 'access:courier-events', entity: [TrackingEvent], cond: { shipment: { courier } } });
    em.addFilter({ name: 'access:courier-alerts', entity: [Alert], cond: { $or: [{ shipment: null }, { shipment: { courier } }] } });
  }
  if (viewer.role === Role.PLATFORM) {
    const platform = viewer.platformId ?? -1;
    em.addFilter({ name: 'access:platform-listings', entity: [SupplyListing, SalesRecord, Shipment], cond: { platform } });
    em.addFilter({ name: 'access:platform-events', entity: [TrackingEvent], cond: { shipment: { platform } } });
  }
}

/**
 * The same rules as a predicate over a loaded row, for rows that reach a
 * resolver without a filtered query (subscription payloads published by
 * another request). Unknown types are visible.
 */
export function rowVisible(viewer: Viewer, row: object): boolean {
  const ref = (value: unknown): number | null => {
    if (value == null) return null;
    if (typeof value === 'object') return Number((value as { id?: unknown }).id);
    return Number(value);
  };
  if (row instanceof ApiKey || row instanceof AuditEntry || row instanceof Organisation) return viewer.role === Role.ADMIN;
  if (viewer.role === Role.COURIER) {
    if (row instanceof Shipment) return ref(row.courier) === viewer.courierId;
    if (row instanceof TrackingEvent) return row.shipment != null && typeof row.shipment === 'object' && 'courier' in row.shipment && row.shipment.courier != null ? ref(row.shipment.courier) === viewer.courierId : false;
  }
  if (viewer.role === Role.PLATFORM) {
    if (row instanceof SupplyListing || row instanceof SalesRecord || row instanceof Shipment) return ref(row.platform) === viewer.platformId;
  }
  return true;
}
