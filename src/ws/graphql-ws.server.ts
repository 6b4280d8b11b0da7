import type { Server } from 'node:http';
import type { GraphQLSchema, GraphQLError, GraphQLFormattedError } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { HubContext } from '../graphql/context.js';
import type { Metrics } from '../platform/metrics.js';

export interface GraphqlWsOptions {
  httpServer: Server;
  path: string;
  schema: GraphQLSchema;
  /** Called once per subscribe message: one forked EntityManager per operation. */
  context: () => HubContext;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  metrics: Metrics;
}

/**
 * graphql-ws (the `graphql-transport-ws` protocol) on the same port and path
 * as HTTP GraphQL. Returns a function that closes every socket (code 1001)
 * for a graceful shutdown.
 */
export function attachGraphqlWs(options: GraphqlWsOptions): { dispose: () => Promise<void> } {
  const wss = new WebSocketServer({ server: options.httpServer, path: options.path });
  const open = new Map<object, Set<string>>();
  const { metrics } = options;
  const server = useServer<Record<string, unknown>, { socket?: unknown }>(
    {
      schema: options.schema,
      context: () => options.context(),
      onConnect: (ctx) => {
        open.set(ctx, new Set());
        metrics.wsConnections.inc();
        return true;
      },
      // After the operation resolved: the subscriber is listening from here on.
      onOperation: (ctx, id) => {
        open.get(ctx)?.add(id);
        metrics.openSubscriptions.inc();
      },
      onComplete: (ctx, id) => {
        if (open.get(ctx)?.delete(id)) metrics.openSubscriptions.dec();
      },
      onClose: (ctx) => {
        metrics.openSubscriptions.dec(open.get(ctx)?.size ?? 0);
        open.delete(ctx);
        metrics.wsConnections.dec();
      },
      onError: (_ctx, _id, _payload, errors: readonly GraphQLError[]) => errors.map((e) => options.formatError(e.toJSON(), e)),
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
