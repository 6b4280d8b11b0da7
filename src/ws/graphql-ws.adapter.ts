import type { IncomingMessage } from 'node:http';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from '../platform/json-depth.js';

/** What graphql-ws's core gets as `ctx.extra` for each socket. */
export interface SocketExtra {
  socket: WebSocket;
  /** The upgrade request; dropped by the hub once the connection is authenticated. */
  request?: IncomingMessage;
}

/** Keep-alive interval: a socket that has not answered the previous ping when the next is due is terminated. @default 12000 */
const KEEP_ALIVE_MS = 12_000;

const alive = new WeakSet<WebSocket>();
/** Sockets that have sent at least one message (their connection_init, when they follow the protocol). */
const heard = new WeakSet<WebSocket>();
function markAlive(this: WebSocket): void {
  alive.add(this);
}

/**
 * graphql-ws's core (`makeServer`) over a `ws` server: the same protocol and
 * behaviour as graphql-ws's own `useServer` (graphql-ws/src/use/ws.ts), with
 * what 10,000 sockets need (issue #13): one keep-alive sweep for all sockets
 * instead of a timer and pong closures per socket, no per-message promise
 * wrapper around `send`, and a fair connection-initialisation timeout (see
 * `closeUnlessHeard`). Returns `dispose` (closes every socket with 1001).
 */
export function useGraphqlWs<E extends SocketExtra>(
  options: ServerOptions<Record<string, unknown>, E>,
  wss: WebSocketServer,
  extraOf: (socket: WebSocket, request: IncomingMessage) => E,
  onInternalError: (error: unknown) => void,
  keepAliveMs = KEEP_ALIVE_MS,
): { dispose: () => Promise<void> } {
  const server = makeServer<Record<string, unknown>, E>(options);
  wss.options.handleProtocols = handleProtocols;

  const sweep =
    keepAliveMs > 0
      ? setInterval(() => {
          for (const socket of wss.clients) {
            if (socket.readyState !== socket.OPEN) continue;
            if (!alive.has(socket)) {
              socket.terminate();
              continue;
            }
            alive.delete(socket);
            socket.ping();
          }
        }, keepAliveMs)
      : undefined;
  sweep?.unref();

  /**
   * graphql-ws closes a socket with 4408 when its connection_init has not been
   * read within `connectionInitWaitTimeout` (3 s). Node runs expired timers
   * BEFORE it reads the sockets that became readable meanwhile, so after the
   * event loop was busy for 3 s (a burst of thousands of handshakes, issue #13)
   * every socket opened in the burst was closed although its connection_init
   * was already waiting in the kernel: the benchmark saw 10–20 % of sockets
   * refused with 4408 under load, the bare graphql-ws server alike. The close
   * is deferred past the next poll phase (setImmediate) and dropped if a
   * message arrived by then; a client that really sent nothing is still closed.
   */
  const closeUnlessHeard = (socket: WebSocket, code: number, reason: string) => {
    setImmediate(() => {
      if (!heard.has(socket)) socket.close(code, reason);
    });
  };

  wss.once('error', (error) => {
    onInternalError(error);
    for (const client of wss.clients) client.close(CloseCode.InternalServerError, 'Internal server error');
  });

  wss.on('connection', (socket, request) => {
    alive.add(socket);
    socket.on('pong', markAlive);
    socket.once('error', function onError(this: WebSocket, error: Error) {
      onInternalError(error);
      this.close(CloseCode.InternalServerError, 'Internal server error');
    });
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => {
          if (socket.readyState === socket.OPEN) socket.send(data);
        },
        close: (code, reason) =>
          code === CloseCode.ConnectionInitialisationTimeout ? closeUnlessHeard(socket, code, reason ?? '') : socket.close(code, reason),
        onMessage: (cb) =>
          socket.on('message', (data: Buffer) => {
            heard.add(socket);
            // As over HTTP (src/http/http-app.ts): a message nesting deeper than the hub reads is a bad message, not a 4500.
            if (jsonNestsDeeperThan(data)) return socket.close(CloseCode.BadRequest, `Message nests deeper than ${MAX_JSON_DEPTH} levels`);
            cb(String(data)).catch((error: unknown) => {
              onInternalError(error);
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      extraOf(socket, request),
    );
    socket.once('close', (code, reason) => {
      alive.delete(socket);
      closed(code, String(reason)).catch(onInternalError);
    });
  });

  return {
    async dispose() {
      if (sweep) clearInterval(sweep);
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
