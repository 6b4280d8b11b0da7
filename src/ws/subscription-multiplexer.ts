import {
  createSourceEventStream,
  execute,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import type { WebSocket } from 'ws';
import type { SubscribePayload } from 'graphql-ws';
import { AccessRecord } from '../policy/access-record.js';
import type { Viewer } from '../policy/viewer.js';
import type { HubContext } from '../graphql/context.js';
import { HubCloseCode } from './close-codes.js';

/** What the multiplexer needs from the composition root. */
export interface MultiplexerOptions {
  schema: GraphQLSchema;
  /** A fresh context (own EntityManager fork, loaders, row scope) for one execution as this viewer. */
  context: (viewer: Viewer) => HubContext;
  /** The access layer's visibility class of a viewer (src/access/visibility-class.ts). */
  visibilityClass: (viewer: Viewer) => string;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Bytes that may wait in one socket's send buffer before the subscriber is closed with 4413. */
  maxBufferedBytes: number;
  /** Called once per subscriber when it leaves, with what it received of classified data (audit trail). */
  onLeave?: (subscriber: SubscriberInfo, record: AccessRecord) => void;
  observer?: {
    groups?: (delta: number) => void;
    /** One execution of a group's document for one event; `delivered` = subscribers it was sent to. */
    executed?: (delivered: number) => void;
    slowConsumer?: () => void;
  };
}

/** One subscribe message on one socket, after the access layer let it through. */
export interface SubscriberInfo {
  socket: WebSocket;
  id: string;
  viewer: Viewer;
  query: string;
  document: DocumentNode;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  /** The subscribe message's payload as graphql-ws received it (the audit trail keys on it). */
  payload: SubscribePayload;
}

/** JSON with object keys sorted, so that `{a, b}` and `{b, a}` variables share a group. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value as object)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined);
  return `{${entries.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** An event refused by the access layer's row check for this class (HiddenRowError on every error). */
const hidden = (result: ExecutionResult) => Boolean(result.errors?.length && result.errors.every((e) => e.extensions?.hiddenRow));

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> => value != null && typeof value === 'object' && Symbol.asyncIterator in value;

/**
 * One subscriber as graphql-ws sees it: an async generator that yields
 * nothing (results are written to the socket by its group, serialised once
 * for all) and ends when the client completes, the socket closes, or the
 * group's stream ends.
 */
class Subscriber implements AsyncGenerator<never, undefined> {
  /** `{"id":"…","type":"next","payload":` – the only per-subscriber bytes of a message. */
  readonly prefix: string;
  /** Events the group had executed when this subscriber joined (for its audit record). */
  readonly joinedAt: number;
  readonly rowsAtJoin: number;
  readonly personalAtJoin: number;
  #done = false;
  #settle?: { resolve: (step: IteratorResult<never, undefined>) => void; reject: (error: unknown) => void };
  #ended: Promise<IteratorResult<never, undefined>>;

  constructor(
    readonly info: SubscriberInfo,
    readonly group: Group,
  ) {
    this.prefix = `{"id":${JSON.stringify(info.id)},"type":"next","payload":`;
    this.joinedAt = group.executions;
    this.rowsAtJoin = group.rows;
    this.personalAtJoin = group.personal;
    this.#ended = new Promise((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    // graphql-ws may never await next() if the client completed meanwhile.
    this.#ended.catch(() => {});
  }

  /** Writes one serialised payload, or closes a subscriber whose socket buffer is full. */
  deliver(body: string, maxBufferedBytes: number): boolean {
    const socket = this.info.socket;
    if (this.#done || socket.readyState !== socket.OPEN) return false;
    if (socket.bufferedAmount > maxBufferedBytes) {
      this.group.mux.slowConsumer(this);
      return false;
    }
    socket.send(this.prefix + body);
    return true;
  }

  /** Ends the subscriber (graphql-ws then sends `complete` if the socket is still open). */
  end(error?: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.group.leave(this);
    if (error === undefined) this.#settle!.resolve({ done: true, value: undefined });
    else this.#settle!.reject(error);
  }

  next(): Promise<IteratorResult<never, undefined>> {
    return this.#ended;
  }
  async return(): Promise<IteratorResult<never, undefined>> {
    this.end();
    return { done: true, value: undefined };
  }
  async throw(error: unknown): Promise<IteratorResult<never, undefined>> {
    this.end();
    throw error;
  }
  [Symbol.asyncIterator]() {
    return this;
  }
  async [Symbol.asyncDispose]() {
    this.end();
  }
}

/**
 * Subscribers with the same document, variables and visibility class. The
 * source stream is opened once, each event is executed once through the
 * schema as the class's first viewer (so the access middleware's row check
 * and masking run once per class), serialised once, and the same bytes go
 * to every subscriber.
 */
class Group {
  readonly subscribers = new Set<Subscriber>();
  executions = 0;
  rows = 0;
  personal = 0;
  sensitive = false;
  /** Classified field -> [level, last execution that returned it]. */
  readonly touched = new Map<string, [AccessRecord['touched'] extends Map<string, infer L> ? L : never, number]>();
  #iterator?: AsyncIterator<unknown>;
  #closed = false;
  /** Joins waiting for the stream to open. */
  pending = 0;
  ready: Promise<ExecutionResult | undefined>;

  constructor(
    readonly mux: SubscriptionMultiplexer,
    readonly key: string,
    readonly first: SubscriberInfo,
  ) {
    this.ready = this.#open();
  }

  async #open(): Promise<ExecutionResult | undefined> {
    const { schema, context } = this.mux.options;
    const stream = await createSourceEventStream({
      schema,
      document: this.first.document,
      operationName: this.first.operationName,
      variableValues: this.first.variables,
      contextValue: context(this.first.viewer),
    });
    if (!isAsyncIterable(stream)) {
      this.close();
      return stream as ExecutionResult;
    }
    this.#iterator = stream[Symbol.asyncIterator]();
    if (this.#closed) void this.#iterator.return?.();
    else void this.#pump();
    return undefined;
  }

  async #pump(): Promise<void> {
    const { schema, context, maxBufferedBytes, observer } = this.mux.options;
    const { document, operationName, variables, viewer } = this.first;
    try {
      for (;;) {
        const step = await this.#iterator!.next();
        if (step.done || this.#closed) break;
        // A fresh context per event: no loader cache or identity map outlives the event.
        const contextValue = context(viewer);
        const result = await execute({ schema, document, operationName, variableValues: variables, rootValue: step.value, contextValue });
        this.executions++;
        if (hidden(result)) {
          observer?.executed?.(0);
          continue;
        }
        this.#account(contextValue.accessRecord);
        const body = `${this.mux.serialise(result)}}`;
        let delivered = 0;
        for (const subscriber of this.subscribers) if (subscriber.deliver(body, maxBufferedBytes)) delivered++;
        observer?.executed?.(delivered);
      }
      this.#endAll();
    } catch (error) {
      this.#endAll(error);
    }
  }

  #account(record: AccessRecord): void {
    this.rows += record.rowsReturned;
    this.personal += record.personalRecords;
    this.sensitive ||= record.sensitive;
    for (const [field, level] of record.touched) this.touched.set(field, [level, this.executions]);
  }

  /** What one subscriber received of classified data since it joined. */
  recordFor(subscriber: Subscriber): AccessRecord {
    const record = new AccessRecord();
    record.rowsReturned = this.rows - subscriber.rowsAtJoin;
    record.personalRecords = this.personal - subscriber.personalAtJoin;
    record.sensitive = this.sensitive;
    for (const [field, [level, at]] of this.touched) if (at > subscriber.joinedAt) record.touched.set(field, level);
    return record;
  }

  #endAll(error?: unknown): void {
    this.close();
    for (const subscriber of [...this.subscribers]) subscriber.end(error);
  }

  leave(subscriber: Subscriber): void {
    if (!this.subscribers.delete(subscriber)) return;
    this.mux.options.onLeave?.(subscriber.info, this.recordFor(subscriber));
    if (this.subscribers.size === 0 && this.pending === 0) this.close();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Stops the source stream; later subscribers with the same key open a new group. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.mux.forget(this);
    void this.#iterator?.return?.();
  }
}

