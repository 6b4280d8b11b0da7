import type { Logger } from '../platform/logger.js';
import type { AuditService } from './audit.service.js';
import { startPeriodicJob } from '../platform/periodic-job.js';
import type { Leadership } from '../platform/leadership.js';

/** How often the retention pruning runs. */
export const AUDIT_PRUNE_INTERVAL_MS = 6 * 3_600_000;

/**
 * The audit retention job: prunes rows older than AUDIT_RETENTION_DAYS a
 * minute after start and then every six hours, on the instance that leads
 * `audit-retention` (issue #12).
 */
export function startAuditPruner(audit: AuditService, log: Logger, leadership?: Leadership, intervalMs = AUDIT_PRUNE_INTERVAL_MS): { stop(): Promise<void>; runOnce(): Promise<number> } {
  const runOnce = async () => {
    try {
      const pruned = await audit.prune();
      if (pruned) log.info({ pruned }, 'audit trail pruned past its retention period');
      return pruned;
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'audit pruning failed; will retry');
      return 0;
    }
  };
  const job = startPeriodicJob({ name: 'audit-retention', intervalMs, firstDelayMs: 60_000, standbyCheckMs: 60_000, leadership, log, run: runOnce });
  return { stop: job.stop, runOnce };
}
