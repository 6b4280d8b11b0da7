import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { toGlobalId } from '../../src/relay/global-id.js';

/**
 * What a hostile caller who never saw our tests found over real HTTP and WebSocket (session 6), each
 * pinned on its own so that a red run names what broke. Each used to fail open, answer a 500 or 503
 * for a bad request, or hold the event loop for seconds.
 */
const JWT_SECRET = 'a-probe-secret-of-at-least-thirty-two-characters';
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ JWT_SECRET });
});
afterAll(() => t?.close());

const cursor = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');
const jwt = (claims: Record<string, unknown>) =>
  new SignJWT({ iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(JWT_SECRET));

describe('a field selected thousands of times in one document', () => {
  // graphql-js validation compares every pair of such fields: 4,900 `name` (30 KB) took 8.6 s of CPU before any limit ran.
  const flood = `{ regions(first: 1) { nodes { ${'name '.repeat(4900)} } } }`;

  it('is refused before validation with QUERY_TOO_COMPLEX naming the field, by POST, GET and in a batch', async () => {
    for (const res of [
      await t.as(null).post({ query: flood }),
      await fetch(`${t.url}/graphql?query=${encodeURIComponent(`{ regions(first: 1) { nodes { ${'name '.repeat(1000)} } } }`)}`),
      await t.as(null).post([{ query: '{ __typename }' }, { query: flood }]),
    ]) {
      expect(res.status).toBe(400);
      const body = (await res.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
      expect(body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 50 });
      expect(body.errors[0].message).toMatch(/"regions\.nodes\.name" is selected \d+ times/);
    }
  });

  it('counts the copies that fragments and repeated parents merge into one path', async () => {
    const viaFragments = `{ regions(first: 1) { nodes { ${Array.from({ length: 60 }, (_, i) => `...F${i}`).join(' ')} } } } ${Array.from({ length: 60 }, (_, i) => `fragment F${i} on Region { name }`).join(' ')}`;
    const viaParents = `{ ${`regions(first: 1) { nodes { ${'children { name } '.repeat(20)} } } `.repeat(20)} }`;
    for (const query of [viaFragments, viaParents]) {
      const res = await t.as(null).gql(query);
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 50 });
    }
    // A field selected a few times, as fragments of a real client do, still runs.
    const fine = await t
      .as(null)
      .gql(`{ regions(first: 1) { nodes { code ...A ...B } } } fragment A on Region { code name } fragment B on Region { code name }`);
    expect(fine.errors).toBeUndefined();
    expect(fine.data.regions.nodes).toHaveLength(1);
  });

  it('is refused over graphql-ws too', async () => {
    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const messages: any[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    const deadline = Date.now() + 10_000;
    while (!messages.some((m) => m.type === 'connection_ack') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: flood } }));
    while (!messages.some((m) => m.id === '1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    socket.close();
    expect(messages.find((m) => m.id === '1')).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'QUERY_TOO_COMPLEX' } }] });
  });
});

describe('requests that were answered with a 500', () => {
  it('answers a subscription sent over HTTP with 400 BAD_REQUEST naming the WebSocket endpoint', async () => {
    const res = await t.as(null).post({ query: 'subscription { alertRaised { id } }' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body.errors[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' }, message: expect.stringMatching(/WebSocket/) });
  });

  it('answers node(id:) of a key no row can have with null, and still loads the good ids of the same batch', async () => {
    const [market] = await t.sql<{ id: number }>('select id from market order by id limit 1');
    const good = toGlobalId('Market', market.id);
    const bad = ['Shipment:abc', 'Shipment:1e3', 'Shipment:99999999999999999999', 'Shipment:1.5', 'Market:x', 'Region:14\u0000'].map((id) =>
      Buffer.from(id).toString('base64url'),
    );
    const res = await t.gql(`query ($ids: [ID!]!) { node(id: "${bad[0]}") { id } nodes(ids: $ids) { id } }`, { ids: [...bad, good] });
    expect(res.errors).toBeUndefined();
    expect(res.data.node).toBeNull();
    expect(res.data.nodes).toEqual([...bad.map(() => null), { id: good }]);
  });

  it('answers a forged cursor whose values are not of the key type with BAD_USER_INPUT on the cursor argument', async () => {
    for (const query of [
      `{ shipments(first: 1, after: "${cursor(['abc'])}") { nodes { id } } }`,
      `{ alerts(first: 1, after: "${cursor(['not a time', 1])}") { nodes { id } } }`,
      `{ prices(first: 1, before: "${cursor(['2026-99-99', 1])}") { nodes { id } } }`,
      `{ markets(first: 1) { nodes { prices(first: 1, after: "${cursor(['abc', 'x'])}") { nodes { id } } } } }`,
    ]) {
      const res = await t.gql(query);
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: expect.stringMatching(/^(after|before)$/) });
    }
  });

  it('answers a JSON body in a charset other than UTF-8 with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=latin1' },
      body: '{"query":"{ __typename }"}',
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as any).errors[0]).toMatchObject({ extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' }, message: expect.stringMatching(/charset/) });
  });
});

