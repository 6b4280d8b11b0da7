import type { IncomingMessage, Server } from 'node:http';
import { extractContext, SpanKind, tracingEnabled, withSpan } from '../platform/tracing.js';
import { operationSpanName } from '../graphql/tracing.plugin.js';
import {
  GraphQLError as GraphQLErrorClass,
  execute as graphqlExecute,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLSchema,
  type GraphQLError,
  type GraphQLFormattedError,
} from 'graphql';
import { WebSocketServer, type WebSocket } from 'ws';
import { useGraphqlWs } from './graphql-ws.adapter.js';
import type { SubscribePayload } from 'graphql-ws';
import type { HubContext } from '../graphql/context.js';
import type { Metrics } from '../platform/metrics.js';
import type { Viewer } from '../policy/viewer.js';
import type { Credentials } from '../access/authenticate.js';
import { clientAddress, type AccessLayer } from '../access/access-layer.js';
import { AccessErrorCode } from '../policy/access.errors.js';
import { SubscriptionMultiplexer } from './subscription-multiplexer.js';
import { HubCloseCode } from './close-codes.js';

/** What the access layer plugs into the WebSocket transport (src/access/access-layer.ts). */
export type WsAccessHooks = AccessLayer['ws'];

export interface GraphqlWsOptions {
  httpServer: Server;
  path: string;
  schema: GraphQLSchema;
  /** A context as this viewer: one forked EntityManager, scoped to the viewer. */
  context: (viewer: Viewer) => HubContext;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  metrics: Metrics;
  /** Errors inside the transport (a handler threw): logged, the socket closed with 4500. */
  onInternalError: (error: unknown) => void;
  access: WsAccessHooks;
  /** Bytes that may wait in one socket's send buffer before it is closed with 4413. */
  maxBufferedBytes: number;
  /** Largest message a client may send (bytes); larger closes the socket with 1009. */
  maxPayloadBytes: number;
  /** Operations open at once on one socket (issue #11); past it, TOO_MANY_SUBSCRIPTIONS. */
  maxSubscriptionsPerSocket: number;
  /** Sockets open at once per key (anonymous: per address) on this instance (issue #11); past it, close 4429. */
  maxSocketsPerKey: number;
  /** Trusted documents (issue #15): completes a persisted operation's text, or refuses it, before anything reads it. */
  resolveDocument?: (payload: SubscribePayload) => readonly GraphQLError[] | void;
  /**
   * How often the credentials of open sockets are checked again, closing with 4401 those whose key expired or was
   * revoked where no broadcast reached this instance (the CLI without Redis, SQL) or whose JWT expired: an open
   * subscription sends no operation that would check them.
   * @default 5000
   */
  recheckCredentialsMs?: number;
}

/** @internal */
const DEFAULT_RECHECK_CREDENTIALS_MS = 5_000;

/**
 * One SERVER span per graphql-ws operation when tracing is on (issue #15); a W3C `traceparent`
 * may come in the operation's `extensions` (a WebSocket message has no headers of its own).
 */
function traceWsOperation<T>(payload: SubscribePayload, args: ExecutionArgs, run: () => T): T {
  if (!tracingEnabled()) return run();
  const { name, type } = operationSpanName(args.document, payload.operationName);
  return withSpan(
    name,
    {
      kind: SpanKind.SERVER,
      parent: extractContext(payload.extensions ?? undefined),
      attributes: { 'graphql.operation.type': type ?? '', 'graphql.operation.name': payload.operationName ?? '', 'network.protocol.name': 'websocket' },
    },
    run,
  );
}

type Extra = {
  socket: WebSocket;
  request?: IncomingMessage;
  viewer?: Viewer;
  /** What the socket authenticated with (connection_init or upgrade header), checked again at each operation. */
  credentials?: Credentials;
  ip?: string;
  socketKey?: string;
};

/** What onSubscribe hands to `subscribe`/`execute` instead of a full context: who asks, on which socket. */
interface OperationHandle {
  /** graphql-ws's per-socket context. */
  ctx: object;
  viewer: Viewer;
  socket: WebSocket;
  id: string;
  payload: SubscribePayload;
}

const isHandle = (value: unknown): value is OperationHandle => typeof value === 'object' && value !== null && 'socket' in value && 'payload' in value;

