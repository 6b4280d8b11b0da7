import pg from 'pg';
import { advisoryKey } from './advisory-lock.js';
import type { Logger } from './logger.js';

/**
 * One leader per periodic job across every hub instance on a database
 * (issue #12): the instance whose leadership session holds the job's advisory
 * lock runs it; the others stand by and take over when that session ends (the
 * leader stopped, crashed or lost its connection: PostgreSQL releases the lock
 * with the session).
 */
export interface Leadership {
  /**
   * Whether this instance leads `job` now: it still holds the job's lock (its
   * session answers), or it takes the lock because nobody holds it. Never
   * throws: a database that does not answer means "not the leader".
   */
  lead(job: string): Promise<boolean>;
  /** The jobs this instance leads. */
  led(): string[];
  /** Gives up every job (the session ends, so standby instances take over at once). */
  close(): Promise<void>;
}

export interface LeadershipObserver {
  /** This instance became (true) or stopped being (false) the leader of `job`. */
  onChange?(job: string, leading: boolean): void;
}

/** Leadership on one dedicated session (not a pool connection: the locks live as long as the session). */
export function createLeadership(databaseUrl: string, log: Logger, observer: LeadershipObserver = {}): Leadership {
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  const held = new Set<string>();
  let closed = false;

  const lose = (reason: string) => {
    if (held.size) log.warn({ jobs: [...held], reason }, 'leadership session lost: standing by');
    for (const job of held) observer.onChange?.(job, false);
    held.clear();
    const old = client;
    client = undefined;
    old?.end().catch(() => {});
  };

  const connect = (): Promise<pg.Client> => {
    if (client) return Promise.resolve(client);
    connecting ??= (async () => {
      const c = new pg.Client({ connectionString: databaseUrl, keepAlive: true, application_name: 'harvest-hub leadership', connectionTimeoutMillis: 5000 });
      c.on('error', (error) => {
        if (client === c) lose(error.message);
      });
      c.on('end', () => {
        if (client === c) lose('connection ended');
      });
      await c.connect();
      // A hung query must not stall every periodic job of this instance.
      await c.query(`set statement_timeout = '5s'`);
      client = c;
      return c;
    })().finally(() => (connecting = undefined));
    return connecting;
  };

  // One query at a time on the session (pg would otherwise queue them with a deprecation warning).
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => {});
    return next;
  };

  return {
    lead: (job) =>
      serial(async () => {
        if (closed) return false;
        try {
          const c = await connect();
          if (held.has(job)) {
            // Still our session? (A session that died took the lock with it.)
            await c.query('select 1');
            return client === c && held.has(job);
          }
          const {
            rows: [{ locked }],
          } = await c.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [advisoryKey(`leader:${job}`)]);
          if (locked && client === c) {
            held.add(job);
            observer.onChange?.(job, true);
            log.info({ job }, 'leading periodic job');
            return true;
          }
          return false;
        } catch (error) {
          lose((error as Error).message);
          return false;
        }
      }),
    led: () => [...held],
    async close() {
      closed = true;
      for (const job of held) observer.onChange?.(job, false);
      held.clear();
      const c = client ?? (await connecting?.catch(() => undefined));
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}

/** A leadership for a process that is the only instance (the CLI, some tests): it leads everything. */
export const soleLeadership: Leadership = { lead: async () => true, led: () => [], close: async () => {} };