describe('JSON nested thousands of levels deep', () => {
  // JSON.stringify and the input checks recurse: 5,000 nested [ under an unused variable threw RangeError.
  const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
  const body = `{"query":"query ($v: String) { regions(first: 1, search: $v) { totalCount } }","variables":{"v":"${'['.repeat(40)}","w":${deep}}}`;

  it('is refused over HTTP with 400 BAD_REQUEST (it was a 500); brackets inside strings do not count', async () => {
    const res = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0]).toMatchObject({
      extensions: { code: 'BAD_REQUEST' },
      message: expect.stringMatching(/deeper than 64 levels/),
    });
    const fine = await t.as(null).gql('query ($v: String) { regions(first: 1, search: $v) { totalCount } }', { v: '['.repeat(40), note: '['.repeat(100) });
    expect(fine.errors).toBeUndefined();
  });

  it('is refused in the variables of a GET with 400 BAD_REQUEST', async () => {
    const res = await fetch(`${t.url}/graphql?query=${encodeURIComponent('{ __typename }')}&variables={"w":${deep}}`); // raw brackets: percent-encoded, 5,000 levels would not fit in 16 KiB
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0]).toMatchObject({
      extensions: { code: 'BAD_REQUEST' },
      message: expect.stringMatching(/variables .* deeper than 64/),
    });
  });

  it("is refused in the operations of a multipart upload with 400 BAD_REQUEST (an official's upload answered 500)", async () => {
    const official = await t.createKey({ role: 'OFFICIAL' });
    const form = new FormData();
    form.append('operations', `{"query":"mutation ($f: Upload!) { importSpreadsheet(file: $f) { status } }","variables":{"f":null,"w":${deep}}}`);
    form.append('map', '{"0":["variables.f"]}');
    form.append('0', new Blob(['品名,平均价\n苹果,3\n']), 'prices.csv');
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${official}`, 'apollo-require-preflight': 'true' },
      body: form,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0]).toMatchObject({
      extensions: { code: 'BAD_REQUEST' },
      message: expect.stringMatching(/deeper than 64 levels/),
    });
  });

  it('closes a graphql-ws socket with 4400 (it was 4500, an internal error)', async () => {
    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const messages: any[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    const deadline = Date.now() + 10_000;
    while (!messages.some((m) => m.type === 'connection_ack') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    socket.send(`{"id":"1","type":"subscribe","payload":${body}}`);
    expect(await closed).toMatchObject({ code: 4400, reason: expect.stringMatching(/deeper than 64 levels/) });
  });
});

describe('credentials of an unexpected shape are refused, not reinterpreted', () => {
  it('honours a JWT scope given as a list: a read-only token cannot write', async () => {
    const token = await jwt({ role: 'ADMIN', sub: 'probe', scope: ['read'] });
    const as = t.as(token);
    expect((await as.gql('{ viewer { scopes } }')).data.viewer.scopes).toEqual(['READ']);
    const write = await as.gql('mutation { revokeApiKey(keyId: "000000000000") { revokedAt } }');
    expect(write.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: expect.stringMatching(/read-only/) });
  });

  it('refuses a JWT whose role, courier or scope claim is not a string with 401, not a 503 or a role read from a list', async () => {
    for (const claims of [{ role: ['ADMIN'] }, { role: { toString: 1 } }, { role: 'COURIER', courier: ['zhongtong'] }, { role: 'OFFICIAL', scope: 5 }]) {
      const res = await t.as(await jwt(claims)).post({ query: '{ viewer { role } }' });
      expect(res.status).toBe(401);
      expect(((await res.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('closes a WebSocket whose connectionParams carry a credential that is not a string (4401) instead of letting it in anonymously', async () => {
    for (const payload of [{ authorization: { value: 'Bearer x' } }, { authorization: [`Bearer ${t.adminKey}`] }, { apiKey: 12345 }]) {
      const socket = new WebSocket(`${t.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
      const messages: any[] = [];
      socket.on('message', (data) => messages.push(JSON.parse(String(data))));
      const closed = new Promise<{ code: number; reason: string }>((resolve) =>
        socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
      );
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(JSON.stringify({ type: 'connection_init', payload }));
      expect(await closed).toMatchObject({ code: 4401, reason: expect.stringMatching(/must be a string/) });
      expect(messages.find((m) => m.type === 'connection_ack')).toBeUndefined();
    }
  });
});

