import { STATUS_CODES, type Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Logger } from '../platform/logger.js';

/**
 * Answers requests Node's HTTP parser refuses before the hub sees them
 * (issue #11, found by test/security/hostile-input.test.ts): a request line
 * and headers over Node's `maxHeaderSize` (16 KiB by default: a long GET URL,
 * e.g. a deeply nested query sent by GET) and malformed requests.
 *
 * Node's own handler writes a bare 431 or 400 and destroys the socket at
 * once. When the client is still sending (the rest of a 300 KB URL), the
 * destroy resets the connection, and a client under load may see only the
 * reset, never the answer. Here the answer is a JSON GraphQL-style error with
 * `Connection: close`, the socket is ended (FIN, not RST) and what the client
 * still sends is read and dropped until it closes, or for {@link DRAIN_MS}.
 */

/** Longest time a refused connection is kept open to drain the rest of the request. @default 5000 */
const DRAIN_MS = 5_000;

/** Status and message per parser error code. @internal */
function answerFor(code: string | undefined): { status: number; message: string } {
  if (code === 'HPE_HEADER_OVERFLOW')
    return {
      status: 431,
      message: 'The request line and headers are larger than the server accepts (16 KiB): send long GraphQL documents by POST, not in a GET URL.',
    };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, message: 'The request was not received in time.' };
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return { status: 413, message: 'Chunk extensions are larger than the server accepts.' };
  return { status: 400, message: 'Malformed HTTP request.' };
}

/** Installs the `clientError` handler on the hub's HTTP(S) server. */
export function answerClientErrors(server: Server | HttpsServer, log: Logger): void {
  const answered = new WeakSet<Duplex>();
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    // The parser may report the same broken request more than once while the rest of it arrives.
    if (answered.has(socket)) return;
    answered.add(socket);
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const { status, message } = answerFor(error.code);
    log.debug({ code: error.code, status }, 'HTTP request refused by the parser');
    const body = JSON.stringify({ errors: [{ message, extensions: { code: status === 431 ? 'REQUEST_HEADER_FIELDS_TOO_LARGE' : 'BAD_REQUEST' } }] });
    socket.on('error', () => socket.destroy());
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    // Keep reading (and dropping) what the client still sends, so that closing does not reset the connection.
    socket.resume();
    const timer = setTimeout(() => socket.destroy(), DRAIN_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });
}
