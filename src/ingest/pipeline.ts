import { randomInt } from 'node:crypto';
import type pg from 'pg';
import { withSpan } from '../platform/tracing.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { HubPubSub } from '../platform/pubsub.js';
import { withPgTransaction } from './bulk-insert.js';
import { keepRejected, keepRejections, type Rejection } from './rejected-store.js';
import { isMappingFailure } from './records.js';
import type { MappedRecord, Mapper, MapperFor, SourceRecord } from './connectors/connector.js';
import { factKind, type Indexed, type KindWrite } from './fact-kind.js';
// The kinds of the ingest area register themselves; other areas register theirs (src/logistics: tracking).
import './market-facts.kind.js';

/**
 * The one ingest pipeline (issues #4, #13), for every fact and every path:
 * connectors, spreadsheet uploads, the `recordPriceObservations` mutation,
 * courier webhooks and the `ingestTrackingEvents` mutation, replays.
 *
 *   map -> validate -> resolve -> write in bulk -> derive   (one transaction per batch)
 *       -> publish                                           (after the commit)
 *
 * A source record is mapped by its source's mapper (a connector's, or a
 * courier format's) into canonical records, each validated by its kind
 * (src/ingest/fact-kind.ts). The valid ones are resolved, written and derived
 * by their kind inside ONE transaction per batch, together with the batch's
 * refused records (one rejected-record store, kept once per raw record) and
 * the caller's own statements (a connector's cursor, a push's signature): a
 * batch is stored whole or not at all. Subscribers hear about it after the
 * commit. By default a refused record does not stop the rest of its batch;
 * `atomic: true` refuses the whole batch instead, storing nothing but the
 * refused records.
 */

/** Counts a load reports. */
export interface LoadCounts {
  /** Source records read. */
  read: number;
  /** Facts stored by this load. */
  stored: number;
  /** Facts already stored (same connector and source key), or repeated within the load. */
  duplicates: number;
  /** Records refused (kept in the rejected store unless the caller said otherwise). */
  rejected: number;
  /** Stored facts whose product name went to the review queue. */
  unmatched: number;
}

export const emptyCounts = (): LoadCounts => ({ read: 0, stored: 0, duplicates: 0, rejected: 0, unmatched: 0 });

export function addCounts(into: LoadCounts, more: LoadCounts): LoadCounts {
  for (const key of Object.keys(into) as (keyof LoadCounts)[]) into[key] += more[key];
  return into;
}

/** A refused record: which source record (index in the batch), why and which field. */
export interface BatchRejection extends Rejection {
  index: number;
}

export interface BatchResult {
  counts: LoadCounts;
  /** Refused records, in batch order. */
  rejections: BatchRejection[];
  /** Ids of the rejected records kept, in the order of `rejections` (empty when not kept). */
  rejectedIds: string[];
  /** Stored rows per kind (`price`, `supply`, `sale`...), for callers that answer with them. */
  rows: Record<string, Record<string, unknown>[]>;
  /** Kind-specific figures added up (e.g. `shipmentsUpdated`, `alerts`). */
  figures: Record<string, number>;
}

export interface SessionOptions {
  /** Connector instance name: the facts' `source_connector` and the rejected records' `connector`. */
  connector: string;
  /** What re-reads a rejected raw record on replay (a connector module, `recordPriceObservations`, a courier format). */
  pipeline: string;
  map: Mapper<unknown>;
  /** The mapper for a batch that carries its table's header (placed once per header, see {@link MapperFor}). */
  mapperFor?: MapperFor<unknown>;
  /** Mapper config. */
  config?: unknown;
  pubSub?: HubPubSub;
  /** Handed to every kind (e.g. the authenticated courier of a push). */
  context?: unknown;
  /**
   * Whose data the records are, when a firm's own keys may see what was refused (issue #11): `platform:<code>` for an
   * e-commerce platform's listings and sales. Courier pushes need none: their connector is already `courier:<code>`.
   */
  submitter?: string;
}

