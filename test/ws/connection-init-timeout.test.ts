import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildSchema } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { WebSocketServer } from 'ws';
import { useGraphqlWs } from '../../src/ws/graphql-ws.adapter.js';

/**
 * Issue #13, a burst of handshakes: graphql-ws closes a socket with 4408 when
 * its connection_init has not been read within the wait timeout, and Node runs
 * expired timers before it reads sockets that became readable. A server whose
 * event loop was busy past the timeout (thousands of sockets opening at once)
 * used to close sockets whose connection_init was already waiting — 10–20 % of
 * the benchmark's sockets under load. The close now waits for the next read.
 */
const WAIT_MS = 50;
let server: http.Server;
let url: string;
/** While set, the server stays busy (synchronously) until the client has written its connection_init. */
let busyUntilSent: string | undefined;

beforeAll(async () => {
  server = http.createServer();
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const schema = buildSchema('type Query { ok: Boolean }');
  useGraphqlWs(
    { schema, connectionInitWaitTimeout: WAIT_MS },
    wss,
    (socket, request) => ({ socket, request }),
    () => undefined,
    0,
  );
  // After the adapter's own handler (its init timer is running): keep the event loop busy past the timeout,
  // until the client process says its connection_init is on the wire (or 20 s).
  wss.on('connection', () => {
    if (!busyUntilSent) return;
    const until = Date.now() + 20_000;
    while (!fs.existsSync(busyUntilSent) && Date.now() < until) {
      /* a busy server */
    }
    const past = Date.now() + WAIT_MS * 2;
    while (Date.now() < past) {
      /* and past the timeout */
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

/**
 * A client in a process of its own (so it sends while this process is busy): connects, sends connection_init
 * unless told not to, and prints the first message or the close code.
 */
function clientProcess(sendInit: boolean, sentMarker = ''): Promise<string> {
  const script = `
    import fs from 'node:fs';
    import WebSocket from 'ws';
    const ws = new WebSocket(${JSON.stringify(url)}, 'graphql-transport-ws');
    ws.on('open', () => { if (${sendInit}) ws.send(JSON.stringify({ type: 'connection_init' }), () => ${JSON.stringify(sentMarker)} && fs.writeFileSync(${JSON.stringify(sentMarker)}, '')); });
    ws.on('message', (data) => { console.log(JSON.parse(String(data)).type); process.exit(0); });
    ws.on('close', (code) => { console.log('close ' + code); process.exit(0); });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd() });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', () => resolve(out.trim()));
  });
}

test('a connection_init that arrived while the server was busy past the wait timeout is acknowledged, not closed with 4408', async () => {
  busyUntilSent = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'init-timeout-')), 'sent');
  try {
    expect(await clientProcess(true, busyUntilSent)).toBe('connection_ack');
  } finally {
    busyUntilSent = undefined;
  }
});

test('a client that sends no connection_init is still closed with 4408', async () => {
  expect(await clientProcess(false)).toBe(`close ${CloseCode.ConnectionInitialisationTimeout}`);
});
