import { GraphQLError } from 'graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { tryAdvisoryLock } from '../../platform/advisory-lock.js';
import type { Logger } from '../../platform/logger.js';
import type { HubPubSub } from '../../platform/pubsub.js';
import { addCounts, BatchOrder, emptyCounts, IngestSession, type BatchResult, type LoadCounts } from '../pipeline.js';
import type { MapperFor, RunOptions } from './connector.js';
import type { ConnectorInstance } from './connector-registry.js';
import { ConnectorStatus } from './connector-state.entity.js';

/** Pub/sub topic: a connector's status changed. Payload: {@link ConnectorStatusEvent}. */
export const CONNECTOR_STATUS_CHANGED = 'CONNECTOR_STATUS_CHANGED';

/** What is published when a connector's status changes (plain JSON: it may cross Redis). */
export interface ConnectorStatusEvent {
  name: string;
  status: ConnectorStatus;
}

/** Progress of a run, after each stored batch. */
export interface RunProgress {
  counts: LoadCounts;
  /** Source records expected in all, when the reader knows. */
  total?: number;
}

export interface RunResult {
  connector: string;
  counts: LoadCounts;
  status: ConnectorStatus;
  error?: string;
  durationMs: number;
}

/** What a run may be told besides the connector's own options. */
export interface RunHooks {
  signal?: AbortSignal;
  onProgress?: (progress: RunProgress) => void;
  /** Each stored batch's result: its refused records with reasons, its stored rows (an upload answers with them, issue #15). */
  onBatch?: (result: BatchResult) => void;
}

export interface RunnerDeps {
  em: EntityManager;
  pubSub?: HubPubSub;
  log: Logger;
}

/**
 * Thrown when a connector is asked to run while it is already running, in this
 * process or on another instance (`CONNECTOR_BUSY`, retryable: the run in
 * progress will have loaded what there was).
 */
export class ConnectorBusyError extends GraphQLError {
  constructor(name: string, where: 'here' | 'elsewhere' = 'here') {
    super(`Connector "${name}" is already running${where === 'elsewhere' ? ' on another hub instance' : ''}; try again when it has finished.`, {
      extensions: { code: 'CONNECTOR_BUSY', retryable: true },
    });
    this.name = 'ConnectorBusyError';
  }
}

/** Thrown inside a batch's transaction when the cursor moved under the run (another run took over): the batch rolls back. */
export class CursorMovedError extends Error {
  constructor(name: string) {
    super(`the cursor of connector "${name}" was moved by another run; this run stops without writing its batch`);
    this.name = 'CursorMovedError';
  }
}

/**
 * Connectors running in this process, by name: a manual `runConnector` and a
 * scheduled tick of the same connector meet here whatever EntityManager each
 * was given (issue #12). Across processes the advisory lock
 * `connector:<name>` keeps them apart.
 */
const runningHere = new Set<string>();

/**
 * Runs one connector once: reads batches after the saved cursor, sends each
 * through the ingest pipeline (the cursor is saved in the batch's own
 * transaction), and records status, counts and errors in `connector_state`.
 * Never throws for a failing source: the failure is recorded and returned,
 * so the caller (scheduler, CLI, mutation) decides what to do.
 */