export interface BatchOptions {
  /** Refuse the whole batch when any record is refused: nothing stored, every refused record kept. */
  atomic?: boolean;
  /** Keep refused records in the rejected store. @default true */
  keepRejections?: boolean;
  /** Runs first in the batch's transaction (e.g. claims a push's signature); throwing stores nothing. */
  beforeWrite?: (client: pg.PoolClient) => Promise<void>;
  /** Runs in the batch's transaction after the writes (e.g. saves the connector's cursor). */
  inTransaction?: (client: pg.PoolClient) => Promise<void>;
  /**
   * The batch before this one in the same load, when it is still in flight ({@link BatchOrder}): this batch stores
   * nothing unless that one committed, and commits after it.
   */
  after?: BatchOrder;
  /** This batch's own order, for the batch after it: settled when this one has committed (and published) or failed. */
  order?: BatchOrder;
}

/** Thrown by a batch whose predecessor in flight failed: it stored nothing either. */
export class PreviousBatchFailedError extends Error {
  constructor(readonly previous: unknown) {
    super(`the batch before failed (${(previous as Error)?.message ?? String(previous)}); this one stored nothing`);
    this.name = 'PreviousBatchFailedError';
  }
}

/** The first key of {@link BatchOrder.lock} ('HHBO'): keeps the batches' advisory locks apart from the hub's other ones. @internal */
const BATCH_ORDER_LOCK_CLASS = 0x4848424f;

/**
 * Two batches of one load in flight (issue #13), each on its own connection and in its own transaction, in an
 * order that keeps every guarantee of one batch at a time:
 *
 * - batch N+1 reads, resolves (key-share locks only) and COPYs its new facts while batch N adds to the aggregates,
 *   queues names for review, keeps its refused records, saves the cursor and commits: the hub's and PostgreSQL's
 *   work overlap, and PostgreSQL's on two backends;
 * - N+1's facts go in only after N's are all written (`factsWritten`): N never waits for a key of N+1. (N+1 may wait
 *   for a key N wrote, in the unique index; N then waits for nothing N+1 holds: it has written its facts, and what
 *   it writes after them N+1 only touches after N's end.)
 * - everything else of N+1 (aggregates, review queue, rejected records, cursor) and its commit come only after N
 *   committed (`committed`); if N failed, N+1 fails too and stores nothing. So the stored batches are always a prefix
 *   of the load, in order, each whole or not at all; the cursor moves one batch at a time, as before.
 * - a batch that needs DDL first (a new month's partition) waits for N's end before it, as a lone batch would.
 * - N+1's wait for N's commit, inside its transaction, is a wait PostgreSQL sees: N holds an advisory lock of its own
 *   for each attempt of its transaction ({@link BatchOrder.lock}), and N+1 waits on that lock
 *   ({@link waitVisibly}). As a bare promise it was invisible: another writer under the same connector name that
 *   holds a row N needs (the connector's state row) and inserts a key N+1 has written waits for N+1, N waits for it,
 *   and N+1 waited for N in the hub, so PostgreSQL saw no cycle and all three hung forever (session 7,
 *   test/ingest/batch-order.test.ts). Now PostgreSQL's deadlock detector breaks the cycle after `deadlock_timeout`
 *   (40P01: the batch it picks runs again, up to three times in all, or the run fails with "deadlock detected").
 */
export class BatchOrder {
  /** Resolves when the batch's new facts are written, or when it has ended. */
  readonly factsWritten: Promise<void>;
  /** Resolves when the batch has committed and published; rejects when it failed. */
  readonly committed: Promise<void>;
  /** Resolves when the batch has committed or failed. */
  readonly ended: Promise<void>;
  /** Whether the batch has committed or failed. */
  settled = false;
  /** The advisory lock (two int4 keys) the batch's transaction holds while it runs: what the batch after it waits on. */
  readonly lock: [number, number] = [BATCH_ORDER_LOCK_CLASS, randomInt(-2_147_483_648, 2_147_483_647)];
  private facts!: () => void;
  private ok!: () => void;
  private failed!: (error: unknown) => void;

  constructor() {
    this.factsWritten = new Promise((resolve) => (this.facts = resolve));
    this.committed = new Promise((resolve, reject) => {
      this.ok = resolve;
      this.failed = reject;
    });
    // Nobody may be waiting on it (the last batch of a load).
    this.committed.catch(() => {});
    this.ended = this.committed.then(
      () => undefined,
      () => undefined,
    );
  }

