import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig } from '../../src/platform/config.js';
import { startHub, type Hub } from '../../src/app.js';
import { setCourierSecret } from '../../src/logistics/courier-credential.service.js';
import { createTestDatabase, dropTestDatabase } from '../support/test-hub.js';
import { withDatabase } from '../support/database-url.js';
import { TEST_SECRETS_KEY } from '../support/fixtures.js';

/**
 * Issue #11: `LOG_LEVEL=trace` logs every SQL statement, and must do so
 * without its parameters (courier secrets, API key ids, recipients, the
 * audited variables): the statement text only.
 */
let hub: Hub;
let database: string;
const logs: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const config = loadConfig({
    DATABASE_URL: withDatabase(process.env.TEST_ADMIN_URL!, database),
    PORT: '0',
    HOST: '127.0.0.1',
    NODE_ENV: 'test',
    DEMO_MODE: 'true',
    DELAY_SCAN_INTERVAL_S: '0',
    LOG_LEVEL: 'trace',
    SECRETS_KEY: TEST_SECRETS_KEY,
  });
  hub = await startHub(config, pino({ level: 'trace' }, sink));
});
afterAll(async () => {
  await hub.close();
  await dropTestDatabase(database);
});

it('logs SQL statements at trace level without their parameters', async () => {
  const courierSecret = 'trace-courier-secret-4f1c9a7e';
  await setCourierSecret(hub.db.orm.em.fork(), 'zhongtong', courierSecret);
  const phone = '13912345678';
  await hub.db.orm.em
    .fork()
    .getConnection()
    .execute(
      `insert into shipment (source_connector, source_key, courier_id, tracking_number, recipient_phone) values (?, ?, (select id from courier where code = ?), ?, ?)`,
      ['trace', 'TRACE-1', 'zhongtong', 'TRACE0001', phone],
    );
  const res = await fetch(`${hub.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'query ($n: String!) { shipment(trackingNumber: $n) { trackingNumber } }', variables: { n: 'TRACE0001' } }),
  });
  expect(res.status).toBe(200);
  const text = logs.join('');
  // Trace logging is on: statements are there…
  expect(text).toMatch(/insert into courier_credential/);
  expect(text).toMatch(/from \\"shipment\\"/);
  // …but not one of the values they carried.
  for (const value of [courierSecret, phone, 'TRACE0001']) expect(text).not.toContain(value);
});
