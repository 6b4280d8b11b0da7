import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../platform/logger.js';
import type { HubPubSub } from '../platform/pubsub.js';
import { raiseAlerts, type NewAlert } from '../alerts/stream/alert.service.js';
import { AlertKind, AlertSeverity } from '../alerts/stream/alert-kind.js';
import { BODY_DIGEST_RETENTION_S, SIGNATURE_TOLERANCE_S } from './courier-credential.service.js';
import { startPeriodicJob } from '../platform/periodic-job.js';
import type { Leadership } from '../platform/leadership.js';

export interface DelayScannerOptions {
  /** The root EntityManager (each scan forks its own). */
  em: EntityManager;
  pubSub: HubPubSub;
  log: Logger;
  /** A parcel with no scan for this many hours is DELAYED. */
  hours: number;
  /** Time between scans; 0 = no periodic scan (scanOnce still works). */
  intervalMs: number;
  /** Most parcels alerted per scan (the rest follow on the next one). @default 5000 */
  batch?: number;
  /** With several instances: only the leader of `delay-scanner` scans (issue #12). */
  leadership?: Leadership;
}

export interface DelayScanner {
  /** Runs one scan now; returns the number of alerts raised. */
  scanOnce(): Promise<number>;
  /** Stops the periodic scan and waits for a running one. */
  stop(): Promise<void>;
}

interface Overdue {
  id: string;
  tracking_number: string;
  courier: string;
  status: string;
  last_event_at: Date | null;
  promised_at: Date | null;
  region_code: string | null;
  late: boolean;
  stale: boolean;
}

const epoch = (d: Date | null) => (d ? Math.floor(new Date(d).getTime() / 1000) : 0);

/**
 * The periodic DELAYED check: parcels not yet delivered, returned or refused
 * that had no scan for `hours`, or are past their promised delivery time.
 * Alerts are keyed by the condition (parcel + its last scan time, or parcel +
 * promised time): each condition is stored and published once, and a parcel
 * that goes quiet again after a new scan is alerted again. With several
 * instances only the leader scans (issue #12); the keys still make a scan that
 * overlaps a leadership change harmless. Also forgets seen webhook signatures older than the replay
 * window.
 */
export function startDelayScanner(options: DelayScannerOptions): DelayScanner {
  const { log, hours, intervalMs, batch = 5000 } = options;

  async function scan(): Promise<number> {
    const em = options.em.fork();
    const conn = em.getConnection();
    const rows = await conn.execute<Overdue[]>(
      `select * from (
         select s.id, s.tracking_number, c.code as courier, s.status, s.last_event_at, s.promised_at,
                coalesce(s.destination_region_code, s.origin_region_code) as region_code,
                (s.promised_at is not null and s.promised_at < now()) as late,
                (s.last_event_at < now() - make_interval(hours => ?)) as stale
           from shipment s join courier c on c.id = s.courier_id
          where s.status not in ('DELIVERED', 'RETURNED', 'REJECTED')
            and (s.last_event_at < now() - make_interval(hours => ?) or s.promised_at < now())
       ) o
       where (o.stale and not exists (select 1 from alert a where a.dedupe_key = 'delayed:quiet:' || o.id || ':' || extract(epoch from date_trunc('second', o.last_event_at))::bigint))
          or (o.late and not exists (select 1 from alert a where a.dedupe_key = 'delayed:late:' || o.id || ':' || extract(epoch from date_trunc('second', o.promised_at))::bigint))
       limit ?`,
      [hours, hours, batch],
    );
    const alerts: NewAlert[] = [];
    for (const s of rows) {
      const base = { kind: AlertKind.DELAYED, regionCode: s.region_code, shipmentId: String(s.id) };
      if (s.stale) {
        const quietHours = Math.floor((Date.now() - new Date(s.last_event_at!).getTime()) / 3_600_000);
        alerts.push({
          ...base,
          severity: AlertSeverity.WARNING,
          dedupeKey: `delayed:quiet:${s.id}:${epoch(s.last_event_at)}`,
          message: `Parcel ${s.courier} ${s.tracking_number}: no scan for ${quietHours} h (status ${s.status}).`,
          details: { reason: 'NO_SCAN', lastEventAt: s.last_event_at, thresholdHours: hours, status: s.status },
        });
      }
      if (s.late) {
        alerts.push({
          ...base,
          severity: AlertSeverity.WARNING,
          dedupeKey: `delayed:late:${s.id}:${epoch(s.promised_at)}`,
          message: `Parcel ${s.courier} ${s.tracking_number}: past its promised delivery time (status ${s.status}).`,
          details: { reason: 'PAST_PROMISED_TIME', promisedAt: s.promised_at, status: s.status },
        });
      }
    }
    const raised = await raiseAlerts(em, options.pubSub, alerts);
    // Signatures for twice the timestamp window; body digests of pushes without a signed timestamp for BODY_DIGEST_RETENTION_S.
    await conn.execute(
      `delete from webhook_signature where seen_at < now() - make_interval(secs => case when signature like 'body:%' then ${BODY_DIGEST_RETENTION_S} else ${SIGNATURE_TOLERANCE_S * 2} end)`,
      [],
      'run',
    );
    if (raised.length) log.info({ alerts: raised.length, hours }, 'delay scan raised DELAYED alerts');
    return raised.length;
  }

  const job = startPeriodicJob({ name: 'delay-scanner', intervalMs, leadership: options.leadership, log, run: scan });
  return { scanOnce: job.runOnce, stop: job.stop };
}
