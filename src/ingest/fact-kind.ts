import type pg from 'pg';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { HubPubSub } from '../platform/pubsub.js';
import type { MappingFailure } from './records.js';

/**
 * The small interface behind which every kind of fact (prices, supply
 * listings, sales, tracking events) plugs into the one ingest pipeline
 * (src/ingest/pipeline.ts, issue #13). The pipeline owns mapping, the
 * transaction, the rejected store, replay, counts and publishing after the
 * commit; a kind owns what is specific to its facts:
 *
 *   validate  one mapped record on its own (no database), naming the field at fault;
 *   write     the valid records of a batch, inside the batch's transaction:
 *             resolve their references with the pipeline's own lookups (each
 *             referenced row looked up and key-share locked once per batch,
 *             instead of a foreign-key trigger per row), write in bulk, derive
 *             (parcel status, review queue, alerts), and say what to publish.
 *
 * Kinds are registered once ({@link registerFactKind}); areas register their
 * own (src/logistics registers `tracking`), so the pipeline imports no area.
 */

/** A validated record and its index in the batch (the source record it came from). */
export interface Indexed<R> {
  index: number;
  record: R;
}

/** A record refused by a kind: the batch index, why, and the field (relative to the source record). */
export interface KindRejection {
  index: number;
  reason: string;
  field?: string;
}

/** What validation sees besides the record. */
export interface ValidateContext {
  /** The connector (source) of the batch: `xinfadi-prices`, `courier:zhongtong`. */
  connector: string;
  /** Milliseconds since the epoch when the batch started (one clock per batch). */
  now: number;
  /** What the caller attached to the session (e.g. the authenticated courier). */
  context: unknown;
}

/** What writing sees: the batch's transaction and the session's caches. */
export interface WriteContext extends ValidateContext {
  /** A pg client inside the batch's transaction (real bind parameters, COPY). */
  client: pg.PoolClient;
  /** The session's EntityManager, for reads outside the transaction (e.g. loading the catalogue matcher once per load). */
  em: EntityManager;
  /** Lives as long as the session (one load, one push): lookups read once per load, e.g. the catalogue matcher. */
  cache: Map<string, unknown>;
  pubSub?: HubPubSub;
  /**
   * Batch order, in a load that keeps two batches in flight (the connector runner, issue #13): resolves once the
   * batch before this one has committed, and rejects if it failed; at once when there is none. A kind that
   * {@link FactKind.overlaps} awaits it itself before writing anything but its own new facts (aggregates, the review
   * queue...); for every other kind the pipeline awaits it before `write`. The pipeline awaits it again before the
   * rejected records, the caller's statements and the commit. (Absent, as in a context built by hand: no batch before.)
   */
  turn?(): Promise<void>;
  /** Resolves once the batch before this one has written its new facts (or has ended): this one's may go in after. */
  factsTurn?(): Promise<void>;
  /** Says this batch's new facts are all written: the next batch may write its own. */
  factsWritten?(): void;
}

/** The outcome of writing one kind's records of a batch. */
export interface KindWrite {
  /** Records refused while resolving (unknown market, node...); the rest is written. */
  rejections: KindRejection[];
  /** Facts stored now. */
  stored: number;
  /** Facts already stored before (or twice in the batch): nothing written for them. */
  duplicates: number;
  /** Stored facts whose name waits in the review queue. */
  unmatched?: number;
  /** Stored rows as database rows, for callers that answer with them (the price mutation). */
  rows?: Record<string, unknown>[];
  /** Kind-specific figures (e.g. `shipmentsUpdated`, `alerts`). */
  figures?: Record<string, number>;
  /** Runs after the commit: publishes to subscribers. Never runs for a batch that rolled back. */
  publish?: () => void | Promise<void>;
}

/** One kind of fact. */
export interface FactKind<R = unknown> {
  /** The `kind` a mapper puts on its records: `price`, `supply`, `sale`, `tracking`. */
  readonly kind: string;
  /** Checks one mapped record; returns it typed, or a refusal naming the field. */
  validate(input: Record<string, unknown>, context: ValidateContext): R | MappingFailure;
  /**
   * Runs before the batch's transaction, outside it: e.g. creates the monthly
   * partitions the records will go to (DDL must not wait inside a batch).
   */
  prepare?(records: Indexed<R>[], context: { em: EntityManager; log?: unknown }): Promise<void>;
  /**
   * Whether `prepare` has nothing to do for these records (e.g. every month's partition exists): then it does not
   * wait for a batch in flight. Absent: `prepare` runs only once the batch before has ended (its DDL would wait on it).
   */
  preparesNothing?(records: Indexed<R>[], context: { em: EntityManager }): Promise<boolean>;
  /** Resolves, writes in bulk and derives the batch's records of this kind, in its transaction. */
  write(records: Indexed<R>[], context: WriteContext): Promise<KindWrite>;
  /**
   * `write` writes its batch's new facts after {@link WriteContext.factsTurn} and everything else only after
   * {@link WriteContext.turn}: with two batches in flight, this batch's facts go in while the batch before it
   * updates shared rows and commits. (Facts only: a COPY of new rows waits for nothing the batch before still holds
   * but the same new keys, and that one then waits for nothing this batch holds; see src/ingest/pipeline.ts.)
   */
  overlaps?: boolean;
}

// Kinds of different record types share one registry; each is only ever handed its own records.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const kinds = new Map<string, FactKind<any>>();

/** Registers a kind of fact with the pipeline (once, at module load). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see `kinds`
export function registerFactKind(kind: FactKind<any>): void {
  kinds.set(kind.kind, kind);
}

/** The registered kind of that name, if any. @internal */
export function factKind(name: string): FactKind<unknown> | undefined {
  return kinds.get(name);
}
