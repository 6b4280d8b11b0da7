import pg from 'pg';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { AuditWriter, type AuditRow } from '../../src/access/audit-writer.js';

/**
 * Issue #10 with issue #11's rule kept: the audit rows of concurrent operations
 * are written together (one multi-row INSERT per batch, src/access/audit-writer.ts),
 * and the abnormal-access check is answered by the same statement. Every
 * operation still gets its own row, still fails when its row cannot be
 * written, and one operation's failed row fails no other operation.
 */
let t: TestHub;
let official: string;
let courier: string;
const CONCURRENT = 40;

beforeAll(async () => {
  t = await startTestHub({ DEMO_MODE: 'false', AUDIT_PERSONAL_READS_PER_HOUR: '25', RATE_LIMIT_PER_SECOND: '1000', RATE_LIMIT_BURST: '1000' });
  await t.sql(
    `insert into shipment (source_connector, source_key, courier_id, tracking_number, recipient_name, recipient_phone)
     select 'agc', 'AGC' || g, (select id from courier where code = 'zhongtong'), 'AGC' || g, '钱七', '13600006666' from generate_series(1, 2) g`,
  );
  official = await t.createKey({ role: 'OFFICIAL', organisation: 'group-commit' });
  courier = await t.createKey({ role: 'COURIER', courier: 'zhongtong', organisation: 'group-commit-courier' });
});
afterAll(() => t.close());

/** Makes the insert of audit rows of one organisation fail (and only those), until `restore()`. */
async function auditFailsFor(organisation: string): Promise<{ restore: () => Promise<void> }> {
  await t.sql(
    `create or replace function test_audit_refuse() returns trigger language plpgsql as $$
     begin if new.organisation = '${organisation}' then raise exception 'audit store refuses'; end if; return new; end $$`,
  );
  await t.sql(`create trigger test_audit_refuse before insert on audit_entry for each row execute function test_audit_refuse()`);
  return { restore: async () => void (await t.sql(`drop trigger test_audit_refuse on audit_entry`)) };
}

it('writes one row per operation when many personal reads run at once, each with its own counts', async () => {
  const results = await Promise.all(
    Array.from({ length: CONCURRENT }, (_, i) => t.as(official).gql(`query GroupCommit${i} { shipments(first: 2) { nodes { recipientPhone } } }`)),
  );
  for (const res of results) {
    expect(res.errors).toBeUndefined();
    expect(res.data.shipments.nodes).toHaveLength(2);
  }
  const rows = await t.sql(
    `select operation_name, personal_records, outcome from audit_entry where organisation = 'group-commit' and operation_name like 'GroupCommit%'`,
  );
  expect(rows.map((r) => r.operation_name).sort()).toEqual(Array.from({ length: CONCURRENT }, (_, i) => `GroupCommit${i}`).sort());
  for (const row of rows) expect(row).toMatchObject({ personal_records: 2, outcome: 'OK' });
});

it('raises ABNORMAL_ACCESS once when concurrent reads cross the hourly threshold (the check is in the same statement)', async () => {
  // The previous test read 80 personal records over the threshold of 25.
  const alerts = await t.sql(`select details from alert where kind = 'ABNORMAL_ACCESS' and details->>'organisation' = 'group-commit'`);
  expect(alerts).toHaveLength(1);
  expect(alerts[0].details.personalRecords).toBeGreaterThan(25);
  const [{ counted }] = await t.sql(
    `select sum(records)::int as counted from audit_personal_minute where actor = (select actor from audit_entry where organisation = 'group-commit' limit 1)`,
  );
  expect(counted).toBe(2 * CONCURRENT);
});

it('fails the operations whose rows cannot be written, and only those, when they share a batch with others', async () => {
  const refused = await auditFailsFor('group-commit');
  try {
    const calls = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? t.as(official).post({ query: `query Refused${i} { shipments(first: 2) { nodes { recipientPhone } } }` })
        : t.as(courier).post({ query: `query Kept${i} { shipments(first: 2) { nodes { recipientPhone events { rawText } } } }` }),
    );
    const responses = await Promise.all(calls);
    for (const [i, res] of responses.entries()) {
      const body = (await res.json()) as any;
      if (i % 2 === 0) {
        expect(res.status).toBe(503);
        expect(body.data ?? null).toBeNull();
        expect(body.errors[0].extensions).toMatchObject({ code: 'AUDIT_UNAVAILABLE', retryable: true });
        expect(JSON.stringify(body)).not.toMatch(/136\*\*\*\*6666|13600006666/);
      } else {
        expect(res.status).toBe(200);
        expect(body.errors).toBeUndefined();
        expect(body.data.shipments.nodes.length).toBeGreaterThan(0);
      }
    }
  } finally {
    await refused.restore();
  }
  expect(await t.sql(`select 1 from audit_entry where operation_name like 'Refused%'`)).toHaveLength(0);
  const kept = await t.sql(`select operation_name from audit_entry where organisation = 'group-commit-courier' and operation_name like 'Kept%'`);
  expect(kept).toHaveLength(10);
});

it('writes the rows handed in while a batch is being written as one statement, in one transaction', async () => {
  const pool = new pg.Pool({ connectionString: t.databaseUrl, max: 2 });
  pool.on('error', () => undefined);
  try {
    const writer = new AuditWriter(
      async () => pool,
      () => undefined,
    );
    const row = (i: number): AuditRow => ({
      actor: 'batch-actor',
      credential: 'api_key',
      role: 'OFFICIAL',
      organisation: 'batch-org',
      ip: '127.0.0.1',
      transport: 'http',
      operationType: 'query',
      operationName: `Batched${i}`,
      operationHash: '0'.repeat(64),
      variables: '{}',
      classifiedFields: '{"Shipment.recipientPhone:PERSONAL"}',
      rowsReturned: 1,
      personalRecords: 1,
      unmaskReason: null,
      outcome: 'OK',
    });
    // Handed in within one tick: the first is written at once, the nine others wait for it and go together.
    const written = await Promise.all(Array.from({ length: 10 }, (_, i) => writer.write(row(i))));
    const rows = await t.sql(`select xmin::text as tx from audit_entry where organisation = 'batch-org'`);
    expect(rows).toHaveLength(10);
    expect(new Set(rows.map((r) => r.tx)).size).toBe(2);
    // Each row learns the actor's personal records of the last hour, its own batch's included.
    expect(written[0].personalLastHour).toBe(1);
    expect(written.slice(1).map((w) => w.personalLastHour)).toEqual(Array(9).fill(10));
  } finally {
    await pool.end();
  }
});