  /** @internal */
  markFactsWritten(): void {
    this.facts();
  }

  /** @internal */
  settle(error?: unknown): void {
    this.settled = true;
    this.facts();
    if (error === undefined) this.ok();
    else this.failed(error);
  }
}

/**
 * Waits, on the connection of a batch's transaction, until the batch before has ended, as a lock wait PostgreSQL's
 * deadlock detector sees (see {@link BatchOrder}): the shared form of the batch before's advisory lock is taken and at
 * once let go, again while that batch runs another attempt of its transaction. @internal
 */
async function waitVisibly(client: pg.PoolClient, before: BatchOrder): Promise<void> {
  while (!before.settled) {
    await client.query('select pg_advisory_lock_shared($1, $2)', before.lock);
    await client.query('select pg_advisory_unlock_shared($1, $2)', before.lock);
    // Between its commit and its publish (or between two attempts), the batch before holds nothing this one could need.
    if (!before.settled) await Promise.race([before.ended, new Promise((resolve) => setTimeout(resolve, 20))]);
  }
}

/** A batch mapped and validated (step 1), ready to be written. */
export interface ValidatedBatch {
  batch: readonly SourceRecord[];
  /** The batch's clock. */
  now: number;
  /** Refused so far, in batch order. */
  rejections: BatchRejection[];
  /** Adds a refusal of a source record. @internal */
  refuse: (index: number, reason: string, field?: string | null) => void;
  /** Valid records by kind of fact. */
  byKind: Map<string, Indexed<unknown>[]>;
}

/** Thrown by an `atomic` batch that refused some records; nothing of the batch was stored. */
export class BatchRefusedError extends Error {
  constructor(
    readonly rejections: BatchRejection[],
    readonly rejectedIds: string[],
  ) {
    super(`${rejections.length} record(s) refused; first: ${rejections[0]?.position}: ${rejections[0]?.reason}`);
    this.name = 'BatchRefusedError';
  }
}

/** Rolls an atomic batch back from inside its transaction. @internal */
class RefuseBatch extends Error {}

/**
 * What makes a batch worth running again at once: a deadlock, a serialization
 * failure, or a key stored by a concurrent batch after this one looked (the
 * new run's lookups see it). @internal
 */
const RETRYABLE = new Set(['40001', '40P01', '23505']);
const ATTEMPTS = 3;

/** Runs a batch's transaction, again (up to three times in all) when it failed for a retryable reason. @internal */
async function retrying<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= ATTEMPTS || !RETRYABLE.has(String((error as { code?: unknown }).code))) throw error;
    }
  }
}

/**
 * One load by one source: keeps what is read once per load (the catalogue
 * matcher, market codes) and adds up the counts over its batches.
 */
export class IngestSession {
  readonly counts = emptyCounts();
  private readonly cache = new Map<string, unknown>();
  /** The mapper made for the last header seen, or its refusal (a file's batches share one header). @internal */
  private bound?: { header: readonly string[]; key: string; map?: (raw: unknown) => MappedRecord | MappedRecord[]; error?: unknown };

  constructor(
    private readonly em: EntityManager,
    readonly options: SessionOptions,
  ) {}

  /** Maps, validates, resolves, writes and derives one batch of source records; publishes after the commit. */
  async write(batch: readonly SourceRecord[], options: BatchOptions = {}): Promise<BatchResult> {
    return this.writeValidated(this.validate(batch), options);
  }

