import http from 'node:http';
import type { Hub } from '../../src/app.js';
import { startHubOn, startTestHub, TEST_METRICS_TOKEN, type TestHub } from '../support/test-hub.js';

/**
 * Issue #10: the compiled read path in front of Apollo
 * (src/http/compiled-reads.fast-path.ts) answers exactly what Apollo's
 * pipeline answers. Two hubs on one database, `t` with the fast path (the
 * default) and `apollo` with COMPILED_FAST_PATH=false (compiled reads through
 * the Apollo plugin); every request goes to both, and the status, the raw
 * header lines (but Date) and the body bytes must be the same: successes,
 * content negotiation, masks by role, refusals, limits, errors, and the audit
 * row with its fail-closed 503.
 */
let t: TestHub;
let apollo: Hub;
const keys: Record<string, string | null> = {};

beforeAll(async () => {
  t = await startTestHub({ DELAY_SCAN_INTERVAL_S: '0', PRICE_SERIES_REFRESH_INTERVAL_S: '0' });
  apollo = await startHubOn(t.databaseUrl, { DB_POOL_SIZE: '3', DELAY_SCAN_INTERVAL_S: '0', CONNECTOR_SCHEDULER: 'false', COMPILED_FAST_PATH: 'false' });
  const [zto] = await t.sql(`select id from courier where code = 'zhongtong'`);
  const [yto] = await t.sql(`select id from courier where code <> 'zhongtong' order by code limit 1`);
  for (const [i, courier] of [zto.id, yto.id, zto.id].entries()) {
    const [row] = await t.sql(
      `insert into shipment (source_connector, source_key, courier_id, tracking_number, status, direction, recipient_name, recipient_phone,
                             recipient_address, origin_code, weight_kg, last_event_at)
       values ('fp', $1, $2, $1, 'IN_TRANSIT', 'UPSTREAM', '张三丰', '13812341234', '山西省运城市临猗县北景乡西张村12号', '140821', 1.25, now())
       returning id`,
      [`FP${i}`, courier],
    );
    for (const [j, text] of ['已揽收', '快递员 王五 13912345678 正在派送'].entries()) {
      await t.sql(
        `insert into tracking_event (source_connector, source_key, shipment_id, occurred_at, status, raw_text, location, area_code)
         values ('fp', $1, $2, timestamptz '2026-07-01 08:00:00.123+08' + make_interval(hours => $3), 'IN_TRANSIT', $4, $5, '140821')`,
        [`FP${i}-${j}`, row.id, j, j === 1 ? text : null, j === 1 ? '临猗县北景乡站 电话0359-4023456' : null],
      );
    }
  }
  keys.anonymous = null;
  keys.courier = await t.createKey({ role: 'COURIER', courier: 'zhongtong' });
  keys.official = await t.createKey({ role: 'OFFICIAL' });
  keys.admin = t.adminKey;
});
afterAll(async () => {
  await apollo?.close();
  await t?.close();
});

/** Shape (c) of bench:peers. */
const SHAPE_C = `{ shipments(first: 20) { nodes { trackingNumber status lastEventAt
  events { occurredAt status rawCode rawText areaCode location } } } }`;
/** No classified field: no audit row. */
const PLAIN = '{ shipments(first: 5) { nodes { trackingNumber status } } }';
const NAMED = `query Parcels($n: Int!) { shipments(first: $n) { nodes { id trackingNumber recipientPhone events(first: 1) { rawText } } } }
query Other { markets(first: 1) { nodes { code } } }`;

type Caller = 'anonymous' | 'courier' | 'official' | 'admin' | 'unmasking admin' | 'bad key';

interface Request {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}

interface Answer {
  status: number;
  headers: string[];
  body: string;
}

