import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { zipOf } from '../support/zip-bytes.js';
import { giveSecrets, TEST_SECRET } from '../couriers/courier-push.js';

/**
 * Hostile input in CI (issue #11): a few thousand generated hostile bodies
 * against a real hub over HTTP — GraphQL bodies (deep nesting, alias floods,
 * fragment cycles and explosions, huge strings, invalid UTF-8 and wrong
 * encodings, truncated JSON, wrong content types, long GET URLs, batched
 * arrays), courier webhook bodies in every format (native, Kuaidi100,
 * AfterShip, EPCIS: truncated, oversized, wrong types, NUL bytes, huge
 * arrays, bad signatures) and spreadsheets (zip bombs, truncated XLSX, CSV in
 * GB18030 and UTF-16, formula cells, huge cells). Every request must be
 * answered (no hang, no reset) without a 5xx, the hub must still answer
 * afterwards, and nothing may be stored half-way: a body refused whole
 * stores no fact, a refused record is kept for replay where the path keeps
 * them.
 *
 * Generated from a fixed seed (HOSTILE_SEED overrides it, and a failure
 * names the seed and the request), so a red run is reproducible.
 */
const SEED = Number(process.env.HOSTILE_SEED ?? 20261129);
/** Requests in flight at once: enough to overlap database waits, few enough for a loaded 2-core machine. */
const CONCURRENCY = 8;
/** A request not answered within this is a hang. */
const ANSWER_WITHIN_MS = 30_000;
const WEBHOOK_LIMIT_BYTES = 64 * 1024;
const UPLOAD_LIMIT_BYTES = 1024 * 1024;

let t: TestHub;
let official: string;

beforeAll(async () => {
  t = await startTestHub({
    DELAY_SCAN_INTERVAL_S: '0',
    CONNECTOR_SCHEDULER: 'false',
    RATE_LIMIT_PER_SECOND: '100000',
    RATE_LIMIT_BURST: '100000',
    RATE_LIMIT_AUTH_FAILURES: '100000',
    WEBHOOK_BODY_LIMIT: `${WEBHOOK_LIMIT_BYTES}b`,
    UPLOAD_MAX_BYTES: String(UPLOAD_LIMIT_BYTES),
  });
  await giveSecrets(t.sql);
  official = await t.createKey({ role: 'OFFICIAL' });
});
afterAll(() => t?.close());

// ---------------------------------------------------------------- sending

interface Probe {
  category: string;
  label: string;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string | FormData;
  /** A marker the body carries (tracking numbers, product names), to find what it stored. */
  marker?: string;
  /** Whether the signature (webhooks) is the courier's. */
  signed?: boolean;
}

interface Answer {
  probe: Probe;
  status?: number;
  /** A transport failure: reset, refused, or no answer in time. */
  failure?: string;
  text?: string;
  ms?: number;
}

async function send(probe: Probe): Promise<Answer> {
  const started = performance.now();
  const answer = await sendOnce(probe);
  return { ...answer, ms: Math.round(performance.now() - started) };
}

/**
 * One request on a connection of its own (no keep-alive): a reset then means the hub reset this
 * request, never the pooled-connection race of a client reusing a socket the server just closed.
 */
async function sendOnce(probe: Probe): Promise<Answer> {
  let body: Buffer | undefined;
  const headers: Record<string, string> = { ...probe.headers };
  if (probe.body instanceof FormData) {
    const encoded = new Request('http://x/', { method: 'POST', body: probe.body });
    headers['content-type'] = encoded.headers.get('content-type')!;
    body = Buffer.from(await encoded.arrayBuffer());
  } else if (probe.body !== undefined) body = Buffer.isBuffer(probe.body) ? probe.body : Buffer.from(probe.body);
  if (body) headers['content-length'] = String(body.length);
  const url = new URL(`${t.url}${probe.path}`);
  return new Promise((resolve) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method: probe.method, path: `${url.pathname}${url.search}`, headers, agent: false, timeout: ANSWER_WITHIN_MS },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ probe, status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (e) => resolve({ probe, failure: `response: ${(e as NodeJS.ErrnoException).code ?? e.message}` }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${ANSWER_WITHIN_MS} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ probe, failure: `${e.code ?? ''} ${e.message}` }));
    req.end(body);
  });
}

