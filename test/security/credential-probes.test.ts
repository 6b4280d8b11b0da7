import http from 'node:http';
import WebSocket from 'ws';
import { SignJWT, type JWTPayload } from 'jose';
import { startTestHub, TEST_METRICS_TOKEN, type TestHub } from '../support/test-hub.js';

/**
 * Credentials a hostile caller can present in more than one way (session 7). Each case used to be resolved
 * silently in the caller's favour or against its intent; now it is refused with a code naming what is wrong.
 */
const JWT_SECRET = 'a-credential-probe-secret-of-thirty-two-plus-chars';
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ JWT_SECRET });
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

describe('two different credentials on one request', () => {
  it('refuses Authorization plus a different x-api-key with 400 AMBIGUOUS_CREDENTIALS (Authorization used to win silently)', async () => {
    for (const headers of [
      { authorization: `Bearer ${t.adminKey}`, 'x-api-key': BOGUS_KEY },
      { authorization: `Bearer ${BOGUS_KEY}`, 'x-api-key': t.adminKey },
    ]) {
      const res = await t.as(null).post({ query: '{ viewer { role } }' }, headers);
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).errors[0]).toMatchObject({
        extensions: { code: 'AMBIGUOUS_CREDENTIALS', sources: ['Authorization', 'x-api-key'] },
        message: 'Different credentials in Authorization, x-api-key; send one.',
      });
    }
    // The same key in both is one credential.
    expect((await t.as(null).gql('{ viewer { role } }', {}, { authorization: `Bearer ${t.adminKey}`, 'x-api-key': t.adminKey })).data.viewer.role).toBe(
      'ADMIN',
    );
  });

  it('refuses two Authorization lines (Node keeps only the first) with 400 AMBIGUOUS_CREDENTIALS', async () => {
    const res = await rawPost([
      ['authorization', `Bearer ${t.adminKey}`],
      ['authorization', `Bearer ${BOGUS_KEY}`],
    ]);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'AMBIGUOUS_CREDENTIALS', sources: ['Authorization', 'Authorization'] });
    // One line of each kind still works, the same line twice is one credential, and an empty second header is none.
    expect(
      (
        await rawPost([
          ['authorization', `Bearer ${t.adminKey}`],
          ['authorization', `Bearer ${t.adminKey}`],
        ])
      ).body.data.viewer.role,
    ).toBe('ADMIN');
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

  it('closes a graphql-ws socket whose connection_init carries two different credentials with 4400, without an ack', async () => {
    for (const payload of [
      { authorization: `Bearer ${t.adminKey}`, apiKey: BOGUS_KEY },
      { authorization: `Bearer ${t.adminKey}`, Authorization: `Bearer ${BOGUS_KEY}` },
      { apiKey: t.adminKey, 'x-api-key': BOGUS_KEY },
    ]) {
      const s = await rawSocket();
      s.send({ type: 'connection_init', payload });
      expect(await s.acked()).toBe(false);
      expect(await s.closed).toMatchObject({
        code: 4400,
        reason: expect.stringMatching(/^Different credentials in connectionParams\.\S+, connectionParams\./),
      });
    }
    // The dashboard sends its key as both authorization and apiKey: one credential.
    const s = await rawSocket();
    s.send({ type: 'connection_init', payload: { authorization: `Bearer ${t.adminKey}`, apiKey: t.adminKey } });
    expect(await s.acked()).toBe(true);
  });
});

