import { spawn, spawnSync } from 'node:child_process';
import WebSocket from 'ws';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { startHub, type Hub } from '../../src/app.js';
import { KEY_CACHE_MS } from '../../src/access/authenticate.js';
import { createTestDatabase, dropTestDatabase, waitFor } from '../support/test-hub.js';
import { withDatabase } from '../support/database-url.js';
import { provisionKey } from '../support/keys.js';
import { startTestRedis, type TestRedis } from '../support/test-redis.js';
import { freePort } from '../support/free-port.js';
import pg from 'pg';
import { TEST_SECRETS_KEY } from '../support/fixtures.js';

/**
 * API keys across two hub instances on one database and one Redis (issue #12):
 * a key revoked or rotated through one instance is refused by the other, and
 * its sockets there are closed, within a second (it used to work for up to the
 * 30 s key cache); the per-key rate budget is one budget, not one per instance.
 */
const redis: TestRedis | undefined = await startTestRedis();
if (!redis) console.warn('multi-instance-keys.test.ts: no Redis (set REDIS_TEST_URL or install redis-server), so the cross-instance key tests are skipped.');
// Conditional on a Redis being reachable (CI has one): not a skipped test by intent.
const describeWithRedis = redis ? describe : describe.skip;

let database: string;
let url: string;
const hubs: Hub[] = [];

async function hub(prefix: string, env: Record<string, string> = {}): Promise<Hub> {
  const config = loadConfig({
    DATABASE_URL: url,
    PORT: '0',
    HOST: '127.0.0.1',
    SEED_DEMO: 'false',
    NODE_ENV: 'test',
    DB_POOL_SIZE: '4',
    DEMO_MODE: 'false',
    REDIS_URL: env.REDIS_URL ?? redis!.url,
    REDIS_CHANNEL_PREFIX: prefix,
    DELAY_SCAN_INTERVAL_S: '0',
    RATE_LIMIT_PER_SECOND: '10000',
    SECRETS_KEY: TEST_SECRETS_KEY,
    ...env,
  });
  const h = await startHub(config, createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'));
  hubs.push(h);
  return h;
}

const gql = async (h: Hub, key: string, query: string, variables?: Record<string, unknown>) => {
  const res = await fetch(`${h.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as any };
};

/** A graphql-ws socket authenticated with `key`, acknowledged; `closed` resolves with the close code. */
async function socket(h: Hub, key: string): Promise<{ closed: Promise<number>; ws: WebSocket }> {
  const ws = new WebSocket(`${h.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } })));
    ws.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') resolve();
    });
    ws.once('close', (code) => reject(new Error(`socket closed with ${code} before the ack`)));
  });
  ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { alertRaised { id } }' } }));
  return { closed, ws };
}

const connected = (hs: Hub[]) => waitFor(() => hs.every((h) => h.pubSub.connected()), 10_000, 'the instances to reach Redis');

beforeAll(async () => {
  if (!redis) return;
  console.log(`multi-instance-keys.test.ts: Redis from ${redis.source}`);
  database = await createTestDatabase();
  url = withDatabase(process.env.TEST_ADMIN_URL!, database);
});
afterAll(async () => {
  for (const h of hubs) await h.close();
  if (database) await dropTestDatabase(database);
  await redis?.stop();
});