/** Sends every probe, at most CONCURRENCY at once. */
async function sendAll(probes: Probe[]): Promise<Answer[]> {
  const answers: Answer[] = new Array(probes.length);
  let next = 0;
  const worker = async () => {
    while (next < probes.length) {
      const i = next++;
      answers[i] = await send(probes[i]);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return answers;
}

const describeProbe = (a: Answer) =>
  `[seed ${SEED}] ${a.probe.category} / ${a.probe.label}: ${a.failure ?? `HTTP ${a.status} ${String(a.text).slice(0, 300)}`}`;

/** No request unanswered, reset or answered with a 5xx. */
function expectAnsweredWithout5xx(answers: Answer[]): void {
  const bad = answers.filter((a) => a.failure !== undefined || a.status === undefined || a.status >= 500).map(describeProbe);
  expect(bad).toEqual([]);
}

/** Statuses per category, e.g. `deep nesting: 400×90 200×20`. */
function summary(answers: Answer[]): string {
  const by = new Map<string, Map<string, number>>();
  for (const a of answers) {
    const m = by.get(a.probe.category) ?? new Map<string, number>();
    const k = String(a.status ?? 'failed');
    m.set(k, (m.get(k) ?? 0) + 1);
    by.set(a.probe.category, m);
  }
  const slowest = [...answers].sort((a, b) => (b.ms ?? 0) - (a.ms ?? 0)).slice(0, 25);
  return [
    ...[...by].map(([c, m]) => `${c}: ${[...m].map(([k, n]) => `${k}×${n}`).join(' ')}`),
    ...slowest.map((a) => `${a.ms} ms ${a.probe.category} / ${a.probe.label} → ${a.status}`),
  ].join('\n');
}

/** The hub still answers a plain query after the storm. */
async function expectAlive(): Promise<void> {
  const health = await fetch(`${t.url}/healthz`);
  expect(health.status).toBe(200);
  const res = await t.gql('{ viewer { role } }');
  expect(res).toEqual({ data: { viewer: { role: 'ADMIN' } } });
}

const FACT_TABLES = ['price_observation', 'supply_listing', 'sales_record', 'shipment', 'tracking_event', 'alert'] as const;
async function factCounts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of FACT_TABLES) out[table] = Number((await t.sql(`select count(*)::int as n from ${table}`))[0].n);
  return out;
}

// ---------------------------------------------------------------- generation

/** A seeded PRNG (mulberry32) for the shapes; fast-check for the strings. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
  };
}
const R = prng(SEED);
/** Nasty strings from fast-check: any code unit (lone surrogates, NUL, controls) and full Unicode. */
const nastyStrings = fc.sample(
  fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.constantFrom('\u0000', '\ud800', '\udfff', 'a\u0000b', '=HYPERLINK("http://evil.example","x")', '\u202e', '\ufeff', '%00', "'; drop table shipment; --"),
  ),
  { seed: SEED, numRuns: 400 },
);
const nasty = () => R.pick(nastyStrings);
const randomJson = fc.sample(fc.jsonValue({ maxDepth: 4 }), { seed: SEED + 1, numRuns: 100 });

const JSON_HEADERS = { 'content-type': 'application/json', authorization: '' };
const gqlPost = (category: string, label: string, body: Buffer | string, headers: Record<string, string> = {}): Probe => ({
  category,
  label,
  method: 'POST',
  path: '/graphql',
  headers: {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
    authorization: `Bearer ${t.adminKey}`,
    ...headers,
  },
  body,
});
const gqlGet = (category: string, label: string, query: string, extra = ''): Probe => ({
  category,
  label,
  method: 'GET',
  path: `/graphql?query=${encodeURIComponent(query)}${extra}`,
  headers: { accept: 'application/json', authorization: `Bearer ${t.adminKey}` },
});
void JSON_HEADERS;

/** Stands for a value nested thousands deep, spliced in as text (JSON.stringify would overflow the stack on it). */
const DEEP_PLACEHOLDER = '@@deep@@';