export async function runConnector(
  deps: RunnerDeps,
  instance: ConnectorInstance,
  options: RunOptions & RunHooks & { waitMs?: number } = {},
): Promise<RunResult> {
  // A run in progress (here or on another instance) is waited for up to `waitMs` (manual runs), else refused (scheduled ticks).
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (;;) {
    let where: 'here' | 'elsewhere' = 'here';
    if (!runningHere.has(instance.name)) {
      runningHere.add(instance.name);
      try {
        // Held on its own session for the whole run; PostgreSQL frees it if this process dies.
        const lock = await tryAdvisoryLock(await deps.em.getConnection().getNativeClient(), `connector:${instance.name}`);
        if (lock) {
          try {
            return await runLocked(deps, instance, options);
          } finally {
            await lock.release();
          }
        }
        where = 'elsewhere';
      } finally {
        runningHere.delete(instance.name);
      }
    }
    if (Date.now() >= deadline || options.signal?.aborted) throw new ConnectorBusyError(instance.name, where);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** One run, with the connector's lock held. @internal */
async function runLocked(deps: RunnerDeps, instance: ConnectorInstance, options: RunOptions & RunHooks): Promise<RunResult> {
  const { em, pubSub, log } = deps;
  const started = Date.now();
  const conn = em.getConnection();
  const setStatus = async (status: ConnectorStatus, extra = '', params: unknown[] = []) => {
    await conn.execute(
      `insert into connector_state (name, module, status, last_run_at, updated_at) values (?, ?, ?, now(), now())
       on conflict (name) do update set module = excluded.module, status = excluded.status, updated_at = now()${extra}`,
      [instance.name, instance.module, status, ...params],
    );
    pubSub?.publish(CONNECTOR_STATUS_CHANGED, { name: instance.name, status } satisfies ConnectorStatusEvent);
  };
  const counts = emptyCounts();
  try {
    await setStatus(ConnectorStatus.RUNNING, ', last_run_at = now()');
    const [state] = await conn.execute<{ cursor: unknown; cursor_seq: string }[]>('select cursor, cursor_seq from connector_state where name = ?', [
      instance.name,
    ]);
    // The cursor only moves forward: each batch's update is fenced on the sequence number this run last saw.
    let seq = BigInt(state?.cursor_seq ?? 0);
    const session = new IngestSession(em, {
      connector: instance.name,
      pipeline: instance.module,
      map: instance.manifest.map,
      mapperFor: instance.manifest.mapperFor as MapperFor<unknown> | undefined,
      config: instance.config,
      pubSub,
      submitter: instance.manifest.submitter?.(instance.config),
    });
    const signal = options.signal ?? new AbortController().signal;
    const reader = instance.manifest.read({
      config: instance.config,
      cursor: state?.cursor ?? null,
      options,
      log: log.child({ connector: instance.name }),
      signal,
    });
    let total: number | undefined;
    // The next batch is read, parsed, mapped and validated while the current ones are written, and two batches are
    // in flight on two connections: the next one's new prices go in while the one before adds to the aggregates,
    // saves the cursor and commits (BatchOrder in src/ingest/pipeline.ts). Batches still commit one at a time, in
    // order, each after the one before committed (a batch whose predecessor failed stores nothing): the cursor,
    // the review queue's counters and the order subscribers hear them in stay as they were.
    const batches = reader[Symbol.asyncIterator]();
    const readAhead = () => {
      const read = batches
        .next()
        .then((item) => (item.done ? undefined : { batch: item.value, validated: session.validate(item.value.records, item.value.header) }));
      // An unhandled rejection of the read-ahead would otherwise escape if the write below throws first.
      read.catch(() => {});
      return read;
    };
    let inFlight: { result: Promise<BatchResult>; order: BatchOrder } | undefined;
    const finish = async (flight: { result: Promise<BatchResult> }) => {
      const result = await flight.result;
      addCounts(counts, result.counts);
      options.onBatch?.(result);
      options.onProgress?.({ counts: { ...counts }, total });
    };
    try {
      let next = readAhead();
      for (;;) {
        const item = await next;
        if (!item) break;
        const { batch, validated } = item;
        next = readAhead();
        signal.throwIfAborted();
        total = batch.total ?? total;
        const order = new BatchOrder();
        const result = session.writeValidated(validated, {
          after: inFlight?.order,
          order,
          inTransaction:
            batch.cursor === undefined
              ? undefined
              : async (client) => {
                  // (After the batch before committed: `seq` is the sequence number it left.)
                  const moved = await client.query(
                    'update connector_state set cursor = $2::jsonb, cursor_seq = cursor_seq + 1 where name = $1 and cursor_seq = $3',
                    [instance.name, JSON.stringify(batch.cursor), seq.toString()],
                  );
                  if (moved.rowCount !== 1) throw new CursorMovedError(instance.name);
                  seq += 1n;
                },
        });
        result.catch(() => {});
        const previous = inFlight;
        inFlight = { result, order };
        // At most two in flight: the one before ends (committed, counted) before the next is read in.
        if (previous) await finish(previous);
      }
      const last = inFlight;
      inFlight = undefined;
      if (last) await finish(last);
    } finally {
      // A batch still in flight when the run stops (the one before failed, the run was aborted, the source failed)
      // ends before the run does: it commits only if the one before did, and then it is counted.
      if (inFlight) await finish(inFlight).catch(() => {});
    }
    await setStatus(
      ConnectorStatus.OK,
      `, last_success_at = now(), last_counts = ?::jsonb,
         total_counts = (select jsonb_object_agg(k, coalesce((connector_state.total_counts->>k)::bigint, 0) + v::bigint)
                           from jsonb_each_text(?::jsonb) as e(k, v))`,
      [JSON.stringify(counts), JSON.stringify(counts)],
    );
    const durationMs = Date.now() - started;
    log.info({ connector: instance.name, ...counts, durationMs }, 'connector run finished');
    return { connector: instance.name, counts, status: ConnectorStatus.OK, durationMs };
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    log.warn({ connector: instance.name, err: message, ...counts }, 'connector run failed');
    await setStatus(ConnectorStatus.FAILED, ', last_error = ?, last_error_at = now(), last_counts = ?::jsonb', [message, JSON.stringify(counts)]).catch(
      (stateError: Error) => log.error({ connector: instance.name, err: stateError.message }, 'could not record connector failure'),
    );
    return { connector: instance.name, counts, status: ConnectorStatus.FAILED, error: message, durationMs: Date.now() - started };
  }
}
