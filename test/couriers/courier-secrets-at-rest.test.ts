import pg from 'pg';
import { loadConfig, ConfigError } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { startHub, type Hub } from '../../src/app.js';
import { setCourierSecret } from '../../src/logistics/courier-credential.service.js';
import { createTestDatabase, dropTestDatabase } from '../support/test-hub.js';
import { withDatabase } from '../support/database-url.js';
import { TEST_SECRETS_KEY } from '../support/fixtures.js';
import { chinaTime, pushNative } from './courier-push.js';

/**
 * Issue #11: courier webhook secrets are sealed at rest (AES-256-GCM under
 * SECRETS_KEY), rows stored in clear before are sealed at start, a wrong or
 * missing key stops the start naming SECRETS_KEY, and the public demo secrets
 * are given only in demo mode (they used to be given with SEED_DEMO, on by
 * default also with DATABASE_URL: anyone could forge pickups and deliveries).
 */
let database: string;
let databaseUrl: string;
let db: pg.Pool;
const hubs: Hub[] = [];

async function hubWith(env: Record<string, string>): Promise<Hub> {
  const hub = await startHub(
    loadConfig({ DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'test', DELAY_SCAN_INTERVAL_S: '0', CONNECTOR_SCHEDULER: 'false', ...env }),
    createLogger('silent'),
  );
  hubs.push(hub);
  return hub;
}
const stop = async (hub: Hub) => {
  hubs.splice(hubs.indexOf(hub), 1);
  await hub.close();
};
const event = (n: string) => ({ trackingNumber: n, status: 'PICKED_UP', occurredAt: chinaTime(1), location: { nodeCode: 'cdc-140821' } });
const OTHER_KEY = Buffer.alloc(32, 0x22).toString('base64');

beforeAll(async () => {
  database = await createTestDatabase();
  databaseUrl = withDatabase(process.env.TEST_ADMIN_URL!, database);
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
});
afterAll(async () => {
  for (const hub of hubs.splice(0)) await hub.close();
  await db.end();
  await dropTestDatabase(database);
});

describe('courier webhook secrets at rest', () => {
  it('a hub on DATABASE_URL with the defaults gives no courier the public demo secret', async () => {
    const hub = await hubWith({ DEMO_MODE: 'false', SECRETS_KEY: TEST_SECRETS_KEY });
    expect(await db.query('select 1 from courier_credential')).toMatchObject({ rowCount: 0 });
    const forged = await pushNative(hub.url, 'zhongtong', [event('ZTDEMO0001')], { secret: 'harvest-demo-zhongtong-secret' });
    expect(forged.status).toBe(401);
    expect(forged.body.error.reason).toBe('NO_SECRET');
    await stop(hub);
  });

  it('stores a secret sealed (AES-256-GCM), never in clear, and verifies pushes with it', async () => {
    const hub = await hubWith({ DEMO_MODE: 'false', SECRETS_KEY: TEST_SECRETS_KEY });
    const secret = 'a-rotated-courier-secret-7c1d';
    await setCourierSecret(hub.db.orm.em.fork(), 'yunda', secret);
    const { rows } = await db.query(`select secret from courier_credential k join courier c on c.id = k.courier_id where c.code = 'yunda'`);
    expect(rows).toHaveLength(1);
    expect(rows[0].secret).toMatch(/^v1:[A-Za-z0-9_-]+$/);
    expect(rows[0].secret).not.toContain(secret);
    expect((await pushNative(hub.url, 'yunda', [event('YDSEAL0001')], { secret })).status).toBe(200);
    await stop(hub);
  });

  it('seals secrets stored in clear before (a migration at start), and they keep verifying', async () => {
    const plain = 'an-old-clear-text-secret-0042';
    await db.query(`insert into courier_credential (courier_id, secret) select id, $1 from courier where code = 'shentong'`, [plain]);
    const hub = await hubWith({ DEMO_MODE: 'false', SECRETS_KEY: TEST_SECRETS_KEY });
    const { rows } = await db.query(`select secret from courier_credential where secret = $1 or secret not like 'v1:%'`, [plain]);
    expect(rows).toHaveLength(0);
    expect((await pushNative(hub.url, 'shentong', [event('STSEAL0001')], { secret: plain })).status).toBe(200);
    await stop(hub);
  });

  it('refuses to start without SECRETS_KEY outside demo mode, and with a key that does not open the stored secrets', async () => {
    await expect(hubWith({ DEMO_MODE: 'false' })).rejects.toThrow(ConfigError);
    await expect(hubWith({ DEMO_MODE: 'false' })).rejects.toThrow(/SECRETS_KEY/);
    await expect(hubWith({ DEMO_MODE: 'false', SECRETS_KEY: OTHER_KEY })).rejects.toThrow(/SECRETS_KEY does not open/);
  });

  it('gives the public demo secrets only in demo mode with demo data, sealed like any other', async () => {
    const hub = await hubWith({ DEMO_MODE: 'true', SEED_DEMO: 'true', SECRETS_KEY: TEST_SECRETS_KEY });
    const { rows } = await db.query(`select k.secret from courier_credential k join courier c on c.id = k.courier_id where c.code = 'zhongtong'`);
    expect(rows).toHaveLength(1);
    expect(rows[0].secret).toMatch(/^v1:/);
    expect((await pushNative(hub.url, 'zhongtong', [event('ZTDEMO0002')], { secret: 'harvest-demo-zhongtong-secret' })).status).toBe(200);
    await stop(hub);
  });
});