describeWithRedis('API keys on two instances sharing Redis', () => {
  it('a key revoked through instance A is refused by B and its sockets on B are closed within a second', async () => {
    const prefix = `keys-${process.pid}-${Date.now()}:`;
    const [a, b] = [await hub(prefix), await hub(prefix)];
    await connected([a, b]);
    const admin = await provisionKey(url, 'ADMIN');
    const victim = await provisionKey(url, 'OFFICIAL');
    // B has the key in its cache (fresh for KEY_CACHE_MS) and a socket open with it.
    expect((await gql(b, victim.plaintext, '{ viewer { role } }')).body.data.viewer.role).toBe('OFFICIAL');
    const { closed } = await socket(b, victim.plaintext);
    await new Promise((r) => setTimeout(r, 100)); // the subscription to key changes has reached Redis

    const revoked = await gql(a, admin.plaintext, 'mutation ($id: String!) { revokeApiKey(keyId: $id) { keyId revokedAt } }', { id: victim.keyId });
    expect(revoked.body.errors).toBeUndefined();
    const started = Date.now();
    // Well inside the cache's lifetime: only the broadcast can make B refuse it.
    await waitFor(async () => (await gql(b, victim.plaintext, '{ viewer { role } }')).status === 401, 1000, 'B to refuse the revoked key');
    expect(await closed).toBe(4401);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(KEY_CACHE_MS);
    console.log(`multi-instance-keys.test.ts: revocation reached the other instance in ${elapsed} ms`);
  });

  it('a key rotated through A without grace stops on B; the new key works on B', async () => {
    const prefix = `rotate-${process.pid}-${Date.now()}:`;
    const [a, b] = [await hub(prefix), await hub(prefix)];
    await connected([a, b]);
    const admin = await provisionKey(url, 'ADMIN');
    const old = await provisionKey(url, 'OFFICIAL');
    expect((await gql(b, old.plaintext, '{ viewer { role } }')).status).toBe(200);
    const rotated = await gql(a, admin.plaintext, 'mutation ($id: String!) { rotateApiKey(keyId: $id) { key } }', { id: old.keyId });
    const fresh = rotated.body.data.rotateApiKey.key as string;
    await waitFor(async () => (await gql(b, old.plaintext, '{ viewer { role } }')).status === 401, 1000, 'B to refuse the rotated key');
    expect((await gql(b, fresh, '{ viewer { role } }')).body.data.viewer.role).toBe('OFFICIAL');
  });

  it('share one rate budget per key: requests alternating between A and B are limited as if sent to one instance', async () => {
    const prefix = `rate-${process.pid}-${Date.now()}:`;
    // 1 request per second sustained plus 20 per minute of burst: one budget lets 20 + 1 per second through.
    const env = { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '20' };
    const [a, b] = [await hub(prefix, env), await hub(prefix, env)];
    expect(a.pubSub.transport).toBe('redis');
    await connected([a, b]);
    // The rate limiter's own Redis connection (it counts in memory until it is up).
    await new Promise((r) => setTimeout(r, 300));
    const key = await provisionKey(url, 'OFFICIAL');
    // Forty at once, alternating instances, so that they fall in as few seconds as the machine allows.
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const on: 'A' | 'B' = i % 2 ? 'B' : 'A';
        return { on, status: (await gql(on === 'A' ? a : b, key.plaintext, '{ viewer { role } }')).status };
      }),
    );
    // Each second the requests touched adds one sustained token: on a loaded machine they can straddle several.
    const seconds = Math.floor(Date.now() / 1000) - Math.floor(started / 1000) + 1;
    const allowed = answers.filter((x) => x.status === 200).length;
    // One shared budget: 20 burst + 1 per second touched. Separate budgets (20 requests each) would let all 40 through.
    expect(allowed).toBeGreaterThanOrEqual(21);
    expect(allowed).toBeLessThanOrEqual(20 + seconds);
    expect(seconds).toBeLessThan(20); // else the bound above no longer tells one budget from two
    expect(
      answers
        .filter((x) => x.status === 429)
        .map((x) => x.on)
        .sort(),
    ).toEqual(expect.arrayContaining(['A', 'B']));
  });

  // The outage case stops a Redis, so it needs one of its own.
  const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
  if (!hasRedisServer)
    console.warn('multi-instance-keys.test.ts: redis-server is not installed, so the Redis-outage case is skipped (it must stop a Redis of its own).');
  (hasRedisServer ? it : it.skip)('while Redis is unreachable an instance does not cache keys: a key revoked behind its back is refused at once', async () => {
    const port = await freePort();
    const own = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    try {
      const ownUrl = `redis://127.0.0.1:${port}`;
      await new Promise((r) => setTimeout(r, 300));
      const b = await hub(`outage-${process.pid}:`, { REDIS_URL: ownUrl });
      await connected([b]);
      const victim = await provisionKey(url, 'OFFICIAL');
      expect((await gql(b, victim.plaintext, '{ viewer { role } }')).status).toBe(200);
      own.kill('SIGKILL');
      await waitFor(() => !b.pubSub.connected(), 10_000, 'B to notice that Redis is gone');
      // Revoked straight in the database: no broadcast can reach B now.
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query('update api_key set revoked_at = now() where key_id = $1', [victim.keyId]);
      await client.end();
      expect((await gql(b, victim.plaintext, '{ viewer { role } }')).status).toBe(401);
    } finally {
      if (own.exitCode === null && own.signalCode === null) own.kill('SIGKILL');
    }
  });
});