/**
 * Live-update fan-out (issue #13): an update is executed once per distinct
 * (document, variables, visibility class) and the same serialised result is
 * written to every subscriber that shares them — what Hasura calls
 * multiplexing and Apollo Router subscription deduplication. Visibility is
 * not decided here: the group executes as one viewer of the class, through
 * the schema and its access middleware; the class comes from the access
 * layer. A subscriber whose socket cannot keep up is closed with 4413
 * (HubCloseCode.SubscriberTooSlow) once its send buffer passes
 * `maxBufferedBytes`: updates are never dropped silently.
 */
export class SubscriptionMultiplexer {
  readonly #groups = new Map<string, Group>();

  constructor(readonly options: MultiplexerOptions) {}

  /** Subscribes: an async generator for graphql-ws, or the errors of a subscription that could not start. */
  async join(info: SubscriberInfo): Promise<AsyncGenerator<never, undefined> | ExecutionResult> {
    const key = [info.query, info.operationName ?? '', canonicalJson(info.variables ?? {}), this.options.visibilityClass(info.viewer)].join('\u0000');
    for (;;) {
      let group = this.#groups.get(key);
      if (!group) {
        group = new Group(this, key, info);
        this.#groups.set(key, group);
        this.options.observer?.groups?.(1);
      }
      group.pending++;
      let failed: ExecutionResult | undefined;
      try {
        failed = await group.ready;
      } finally {
        group.pending--;
      }
      if (failed) return failed;
      // The group's stream ended while this one waited for it to open: open a new one.
      if (group.closed) continue;
      const subscriber = new Subscriber(info, group);
      group.subscribers.add(subscriber);
      return subscriber;
    }
  }

  /** The payload of a `next` message, once per execution (errors formatted as over HTTP). */
  serialise(result: ExecutionResult): string {
    const errors = result.errors?.map((e: GraphQLError) => this.options.formatError(e.toJSON(), e));
    return JSON.stringify(errors ? { ...result, errors } : result);
  }

  /** Closes a socket that cannot keep up (bounded buffer, then a documented close code). */
  slowConsumer(subscriber: Subscriber): void {
    this.options.observer?.slowConsumer?.();
    subscriber.end();
    const socket = subscriber.info.socket;
    if (socket.readyState === socket.OPEN) {
      socket.close(HubCloseCode.SubscriberTooSlow, `Subscriber too slow: over ${this.options.maxBufferedBytes} bytes waiting to be sent`);
    }
  }

  /** @internal a group that stopped. */
  forget(group: Group): void {
    if (this.#groups.get(group.key) === group) {
      this.#groups.delete(group.key);
      this.options.observer?.groups?.(-1);
    }
  }

  /** Groups open now (distinct document × variables × visibility class). */
  get groupCount(): number {
    return this.#groups.size;
  }
}
