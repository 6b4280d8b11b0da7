import type { Leadership } from './leadership.js';
import type { Logger } from './logger.js';

export interface PeriodicJobOptions<T> {
  /** The job's name: its leadership lock and its log lines. */
  name: string;
  /** Time between two runs on the leader. */
  intervalMs: number;
  /** Delay before the first attempt. @default min(intervalMs, 5000) */
  firstDelayMs?: number;
  /** How often an instance that does not lead checks whether the leader is gone. @default min(intervalMs, 5000) */
  standbyCheckMs?: number;
  /** Who runs it when several instances share the database; none = this process always runs it. */
  leadership?: Leadership;
  log: Logger;
  /** One run. Its errors are logged and the job goes on at the next interval. */
  run: () => Promise<T>;
}

export interface PeriodicJob<T> {
  /** Runs once now, on this instance whether it leads or not (tests, admin actions); joins a run in progress. */
  runOnce(): Promise<T>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * A job that runs every `intervalMs` on exactly one instance: the leader of
 * `name` (issue #12). Every periodic job of the hub uses it: the connector
 * scheduler, the delay scanner, the partition maintenance. Runs never overlap
 * in one process; across processes the leadership lock keeps them apart.
 * Timers are unref'd: a job never keeps the process alive.
 */
export function startPeriodicJob<T>(options: PeriodicJobOptions<T>): PeriodicJob<T> {
  const { name, intervalMs, leadership, log } = options;
  const standbyMs = options.standbyCheckMs ?? Math.min(intervalMs, 5000);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<T> | undefined;
  let stopped = false;

  const runOnce = () => {
    running ??= options.run().finally(() => (running = undefined));
    return running;
  };
  const schedule = (ms: number) => {
    if (!stopped) timer = setTimeout(tick, ms).unref();
  };
  const tick = async () => {
    let leading = true;
    try {
      leading = leadership ? await leadership.lead(name) : true;
      if (leading && !stopped) await runOnce();
    } catch (error) {
      log.warn({ job: name, err: (error as Error).message }, 'periodic job failed; retrying at the next interval');
    } finally {
      schedule(leading ? intervalMs : standbyMs);
    }
  };
  if (intervalMs > 0) schedule(options.firstDelayMs ?? Math.min(intervalMs, 5000));

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => {});
    },
  };
}
