import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError, subscribe as graphqlSubscribe, type ExecutionArgs, type ExecutionResult, type GraphQLSchema, type GraphQLFormattedError } from 'graphql';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { SubscribePayload } from 'graphql-ws';
import type { HubContext } from '../graphql/context.js';
import type { Metrics } from '../platform/metrics.js';
import type { Viewer } from '../policy/viewer.js';
import type { WsAccessHooks } from '../access/access-layer.js';
import { AccessErrorCode } from '../policy/access.errors.js';

/**
 * Close codes of this server besides graphql-ws's own (4400 bad request, 4401
 * unauthorized, 4403 forbidden, 4408 init timeout, 4409 duplicate id); listed
 * in the README (issue #11).
 */
export enum WsCloseCode {
  /** A message larger than the HTTP body limit (REQUEST_MAX_BYTES): WebSocket's own "message too big". */
  MessageTooBig = 1009,
  /** Going away: the hub shuts down. */
  GoingAway = 1001,
  /** The key was revoked or expired since the socket opened (checked at every operation), or bad credentials. */
  Unauthorized = 4401,
  /** Rate limited, or more open sockets for this key than WS_MAX_SOCKETS_PER_KEY. */
  TooManyRequests = 4429,
  /** Unexpected failure while authenticating. */
  InternalError = 4500,
}

/** Per-socket and per-key limits (issue #11). */
export interface WsLimits {
  /** Largest message, in bytes: the HTTP body limit. */
  maxPayloadBytes: number;
  /** Operations open at once on one socket. */
  maxSubscriptionsPerSocket: number;
  /** Sockets open at once per key (anonymous callers: per address), on this instance. */
  maxSocketsPerKey: number;
}

export interface GraphqlWsOptions {
  httpServer: Server;
  path: string;
  schema: GraphQLSchema;
  /** Called once per subscribe message: one forked EntityManager per operation, scoped to the viewer. */
  context: (viewer: Viewer) => HubContext;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  metrics: Metrics;
  access: WsAccessHooks;
  limits: WsLimits;
}

type Extra = { socket: WebSocket; request: IncomingMessage; viewer?: Viewer; socketKey?: string; operationViewers?: Map<string, Viewer> };

/**
 * Drops subscription events about rows the subscriber may not see
 * (HiddenRowError) instead of sending them. A hand-written iterator rather
 * than an async generator: `return()` must reach the source at once when the
 * client completes, not wait for the next event.
 */
