import net from 'node:net';
import { startTestHub, type TestHub } from '../support/test-hub.js';

/**
 * Regressions found by the hostile-input test (test/security/hostile-input.test.ts, issue #11),
 * each pinned on its own so that a red run names what broke.
 */
let t: TestHub;
let official: string;
beforeAll(async () => {
  t = await startTestHub();
  official = await t.createKey({ role: 'OFFICIAL' });
});
afterAll(() => t?.close());

/** Writes `request` on a raw socket and reads everything the hub answers until it closes the connection. */
function rawExchange(request: string): Promise<{ response: string; error?: string }> {
  const { port } = new URL(t.url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let response = '';
    let error: string | undefined;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (response += chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => resolve({ response, error }));
    socket.write(request);
  });
}

describe('requests Node refuses before the hub sees them', () => {
  it('answers a GET whose URL is over the 16 KiB header limit with 431 and a JSON error, closing without a reset', async () => {
    const query = `{ ${'regions { children { '.repeat(20_000)}name${' } }'.repeat(20_000)} }`;
    const { response, error } = await rawExchange(`GET /graphql?query=${encodeURIComponent(query)} HTTP/1.1\r\nHost: hub\r\nAccept: application/json\r\n\r\n`);
    expect(error).toBeUndefined();
    expect(response).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(response).toMatch(/connection: close/i);
    const body = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));
    expect(body.errors[0]).toMatchObject({ extensions: { code: 'REQUEST_HEADER_FIELDS_TOO_LARGE' } });
    expect(body.errors[0].message).toMatch(/send long GraphQL documents by POST/);
  });

  it('answers a request line that is not HTTP with 400', async () => {
    const { response } = await rawExchange('HELLO\u0000 / what\r\n\r\n');
    expect(response).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });
});

describe('malformed multipart requests', () => {
  const post = (contentType: string, body: string) =>
    fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${official}`, 'apollo-require-preflight': 'true', 'content-type': contentType },
      body,
      signal: AbortSignal.timeout(20_000),
    });

  it('answers multipart/form-data without a boundary with 400 (it was never answered: graphql-upload waited for a body nobody read)', async () => {
    const res = await post('multipart/form-data', '{"query":"{ __typename }"}');
    expect(res.status).toBe(400);
    expect((await res.json()).errors[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
  });

  it('answers a multipart body that does not hold its boundary with 400, not 500', async () => {
    const res = await post('multipart/form-data; boundary=x', 'query={__typename}');
    expect(res.status).toBe(400);
    expect((await res.json()).errors[0].message).toMatch(/Malformed multipart request/);
  });
});
