import type { EntityManager } from '@mikro-orm/postgresql';
import type { HubPubSub } from '../../platform/pubsub.js';
import { bulkInsert } from '../../ingest/bulk-insert.js';
import type { AlertKind, AlertSeverity } from './alert-kind.js';
import { ALERT_RAISED, type AlertRaisedEvent } from './alert.events.js';

/** An alert to raise; ids refer to existing rows. */
export interface NewAlert {
  kind: AlertKind;
  severity: AlertSeverity;
  message: string;
  /** Stable identity of the condition: raising the same key again does nothing. */
  dedupeKey: string;
  regionCode?: string | null;
  shipmentId?: string | number | null;
  productId?: number | null;
  marketId?: number | null;
  details?: Record<string, unknown>;
  raisedAt?: Date;
}

const COLUMNS = ['kind', 'severity', 'message', 'dedupe_key', 'region_code', 'shipment_id', 'product_id', 'market_id', 'details', 'raised_at'];

/**
 * Stores alerts (in the caller's transaction, if any) and returns the ones that
 * were new. Call `publishAlerts` with them after the transaction commits.
 */
export async function storeAlerts(em: EntityManager, alerts: readonly NewAlert[]): Promise<AlertRaisedEvent[]> {
  if (!alerts.length) return [];
  const rows = alerts.map((a) => [
    a.kind,
    a.severity,
    a.message,
    a.dedupeKey,
    a.regionCode ?? null,
    a.shipmentId ?? null,
    a.productId ?? null,
    a.marketId ?? null,
    JSON.stringify(a.details ?? {}),
    (a.raisedAt ?? new Date()).toISOString(),
  ]);
  const stored = await bulkInsert(em, 'alert', COLUMNS, rows, ['dedupe_key']);
  return stored.map((row) => ({ row, kind: row.kind as AlertKind, regionCode: (row.region_code as string | null) ?? null }));
}

/** Publishes stored alerts to `alertRaised` subscribers. */
export function publishAlerts(pubSub: HubPubSub, events: readonly AlertRaisedEvent[]): void {
  for (const event of events) pubSub.publish(ALERT_RAISED, event);
}

/** Stores and publishes in one step, for callers outside a larger transaction. */
export async function raiseAlerts(em: EntityManager, pubSub: HubPubSub, alerts: readonly NewAlert[]): Promise<AlertRaisedEvent[]> {
  const events = await storeAlerts(em, alerts);
  publishAlerts(pubSub, events);
  return events;
}

/**
 * Stores alerts with a pg client (inside the caller's transaction: the ingest
 * pipeline's batch) and returns the ones that were new; publish them with
 * `publishAlerts` after the commit.
 */
export async function storeAlertsWith(
  client: { query: (text: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }> },
  alerts: readonly NewAlert[],
): Promise<AlertRaisedEvent[]> {
  if (!alerts.length) return [];
  const stored = await client.query(
    `insert into alert (${COLUMNS.join(', ')})
     select * from unnest($1::alert_kind[], $2::alert_severity[], $3::text[], $4::varchar[], $5::varchar[], $6::bigint[], $7::int[], $8::int[], $9::jsonb[], $10::timestamptz[])
     on conflict (dedupe_key) do nothing returning *`,
    [
      alerts.map((a) => a.kind),
      alerts.map((a) => a.severity),
      alerts.map((a) => a.message),
      alerts.map((a) => a.dedupeKey),
      alerts.map((a) => a.regionCode ?? null),
      alerts.map((a) => (a.shipmentId == null ? null : String(a.shipmentId))),
      alerts.map((a) => a.productId ?? null),
      alerts.map((a) => a.marketId ?? null),
      alerts.map((a) => JSON.stringify(a.details ?? {})),
      alerts.map((a) => a.raisedAt ?? new Date()),
    ],
  );
  return stored.rows.map((row) => ({ row, kind: row.kind as AlertKind, regionCode: (row.region_code as string | null) ?? null }));
}
