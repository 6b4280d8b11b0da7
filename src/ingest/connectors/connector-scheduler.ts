import type { ConnectorInstance } from './connector-registry.js';
import { ConnectorBusyError, runConnector, type RunnerDeps } from './connector-runner.js';

export interface SchedulerHandle {
  /** Stops the timers, aborts runs in progress and waits for them to settle. */
  stop(): Promise<void>;
}

/**
 * Runs each enabled connector with an interval on its own timer inside the
 * hub process. Each connector is independent: one that fails (or hangs until
 * its own timeouts) records its failure and is tried again at its next tick;
 * it never delays or stops the others. A tick that finds its connector still
 * running is skipped.
 */
export function startScheduler(deps: RunnerDeps, instances: readonly ConnectorInstance[]): SchedulerHandle {
  const controller = new AbortController();
  const timers: NodeJS.Timeout[] = [];
  const inFlight = new Set<Promise<unknown>>();
  // A tick whose connector is still running is skipped (each run gets its own EntityManager fork).
  const runningNames = new Set<string>();
  for (const instance of instances) {
    if (!instance.enabled || !instance.intervalSeconds) continue;
    const tick = () => {
      if (controller.signal.aborted || runningNames.has(instance.name)) return;
      runningNames.add(instance.name);
      const run = runConnector({ ...deps, em: deps.em.fork() }, instance, { signal: controller.signal })
        .catch((error: Error) => {
          if (!(error instanceof ConnectorBusyError)) deps.log.error({ connector: instance.name, err: error.message }, 'scheduled run crashed');
        })
        .finally(() => {
          inFlight.delete(run);
          runningNames.delete(instance.name);
        });
      inFlight.add(run);
    };
    // First run soon after start, then every interval.
    timers.push(setTimeout(tick, 10));
    timers.push(setInterval(tick, instance.intervalSeconds * 1000));
    deps.log.info({ connector: instance.name, intervalSeconds: instance.intervalSeconds }, 'connector scheduled');
  }
  return {
    async stop() {
      controller.abort();
      for (const timer of timers) clearTimeout(timer);
      await Promise.allSettled([...inFlight]);
    },
  };
}
