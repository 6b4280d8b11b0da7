import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../platform/logger.js';
import type { HubPubSub } from '../platform/pubsub.js';
import type { Leadership } from '../platform/leadership.js';
import { NotFoundError } from '../platform/errors.js';
import type { RunOptions } from './connectors/connector.js';
import { DEFAULT_CONNECTORS_DIR, defaultInstance, loadConnectors, readConnectorsSetting, type ConnectorInstance } from './connectors/connector-registry.js';
import { runConnector, type RunHooks, type RunResult } from './connectors/connector-runner.js';
import { startScheduler, type SchedulerHandle } from './connectors/connector-scheduler.js';
import { checkConnectorMarkets } from './connectors/connector-markets.js';

/** How long a manual run waits for a run of the same connector in progress (on any instance) before CONNECTOR_BUSY. */
export const MANUAL_RUN_WAIT_MS = 60_000;

/** Connector settings from the hub's config (CONNECTORS, CONNECTORS_DIR, CONNECTOR_SCHEDULER). */
export interface IngestSettings {
  /** Path to a JSON file, or inline JSON, listing the enabled connectors. */
  connectors?: string;
  connectorsDir?: string;
  /** Run pull connectors on their intervals inside this process. */
  scheduler: boolean;
}

/** The connectors of one hub (or CLI) process: configured instances, on-demand runs, the scheduler. */
export interface IngestRuntime {
  readonly connectors: readonly ConnectorInstance[];
  readonly connectorsDir: string;
  /** A configured instance by name, or the module of that name with its default config. */
  instance(name: string): Promise<ConnectorInstance>;
  /** Runs a connector now (see runConnector: failures are recorded and returned, not thrown). */
  run(name: string, options?: RunOptions & Omit<RunHooks, 'signal'>): Promise<RunResult>;
  /** Stops the scheduler and waits for scheduled runs in progress. */
  close(): Promise<void>;
}

/** What resolvers of this area see in the GraphQL context, set by the composition root. */
export interface IngestContext {
  ingest?: IngestRuntime;
  /** The largest uploaded file, in bytes (UPLOAD_MAX_BYTES). */
  uploadMaxBytes?: number;
}

/**
 * Loads the configured connectors (validating their configs) and, when
 * `settings.scheduler`, starts their schedules. Started by src/app.ts and by
 * the CLI (scripts/connector.ts, without the scheduler).
 */
export async function startIngest(
  settings: IngestSettings,
  deps: { em: EntityManager; pubSub?: HubPubSub; log: Logger; leadership?: Leadership },
): Promise<IngestRuntime> {
  const dir = settings.connectorsDir ?? DEFAULT_CONNECTORS_DIR;
  const connectors = await loadConnectors(readConnectorsSetting(settings.connectors), dir);
  // A connector naming a market the hub does not know stops the start, naming the connector and field (issue #14).
  await checkConnectorMarkets(deps.em.fork(), connectors);
  const log = deps.log.child({ area: 'ingest' });
  const runnerDeps = { em: deps.em, pubSub: deps.pubSub, log };
  const scheduler: SchedulerHandle | undefined = settings.scheduler ? startScheduler(runnerDeps, connectors, deps.leadership) : undefined;
  const defaults = new Map<string, Promise<ConnectorInstance>>();
  const instance = async (name: string) => {
    const configured = connectors.find((c) => c.name === name);
    if (configured) return configured;
    if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(name)) throw new NotFoundError(`No connector named "${name}".`);
    let found = defaults.get(name);
    if (!found) {
      found = defaultInstance(name, dir).catch(() => {
        defaults.delete(name);
        throw new NotFoundError(`No connector named "${name}": it is neither configured in CONNECTORS nor a module in ${dir}.`);
      });
      defaults.set(name, found);
    }
    return found;
  };
  return {
    connectors,
    connectorsDir: dir,
    instance,
    async run(name, options = {}) {
      // A manual run (mutation, CLI) waits for a scheduled run of the same connector to finish rather than overlap it.
      return runConnector({ ...runnerDeps, em: deps.em.fork() }, await instance(name), { waitMs: MANUAL_RUN_WAIT_MS, ...options });
    },
    async close() {
      await scheduler?.stop();
    },
  };
}