const FIELDS = ['regions', 'children', 'parent', 'nodes', 'markets', 'prices', 'shipments', 'events', 'a'] as const;
function nestedSelection(depth: number): string {
  const name = R.pick(FIELDS);
  return `{ ${`${name} { `.repeat(depth)}__typename${' }'.repeat(depth)} }`;
}

function graphqlProbes(): Probe[] {
  const probes: Probe[] = [];
  // Bodies per category: moderate for the costly ones (megabyte strings, deep documents), more for the cheap ones.
  const PER = 100;
  const CHEAP = 160;
  // Deep nesting: selections, list and object values, variables, and the JSON envelope itself; by POST and GET.
  for (let i = 0; i < PER; i++) {
    const depth = R.pick([13, 50, 200, 1_000, 2_400, 5_000, 20_000, 100_000]);
    const shape = R.int(0, 4);
    const label = `depth ${depth} shape ${shape}`;
    let query: string;
    let variables: unknown;
    if (shape === 0) query = nestedSelection(depth);
    else if (shape === 1) query = `{ regions(codes: ${'['.repeat(depth)}"14"${']'.repeat(depth)}) { totalCount } }`;
    else if (shape === 2) query = `{ node(id: ${'{a: '.repeat(depth)}1${'}'.repeat(depth)}) { id } }`;
    else if (shape === 3) {
      query = 'query ($codes: [String!]) { regions(codes: $codes) { totalCount } }';
      variables = DEEP_PLACEHOLDER;
    } else {
      query = '{ __typename }';
      variables = undefined;
    }
    if (shape === 4) {
      probes.push(gqlPost('deep nesting', `${label} (JSON envelope)`, `{"query":"{ __typename }","extensions":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`));
    } else if (R.next() < 0.3 && variables === undefined) {
      probes.push(gqlGet('deep nesting', `${label} (GET, ${query.length} chars)`, query));
    } else {
      const body =
        variables === DEEP_PLACEHOLDER
          ? `{"query":${JSON.stringify(query)},"variables":{"codes":${'['.repeat(depth)}"14"${']'.repeat(depth)}}}`
          : JSON.stringify({ query, variables });
      probes.push(gqlPost('deep nesting', label, body));
    }
  }
  // Alias floods, also hiding under fragments and in batches.
  for (let i = 0; i < PER; i++) {
    const n = R.pick([31, 100, 1_000, 5_000, 20_000]);
    const field = R.pick(['__typename', 'regions(first: 100) { nodes { name } }', 'viewer { role }', 'node(id: "x") { id }']);
    const aliases = Array.from({ length: n }, (_, k) => `a${k}: ${field}`).join(' ');
    const query = R.next() < 0.5 ? `{ ${aliases} }` : `query { ...F } fragment F on Query { ${aliases} }`;
    probes.push(gqlPost('alias flood', `${n} × ${field.slice(0, 20)}`, JSON.stringify({ query })));
  }
  // Fragment cycles and exponential fragment expansion ("billion laughs").
  for (let i = 0; i < PER; i++) {
    const kind = R.int(0, 3);
    let query: string;
    if (kind === 0) query = '{ ...A } fragment A on Query { ...A }';
    else if (kind === 1) {
      const k = R.int(2, 200);
      query = `{ ...F0 } ${Array.from({ length: k }, (_, j) => `fragment F${j} on Query { __typename ...F${(j + 1) % k} }`).join(' ')}`;
    } else if (kind === 2) {
      const levels = R.int(10, 60);
      query = `{ ...L0 } ${Array.from({ length: levels }, (_, j) => `fragment L${j} on Query { ${j === levels - 1 ? '__typename' : `...L${j + 1} ...L${j + 1}`} }`).join(' ')}`;
    } else {
      const levels = R.int(5, 40);
      query = `{ regions(first: 100) { nodes { ...R0 } } } ${Array.from({ length: levels }, (_, j) => `fragment R${j} on Region { name children(first: 100) { nodes { ${j === levels - 1 ? 'name' : `...R${j + 1}`} } } }`).join(' ')}`;
    }
    probes.push(gqlPost('fragment cycle', `kind ${kind}, ${query.length} chars`, JSON.stringify({ query })));
  }
  // Huge and nasty strings: in literals, variables, operation names, mutation inputs.
  for (let i = 0; i < 60; i++) {
    const size = R.pick([1_000, 10_000, 100_000, 1_000, 1_900_000, 2_500_000]);
    const fill = R.next() < 0.5 ? 'x'.repeat(size) : `${nasty()}${'\u0000'.repeat(Math.min(size, 1000))}${'\ud800'.repeat(10)}`;
    const kind = R.int(0, 4);
    let body: string;
    if (kind === 0) body = JSON.stringify({ query: `{ products(search: ${JSON.stringify(fill)}, first: 5) { totalCount } }` });
    else if (kind === 1) body = JSON.stringify({ query: 'query ($t: String!) { products(search: $t, first: 5) { totalCount } }', variables: { t: fill } });
    else if (kind === 2) body = JSON.stringify({ query: `query ${'Q'.repeat(Math.min(size, 200_000))} { __typename }`, operationName: fill });
    else if (kind === 3)
      body = JSON.stringify({
        query: 'mutation ($i: RecordPricesInput!) { recordPriceObservations(input: $i) { stored } }',
        variables: {
          i: {
            connector: 'hostile-prices',
            observations: [{ market: fill.slice(0, 5_000), rawName: fill, observedOn: '2024-11-05', unit: '公斤', avgPrice: 1, sourceKey: `HX-G${i}` }],
          },
        },
      });
    else body = `{"query":"{ __typename }","variables":{"v":"${'\\u0000\\ud800'.repeat(Math.min(size, 200_000) / 12)}"}}`;
    probes.push(gqlPost('huge strings', `kind ${kind}, ${body.length} bytes`, body));
  }
  // Invalid UTF-8 and wrong encodings.
  for (let i = 0; i < CHEAP; i++) {
    const text = JSON.stringify({ query: `{ products(search: "苹果${nasty().replace(/[\\"]/g, '')}", first: 1) { totalCount } }` });
    const kind = R.int(0, 6);
    const insertAt = R.int(0, text.length);
    const bad = [
      Buffer.from([0xff]),
      Buffer.from([0xc3, 0x28]),
      Buffer.from([0xc0, 0xaf]),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
    ];
    if (kind === 0) {
      const utf8 = Buffer.from(text);
      probes.push(gqlPost('encoding', `invalid UTF-8 at ${insertAt}`, Buffer.concat([utf8.subarray(0, insertAt), R.pick(bad), utf8.subarray(insertAt)])));
    } else if (kind === 1)
      probes.push(gqlPost('encoding', 'UTF-16LE with BOM as JSON', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])));
    else if (kind === 2)
      probes.push(gqlPost('encoding', 'UTF-16LE declared', Buffer.from(text, 'utf16le'), { 'content-type': 'application/json; charset=utf-16le' }));
    else if (kind === 3) probes.push(gqlPost('encoding', 'charset=gb18030', Buffer.from(text), { 'content-type': 'application/json; charset=gb18030' }));
    else if (kind === 4)
      probes.push(
        gqlPost('encoding', 'unknown charset', Buffer.from(text), {
          'content-type': `application/json; charset=${R.pick(['x-nonsense', 'utf-7', '"', 'ebcdic'])}`,
        }),
      );
    else if (kind === 5) probes.push(gqlPost('encoding', 'latin1 bytes', Buffer.from(text, 'latin1')));
    else probes.push(gqlGet('encoding', 'GET with broken percent-encoding', '{ __typename }', `&variables=${R.pick(['%', '%E4%B8', '%ff%fe', '%00', '%ZZ'])}`));
  }
  // Truncated JSON, and random JSON that is not a request.
  for (let i = 0; i < CHEAP; i++) {
    if (R.next() < 0.5) {
      const full = JSON.stringify({
        query: 'query ($c: [String!]) { regions(codes: $c) { totalCount } }',
        variables: { c: ['14', '1401'] },
        operationName: null,
      });
      const cut = R.int(0, full.length - 1);
      probes.push(gqlPost('truncated JSON', `cut at ${cut}`, full.slice(0, cut)));
    } else {
      const value = R.pick(randomJson);
      const body = R.next() < 0.5 ? JSON.stringify(value) : JSON.stringify({ query: value, variables: R.pick(randomJson), operationName: R.pick(randomJson) });
      probes.push(gqlPost('truncated JSON', `random JSON ${body.slice(0, 40)}`, body));
    }
  }
  // Wrong content types.
  for (let i = 0; i < CHEAP; i++) {
    const type = R.pick([
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      'multipart/form-data; boundary=x',
      'application/graphql',
      'application/xml',
      '',
      'application/json; charset=utf-8; charset=latin1',
      `application/${'x'.repeat(R.int(1, 8_000))}`,
      'application/graphql-response+json',
    ]);
    const body = R.pick(['{"query":"{ __typename }"}', 'query={__typename}', '--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{', '<q/>', '']);
    const headers: Record<string, string> = { 'content-type': type };
    if (type.startsWith('multipart') && R.next() < 0.5) headers['apollo-require-preflight'] = 'true';
    probes.push(gqlPost('content type', `${type.slice(0, 40) || '(none)'} + ${body.slice(0, 12)}`, body, headers));
  }
  // Long GET URLs: under and over Node's header limit (16 KiB by default, request line included).
  for (let i = 0; i < 80; i++) {
    const length = R.pick([2_000, 8_000, 15_000, 16_500, 32_000, 80_000, 300_000, 1_500_000]);
    const query = `{ __typename ${'a: __typename '.repeat(0)}}`;
    const pad = `#${'x'.repeat(length)}`;
    probes.push(gqlGet('long GET URL', `${length} chars`, R.next() < 0.5 ? `${query}${pad}` : nestedSelection(Math.floor(length / 12))));
  }
  // Batched arrays.
  for (let i = 0; i < CHEAP; i++) {
    const kind = R.int(0, 4);
    let body: string;
    if (kind === 0) body = '[]';
    else if (kind === 1) body = JSON.stringify(Array.from({ length: R.pick([11, 100, 5_000]) }, () => ({ query: '{ __typename }' })));
    else if (kind === 2) body = JSON.stringify(Array.from({ length: 10 }, () => R.pick(randomJson)));
    else if (kind === 3) body = JSON.stringify([[{ query: '{ __typename }' }], { query: nestedSelection(40) }]);
    else
      body = JSON.stringify(
        Array.from({ length: 10 }, () => ({ query: `{ ${Array.from({ length: 31 }, (_, k) => `a${k}: regions(first: 1) { totalCount }`).join(' ')} }` })),
      );
    probes.push(gqlPost('batched array', `kind ${kind}, ${body.length} bytes`, body));
  }
  return probes;
}