  /**
   * Step 1 alone: maps and validates a batch (no database). A load reading
   * batch after batch validates the next one while the current one is
   * written ({@link writeValidated}), as the connector runner does.
   */
  validate(batch: readonly SourceRecord[], header?: readonly string[]): ValidatedBatch {
    const { connector, pipeline, context, submitter } = this.options;
    // A table's columns are placed once per header (its first batch as the sample); a header that cannot be placed
    // refuses every batch of the table by throwing.
    const map = header && this.options.mapperFor && batch.length ? this.mapperOf(header, batch) : undefined;
    const now = Date.now();
    const rejections: BatchRejection[] = [];
    const refuse = (index: number, reason: string, field?: string | null) => {
      const source = batch[index];
      const path = field && source.path ? `${source.path}.${field}` : (field ?? source.path);
      rejections.push({
        index,
        connector,
        pipeline,
        submitter,
        reason,
        field: path ?? undefined,
        position: source.position,
        raw: source.raw,
        identity: source.identity,
      });
    };
    const t0 = performance.now();
    const byKind = new Map<string, Indexed<unknown>[]>();
    const validateContext = { connector, now, context };
    for (let index = 0; index < batch.length; index++) {
      let mapped;
      try {
        mapped = map ? map(batch[index].raw) : this.options.map(batch[index].raw, this.options.config);
      } catch (error) {
        refuse(index, `could not be mapped: ${(error as Error).message}`);
        continue;
      }
      for (const one of Array.isArray(mapped) ? mapped : [mapped]) {
        if (isMappingFailure(one)) {
          refuse(index, one.reason, one.field);
          continue;
        }
        const kind = factKind(String((one as { kind?: unknown })?.kind));
        if (!kind) {
          refuse(index, `unknown kind of fact "${String((one as { kind?: unknown })?.kind)}"`, 'kind');
          continue;
        }
        const valid = kind.validate(one as Record<string, unknown>, validateContext);
        if (isMappingFailure(valid)) {
          refuse(index, valid.reason, valid.field);
          continue;
        }
        const group = byKind.get(kind.kind);
        if (group) group.push({ index, record: valid });
        else byKind.set(kind.kind, [{ index, record: valid }]);
      }
    }
    if (process.env.INGEST_TRACE) console.error(`map+validate ${(performance.now() - t0).toFixed(0)} ms`);
    return { batch, now, rejections, refuse, byKind };
  }

  /** The mapper for `header`, made once per header by the connector's `mapperFor`. @internal */
  private mapperOf(header: readonly string[], sample: readonly SourceRecord[]): (raw: unknown) => MappedRecord | MappedRecord[] {
    let bound = this.bound;
    if (!bound || (bound.header !== header && bound.key !== header.join('\u0000'))) {
      bound = { header, key: header.join('\u0000') };
      try {
        bound.map = this.options.mapperFor!(header, this.options.config, sample);
      } catch (error) {
        bound.error = error;
      }
      this.bound = bound;
    }
    if (bound.error !== undefined) throw bound.error;
    return bound.map!;
  }

  /** Steps 2 and 3 of a batch {@link validate}d: resolve, write and derive in one transaction, publish after the commit. */
  writeValidated(validated: ValidatedBatch, options: BatchOptions = {}): Promise<BatchResult> {
    const { batch } = validated;
    // One span per batch when tracing is on (issue #15): its writes run on a raw connection, outside the ORM's statement spans.
    return withSpan(
      'ingest batch',
      { attributes: { 'ingest.connector': this.options.connector, 'ingest.pipeline': this.options.pipeline, 'ingest.records': batch.length } },
      async (span) => {
        let result: BatchResult;
        try {
          result = await this.writeBatch(validated, options);
        } catch (error) {
          options.order?.settle(error);
          throw error;
        }
        options.order?.settle();
        span?.setAttributes({
          'ingest.stored': result.counts.stored,
          'ingest.duplicates': result.counts.duplicates,
          'ingest.rejected': result.counts.rejected,
        });
        return result;
      },
    );
  }

