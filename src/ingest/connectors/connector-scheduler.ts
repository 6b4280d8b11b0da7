import type { Leadership } from '../../platform/leadership.js';
import { startPeriodicJob, type PeriodicJob } from '../../platform/periodic-job.js';
import type { ConnectorInstance } from './connector-registry.js';
import { ConnectorBusyError, runConnector, type RunnerDeps } from './connector-runner.js';

export interface SchedulerHandle {
  /** Stops the timers, aborts runs in progress and waits for them to settle. */
  stop(): Promise<void>;
}

/**
 * Runs each enabled connector with an interval on its own timer. Each
 * connector is independent: one that fails (or hangs until its own timeouts)
 * records its failure and is tried again at its next tick; it never delays or
 * stops the others.
 *
 * With several hub instances on one database (issue #12) each connector is a
 * periodic job with one leader (`connector:<name>`), so a source is pulled once
 * per interval, not once per instance; a new leader taking over waits out the
 * interval since the last run recorded in `connector_state`, and the run itself
 * holds the connector's lock, so a manual run, a CLI run and a scheduled run
 * never overlap anywhere.
 */
export function startScheduler(deps: RunnerDeps, instances: readonly ConnectorInstance[], leadership?: Leadership): SchedulerHandle {
  const controller = new AbortController();
  const jobs: PeriodicJob<unknown>[] = [];
  for (const instance of instances) {
    if (!instance.enabled || !instance.intervalSeconds) continue;
    const intervalMs = instance.intervalSeconds * 1000;
    const tick = async () => {
      if (controller.signal.aborted) return;
      const em = deps.em.fork();
      // Due? A run started less than an interval ago (by any instance) is not repeated; 5% slack for timer jitter.
      const [last] = await em
        .getConnection()
        .execute<{ ago_ms: number | null }[]>(`select (extract(epoch from now() - last_run_at) * 1000)::float8 as ago_ms from connector_state where name = ?`, [
          instance.name,
        ]);
      if (last?.ago_ms != null && last.ago_ms < intervalMs * 0.95) return;
      try {
        await runConnector({ ...deps, em }, instance, { signal: controller.signal });
      } catch (error) {
        if (!(error instanceof ConnectorBusyError)) deps.log.error({ connector: instance.name, err: (error as Error).message }, 'scheduled run crashed');
      }
    };
    // First run soon after start, then every interval.
    jobs.push(startPeriodicJob({ name: `connector:${instance.name}`, intervalMs, firstDelayMs: 10, leadership, log: deps.log, run: tick }));
    deps.log.info({ connector: instance.name, intervalSeconds: instance.intervalSeconds }, 'connector scheduled');
  }
  return {
    async stop() {
      controller.abort();
      await Promise.all(jobs.map((job) => job.stop()));
    },
  };
}