describe('the lifetime of a JWT (JWT_MAX_LIFETIME_S, 24 h by default)', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const jwt = (claims: JWTPayload) =>
    new SignJWT({ role: 'OFFICIAL', sub: 'lifetime-probe', ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(JWT_SECRET));
  const refusal = async (token: string) => {
    const res = await t.as(token).post({ query: '{ viewer { role } }' });
    return { status: res.status, error: ((await res.json()) as any).errors?.[0] };
  };

  it('accepts a token of a day or less whose iat is now or within a minute ahead (clock skew)', async () => {
    for (const claims of [
      { iat: now(), exp: now() + 86_400 },
      { iat: now() + 30, exp: now() + 600 },
      { iat: now() - 3600, exp: now() + 600 },
    ]) {
      expect((await t.as(await jwt(claims)).gql('{ viewer { role } }')).data?.viewer.role).toBe('OFFICIAL');
    }
  });

  it('refuses a validly signed token that lives for years with 401 naming the limit (it was accepted)', async () => {
    expect(await refusal(await jwt({ iat: now(), exp: now() + 10 * 365 * 86_400 }))).toMatchObject({
      status: 401,
      error: {
        extensions: { code: 'UNAUTHENTICATED' },
        message: 'The token lives 315360000 s ("exp" - "iat"); this hub accepts at most 86400 s (JWT_MAX_LIFETIME_S).',
      },
    });
  });

  it('refuses a token without iat (its lifetime cannot be checked) and one issued in the future', async () => {
    expect(await refusal(await jwt({ exp: now() + 600 }))).toMatchObject({
      status: 401,
      error: {
        extensions: { code: 'UNAUTHENTICATED' },
        message: expect.stringMatching(/^The token has no "iat" claim; it is required, as tokens may live at most 86400 s/),
      },
    });
    // An iat a day ahead would let a token claim a day-long life that starts tomorrow.
    expect(await refusal(await jwt({ iat: now() + 86_000, exp: now() + 86_000 + 3600 }))).toMatchObject({
      status: 401,
      error: { extensions: { code: 'UNAUTHENTICATED' }, message: expect.stringMatching(/^The token's "iat" claim is 860\d\d s in the future; at most 60 s/) },
    });
    // Still: no exp at all is refused, as before.
    expect(await refusal(await jwt({ iat: now() }))).toMatchObject({ status: 401, error: { message: 'The token has no "exp" claim; it is required.' } });
  });

  it('closes a graphql-ws socket presenting a years-long token with 4401 and the same reason', async () => {
    const s = await rawSocket();
    s.send({ type: 'connection_init', payload: { authorization: `Bearer ${await jwt({ iat: now(), exp: now() + 365 * 86_400 })}` } });
    expect(await s.acked()).toBe(false);
    expect(await s.closed).toMatchObject({ code: 4401, reason: expect.stringMatching(/^The token lives 31536000 s/) });
  });
});

describe('credentials on the WebSocket upgrade request (a Node graphql-ws client can send headers)', () => {
  /** The role the socket runs as: `{ viewer { role } }` over the socket, after its ack. */
  async function roleOver(headers: Record<string, string>, payload: Record<string, unknown> = {}): Promise<string | null> {
    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { headers });
    const messages: any[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload }));
    const deadline = Date.now() + 10_000;
    while (!messages.some((m) => m.type === 'connection_ack') && socket.readyState === WebSocket.OPEN && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ viewer { role } }' } }));
    while (!messages.some((m) => m.id === '1') && socket.readyState === WebSocket.OPEN && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    socket.close();
    const answer = messages.find((m) => m.id === '1');
    if (!answer?.payload?.data) throw new Error(`no answer to { viewer { role } }: ${JSON.stringify(messages)}`);
    return answer.payload.data.viewer.role;
  }

  it('honours a valid Authorization or x-api-key header like connectionParams (it ran anonymous in demo mode)', async () => {
    expect(await roleOver({ authorization: `Bearer ${t.adminKey}` })).toBe('ADMIN');
    expect(await roleOver({ 'x-api-key': t.adminKey })).toBe('ADMIN');
    // The same credential in the header and in connection_init is one credential.
    expect(await roleOver({ authorization: `Bearer ${t.adminKey}` }, { apiKey: t.adminKey })).toBe('ADMIN');
    expect(await roleOver({})).toBeNull();
  });

  it('closes with 4401 when the header credential is invalid, never falling back to anonymous', async () => {
    for (const headers of [{ authorization: `Bearer ${BOGUS_KEY}` }, { 'x-api-key': BOGUS_KEY }, { authorization: 'Basic dXNlcjpwYXNz' }] as Record<
      string,
      string
    >[]) {
      const s = await rawSocket(headers);
      s.send({ type: 'connection_init', payload: {} });
      expect(await s.acked()).toBe(false);
      expect(await s.closed).toMatchObject({ code: 4401, reason: expect.stringMatching(/API key|Authorization header/) });
    }
  });

  it('closes with 4400 when the header and connection_init carry different credentials, or the upgrade two headers', async () => {
    const official = await t.createKey({ role: 'OFFICIAL' });
    for (const [headers, payload] of [
      [{ authorization: `Bearer ${official}` }, { authorization: `Bearer ${t.adminKey}` }],
      [{ 'x-api-key': BOGUS_KEY }, { apiKey: t.adminKey }],
      [{ authorization: `Bearer ${t.adminKey}`, 'x-api-key': BOGUS_KEY }, {}],
    ] as [Record<string, string>, Record<string, string>][]) {
      const s = await rawSocket(headers);
      s.send({ type: 'connection_init', payload });
      expect(await s.acked()).toBe(false);
      expect(await s.closed).toMatchObject({
        code: 4400,
        reason: expect.stringMatching(/^Different credentials in (header|Authorization)/),
      });
    }
  });
});
