import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { loadConfig } from '../../src/platform/config.js';
import { startHub } from '../../src/app.js';
import { createLogger } from '../../src/platform/logger.js';
import { createTestDatabase, dropTestDatabase } from '../support/test-hub.js';
import { withDatabase } from '../support/database-url.js';

/** An HTTPS request trusting only `ca`; resolves with status, headers and body. */
function httpsRequest(
  url: string,
  ca: Buffer,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers, ca }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Issue #6: query limits answer with their own codes, bad-key bursts are rate
 * limited, keys are managed and rotate, JWTs map to roles, everything that
 * must be audited is, the audit trail refuses edits and prunes by age only,
 * and HTTPS is served when a certificate is configured.
 */
const JWT_SECRET = 'a-test-secret-of-at-least-thirty-two-characters';
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ DEMO_MODE: 'false', JWT_SECRET, AUDIT_PERSONAL_READS_PER_HOUR: '3', QUERY_MAX_DEPTH: '8' });
  await t.sql(
    `insert into shipment (source_connector, source_key, courier_id, tracking_number, recipient_name, recipient_phone)
     select 'lim', 'L' || g, (select id from courier where code = 'zhongtong'), 'L' || g, '王五', '13600003333' from generate_series(1, 4) g`,
  );
});
afterAll(() => t.close());

describe('query limits', () => {
  it('refuses a deep query with QUERY_TOO_DEEP before running it', async () => {
    const deep = `{ regions(first: 1) { nodes { parent { parent { parent { parent { parent { parent { parent { name } } } } } } } } } }`;
    const res = await t.gql(deep);
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', limit: 8 });
  });

  it('refuses a query whose nested connections multiply beyond the cost limit, naming cost and limit', async () => {
    const res = await t.gql(`{ markets(first: 500) { nodes { prices(first: 500) { nodes { avgPrice product { name } } } } } }`);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 50000 });
    expect(res.errors?.[0].extensions?.actual).toBeGreaterThan(250000);
    expect(res.errors?.[0].message).toMatch(/first/);
  });

  it('refuses too many aliases, too many tokens, `first` over 500 and oversized batches with their own codes', async () => {
    const aliases = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: couriers { code }`).join(' ')} }`;
    expect((await t.gql(aliases)).errors?.[0].extensions?.code).toBe('TOO_MANY_ALIASES');
    const tokens = `{ couriers { ${Array.from({ length: 6000 }, () => 'code').join(' ')} } }`;
    expect((await t.gql(tokens)).errors?.[0].extensions?.code).toBe('TOO_MANY_TOKENS');
    expect((await t.gql(`{ regions(first: 501) { totalCount } }`)).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'first' });
    const batch = await t.post(Array.from({ length: 11 }, () => ({ query: '{ couriers { code } }' })));
    expect(batch.status).toBe(400);
    expect(((await batch.json()) as any).errors[0].extensions).toMatchObject({ code: 'BATCH_TOO_LARGE', limit: 10 });
    const small = await t.post([{ query: '{ couriers { code } }' }, { query: '{ viewer { role } }' }]);
    expect(((await small.json()) as any[]).map((r) => Object.keys(r.data)[0])).toEqual(['couriers', 'viewer']);
  });

  it('counts aliases of __typename towards the alias limit (an alias flood of `a1: __typename …` was let through)', async () => {
    const flood = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const res = await t.gql(flood);
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'TOO_MANY_ALIASES', limit: 30 });
    // Within the limit they are still answered.
    expect((await t.gql(`{ a: __typename b: __typename }`)).data).toEqual({ a: 'Query', b: 'Query' });
  });

  it('applies the cost limit to a batch as a whole: the sum of its operations, not each alone', async () => {
    // 1 + 500 × (1 + (1 + 40 × (1 + 1))) = 41,001: under the limit of 50,000 alone, over it twice.
    const costly = '{ markets(first: 500) { nodes { prices(first: 40) { nodes { avgPrice } } } } }';
    const alone = await t.gql(costly);
    expect(alone.errors).toBeUndefined();
    const batch = await t.post([{ query: costly }, { query: costly }]);
    expect(batch.status).toBe(400);
    const body = (await batch.json()) as any;
    expect(body.data).toBeUndefined();
    expect(body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 50000, actual: 82002 });
    expect(body.errors[0].message).toMatch(/QUERY_MAX_COST/);
    expect(body.errors[0].message).toMatch(/batch/i);
    // A batch whose sum stays within the limit runs as before.
    const fits = await t.post([{ query: costly }, { query: '{ couriers { code } }' }]);
    expect(fits.status).toBe(200);
    expect(((await fits.json()) as any[]).map((r) => Object.keys(r.data)[0])).toEqual(['markets', 'couriers']);
  });

  it('never leaks a stack trace', async () => {
    const res = await t.gql(`{ regions(first: 1, after: "not-a-cursor") { totalCount } }`);
    expect(JSON.stringify(res)).not.toMatch(/at \w+ \(|node_modules|\.ts:\d+/);
  });
});

