import type { IncomingMessage, Server } from 'node:http';
import { subscribe as graphqlSubscribe, type ExecutionArgs, type ExecutionResult, type GraphQLSchema, type GraphQLError, type GraphQLFormattedError } from 'graphql';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { SubscribePayload } from 'graphql-ws';
import type { HubContext } from '../graphql/context.js';
import type { Metrics } from '../platform/metrics.js';
import type { Viewer } from '../policy/viewer.js';

/** What the access layer plugs into the WebSocket transport (src/access/access-layer.ts). */
export interface WsAccessHooks {
  /** From `connectionParams` (`{ authorization: 'Bearer …' }` or `{ apiKey }`); throws to refuse the connection. */
  authenticate(params: Record<string, unknown> | undefined, request: IncomingMessage): Promise<Viewer>;
  /** Before each operation: rate limit and query limits; returns errors to refuse it. */
  beforeOperation(viewer: Viewer, payload: SubscribePayload): Promise<readonly GraphQLError[] | void>;
  /** After an operation completes (or the socket closes): the audit trail. */
  afterOperation(context: HubContext, payload: SubscribePayload): void;
  /** The close code and reason for a refused connection. */
  refusal(error: unknown): { code: number; reason: string };
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
  /** Trusted documents (issue #15): completes a persisted operation's text, or refuses it, before anything reads it. */
  resolveDocument?: (payload: SubscribePayload) => readonly GraphQLError[] | void;
}

type Extra = { socket: WebSocket; request: IncomingMessage; viewer?: Viewer };

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
export function attachGraphqlWs(options: GraphqlWsOptions): {
  dispose: () => Promise<void>;
  /** Closes the sockets whose caller matches (e.g. a revoked key, issue #12); returns how many were closed. */
  closeSockets: (match: (viewer: Viewer) => boolean, code: number, reason: string) => number;
} {
  const wss = new WebSocketServer({ server: options.httpServer, path: options.path });
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
        const context = options.context(ctx.extra.viewer!);
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
        open.set(ctx, new Set());
        running.set(ctx, new Map());
        metrics.wsConnections.inc();
        return true;
      },
      onSubscribe: (ctx, _id, payload) => options.resolveDocument?.(payload) ?? access.beforeOperation(ctx.extra.viewer!, payload),
      // After the operation resolved: the subscriber is listening from here on.
      onOperation: (ctx, id) => {
        open.get(ctx)?.add(id);
        metrics.openSubscriptions.inc();
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
      },
      onError: (_ctx, _id, _payload, errors: readonly GraphQLError[]) => errors.map((e) => options.formatError(e.toJSON(), e)),
    },
    wss,
  );
  return {
    closeSockets(match, code, reason) {
      let closed = 0;
      for (const ctx of open.keys()) {
        const { viewer, socket } = (ctx as { extra: Extra }).extra;
        if (viewer && match(viewer)) {
          socket.close(code, reason);
          closed++;
        }
      }
      return closed;
    },
    dispose: async () => {
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
