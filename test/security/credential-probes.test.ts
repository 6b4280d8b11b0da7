import http from 'node:http';
import WebSocket from 'ws';
import { startTestHub, TEST_METRICS_TOKEN, type TestHub } from '../support/test-hub.js';

/**
 * Credentials a hostile caller can present in more than one way (session 7). Each case used to be resolved
 * silently in the caller's favour or against its intent; now it is refused with a code naming what is wrong.
 */
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t?.close());

const BOGUS_KEY = 'hh_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** A raw HTTP POST to /graphql with exactly these header lines (repeated names stay separate lines). */
function rawPost(headers: [string, string][]): Promise<{ status: number; body: any }> {
  const body = JSON.stringify({ query: '{ viewer { role } }' });
  return new Promise((resolve, reject) => {
    const url = new URL(`${t.url}/graphql`);
    const req = http.request({ host: url.hostname, port: url.port, path: '/graphql', method: 'POST' }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.setHeader('content-type', 'application/json');
    for (const [name, value] of headers) req.appendHeader(name, value);
    req.end(body);
  });
}

interface RawSocket {
  messages: any[];
  closed: Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
  acked(): Promise<boolean>;
}

/** A raw graphql-transport-ws socket, with `headers` on its upgrade request. */
async function rawSocket(headers: Record<string, string> = {}): Promise<RawSocket> {
  const socket = new WebSocket(`${t.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { headers });
  const messages: any[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  socket.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
  });
  return {
    messages,
    closed,
    send: (message) => socket.send(JSON.stringify(message)),
    async acked() {
      const outcome = await Promise.race([
        closed.then(() => false),
        (async () => {
          while (!messages.some((m) => m.type === 'connection_ack')) await new Promise((r) => setTimeout(r, 20));
          return true;
        })(),
      ]);
      if (outcome) socket.close();
      return outcome;
    },
  };
}

describe('two credentials on one request', () => {
  it('refuses Authorization plus x-api-key with 400 AMBIGUOUS_CREDENTIALS (Authorization used to win silently)', async () => {
    for (const headers of [
      { authorization: `Bearer ${t.adminKey}`, 'x-api-key': BOGUS_KEY },
      { authorization: `Bearer ${BOGUS_KEY}`, 'x-api-key': t.adminKey },
      { authorization: `Bearer ${t.adminKey}`, 'x-api-key': t.adminKey },
    ]) {
      const res = await t.as(null).post({ query: '{ viewer { role } }' }, headers);
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).errors[0]).toMatchObject({
        extensions: { code: 'AMBIGUOUS_CREDENTIALS', sources: ['Authorization', 'x-api-key'] },
        message: 'Send one credential, not 2: this request carries Authorization and x-api-key.',
      });
    }
  });

  it('refuses two Authorization lines (Node keeps only the first) with 400 AMBIGUOUS_CREDENTIALS', async () => {
    const res = await rawPost([
      ['authorization', `Bearer ${t.adminKey}`],
      ['authorization', `Bearer ${BOGUS_KEY}`],
    ]);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'AMBIGUOUS_CREDENTIALS', sources: ['Authorization', 'Authorization'] });
    // One line of each kind still works, and an empty second header is no credential.
    expect((await rawPost([['x-api-key', t.adminKey]])).body.data.viewer.role).toBe('ADMIN');
    expect(
      (
        await rawPost([
          ['authorization', `Bearer ${t.adminKey}`],
          ['x-api-key', ''],
        ])
      ).body.data.viewer.role,
    ).toBe('ADMIN');
  });

  it('refuses the same on /metrics and on the REST routes', async () => {
    const metrics = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}`, 'x-api-key': BOGUS_KEY } });
    expect(metrics.status).toBe(400);
    expect(((await metrics.json()) as any).errors[0].extensions.code).toBe('AMBIGUOUS_CREDENTIALS');
    const rest = await fetch(`${t.url}/catalog/aliases.csv`, { headers: { authorization: `Bearer ${t.adminKey}`, 'x-api-key': BOGUS_KEY } });
    expect(rest.status).toBe(400);
    expect(((await rest.json()) as any).errors[0].extensions.code).toBe('AMBIGUOUS_CREDENTIALS');
  });

  it('closes a graphql-ws socket whose connection_init carries two credentials with 4400, without an ack', async () => {
    for (const payload of [
      { authorization: `Bearer ${t.adminKey}`, apiKey: BOGUS_KEY },
      { authorization: `Bearer ${t.adminKey}`, Authorization: `Bearer ${BOGUS_KEY}` },
      { apiKey: t.adminKey, 'x-api-key': t.adminKey },
    ]) {
      const s = await rawSocket();
      s.send({ type: 'connection_init', payload });
      expect(await s.acked()).toBe(false);
      expect(await s.closed).toMatchObject({ code: 4400, reason: expect.stringMatching(/^Send one credential, not 2: .*connectionParams\./) });
    }
  });
});