describe('authentication and rate limits', () => {
  it('answers 401 with WWW-Authenticate without a key outside demo mode, but keeps health and GraphiQL open', async () => {
    const res = await t.as(null).post({ query: '{ couriers { code } }' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${t.url}/graphiql`)).status).toBe(200);
  });

  it('locks out a key that keeps failing from one address (429 + Retry-After), but not the valid keys behind the same address (issue #11)', async () => {
    // Its own hub: lockouts last five minutes.
    const b = await startTestHub({ DEMO_MODE: 'false', RATE_LIMIT_AUTH_FAILURES: '5' });
    const bad = `hh_${'0'.repeat(12)}_${'x'.repeat(43)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await b.as(bad).post({ query: '{ couriers { code } }' });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(((await res.json()) as any).errors[0].extensions.code).toBe('RATE_LIMITED');
      }
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    // One client behind a NAT sent the bad key: its neighbours' valid keys still work (they used to get 429 too).
    expect((await b.post({ query: '{ couriers { code } }' })).status).toBe(200);
    const neighbour = await b.createKey({ role: 'OFFICIAL', organisation: 'behind-the-same-nat' });
    expect((await b.as(neighbour).post({ query: '{ couriers { code } }' })).status).toBe(200);
    // Another bad key from the same address is judged on its own.
    expect((await b.as(`hh_${'1'.repeat(12)}_${'x'.repeat(43)}`).post({ query: '{ couriers { code } }' })).status).toBe(401);
    await b.close();
  });

  it('throttles a spray of random bad keys from one address with the anonymous budget', async () => {
    const b = await startTestHub({ DEMO_MODE: 'false', RATE_LIMIT_PER_SECOND: '3', RATE_LIMIT_BURST: '0' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await b.as(`hh_${String(i).repeat(12)}_${'y'.repeat(43)}`).post({ query: '{ couriers { code } }' })).status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(3);
    expect(statuses).toContain(429);
    await b.close();
  });
});

describe('keys and tokens', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({ DEMO_MODE: 'false', JWT_SECRET, RATE_LIMIT_PER_SECOND: '5', RATE_LIMIT_BURST: '0' });
  });
  afterAll(() => hub.close());

  it('creates a key shown once, rotates it (old refused at once) and revokes it', async () => {
    const created = await hub.gql(
      `mutation { createApiKey(input: { organisation: "zto-ops", role: COURIER, courier: "zhongtong", expiresInDays: 30 }) { key apiKey { keyId role scopes expiresAt organisation { name kind courier { code } } } } }`,
    );
    expect(created.errors).toBeUndefined();
    const { key, apiKey } = created.data.createApiKey;
    expect(key).toMatch(/^hh_[0-9a-f]{12}_/);
    expect(apiKey).toMatchObject({
      role: 'COURIER',
      scopes: ['READ', 'WRITE'],
      organisation: { name: 'zto-ops', kind: 'COURIER', courier: { code: 'zhongtong' } },
    });
    const [stored] = await hub.sql(`select secret_hash from api_key where key_id = $1`, [apiKey.keyId]);
    expect(stored.secret_hash).not.toContain(key.split('_')[2]);
    expect((await hub.as(key).gql(`{ viewer { role actor organisation } }`)).data.viewer).toEqual({
      role: 'COURIER',
      actor: apiKey.keyId,
      organisation: 'zto-ops',
    });

    const rotated = (await hub.gql(`mutation { rotateApiKey(keyId: "${apiKey.keyId}") { key apiKey { keyId rotatedFrom } } }`)).data.rotateApiKey;
    expect(rotated.apiKey.rotatedFrom).toBe(apiKey.keyId);
    expect((await hub.as(key).post({ query: '{ viewer { role } }' })).status).toBe(401);
    expect((await hub.as(rotated.key).gql(`{ viewer { role } }`)).data.viewer.role).toBe('COURIER');

    await hub.gql(`mutation { revokeApiKey(keyId: "${rotated.apiKey.keyId}") { revokedAt } }`);
    const revoked = await hub.as(rotated.key).post({ query: '{ viewer { role } }' });
    expect(revoked.status).toBe(401);
    expect(((await revoked.json()) as any).errors[0].message).toMatch(/revoked/);
  });

  it('refuses an expired key and a COURIER key without its courier', async () => {
    const expired = await hub.createKey({ role: 'OFFICIAL', expiresAt: new Date(Date.now() - 1000) });
    expect(((await (await hub.as(expired).post({ query: '{ viewer { role } }' })).json()) as any).errors[0].message).toMatch(/expired/);
    const bad = await hub.gql(`mutation { createApiKey(input: { organisation: "nobody", role: COURIER }) { key } }`);
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'courier' });
  });

  it('maps an HS256 JWT to its role and courier; refuses a wrong signature and an expired token', async () => {
    const secret = new TextEncoder().encode(JWT_SECRET);
    const token = await new SignJWT({ role: 'COURIER', courier: 'yunda' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('dispatcher-7')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(secret);
    expect((await hub.as(token).gql(`{ viewer { role actor credential } }`)).data.viewer).toEqual({
      role: 'COURIER',
      actor: 'jwt:dispatcher-7',
      credential: 'jwt',
    });
    const forged = await new SignJWT({ role: 'ADMIN' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('x'.repeat(40)));
    expect((await hub.as(forged).post({ query: '{ viewer { role } }' })).status).toBe(401);
    const old = await new SignJWT({ role: 'OFFICIAL' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(secret);
    expect(((await (await hub.as(old).post({ query: '{ viewer { role } }' })).json()) as any).errors[0].message).toMatch(/expired/);
    // Issue #11: a token without `exp` would be valid forever; it is refused. (Failed logins spend the
    // address's budget of this hub, 5 a second: let it refill first.)
    await new Promise((r) => setTimeout(r, 1100));
    const forever = await new SignJWT({ role: 'OFFICIAL' }).setProtectedHeader({ alg: 'HS256' }).setSubject('no-exp').sign(secret);
    const res = await hub.as(forever).post({ query: '{ viewer { role } }' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).errors[0].message).toMatch(/"exp"/);
  });

  it('spends a per-key budget: past it, 429 with Retry-After; another key is unaffected', async () => {
    const key = await hub.createKey({ role: 'OFFICIAL', organisation: 'busy' });
    const statuses = await Promise.all(
      Array.from({ length: 8 }, () =>
        hub
          .as(key)
          .post({ query: '{ viewer { role } }' })
          .then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    const other = await hub.createKey({ role: 'OFFICIAL', organisation: 'calm' });
    expect((await hub.as(other).post({ query: '{ viewer { role } }' })).status).toBe(200);
  });
});

describe('the audit trail', () => {
  it('records mutations and reads of personal data, with secrets redacted, the reason of an unmasking, and the rows returned', async () => {
    await t.gql(`mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }`, {
      input: { organisation: 'audited', role: 'OFFICIAL', label: 'hh_000000000000_' + 'y'.repeat(43) },
    });
    await t.gql(`{ shipments(first: 2) { nodes { trackingNumber recipientPhone } } }`, {}, { 'x-unmask-reason': 'ticket 881' });
    await t.gql(`{ couriers { code } }`);
    const rows = await t.sql(
      `select operation_type, variables, classified_fields, rows_returned, personal_records, unmask_reason, role, outcome from audit_entry order by id`,
    );
    const mutation = rows.find((r) => r.operation_type === 'mutation');
    expect(mutation.variables.input).toMatchObject({ organisation: 'audited', label: '[redacted]' });
    const read = rows.find((r) => r.classified_fields.includes('Shipment.recipientPhone:PERSONAL'));
    expect(read).toMatchObject({ rows_returned: 2, personal_records: 2, unmask_reason: 'ticket 881', role: 'ADMIN', outcome: 'OK' });
    // A read of public data only is not audited.
    expect(rows.filter((r) => r.operation_type === 'query' && r.classified_fields.length === 0 && r.personal_records === 0)).toHaveLength(0);
    const log = await t.gql(`{ auditLog(first: 10, personalOnly: true) { totalCount nodes { actor operationType classifiedFields unmaskReason } } }`);
    expect(log.data.auditLog.nodes[0]).toMatchObject({ operationType: 'query', unmaskReason: 'ticket 881' });
  });

  it('raises one ABNORMAL_ACCESS alert when a key reads more personal records in an hour than allowed', async () => {
    const official = await t.createKey({ role: 'OFFICIAL', organisation: 'curious' });
    for (let i = 0; i < 3; i++) await t.as(official).gql(`{ shipments(first: 4) { nodes { recipientName } } }`);
    const alerts = await t.sql(`select kind, severity, details from alert where kind = 'ABNORMAL_ACCESS'`);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'CRITICAL', details: { threshold: 3, role: 'OFFICIAL', organisation: 'curious' } });
  });

  it('refuses UPDATE, DELETE and TRUNCATE; pruning removes only rows past the retention period', async () => {
    await expect(t.sql(`update audit_entry set actor = 'someone else'`)).rejects.toThrow(/append-only/);
    await expect(t.sql(`delete from audit_entry`)).rejects.toThrow(/append-only/);
    await expect(t.sql(`truncate audit_entry`)).rejects.toThrow(/append-only/);
    // Retention drops whole months (issue #13): an old month's partition, and an old row in the default partition.
    const { maintainPartitions, ensureMonths } = await import('../../src/platform/partitions.js');
    const pool = (await t.hub.db.orm.em.getConnection().getNativeClient()) as any;
    const longAgo = new Date(Date.now() - 500 * 86_400_000);
    await ensureMonths(pool, 'audit_entry', [longAgo.toISOString().slice(0, 7)]);
    await t.sql(
      `insert into audit_entry (at, actor, credential, transport, operation_type, operation_hash, outcome) values ($1, 'old', 'api_key', 'http', 'query', 'h', 'OK')`,
      [longAgo],
    );
    await t.sql(
      `insert into audit_entry (at, actor, credential, transport, operation_type, operation_hash, outcome) values ('2001-01-01', 'older', 'api_key', 'http', 'query', 'h', 'OK')`,
    );
    const before = (await t.sql(`select count(*)::int as n from audit_entry`))[0].n;
    const report = await maintainPartitions(pool, [{ table: 'audit_entry', retentionDays: 400, deleteFlag: `set local harvest.audit_prune = 'on'` }]);
    expect(report.dropped).toContain(`audit_entry_${longAgo.toISOString().slice(0, 7).replace('-', '')}`);
    expect(report.deletedRows).toBe(1);
    // Months within retention are kept whole, and the coming months exist.
    expect(
      report.dropped.every((name: string) => name < `audit_entry_${new Date(Date.now() - 400 * 86_400_000).toISOString().slice(0, 7).replace('-', '')}`),
    ).toBe(true);
    const months = (await t.sql(`select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'audit_entry'::regclass`)).map(
      (r: any) => r.relname,
    );
    expect(months).toContain(`audit_entry_${new Date().toISOString().slice(0, 7).replace('-', '')}`);
    expect((await t.sql(`select count(*)::int as n from audit_entry`))[0].n).toBe(before - 2);
    expect(await t.sql(`select 1 from audit_entry where actor in ('old', 'older')`)).toHaveLength(0);
  });
});

describe('transport security', () => {
  it('serves HTTPS directly when TLS_CERT_FILE and TLS_KEY_FILE are set, and answers CORS preflights for allowed origins', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const database = await createTestDatabase();
    const hub = await startHub(
      loadConfig({
        DATABASE_URL: withDatabase(process.env.TEST_ADMIN_URL!, database),
        PORT: '0',
        HOST: '127.0.0.1',
        SEED_DEMO: 'false',
        NODE_ENV: 'test',
        TLS_CERT_FILE: cert,
        TLS_KEY_FILE: key,
        CORS_ORIGINS: 'https://dashboard.example',
        DEMO_MODE: 'true',
      }),
      createLogger('silent'),
    );
    try {
      expect(hub.url).toMatch(/^https:/);
      const ca = fs.readFileSync(cert);
      const res = await httpsRequest(
        `${hub.url}/graphql`,
        ca,
        'POST',
        { 'content-type': 'application/json' },
        JSON.stringify({ query: '{ viewer { role credential } }' }),
      );
      expect(JSON.parse(res.body).data.viewer).toEqual({ role: null, credential: 'anonymous' });
      const preflight = await httpsRequest(`${hub.url}/graphql`, ca, 'OPTIONS', {
        origin: 'https://dashboard.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      });
      expect(preflight.headers['access-control-allow-origin']).toBe('https://dashboard.example');
      expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/authorization/);
      // A plain-HTTP client gets nothing from the TLS port.
      await expect(fetch(hub.url.replace('https', 'http') + '/healthz')).rejects.toThrow();
    } finally {
      await hub.close();
      await dropTestDatabase(database);
    }
  });
});
