import type { Logger } from '../platform/logger.js';
import type { AuditService } from './audit.service.js';

/** How often the retention pruning runs. */
export const AUDIT_PRUNE_INTERVAL_MS = 6 * 3_600_000;

/**
 * The audit retention job: prunes rows older than AUDIT_RETENTION_DAYS a
 * minute after start and then every six hours. Timers are unref'd so that
 * they never keep the process alive; several instances pruning at once is
 * harmless (the DELETE is idempotent).
 */
export function startAuditPruner(audit: AuditService, log: Logger, intervalMs = AUDIT_PRUNE_INTERVAL_MS): { stop(): void; runOnce(): Promise<number> } {
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
  const first = setTimeout(runOnce, 60_000);
  const every = setInterval(runOnce, intervalMs);
  first.unref();
  every.unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(every);
    },
    runOnce,
  };
}