// ---------------------------------------------------------------- webhooks

const COURIERS = { native: 'zhongtong', epcis: 'jd', kuaidi100: 'yuantong', aftership: 'shunfeng' } as const;
type Format = keyof typeof COURIERS;
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
const kuaidiTime = (h: number) => new Date(Date.now() - h * 3_600_000 + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

/** A well-formed push of `format` whose tracking numbers carry `marker`, with `n` items. */
function validPush(format: Format, marker: string, n: number): unknown {
  const nu = (k: number) => `${marker}${k}`;
  if (format === 'native')
    return { events: Array.from({ length: n }, (_, k) => ({ trackingNumber: nu(k), status: 'PICKED_UP', occurredAt: hoursAgo(2), description: nasty() })) };
  if (format === 'epcis')
    return {
      type: 'EPCISDocument',
      epcisBody: {
        eventList: Array.from({ length: n }, (_, k) => ({
          type: 'ObjectEvent',
          eventTime: hoursAgo(2),
          eventTimeZoneOffset: '+08:00',
          action: 'OBSERVE',
          bizStep: 'shipping',
          epcList: [`urn:epc:id:sgtin:0614141.107346.${nu(k)}`],
        })),
      },
    };
  if (format === 'kuaidi100')
    return {
      status: 'polling',
      lastResult: {
        state: '0',
        com: 'yuantong',
        nu: nu(0),
        data: Array.from({ length: n }, (_, k) => ({ context: `在途 ${nasty()} ${k}`, ftime: kuaidiTime(2 + k / 100), status: '在途' })),
      },
    };
  return {
    ts: Math.floor(Date.now() / 1000),
    event: 'tracking_update',
    msg: {
      tracking_number: nu(0),
      slug: 'sf-express',
      checkpoints: Array.from({ length: n }, (_, k) => ({
        checkpoint_time: hoursAgo(2 + k / 100),
        message: nasty(),
        tag: 'InTransit',
        subtag: 'InTransit_002',
      })),
    },
  };
}

const withDeep = (json: string) => json.replace(`"${DEEP_PLACEHOLDER}"`, `${'['.repeat(5_000)}1${']'.repeat(5_000)}`);

/** Replaces the value at a random path of `value` with a hostile one (wrong type, NUL, huge array, deep nesting). */
function mutate(value: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, p: (string | number)[]) => {
    paths.push(p);
    if (Array.isArray(v)) v.slice(0, 3).forEach((x, i) => walk(x, [...p, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
  };
  walk(copy, []);
  const target = R.pick(paths.filter((p) => p.length > 0));
  const replacement = R.pick<() => unknown>([
    () => null,
    () => 2 ** 64,
    () => -0,
    () => 1e308,
    () => true,
    () => nasty(),
    () => 'a\u0000b',
    () => '\ud800',
    () => [],
    () => ({}),
    () => Array.from({ length: 5_000 }, () => 0),
    () => 'x'.repeat(20_000),
    () => DEEP_PLACEHOLDER,
    () => R.pick(randomJson),
  ])();
  let parent = copy as Record<string | number, unknown>;
  for (const key of target.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  parent[target.at(-1)!] = replacement;
  return copy;
}

/** A webhook probe with the courier's signature (or a wrong one). */
function webhookProbe(format: Format, label: string, body: Buffer, marker: string, signed: boolean, contentType = 'application/json'): Probe {
  const courier = COURIERS[format];
  const secret = signed ? TEST_SECRET : 'not-the-secret-0000';
  if (format === 'kuaidi100') {
    // The `param` form field is what is signed; the body is the form.
    const param = body.toString('utf8');
    const sign = createHash('md5')
      .update(param + secret)
      .digest('hex')
      .toUpperCase();
    // Now and then the raw bytes as the form, unsigned (a sender that forgot the form encoding and the sign).
    const unsignedForm = R.next() < 0.1;
    const form = unsignedForm ? Buffer.concat([Buffer.from('param='), body]) : Buffer.from(new URLSearchParams({ param, sign }).toString());
    return {
      category: 'webhook kuaidi100',
      label,
      method: 'POST',
      path: `/hooks/couriers/${courier}/kuaidi100`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
      marker,
      signed: signed && !unsignedForm,
    };
  }
  if (format === 'aftership') {
    return {
      category: 'webhook aftership',
      label,
      method: 'POST',
      path: `/hooks/couriers/${courier}/aftership`,
      headers: { 'content-type': contentType, 'aftership-hmac-sha256': createHmac('sha256', secret).update(body).digest('base64') },
      body,
      marker,
      signed,
    };
  }
  const ts = Math.floor(Date.now() / 1000) - (R.next() < 0.05 ? 3_600 : 0);
  const signature = createHmac('sha256', secret)
    .update(Buffer.concat([Buffer.from(`${ts}.`), body]))
    .digest('hex');
  return {
    category: `webhook ${format}`,
    label,
    method: 'POST',
    path: format === 'native' ? `/hooks/couriers/${courier}` : `/hooks/couriers/${courier}/epcis`,
    headers: { 'content-type': contentType, 'x-hub-timestamp': String(ts), 'x-hub-signature': `sha256=${signature}` },
    body,
    marker,
    signed,
  };
}

let markers = 0;
function webhookProbes(): Probe[] {
  const probes: Probe[] = [];
  const PER_FORMAT = 150;
  for (const format of Object.keys(COURIERS) as Format[]) {
    for (let i = 0; i < PER_FORMAT; i++) {
      const marker = `HX${String(++markers).padStart(5, '0')}N`;
      const kind = R.int(0, 7);
      const signed = kind === 7 ? false : R.next() < 0.9;
      let body: Buffer;
      let label: string;
      const valid = JSON.stringify(validPush(format, marker, R.int(1, 3)));
      if (kind === 0) {
        const cut = R.int(1, valid.length - 1);
        body = Buffer.from(valid.slice(0, cut));
        label = `truncated at ${cut}`;
      } else if (kind === 1) {
        body = Buffer.from(JSON.stringify({ ...(validPush(format, marker, 1) as object), padding: 'x'.repeat(WEBHOOK_LIMIT_BYTES + R.int(1, 50_000)) }));
        label = `oversized ${body.length} bytes`;
      } else if (kind === 2) {
        body = Buffer.from(withDeep(JSON.stringify(mutate(validPush(format, marker, R.int(1, 3))))));
        label = `wrong type somewhere (${body.length} bytes)`;
      } else if (kind === 3) {
        body = Buffer.from(valid.replace(/"([^"]*)"/g, (m, s: string) => (R.next() < 0.3 ? JSON.stringify(`${s}\u0000${nasty()}`) : m)));
        label = 'NUL bytes and nasty strings in values';
      } else if (kind === 4) {
        const n = R.pick([1_001, 3_000]);
        body = Buffer.from(JSON.stringify(validPush(format, marker, n)));
        label = `huge array: ${n} items (${body.length} bytes)`;
      } else if (kind === 5) {
        const utf8 = Buffer.from(valid);
        const at = R.int(0, utf8.length);
        body = Buffer.concat([utf8.subarray(0, at), Buffer.from([0xff, 0xc0, 0xaf]), utf8.subarray(at)]);
        label = `invalid UTF-8 at ${at}`;
      } else if (kind === 6) {
        body = Buffer.from(
          R.pick([JSON.stringify(R.pick(randomJson)), `${'['.repeat(100_000)}`, `{"events":${'['.repeat(20_000)}${']'.repeat(20_000)}}`, '', 'null']),
        );
        label = `not a push: ${body.subarray(0, 30).toString()}`;
      } else {
        body = Buffer.from(valid);
        label = 'bad signature';
      }
      const contentType = R.pick(['application/json', 'text/plain', 'application/octet-stream', 'application/json; charset=gb18030']);
      probes.push(webhookProbe(format, label, body, marker, signed, contentType));
    }
  }
  return probes;
}

// ---------------------------------------------------------------- spreadsheets

const IMPORT = `mutation ($file: Upload!) { importSpreadsheet(file: $file) { status error counts { read stored rejected } } }`;

function uploadProbe(label: string, bytes: Buffer, fileName: string, marker: string): Probe {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: IMPORT, variables: { file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([bytes]), fileName);
  return {
    category: 'spreadsheet',
    label,
    method: 'POST',
    path: '/graphql',
    headers: { authorization: `Bearer ${official}`, 'apollo-require-preflight': 'true' },
    body: form,
    marker,
  };
}

/** GB18030 bytes of the few words the CSVs use (hand-coded: the test does not depend on an encoder library). */
const GB18030: Record<string, number[]> = {
  品名: [0xc6, 0xb7, 0xc3, 0xfb],
  单位: [0xb5, 0xa5, 0xce, 0xbb],
  平均价: [0xc6, 0xbd, 0xbe, 0xf9, 0xbc, 0xdb],
  日期: [0xc8, 0xd5, 0xc6, 0xda],
  苹果: [0xc6, 0xbb, 0xb9, 0xfb],
  公斤: [0xb9, 0xab, 0xbd, 0xef],
  市场: [0xca, 0xd0, 0xb3, 0xa1],
};
function gb18030(text: string): Buffer {
  const parts: Buffer[] = [];
  let rest = text;
  while (rest.length) {
    const word = Object.keys(GB18030).find((w) => rest.startsWith(w));
    if (word) {
      parts.push(Buffer.from(GB18030[word]));
      rest = rest.slice(word.length);
    } else {
      parts.push(Buffer.from(rest[0], 'latin1'));
      rest = rest.slice(1);
    }
  }
  return Buffer.concat(parts);
}

async function spreadsheetProbes(): Promise<Probe[]> {
  const probes: Probe[] = [];
  const csv = (marker: string, rows: string[][]) => ['品名,单位,平均价,日期,市场', ...rows.map((r) => r.join(','))].join('\n') + '\n';
  const book = async (rows: unknown[][]) => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('价格');
    sheet.addRow(['品名', '单位', '平均价', '日期', '市场']);
    for (const row of rows) sheet.addRow(row);
    return Buffer.from(await workbook.xlsx.writeBuffer());
  };
  const good = await book([['苹果', '公斤', 6, '2024-11-05', 'xinfadi']]);
  // One real bomb (110 MiB of spaces in ~110 KB), built once; the others declare a size past the limit.
  const bomb = zipOf(Buffer.alloc(110 * 1024 * 1024, 32));
  for (let i = 0; i < 27; i++) {
    const marker = `HXS${String(i).padStart(3, '0')}`;
    const kind = i % 9;
    if (kind === 0) {
      const declared = R.pick([120, 1024, 4095]) * 1024 * 1024;
      probes.push(
        i === 0
          ? uploadProbe(`zip bomb: 110 MiB of spaces in ${bomb.length} bytes`, bomb, `${marker}.xlsx`, marker)
          : uploadProbe(`zip bomb: a part declaring ${declared >> 20} MiB`, zipOf(Buffer.alloc(64 * 1024, 32), declared), `${marker}.xlsx`, marker),
      );
    } else if (kind === 1) probes.push(uploadProbe('zip part lying about its size', zipOf(Buffer.alloc(4 * 1024 * 1024, 32), 100), `${marker}.xlsx`, marker));
    else if (kind === 2) {
      const cut = R.int(1, good.length - 1);
      probes.push(uploadProbe(`truncated XLSX at ${cut} of ${good.length}`, good.subarray(0, cut), `${marker}.xlsx`, marker));
    } else if (kind === 3) {
      const bytes = gb18030(csv(marker, [['苹果', '公斤', '6', '2024-11-05', `${marker}市场`]]));
      probes.push(uploadProbe('CSV in GB18030', bytes, `${marker}.csv`, marker));
    } else if (kind === 4) {
      const text = csv(marker, [[`苹果${marker}`, '公斤', '6', '2024-11-05', 'xinfadi']]);
      const le = R.next() < 0.5;
      const bytes = le ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]) : Buffer.from(text, 'utf16le').swap16();
      probes.push(uploadProbe(`CSV in UTF-16${le ? 'LE with BOM' : 'BE without BOM'}`, bytes, `${marker}.csv`, marker));
    } else if (kind === 5) {
      const formula = R.pick(['=cmd|"/c calc"!A1', '=HYPERLINK("http://evil.example","x")', '+1+1', '@SUM(A1)', '-2+3']);
      const bytes = await book([
        [formula, '公斤', 6, '2024-11-05', 'xinfadi'],
        [{ formula: 'A2&A2', result: formula }, '公斤', 6, '2024-11-05', 'xinfadi'],
      ]);
      probes.push(uploadProbe(`formula cells ${formula}`, bytes, `${marker}.xlsx`, marker));
    } else if (kind === 6) {
      const huge = 'x'.repeat(R.pick([40_000, 100_000]));
      const bytes = R.next() < 0.5 ? await book([[huge, '公斤', 6, '2024-11-05', huge]]) : Buffer.from(csv(marker, [[huge, '公斤', '6', '2024-11-05', huge]]));
      probes.push(uploadProbe(`huge cells (${huge.length} chars)`, bytes, `${marker}.${bytes[0] === 0x50 ? 'xlsx' : 'csv'}`, marker));
    } else if (kind === 7) {
      const bytes = Buffer.from(csv(marker, [[`苹果\u0000${nasty()}`, '公斤', '6', '2024-11-05', 'xinfadi']]));
      probes.push(uploadProbe('CSV with NUL and nasty strings', bytes, `${marker}.csv`, marker));
    } else {
      const bytes = Buffer.alloc(UPLOAD_LIMIT_BYTES + 1024, 0x41);
      probes.push(uploadProbe('over the upload limit', bytes, `${marker}.csv`, marker));
    }
  }
  return probes;
}

// ---------------------------------------------------------------- the tests

describe('hostile input against a running hub', () => {
  it('answers every generated hostile GraphQL body without a 5xx, a reset or a hang, storing nothing', async () => {
    const before = await factCounts();
    const probes = graphqlProbes();
    expect(probes.length).toBeGreaterThanOrEqual(900);
    const answers = await sendAll(probes);
    if (process.env.HOSTILE_SUMMARY) console.log(summary(answers));
    expectAnsweredWithout5xx(answers);
    // Over Node's header limit the request is answered by Node itself, with its documented 431.
    for (const a of answers.filter((x) => x.probe.category === 'long GET URL' && x.probe.path.length > 16 * 1024)) expect([414, 431]).toContain(a.status);
    await expectAlive();
    expect(await factCounts()).toEqual(before);
    expect(Number((await t.sql(`select count(*)::int as n from rejected_record where connector = 'hostile-prices'`))[0].n)).toBe(0);
  });

  it('answers every hostile courier push in each format without a 5xx, storing nothing of a push refused whole and keeping readable refusals for replay', async () => {
    const probes = webhookProbes();
    const answers = await sendAll(probes);
    if (process.env.HOSTILE_SUMMARY) console.log(summary(answers));
    expectAnsweredWithout5xx(answers);
    await expectAlive();
    const problems: string[] = [];
    for (const a of answers) {
      const marker = a.probe.marker!;
      const [stored] = await t.sql(`select count(*)::int as n from shipment where tracking_number like $1`, [`%${marker}%`]);
      const kept = await t.sql(`select id::text, raw::text as raw from rejected_record where raw::text like $1`, [`%${marker}%`]);
      if (a.status! >= 400) {
        // Refused whole: no parcel, no event; only an unreadable body with a good signature is kept (once), for inspection.
        if (stored.n !== 0) problems.push(`${describeProbe(a)} → stored ${stored.n} parcels`);
        const mayKeep = a.status === 400 && a.probe.signed;
        if (!mayKeep && kept.length) problems.push(`${describeProbe(a)} → kept ${kept.length} rejected records`);
        if (a.status === 401 && a.probe.signed && !/stale|REPLAYED|timestamp/i.test(String(a.text)))
          problems.push(`${describeProbe(a)} → 401 with a good signature`);
      } else {
        // Accepted: every refused item has its kept record; nothing beyond what was reported.
        const body = JSON.parse(a.text!) as { accepted?: number; rejected?: { rejectedRecordId?: string }[]; result?: boolean };
        if (body.rejected) {
          const ids = body.rejected.map((r) => r.rejectedRecordId).filter(Boolean) as string[];
          if (ids.length !== body.rejected.length) problems.push(`${describeProbe(a)} → a refused item without a kept record`);
          if (ids.length) {
            const found = await t.sql(`select count(*)::int as n from rejected_record where id = any($1::bigint[])`, [ids]);
            if (found[0].n !== new Set(ids).size) problems.push(`${describeProbe(a)} → reported kept records missing`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('answers every hostile spreadsheet without a 5xx, storing nothing from a file it cannot read', async () => {
    const before = await factCounts();
    const probes = await spreadsheetProbes();
    const answers = await sendAll(probes);
    if (process.env.HOSTILE_SUMMARY) console.log(summary(answers));
    expectAnsweredWithout5xx(answers);
    await expectAlive();
    const problems: string[] = [];
    for (const a of answers) {
      const body = JSON.parse(a.text!) as { data?: { importSpreadsheet?: { status: string } }; errors?: { extensions?: { code?: string } }[] };
      const code = body.errors?.[0]?.extensions?.code;
      const marker = a.probe.marker!;
      const stored = await t.sql(`select raw_name from price_observation where raw_name like $1`, [`%${marker}%`]);
      const kept = await t.sql(`select raw::text as raw from rejected_record where raw::text like $1`, [`%${marker}%`]);
      if (/zip bomb|lying|truncated XLSX/.test(a.probe.label)) {
        // Refused before a row is read.
        if (a.status !== 400 || code !== 'UNREADABLE_FILE') problems.push(`${describeProbe(a)} → expected 400 UNREADABLE_FILE`);
      } else if (/upload limit/.test(a.probe.label)) {
        if (a.status !== 413) problems.push(`${describeProbe(a)} → expected 413`);
      } else if (/GB18030|UTF-16/.test(a.probe.label)) {
        // Decoded: whatever was stored or kept is Chinese text, never mojibake.
        if (body.errors) problems.push(`${describeProbe(a)} → refused a decodable file`);
        const texts = [...stored.map((r) => String(r.raw_name)), ...kept.map((r) => String(r.raw))];
        if (!texts.length || texts.some((x) => x.includes('\ufffd') || !/苹果|市场/.test(x)))
          problems.push(`${describeProbe(a)} → mojibake: ${texts.join(' | ').slice(0, 200)}`);
      }
      if (a.status! >= 400 && (stored.length || kept.length))
        problems.push(`${describeProbe(a)} → refused, yet stored ${stored.length} and kept ${kept.length}`);
    }
    expect(problems).toEqual([]);
    const after = await factCounts();
    // Only readable sheets may add prices; nothing else changed.
    expect({ ...after, price_observation: 0 }).toEqual({ ...before, price_observation: 0 });
  });
});