function credentials(caller: Caller): Record<string, string> {
  if (caller === 'bad key') return { 'x-api-key': 'hh_000000000000_not-a-real-secret-at-all-000000000' };
  const key = caller === 'unmasking admin' ? keys.admin : keys[caller];
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  if (caller === 'unmasking admin') headers['x-unmask-reason'] = 'fast path parity test';
  return headers;
}

/** One raw HTTP exchange: status, header lines as sent (name casing and order kept, Date left out), body bytes. */
function send(url: string, request: Request): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${request.path ?? '/graphql'}`, { method: request.method ?? 'POST', headers: request.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const headers: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          if (res.rawHeaders[i].toLowerCase() !== 'date') headers.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        }
        resolve({ status: res.statusCode!, headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(request.body);
  });
}

const post = (caller: Caller, payload: unknown, headers: Record<string, string> = {}): Request => ({
  headers: { 'content-type': 'application/json', ...credentials(caller), ...headers },
  body: typeof payload === 'string' ? payload : JSON.stringify(payload),
});

/** Sends a request to both hubs; returns both answers and whether the fast path answered it. */
async function both(request: Request): Promise<{ fast: Answer; plain: Answer; fastPath: boolean }> {
  const before = await t.metric('hub_graphql_compiled_fast_path_total');
  const fast = await send(t.url, request);
  const fastPath = (await t.metric('hub_graphql_compiled_fast_path_total')) > before;
  const plain = await send(apollo.url, request);
  return { fast, plain, fastPath };
}

const lastAudit = async () =>
  (
    await t.sql(
      `select actor, role, transport, operation_type, operation_name, operation_hash, variables, classified_fields, rows_returned, personal_records,
              unmask_reason, outcome
         from audit_entry order by id desc limit 1`,
    )
  )[0];

describe('answered on the fast path: the same status, headers and body as Apollo', () => {
  const callers: Caller[] = ['anonymous', 'courier', 'official', 'admin', 'unmasking admin'];
  it.each(callers)('shape (c) as %s', async (caller) => {
    const { fast, plain, fastPath } = await both(post(caller, { query: SHAPE_C }));
    expect(fast.status).toBe(200);
    expect(fast).toEqual(plain);
    expect(fastPath).toBe(true);
  });

  it.each([
    ['no Accept', undefined],
    ['*/*', '*/*'],
    ['application/json', 'application/json'],
    ['application/graphql-response+json', 'application/graphql-response+json'],
    ['the spec’s recommended Accept', 'application/graphql-response+json, application/json;q=0.9'],
  ])('content negotiation: %s', async (_name, accept) => {
    const { fast, plain, fastPath } = await both(post('courier', { query: SHAPE_C }, accept === undefined ? {} : { accept }));
    expect(fast).toEqual(plain);
    expect(fast.headers).toContain(
      accept?.startsWith('application/graphql-response+json')
        ? 'Content-Type: application/graphql-response+json; charset=utf-8'
        : 'Content-Type: application/json; charset=utf-8',
    );
    expect(fastPath).toBe(true);
  });

  it('a named operation of several, with variables; operationName null and extensions {} as clients send them', async () => {
    for (const payload of [
      { query: NAMED, operationName: 'Parcels', variables: { n: 2 } },
      { query: PLAIN, operationName: null, variables: null, extensions: {} },
    ]) {
      const { fast, plain, fastPath } = await both(post('official', payload));
      expect(fast).toEqual(plain);
      expect(fastPath).toBe(true);
    }
  });

  it('masks by role (the parity is not vacuous)', async () => {
    const courier = JSON.parse((await send(t.url, post('courier', { query: SHAPE_C }))).body).data.shipments.nodes;
    const unmasked = JSON.parse((await send(t.url, post('unmasking admin', { query: SHAPE_C }))).body).data.shipments.nodes;
    expect(courier).toHaveLength(2);
    expect(unmasked).toHaveLength(3);
    expect(courier.flatMap((s: { events: { rawText: string }[] }) => s.events.map((e) => e.rawText))).toContain('快递员 王* 139****5678 正在派送');
    expect(unmasked.flatMap((s: { events: { rawText: string }[] }) => s.events.map((e) => e.rawText))).toContain('快递员 王五 13912345678 正在派送');
  });
});

describe('the audit trail is the same', () => {
  it.each(['courier', 'official', 'unmasking admin'] as Caller[])('the audit row of a personal read as %s', async (caller) => {
    await send(apollo.url, post(caller, { query: NAMED, operationName: 'Parcels', variables: { n: 3 } }));
    const expected = await lastAudit();
    const before = await t.metric('hub_graphql_compiled_fast_path_total');
    await send(t.url, post(caller, { query: NAMED, operationName: 'Parcels', variables: { n: 3 } }));
    expect(await t.metric('hub_graphql_compiled_fast_path_total')).toBe(before + 1);
    const actual = await lastAudit();
    expect(actual).toEqual(expected);
    expect(actual.personal_records).toBeGreaterThan(0);
  });

  it('writes no row for a read without classified data', async () => {
    const [{ n: before }] = await t.sql(`select count(*)::int as n from audit_entry`);
    const { fastPath } = await both(post('courier', { query: PLAIN }));
    expect(fastPath).toBe(true);
    const [{ n: after }] = await t.sql(`select count(*)::int as n from audit_entry`);
    expect(after).toBe(before);
  });

  it('withholds personal data with the same 503 AUDIT_UNAVAILABLE when the row cannot be written (fail closed)', async () => {
    await t.sql(`create or replace function test_audit_down() returns trigger language plpgsql as $$ begin raise exception 'audit store down'; end $$`);
    await t.sql(`create trigger test_audit_down before insert on audit_entry for each row execute function test_audit_down()`);
    try {
      for (const accept of [{}, { accept: 'application/graphql-response+json' }] as Record<string, string>[]) {
        const { fast, plain } = await both(post('courier', { query: SHAPE_C }, accept));
        expect(fast.status).toBe(503);
        expect(fast).toEqual(plain);
        expect(fast.body).not.toContain('FP0');
        expect(JSON.parse(fast.body).errors[0].extensions.code).toBe('AUDIT_UNAVAILABLE');
      }
      // A read of no classified data needs no row: it is answered.
      const { fast, plain } = await both(post('courier', { query: PLAIN }));
      expect(fast.status).toBe(200);
      expect(fast).toEqual(plain);
    } finally {
      await t.sql(`drop trigger test_audit_down on audit_entry`);
    }
  });
});

describe('with CORS_ORIGINS: the CORS headers as Apollo answers them', () => {
  const hubs: Hub[] = [];
  afterAll(async () => {
    for (const hub of hubs) await hub.close();
  });

  it('a cross-origin read and its preflight', async () => {
    const env = (fastPath: boolean) => ({
      DB_POOL_SIZE: '2',
      DELAY_SCAN_INTERVAL_S: '0',
      CONNECTOR_SCHEDULER: 'false',
      CORS_ORIGINS: 'https://app.example',
      COMPILED_FAST_PATH: String(fastPath),
    });
    const [fast, plain] = [await startHubOn(t.databaseUrl, env(true)), await startHubOn(t.databaseUrl, env(false))];
    hubs.push(fast, plain);
    for (const origin of ['https://app.example', 'https://elsewhere.example']) {
      const request = post('courier', { query: SHAPE_C }, { origin });
      const [a, b] = [await send(fast.url, request), await send(plain.url, request)];
      expect(a.status).toBe(200);
      expect(a).toEqual(b);
    }
    expect((await send(fast.url, post('courier', { query: SHAPE_C }, { origin: 'https://app.example' }))).headers).toContain(
      'Access-Control-Allow-Origin: https://app.example',
    );
    const metrics = await (await fetch(`${fast.url}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } })).text();
    expect(Number(/^hub_graphql_compiled_fast_path_total (\d+)/m.exec(metrics)?.[1])).toBe(3);
    const preflight: Request = {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-api-key' },
    };
    expect(await send(fast.url, preflight)).toEqual(await send(plain.url, preflight));
  });
});