function withoutHiddenRows(source: AsyncIterable<ExecutionResult>): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  const hidden = (result: ExecutionResult) => Boolean(result.errors?.length && result.errors.every((e) => e.extensions?.hiddenRow));
  return {
    async next() {
      for (;;) {
        const step = await iterator.next();
        if (step.done || !hidden(step.value)) return step;
      }
    },
    return: (value?: unknown) => iterator.return?.(value) ?? Promise.resolve({ done: true, value: undefined }),
    throw: (error?: unknown) => iterator.throw?.(error) ?? Promise.reject(error),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * graphql-ws (the `graphql-transport-ws` protocol) on the same port and path
 * as HTTP GraphQL. Returns a function that closes every socket (code 1001)
 * for a graceful shutdown.
 */
export function attachGraphqlWs(options: GraphqlWsOptions): { dispose: () => Promise<void> } {
  // A message over the HTTP body limit closes the socket with 1009 before it is parsed (issue #11).
  const wss = new WebSocketServer({ server: options.httpServer, path: options.path, maxPayload: options.limits.maxPayloadBytes });
  const socketsPerKey = new Map<string, number>();
  const open = new Map<object, Set<string>>();
  const running = new Map<object, Map<string, { context: HubContext; payload: SubscribePayload }>>();
  const { metrics, access } = options;
  const finish = (ctx: object, id: string) => {
    const entry = running.get(ctx)?.get(id);
    if (!entry) return;
    running.get(ctx)!.delete(id);
    access.afterOperation(entry.context, entry.payload);
  };
  const server = useServer<Record<string, unknown>, Extra>(
    {
      schema: options.schema,
      context: (ctx, id, payload) => {
        // The viewer re-authenticated for this operation (beforeOperation), not the one of the connection.
        const viewer = ctx.extra.operationViewers?.get(id) ?? ctx.extra.viewer!;
        ctx.extra.operationViewers?.delete(id);
        const context = options.context(viewer);
        running.get(ctx)?.set(id, { context, payload });
        return context;
      },
      subscribe: (args: ExecutionArgs) =>
        Promise.resolve(graphqlSubscribe(args)).then((result) => (Symbol.asyncIterator in result ? withoutHiddenRows(result as AsyncIterable<ExecutionResult>) : result)),
      onConnect: async (ctx) => {
        try {
          ctx.extra.viewer = await access.authenticate(ctx.connectionParams, ctx.extra.request);
        } catch (error) {
          const { code, reason } = access.refusal(error);
          ctx.extra.socket.close(code, reason);
          return false;
        }
        const viewer = ctx.extra.viewer;
        const key = viewer.role ? `key:${viewer.actor}` : `ip:${viewer.ip ?? 'unknown'}`;
        const sockets = socketsPerKey.get(key) ?? 0;
        if (sockets >= options.limits.maxSocketsPerKey) {
          ctx.extra.socket.close(WsCloseCode.TooManyRequests, `Too many open sockets for this key (limit ${options.limits.maxSocketsPerKey}).`);
          return false;
        }
        socketsPerKey.set(key, sockets + 1);
        ctx.extra.socketKey = key;
        ctx.extra.operationViewers = new Map();
        open.set(ctx, new Set());
        running.set(ctx, new Map());
        metrics.wsConnections.inc();
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        // The operation being subscribed is already in ctx.subscriptions (as null).
        const operations = Object.keys(ctx.subscriptions).length;
        if (operations > options.limits.maxSubscriptionsPerSocket) {
          const limit = options.limits.maxSubscriptionsPerSocket;
          return [new GraphQLError(`At most ${limit} operations may be open on one socket; complete one first or open another socket.`, { extensions: { code: AccessErrorCode.TOO_MANY_SUBSCRIPTIONS, limit, actual: operations } })];
        }
        const outcome = await access.beforeOperation({ params: ctx.connectionParams, request: ctx.extra.request }, payload);
        if ('errors' in outcome) {
          const close = outcome.close;
          // After the error message is queued: the client learns why before the socket goes.
          if (close) setImmediate(() => ctx.extra.socket.close(close.code, close.reason));
          return outcome.errors;
        }
        ctx.extra.operationViewers?.set(id, outcome.viewer);
      },
      // After the operation resolved: the subscriber is listening from here on. A query's or
      // mutation's result waits here for its audit row (issue #11: withheld if it cannot be written).
      onOperation: async (ctx, id, _payload, args, result) => {
        open.get(ctx)?.add(id);
        metrics.openSubscriptions.inc();
        if (Symbol.asyncIterator in result) return;
        const entry = running.get(ctx)?.get(id);
        if (!entry) return;
        const replaced = await access.afterExecution(entry.context, entry.payload, result as ExecutionResult);
        if (replaced) return replaced;
      },
      onComplete: (ctx, id) => {
        if (open.get(ctx)?.delete(id)) metrics.openSubscriptions.dec();
        finish(ctx, id);
      },
      onClose: (ctx) => {
        if (!open.has(ctx)) return;
        metrics.openSubscriptions.dec(open.get(ctx)?.size ?? 0);
        for (const id of [...(running.get(ctx)?.keys() ?? [])]) finish(ctx, id);
        open.delete(ctx);
        running.delete(ctx);
        metrics.wsConnections.dec();
        const key = ctx.extra.socketKey;
        if (key) {
          const left = (socketsPerKey.get(key) ?? 1) - 1;
          if (left > 0) socketsPerKey.set(key, left);
          else socketsPerKey.delete(key);
        }
      },
      onError: (_ctx, _id, _payload, errors: readonly GraphQLError[]) => errors.map((e) => options.formatError(e.toJSON(), e)),
      // Errors inside a result are masked like over HTTP (an internal message never reaches the client).
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors?.length ? { ...result, errors: result.errors.map((e) => options.formatError(e.toJSON(), e)) } : undefined,
    },
    wss,
  );
  return {
    dispose: async () => {
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
