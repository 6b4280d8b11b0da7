import net from 'node:net';
import { startTestHub, type TestHub } from '../support/test-hub.js';

/**
 * Regressions found by the hostile-input test (test/security/hostile-input.test.ts, issue #11),
 * each pinned on its own so that a red run names what broke.
 */
let t: TestHub;
let official: string;
beforeAll(async () => {
  t = await startTestHub({ UPLOAD_MAX_BYTES: String(1024 * 1024) });
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
    expect(((await res.json()) as any).errors[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
  });

  it('answers a multipart body that does not hold its boundary with 400, not 500', async () => {
    const res = await post('multipart/form-data; boundary=x', 'query={__typename}');
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0].message).toMatch(/Malformed multipart request/);
  });
});

describe('uploaded files the hub cannot read are refused before a row is stored', () => {
  const IMPORT = `mutation ($file: Upload!) { importSpreadsheet(file: $file) { status counts { read stored rejected } } }`;
  async function upload(bytes: Buffer, fileName: string) {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: IMPORT, variables: { file: null } }));
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', new Blob([bytes]), fileName);
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${official}`, 'apollo-require-preflight': 'true' },
      body: form,
    });
    return { status: res.status, body: (await res.json()) as any };
  }
  const prices = async () => Number((await t.sql(`select count(*)::int as n from price_observation`))[0].n);
  const rejected = async () => Number((await t.sql(`select count(*)::int as n from rejected_record`))[0].n);

  it('stores a GB18030 CSV with its Chinese names (it was stored as U+FFFD mojibake)', async () => {
    // 品名,单位,平均价,日期\n苹果,公斤,6,2024-11-05\n in GB18030.
    const header = [0xc6, 0xb7, 0xc3, 0xfb, 0x2c, 0xb5, 0xa5, 0xce, 0xbb, 0x2c, 0xc6, 0xbd, 0xbe, 0xf9, 0xbc, 0xdb, 0x2c, 0xc8, 0xd5, 0xc6, 0xda, 0x0a];
    const row = [0xc6, 0xbb, 0xb9, 0xfb, 0x2c, 0xb9, 0xab, 0xbd, 0xef, 0x2c, ...Buffer.from('6,2024-11-05\n')];
    const res = await upload(Buffer.from([...header, ...row]), 'gbk-prices.csv');
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.importSpreadsheet).toMatchObject({ status: 'OK', counts: { read: 1, stored: 1, rejected: 0 } });
    expect(await t.sql(`select raw_name, unit from price_observation where source_connector = 'spreadsheet-upload'`)).toEqual([
      { raw_name: '苹果', unit: '公斤' },
    ]);
  });

  it('refuses a CSV in another legacy encoding with 415 naming the byte, storing and keeping nothing', async () => {
    const [p, r] = [await prices(), await rejected()];
    const res = await upload(Buffer.from('name,unit,avg,date\ncafé,kg,6,2024-11-05\n', 'latin1'), 'latin1.csv');
    expect(res.status).toBe(415);
    expect(res.body.errors[0]).toMatchObject({ extensions: { code: 'UNSUPPORTED_ENCODING', argumentName: 'file' } });
    expect(res.body.errors[0].message).toMatch(/byte 0xE9 at offset 22 is not UTF-8/);
    expect([await prices(), await rejected()]).toEqual([p, r]);
  });

  it('refuses a truncated XLSX with 400 UNREADABLE_FILE (it answered 200 with a failed run)', async () => {
    const res = await upload(Buffer.from('PK\u0003\u0004 truncated'), 'cut.xlsx');
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ extensions: { code: 'UNREADABLE_FILE' } });
    expect(res.body.errors[0].message).toMatch(/not a readable XLSX file/);
  });
});

describe('an upload over UPLOAD_MAX_BYTES with a Content-Length', () => {
  it('answers 413 PAYLOAD_TOO_LARGE, not an unexpected error', async () => {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: 'mutation ($file: Upload!) { importSpreadsheet(file: $file) { status } }', variables: { file: null } }));
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', new Blob([Buffer.alloc(1024 * 1024 + 1024, 0x41)]), 'big.csv');
    const encoded = new Request('http://x/', { method: 'POST', body: form });
    const body = Buffer.from(await encoded.arrayBuffer());
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${official}`,
        'apollo-require-preflight': 'true',
        'content-type': encoded.headers.get('content-type')!,
        'content-length': String(body.length),
      },
      body,
    });
    const json = (await res.json()) as any;
    expect(json.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(res.status).toBe(413);
  });
});