/**
 * graphql-ws (the `graphql-transport-ws` protocol) on the same port and path
 * as HTTP GraphQL. graphql-ws keeps the protocol (init, ack, subscribe,
 * complete, errors); subscriptions are handed to the multiplexer, which
 * executes each update once per (document, variables, visibility class) and
 * writes the same serialised result to every subscriber of the group.
 * Queries and mutations sent over the socket run as over HTTP.
 */
export function attachGraphqlWs(options: GraphqlWsOptions): {
  dispose: () => Promise<void>;
  multiplexer: SubscriptionMultiplexer;
  /** Closes the sockets whose caller matches (e.g. a revoked key, issue #12); returns how many were closed. */
  closeSockets: (match: (viewer: Viewer) => boolean, code: number, reason: string) => number;
} {
  const wss = new WebSocketServer({ server: options.httpServer, path: options.path, maxPayload: options.maxPayloadBytes });
  /** Per authenticated socket: its open operation ids, and the queries/mutations running on it (for the audit). */
  const sockets = new Map<object, { open: Set<string>; running?: Map<string, { context: HubContext; payload: SubscribePayload }> }>();
  const { metrics, access } = options;
  const socketsPerKey = new Map<string, number>();
  const multiplexer = new SubscriptionMultiplexer({
    schema: options.schema,
    context: options.context,
    visibilityClass: access.visibilityClass,
    formatError: options.formatError,
    maxBufferedBytes: options.maxBufferedBytes,
    onLeave: (subscriber, accessRecord) => access.afterOperation({ viewer: subscriber.viewer, accessRecord }, subscriber.payload),
    observer: {
      groups: (delta) => metrics.subscriptionGroups.inc(delta),
      executed: (delivered) => {
        metrics.subscriptionExecutions.inc();
        metrics.subscriptionDeliveries.inc(delivered);
      },
      slowConsumer: () => metrics.wsSlowConsumerCloses.inc(),
    },
  });
  const finish = (ctx: object, id: string) => {
    const running = sockets.get(ctx)?.running;
    const entry = running?.get(id);
    if (!entry) return;
    running!.delete(id);
    access.afterOperation(entry.context, entry.payload);
  };
  const server = useGraphqlWs<Extra>(
    {
      schema: options.schema,
      onConnect: async (ctx) => {
        try {
          ({ viewer: ctx.extra.viewer, credentials: ctx.extra.credentials } = await access.authenticate(ctx.connectionParams, ctx.extra.request!));
        } catch (error) {
          const { code, reason } = access.refusal(error);
          ctx.extra.socket.close(code, reason);
          return false;
        }
        const viewer = ctx.extra.viewer;
        ctx.extra.ip = clientAddress(ctx.extra.request!);
        // Sockets per key (issue #11): one key (anonymous: one address) cannot hold every socket of the instance.
        const key = viewer.role ? `key:${viewer.actor}` : `ip:${ctx.extra.ip}`;
        const open = socketsPerKey.get(key) ?? 0;
        if (open >= options.maxSocketsPerKey) {
          ctx.extra.socket.close(HubCloseCode.TooManyRequests, `Too many open sockets for this key (limit ${options.maxSocketsPerKey}).`);
          return false;
        }
        socketsPerKey.set(key, open + 1);
        ctx.extra.socketKey = key;
        // The upgrade request (headers and all) is not needed any more: do not keep it for the socket's lifetime.
        (ctx.extra as { request?: IncomingMessage }).request = undefined;
        sockets.set(ctx, { open: new Set() });
        metrics.wsConnections.inc();
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        // The operation being subscribed is already in ctx.subscriptions (issue #11: operations per socket capped).
        const operations = Object.keys((ctx as { subscriptions: object }).subscriptions).length;
        if (operations > options.maxSubscriptionsPerSocket) {
          const limit = options.maxSubscriptionsPerSocket;
          return [
            new GraphQLErrorClass(`At most ${limit} operations may be open on one socket; complete one first or open another socket.`, {
              extensions: { code: AccessErrorCode.TOO_MANY_SUBSCRIPTIONS, limit, actual: operations },
            }),
          ];
        }
        // Trusted documents first (issue #15): a persisted id becomes its text before the access checks read it.
        const untrusted = options.resolveDocument?.(payload);
        if (untrusted) return untrusted;
        const verdict = await access.beforeOperation({ credentials: ctx.extra.credentials! }, payload);
        if (Array.isArray(verdict)) {
          const errors = verdict as readonly GraphQLError[];
          // A key revoked or expired since the socket opened: the error goes out, then the socket closes (4401).
          const refused = errors.find((e) => e.extensions?.code === AccessErrorCode.UNAUTHENTICATED);
          if (refused) setImmediate(() => ctx.extra.socket.close(4401, refused.message.slice(0, 120)));
          return errors;
        }
        const { document, query, viewer } = verdict as { document: DocumentNode; query: string; viewer: Viewer };
        // Keep one copy of the text for all subscribers of it, not one per subscribe message.
        (payload as { query: string }).query = query;
        const handle: OperationHandle = { ctx, viewer, socket: ctx.extra.socket, id, payload };
        return {
          schema: options.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: handle,
        };
      },
      subscribe: (args: ExecutionArgs) => {
        const handle = args.contextValue as OperationHandle;
        // A span for setting the subscription up (issue #15), not for its lifetime; events are traced where they are published.
        return traceWsOperation(handle.payload, args, () =>
          multiplexer.join({
            socket: handle.socket,
            id: handle.id,
            viewer: handle.viewer,
            query: handle.payload.query,
            document: args.document,
            operationName: handle.payload.operationName,
            variables: handle.payload.variables,
            payload: handle.payload,
          }),
        );
      },
      execute: (args: ExecutionArgs) => {
        if (!isHandle(args.contextValue)) throw new Error('graphql-ws operation without a handle');
        const handle = args.contextValue;
        const context = options.context(handle.viewer);
        const state = sockets.get(handle.ctx);
        if (state) (state.running ??= new Map()).set(handle.id, { context, payload: handle.payload });
        // The result waits for its audit row (issue #11): withheld when that row cannot be written.
        return traceWsOperation(handle.payload, args, () =>
          Promise.resolve(graphqlExecute({ ...args, contextValue: context })).then(
            async (result) => (await access.afterExecution(context, handle.payload, result)) ?? result,
          ),
        );
      },
      // After the operation resolved: the subscriber is listening from here on.
      onOperation: (ctx, id) => {
        sockets.get(ctx)?.open.add(id);
        metrics.openSubscriptions.inc();
      },
      onComplete: (ctx, id) => {
        if (sockets.get(ctx)?.open.delete(id)) metrics.openSubscriptions.dec();
        finish(ctx, id);
      },
      onClose: (ctx) => {
        const state = sockets.get(ctx);
        if (!state) return;
        metrics.openSubscriptions.dec(state.open.size);
        for (const id of [...(state.running?.keys() ?? [])]) finish(ctx, id);
        sockets.delete(ctx);
        metrics.wsConnections.dec();
        const key = (ctx as { extra: Extra }).extra.socketKey;
        if (key) {
          const left = (socketsPerKey.get(key) ?? 1) - 1;
          if (left > 0) socketsPerKey.set(key, left);
          else socketsPerKey.delete(key);
        }
      },
      onError: (_ctx, _id, _payload, errors: readonly GraphQLError[]) => errors.map((e) => options.formatError(e.toJSON(), e)),
    },
    wss,
    (socket, request) => ({ socket, request }),
    options.onInternalError,
  );
  // Subscriptions outlive the check at each operation (found by probing, session 6: a key expired or revoked
  // through the CLI kept receiving parcel updates for as long as its socket stayed open).
  let rechecking = false;
  const recheck = setInterval(() => {
    if (rechecking || sockets.size === 0) return;
    rechecking = true;
    const open = [...sockets.keys()] as { extra: Extra }[];
    access
      .recheck(open.map((ctx) => ({ credentials: ctx.extra.credentials! })))
      .then((verdicts) => {
        verdicts.forEach((refused, i) => {
          if (refused) open[i].extra.socket.close(4401, refused.message.slice(0, 120));
        });
      })
      .catch(options.onInternalError)
      .finally(() => (rechecking = false));
  }, options.recheckCredentialsMs ?? DEFAULT_RECHECK_CREDENTIALS_MS);
  recheck.unref();
  return {
    multiplexer,
    closeSockets(match, code, reason) {
      let closed = 0;
      for (const ctx of sockets.keys()) {
        const { viewer, socket } = (ctx as { extra: Extra }).extra;
        if (viewer && match(viewer)) {
          socket.close(code, reason);
          closed++;
        }
      }
      return closed;
    },
    dispose: async () => {
      clearInterval(recheck);
      for (const client of wss.clients) client.close(HubCloseCode.GoingAway, 'Going away');
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