describe('everything else goes on to Apollo, answered as before', () => {
  const cases: [string, Request][] = [
    ['a bad key (401 before GraphQL)', post('bad key', { query: SHAPE_C })],
    ['an Accept Apollo refuses (406)', post('courier', { query: SHAPE_C }, { accept: 'text/html' })],
    ['an Accept weighed otherwise', post('courier', { query: SHAPE_C }, { accept: 'application/json;q=0.5, application/graphql-response+json' })],
    ['a syntax error', post('courier', { query: '{ shipments(first: 2) { nodes { trackingNumber }' })],
    ['a syntax error, graphql-response+json', post('courier', { query: '{ shipments(', operationName: null }, { accept: 'application/graphql-response+json' })],
    ['a validation error', post('courier', { query: '{ shipments(first: 2) { nodes { nope } } }' })],
    ['a variable that does not coerce', post('courier', { query: NAMED, operationName: 'Parcels', variables: { n: 'two' } })],
    ['a missing operationName', post('courier', { query: NAMED })],
    ['an unknown operationName', post('courier', { query: NAMED, operationName: 'Nope' })],
    ['NUL in a variable', post('courier', { query: NAMED, operationName: 'Parcels', variables: { n: 1, x: 'a\u0000b' } })],
    ['NUL in a literal', post('courier', { query: '{ prices(first: 1, filter: { product: "a\\u0000b" }) { nodes { avgPrice } } }' })],
    ['over the cost limit', post('courier', { query: '{ shipments(first: 500) { nodes { events(first: 500) { rawText } } } }' })],
    [
      'over the depth limit',
      post('courier', { query: `{ shipments(first: 1) { nodes { originRegion ${'{ parent '.repeat(12)}{ code }${' }'.repeat(12)} } } }` }),
    ],
    ['too many aliases', post('courier', { query: `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: __typename`).join(' ')} }` })],
    ['a mutation', post('courier', { query: 'mutation { revokeApiKey(keyId: "nope") }' })],
    ['a query the compiler does not cover', post('courier', { query: '{ shipments(first: 2) { edges { cursor node { trackingNumber } } } }' })],
    ['a batch', post('courier', [{ query: SHAPE_C }, { query: PLAIN }])],
    ['a GET', { method: 'GET', path: `/graphql?query=${encodeURIComponent(PLAIN)}`, headers: credentials('courier') }],
    ['a body that is not JSON', post('courier', '{"query": ')],
    ['text/plain', { headers: { 'content-type': 'text/plain', ...credentials('courier') }, body: JSON.stringify({ query: PLAIN }) }],
    ['variables as a string', post('courier', { query: PLAIN, variables: '{}' })],
    ['operationName not a string', post('courier', { query: PLAIN, operationName: 5 })],
    ['an empty query', post('courier', { query: '' })],
    ['extensions it does not know', post('courier', { query: PLAIN, extensions: { tracing: true } })],
    ['an introspection query', post('courier', { query: '{ __schema { queryType { name } } }' })],
  ];
  it.each(cases)('%s', async (_name, request) => {
    const { fast, plain, fastPath } = await both(request);
    expect(fast).toEqual(plain);
    expect(fastPath).toBe(false);
  });

  it('counts requests by operation in both', async () => {
    const count = async (url: string) => {
      const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } })).text();
      return Number(/^hub_graphql_requests_total\{operation="Parcels",type="query"\} (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const [fastBefore, plainBefore] = [await count(t.url), await count(apollo.url)];
    await both(post('courier', { query: NAMED, operationName: 'Parcels', variables: { n: 1 } }));
    expect(await count(t.url)).toBe(fastBefore + 1);
    expect(await count(apollo.url)).toBe(plainBefore + 1);
  });
});
