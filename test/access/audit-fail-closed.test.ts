import { startTestHub, type TestHub } from '../support/test-hub.js';

/**
 * Issue #11: a caller cannot keep its own request out of the audit trail.
 * Inputs are normalised and cut to the columns before the insert (a long
 * operation name, `\u0000` or a lone surrogate in the variables used to make
 * the insert fail, which was only logged, and the abnormal-access check was
 * skipped with it); when the audit store is down, mutations do not run and
 * personal data is not sent.
 */
let t: TestHub;
let official: string;
const LONG_NAME = `Q${'x'.repeat(400)}`;

beforeAll(async () => {
  t = await startTestHub({ DEMO_MODE: 'false', AUDIT_PERSONAL_READS_PER_HOUR: '3' });
  await t.sql(
    `insert into shipment (source_connector, source_key, courier_id, tracking_number, recipient_name, recipient_phone)
     select 'afc', 'AFC' || g, (select id from courier where code = 'zhongtong'), 'AFC' || g, '赵六', '13500005555' from generate_series(1, 4) g`,
  );
  official = await t.createKey({ role: 'OFFICIAL', organisation: 'long-names' });
});
afterAll(() => t.close());

/** Makes every insert into audit_entry fail, as a full disk or a lost table would, until `restore()`. */
async function auditStoreDown(): Promise<{ restore: () => Promise<void> }> {
  await t.sql(`create or replace function test_audit_down() returns trigger language plpgsql as $$ begin raise exception 'audit store down'; end $$`);
  await t.sql(`create trigger test_audit_down before insert on audit_entry for each row execute function test_audit_down()`);
  return { restore: async () => void (await t.sql(`drop trigger test_audit_down on audit_entry`)) };
}

describe('inputs are normalised before the audit insert', () => {
  it('keeps an operation name longer than the column, cut to it', async () => {
    const res = await t.as(official).gql(`query ${LONG_NAME} { shipments(first: 1) { nodes { recipientPhone } } }`);
    expect(res.errors).toBeUndefined();
    const rows = await t.sql(`select operation_name from audit_entry where organisation = 'long-names' and operation_name like 'Qxxx%'`);
    expect(rows).toHaveLength(1);
    expect(rows[0].operation_name.length).toBeLessThanOrEqual(200);
  });

  it('keeps variables holding \\u0000, lone surrogates and control characters, cleaned', async () => {
    const res = await t.gql(`mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { keyId } } }`, {
      input: { organisation: 'nul-org', role: 'OFFICIAL', label: 'a\u0000b\ud800c\u0007d' },
    });
    // PostgreSQL cannot store NUL: the label is refused as bad input (never a 500), and both audit rows are written.
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const rows = await t.sql(
      `select variables, outcome from audit_entry where operation_type = 'mutation' and variables->'input'->>'organisation' = 'nul-org' order by id`,
    );
    // (A refused mutation's STARTED row races with its outcome row: the refusal does not wait for it.)
    expect(rows.map((r) => r.outcome).sort()).toEqual(['BAD_USER_INPUT', 'STARTED']);
    for (const row of rows) expect(row.variables.input.label).toBe('ab\ufffdcd');
  });

  it('raises ABNORMAL_ACCESS even when the operation name is over-long (the check used to be skipped with the failed insert)', async () => {
    for (let i = 0; i < 2; i++) await t.as(official).gql(`query ${LONG_NAME}${i} { shipments(first: 4) { nodes { recipientName } } }`);
    const alerts = await t.sql(`select details from alert where kind = 'ABNORMAL_ACCESS' and details->>'organisation' = 'long-names'`);
    expect(alerts).toHaveLength(1);
  });
});

describe('when the audit store is down the operation fails', () => {
  it('does not run a mutation (503 AUDIT_UNAVAILABLE, nothing written)', async () => {
    const down = await auditStoreDown();
    try {
      const res = await t.post({ query: `mutation { createApiKey(input: { organisation: "unaudited-org", role: OFFICIAL }) { key } }` });
      expect(res.status).toBe(503);
      const body = (await res.json()) as any;
      expect(body.data?.createApiKey ?? null).toBeNull();
      expect(body.errors[0].extensions).toMatchObject({ code: 'AUDIT_UNAVAILABLE', retryable: true });
      expect(await t.sql(`select 1 from organisation where name = 'unaudited-org'`)).toHaveLength(0);
    } finally {
      await down.restore();
    }
  });

  it('does not send personal data, unmasked or masked, whose read could not be recorded', async () => {
    const down = await auditStoreDown();
    try {
      const unmasked = await t.post({ query: `{ shipments(first: 2) { nodes { recipientPhone } } }` }, { 'x-unmask-reason': 'ticket 9' });
      expect(unmasked.status).toBe(503);
      const body = (await unmasked.json()) as any;
      expect(body.data ?? null).toBeNull();
      expect(JSON.stringify(body)).not.toContain('13500005555');
      expect(body.errors[0].extensions.code).toBe('AUDIT_UNAVAILABLE');
      const masked = (await t.as(official).gql(`{ shipments(first: 2) { nodes { recipientPhone } } }`)) as any;
      expect(masked.data ?? null).toBeNull();
      expect(masked.errors[0].extensions.code).toBe('AUDIT_UNAVAILABLE');
      // Public data needs no audit row and is still served.
      expect((await t.gql(`{ couriers { code } }`)).data.couriers.length).toBeGreaterThan(0);
    } finally {
      await down.restore();
    }
  });

  it('over graphql-ws too: a mutation does not run and a personal read sends no data', async () => {
    const client = t.ws();
    const run = (query: string) =>
      new Promise<any>((resolve) => {
        let result: any;
        client.subscribe({ query }, { next: (v) => (result = v), error: (e) => resolve({ errors: e }), complete: () => resolve(result) });
      });
    const down = await auditStoreDown();
    try {
      const mutation = await run(`mutation { createApiKey(input: { organisation: "ws-unaudited", role: OFFICIAL }) { key } }`);
      expect(JSON.stringify(mutation)).toContain('AUDIT_UNAVAILABLE');
      expect(await t.sql(`select 1 from organisation where name = 'ws-unaudited'`)).toHaveLength(0);
      const read = await run(`{ shipments(first: 2) { nodes { recipientPhone } } }`);
      expect(JSON.stringify(read)).toContain('AUDIT_UNAVAILABLE');
      expect(JSON.stringify(read)).not.toMatch(/135\*\*\*\*5555|13500005555/);
    } finally {
      await down.restore();
    }
  });
});