  private async writeBatch({ batch, now, rejections, refuse, byKind }: ValidatedBatch, options: BatchOptions): Promise<BatchResult> {
    const { connector, context } = this.options;
    const validateContext = { connector, now, context };
    const trace = process.env.INGEST_TRACE ? (what: string, t: number) => console.error(`${what} ${(performance.now() - t).toFixed(0)} ms`) : undefined;
    let t0 = performance.now();
    const keep = options.keepRejections !== false;
    // Batch order when the batch before is still in flight (see BatchOrder).
    const { after } = options;
    // (Outside the transaction: it holds nothing yet, so waiting in the hub hides no cycle from PostgreSQL.)
    const outsideTurn = after
      ? () =>
          after.committed.catch((error: unknown) => {
            throw new PreviousBatchFailedError(error);
          })
      : () => Promise.resolve();
    const factsTurn = after ? () => after.factsWritten : () => Promise.resolve();
    const factsWritten = () => options.order?.markFactsWritten();
    if (options.atomic && rejections.length) {
      await outsideTurn();
      throw await this.refused(rejections, keep);
    }

    // 2. Resolve, write and derive, all in one transaction with the batch's refused records.
    for (const [name, records] of byKind) {
      const kind = factKind(name)!;
      if (!kind.prepare) continue;
      // DDL (a new month's partition) would wait on the batch in flight: it goes after it.
      if (after && !(await kind.preparesNothing?.(records, { em: this.em }))) await outsideTurn();
      await kind.prepare(records, { em: this.em });
    }
    trace?.('prepare', t0);
    t0 = performance.now();
    const writes: [string, KindWrite][] = [];
    let rejectedIds: string[] = [];
    // What validation refused: a retried transaction starts again from these (the kinds' refusals are added anew).
    const validated = rejections.slice();
    try {
      await retrying(() =>
        withPgTransaction(this.em, async (client) => {
          writes.length = 0;
          rejections.splice(0, rejections.length, ...validated);
          // What the batch after this one waits on, visibly (BatchOrder): held until this attempt commits or rolls back.
          if (options.order) await client.query('select pg_advisory_xact_lock($1, $2)', options.order.lock);
          const turn = after ? () => waitVisibly(client, after).then(outsideTurn) : outsideTurn;
          if (options.beforeWrite) {
            await turn();
            await options.beforeWrite(client);
          }
          const writeContext = { ...validateContext, client, em: this.em, cache: this.cache, pubSub: this.options.pubSub, turn, factsTurn, factsWritten };
          for (const [name, records] of byKind) {
            const kind = factKind(name)!;
            if (!kind.overlaps) await turn();
            const written = await kind.write(records, writeContext);
            writes.push([name, written]);
            for (const r of written.rejections) refuse(r.index, r.reason, r.field);
          }
          factsWritten();
          await turn();
          if (options.atomic && rejections.length) throw new RefuseBatch();
          if (keep && rejections.length) {
            rejections.sort((a, b) => a.index - b.index);
            rejectedIds = await keepRejections(client, rejections);
          }
          await options.inTransaction?.(client);
        }),
      );
    } catch (error) {
      if (error instanceof RefuseBatch) throw await this.refused(rejections, keep);
      throw error;
    }

    trace?.('transaction', t0);
    t0 = performance.now();
    // 3. After the commit: subscribers.
    for (const [, written] of writes) await written.publish?.();

    trace?.('publish', t0);
    const counts = emptyCounts();
    counts.read = batch.length;
    const rows: BatchResult['rows'] = {};
    const figures: Record<string, number> = {};
    for (const [name, written] of writes) {
      counts.stored += written.stored;
      counts.duplicates += written.duplicates;
      counts.unmatched += written.unmatched ?? 0;
      // A kind may build its stored rows only when asked (prices, issue #13): passed on as a getter, not read here.
      const described = Object.getOwnPropertyDescriptor(written, 'rows');
      if (described?.get) Object.defineProperty(rows, name, { enumerable: true, configurable: true, get: () => written.rows });
      else if (written.rows) rows[name] = written.rows;
      for (const [figure, n] of Object.entries(written.figures ?? {})) figures[figure] = (figures[figure] ?? 0) + n;
    }
    counts.rejected = rejections.length;
    addCounts(this.counts, counts);
    rejections.sort((a, b) => a.index - b.index);
    return { counts, rejections, rejectedIds, rows, figures };
  }

  /** Keeps the refused records of a refused atomic batch (their own statement) and builds the error. @internal */
  private async refused(rejections: BatchRejection[], keep: boolean): Promise<BatchRefusedError> {
    rejections.sort((a, b) => a.index - b.index);
    const ids = keep ? await keepRejected(this.em, rejections) : [];
    return new BatchRefusedError(rejections, ids);
  }
}