describe('a listening socket whose JWT expires', () => {
  it('is closed with 4401 although it sends nothing more (the subscription kept receiving updates past `exp`)', async () => {
    const token = await jwt({ role: 'OFFICIAL', sub: 'short-lived', exp: Math.floor(Date.now() / 1000) + 2 });
    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const messages: any[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    const deadline = Date.now() + 10_000;
    while (!messages.some((m) => m.type === 'connection_ack') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { alertRaised { id } }' } }));
    expect(await closed).toMatchObject({ code: 4401, reason: expect.stringMatching(/expired/) });
  }, 20_000);
});

describe('the officials alias table as CSV', () => {
  it('escapes an alias a spreadsheet would run as a formula, and reads its own export back unchanged', async () => {
    const official = await t.createKey({ role: 'OFFICIAL' });
    const headers = { authorization: `Bearer ${official}` };
    const formula = '=HYPERLINK("http://evil.example/","点我")';
    const csv = `alias,product,note\r\n"${formula.replace(/"/g, '""')}",apple,@SUM(1+1)\r\n`;
    const imported = await fetch(`${t.url}/catalog/aliases.csv`, { method: 'POST', headers: { ...headers, 'content-type': 'text/csv' }, body: csv });
    expect(imported.status).toBe(200);
    const exported = await (await fetch(`${t.url}/catalog/aliases.csv`, { headers })).text();
    const line = exported.split(/\r?\n/).find((l) => l.includes('HYPERLINK'))!;
    expect(line.startsWith(`"'=HYPERLINK`)).toBe(true);
    expect(line).toContain(`'@SUM(1+1)`);
    expect((await t.as(official).gql('{ aliasesCsv }')).data.aliasesCsv).toContain(`"'=HYPERLINK`);
    // Importing the exported line again changes nothing: the ' is taken off again.
    const body = `${exported.split(/\r?\n/)[0]}\n${line}\n`;
    const again = await fetch(`${t.url}/catalog/aliases.csv`, { method: 'POST', headers: { ...headers, 'content-type': 'text/csv' }, body });
    expect(await again.json()).toMatchObject({ imported: 0, unchanged: 1 });
    const [row] = await t.sql(`select alias from catalog_alias where alias like '%HYPERLINK%'`);
    expect(row.alias).toBe(formula);
  });

  it("exports and imports an alias that itself starts with ' losslessly (the import took its ' off: '=SUM(1) became =SUM(1))", async () => {
    const official = await t.createKey({ role: 'OFFICIAL' });
    const headers = { authorization: `Bearer ${official}` };
    const names = [`'=SUM(1+1)`, `''@twice`, `'－全角`, `'plain`];
    const [product] = await t.sql<{ id: number; code: string }>(`select id, code from product order by id limit 1`);
    await t.sql(`update product set aliases = aliases || $2::text[] where id = $1`, [product.id, names]);
    const exported = await (await fetch(`${t.url}/catalog/aliases.csv`, { headers })).text();
    const lines = exported.split(/\r?\n/);
    const mine = lines.filter((l) => names.some((n) => l.includes(n.replace(/^'+/, ''))));
    // The same file imported where the catalogue does not name them yet (another hub): the aliases come back as they were.
    await t.sql(`update product set aliases = array(select a from unnest(aliases) a where not a = any($2::text[])) where id = $1`, [product.id, names]);
    const imported = await fetch(`${t.url}/catalog/aliases.csv`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/csv' },
      body: `${lines[0]}\n${mine.join('\n')}\n`,
    });
    expect(await imported.json()).toMatchObject({ imported: 4 });
    const stored = await t.sql<{ alias: string }>(`select alias from catalog_alias where product_id = $1 and alias = any($2::text[])`, [product.id, names]);
    expect(stored.map((r) => r.alias).sort()).toEqual([...names].sort());
    // In the file (and in a spreadsheet, which hides one leading '), one more ' than the value where the import would take one off.
    expect(mine.map((l) => l.split(',')[0]).sort()).toEqual([`''=SUM(1+1)`, `'''@twice`, `''－全角`, `'plain`].sort());
  });
});

describe('the audit trail of a write', () => {
  it('masks personal data inside free text of the variables, as TrackingEvent.rawText masks it (it was kept, and shown by auditLog, in clear)', async () => {
    const courier = await t.createKey({ role: 'COURIER', courier: 'zhongtong' });
    const description = '签收人张三丰 电话13812345678 地址山西省太原市小店区坞城路92号3单元';
    const res = await t
      .as(courier)
      .gql(`mutation ($events: [TrackingEventInput!]!) { ingestTrackingEvents(courier: "zhongtong", events: $events) { accepted } }`, {
        events: [
          {
            trackingNumber: 'ZTAUDIT0001',
            status: 'IN_TRANSIT',
            occurredAt: '2026-11-29T10:00:00+08:00',
            description,
            shipment: { recipient: { name: '李四', phone: '13987654321' } },
          },
        ],
      });
    expect(res.errors).toBeUndefined();
    const rows = await t.sql(`select variables::text as v from audit_entry where variables::text like '%ZTAUDIT0001%'`);
    expect(rows.length).toBeGreaterThan(0);
    for (const { v } of rows) {
      expect(v).not.toContain('13812345678');
      expect(v).not.toContain('13987654321');
      expect(v).not.toContain('张三丰');
      expect(v).not.toContain('坞城路92号');
      expect(v).toContain('138****5678');
    }
    const log = await t.gql(`{ auditLog(first: 5) { nodes { variables } } }`);
    expect(JSON.stringify(log.data.auditLog.nodes)).not.toContain('13812345678');
  });
});

describe('introspection switched off (GRAPHQL_INTROSPECTION=false, the production default)', () => {
  let closed: TestHub;
  beforeAll(async () => {
    closed = await startTestHub({ GRAPHQL_INTROSPECTION: 'false' });
  });
  afterAll(() => closed?.close());

  it('is off over graphql-ws as over HTTP: no __schema, no "Did you mean" field names (graphql-ws answered both)', async () => {
    const http = await closed.gql('{ __schema { types { name } } }');
    expect(http.data?.__schema).toBeUndefined();
    const socket = new WebSocket(`${closed.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const messages: any[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${closed.adminKey}` } }));
    const until = async (check: () => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    };
    await until(() => messages.some((m) => m.type === 'connection_ack'));
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ __schema { types { name } } }' } }));
    socket.send(JSON.stringify({ id: '2', type: 'subscribe', payload: { query: '{ shipmentz { id } }' } }));
    socket.send(JSON.stringify({ id: '3', type: 'subscribe', payload: { query: '{ __typename regions(first: 1) { totalCount } }' } }));
    await until(() => ['1', '2', '3'].every((id) => messages.some((m) => m.id === id && m.type !== 'complete')));
    socket.close();
    const answer = (id: string) => messages.find((m) => m.id === id && m.type !== 'complete');
    expect(answer('1').type).toBe('error');
    expect(answer('1').payload[0]).toMatchObject({
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      message: expect.stringMatching(/introspection has been disabled/),
    });
    expect(answer('2')).toMatchObject({ type: 'error', payload: [{ message: 'Cannot query field "shipmentz" on type "Query".' }] });
    expect(answer('3')).toMatchObject({ type: 'next', payload: { data: { __typename: 'Query' } } });
  });
});
