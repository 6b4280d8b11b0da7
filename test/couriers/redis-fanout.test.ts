import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Writable } from 'node:stream';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { pino } from 'pino';
import { loadConfig } from '../../src/platform/config.js';
import { startHub, type Hub } from '../../src/app.js';
import { createTestDatabase, dropTestDatabase, subscribe, waitFor } from '../support/test-hub.js';
import { withDatabase } from '../support/database-url.js';
import { freePort } from '../support/free-port.js';
import { TEST_SECRETS_KEY } from '../support/fixtures.js';
import { chinaTime, giveSecrets, pushNative } from './courier-push.js';
import pg from 'pg';
import { REDIS_TEST_URL, describeIf, hasRedisServer, redisAnswers, untilFannedOut } from '../support/redis.js';

/**
 * Two hub instances on one database and one Redis: what one ingests, the
 * other's subscribers receive. The shared Redis is the machine's (CI runs one
 * on 127.0.0.1:6379); each run uses its own channel prefix so that parallel
 * runs do not hear each other. The outage case runs its own redis-server.
 */
const SHARED_REDIS = REDIS_TEST_URL;
const sharedRedisUp = await redisAnswers(SHARED_REDIS);
const SUB = `subscription ($n: String) { shipmentUpdated(trackingNumber: $n) { shipment { trackingNumber status } newEvents { status } } }`;

let database: string;
let databaseUrl: string;
const hubs: Hub[] = [];
const clients: Client[] = [];

/** A hub on the test database with its log lines collected. */
async function hub(redisUrl: string, prefix: string, logs: string[] = []): Promise<Hub> {
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    SEED_DEMO: 'false',
    NODE_ENV: 'test',
    DB_POOL_SIZE: '4',
    REDIS_URL: redisUrl,
    REDIS_CHANNEL_PREFIX: prefix,
    DELAY_SCAN_INTERVAL_S: '0',
    DEMO_MODE: 'true',
    RATE_LIMIT_PER_SECOND: '10000',
    METRICS_TOKEN,
    SECRETS_KEY: TEST_SECRETS_KEY,
  });
  const h = await startHub(config, pino({ level: 'info' }, sink));
  hubs.push(h);
  return h;
}

function ws(h: Hub): Client {
  const client = createClient({ url: `${h.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
  clients.push(client);
  return client;
}

/** /metrics is behind a key (issue #11). */
const METRICS_TOKEN = 'test-metrics-token-0123456789';
const metric = async (h: Hub, name: string) => {
  const text = await (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  return text
    .split('\n')
    .filter((l) => l.split(/[ {]/)[0] === name)
    .reduce((sum, l) => sum + Number(l.trim().split(' ').at(-1)), 0);
};

const openSubscriptions = (h: Hub) => metric(h, 'hub_graphql_open_subscriptions');

beforeAll(async () => {
  database = await createTestDatabase();
  databaseUrl = withDatabase(process.env.TEST_ADMIN_URL!, database);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await giveSecrets((text, params) => client.query(text, params as unknown[]).then((r) => r.rows));
  await client.end();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  for (const h of hubs) await h.close();
  await dropTestDatabase(database);
});

describeIf(sharedRedisUp, `no Redis answers at ${SHARED_REDIS} (set REDIS_TEST_URL)`, 'with REDIS_URL, two hub instances', () => {
  it('deliver to a subscriber on instance B what was pushed to instance A', async () => {
    const prefix = `hub-test-${process.pid}-${Date.now()}:`;
    const [a, b] = [await hub(SHARED_REDIS, prefix), await hub(SHARED_REDIS, prefix)];
    expect(a.pubSub.transport).toBe('redis');
    await waitFor(() => a.pubSub.connected() && b.pubSub.connected(), 10_000, 'both instances connected to Redis');
    const onB = subscribe(ws(b), SUB, { n: 'ZT9000000001' });
    await waitFor(async () => (await openSubscriptions(b)) === 1, 15_000, 'subscription on B');
    await untilFannedOut(a, b); // B's SUBSCRIBE has reached Redis

    const res = await pushNative(a.url, 'zhongtong', [
      { trackingNumber: 'ZT9000000001', status: 'PICKED_UP', occurredAt: chinaTime(1), location: { regionCode: '140821' } },
    ]);
    expect(res.body.accepted).toBe(1);
    const update = await onB.next(15_000);
    expect(update.data.shipmentUpdated).toEqual({ shipment: { trackingNumber: 'ZT9000000001', status: 'PICKED_UP' }, newEvents: [{ status: 'PICKED_UP' }] });
    onB.dispose();
  });
});

describeIf(hasRedisServer, 'no redis-server to start and stop (apt-get install redis-server)', 'when Redis goes away', () => {
  let redis: ChildProcess | undefined;
  let port: number;
  const startRedis = async () => {
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
      stdio: 'ignore',
    });
    await waitFor(
      () =>
        new Promise((resolve) => {
          const socket = net.connect(port, '127.0.0.1', () => {
            socket.end();
            resolve(true);
          });
          socket.on('error', () => resolve(false));
        }),
      10_000,
      'redis-server to listen',
    );
  };
  afterAll(() => {
    redis?.kill('SIGKILL');
  });

  it('delivers in-process with a warning and a metric, and fans out again when Redis is back', async () => {
    port = await freePort();
    await startRedis();
    const url = `redis://127.0.0.1:${port}`;
    const logsA: string[] = [];
    const logsB: string[] = [];
    const [a, b] = [await hub(url, 'outage:', logsA), await hub(url, 'outage:', logsB)];
    await waitFor(() => a.pubSub.connected() && b.pubSub.connected(), 10_000, 'both instances connected');
    expect(await metric(a, 'hub_pubsub_redis_connected')).toBe(1);
    const onA = subscribe(ws(a), SUB, { n: 'ZT9000000002' });
    const onB = subscribe(ws(b), SUB, { n: 'ZT9000000002' });
    await waitFor(async () => (await openSubscriptions(a)) === 1 && (await openSubscriptions(b)) === 1, 15_000, 'subscriptions');
    await untilFannedOut(a, b);

    redis!.kill('SIGKILL');
    await waitFor(() => !a.pubSub.connected(), 10_000, 'A to notice that Redis is gone');
    expect(await metric(a, 'hub_pubsub_redis_connected')).toBe(0);
    expect(logsA.some((line) => /redis unreachable: subscriptions are delivered in-process only/.test(line) && line.includes('"level":40'))).toBe(true);

    const during = await pushNative(a.url, 'zhongtong', [{ trackingNumber: 'ZT9000000002', status: 'PICKED_UP', occurredAt: chinaTime(3) }]);
    expect(during.body).toMatchObject({ accepted: 1 });
    expect((await onA.next(15_000)).data.shipmentUpdated.newEvents).toEqual([{ status: 'PICKED_UP' }]);
    expect(await metric(a, 'hub_pubsub_local_fallback_total')).toBeGreaterThanOrEqual(1);
    await expect(onB.next(500)).rejects.toThrow(/no subscription event/);

    await startRedis();
    await waitFor(() => a.pubSub.connected() && b.pubSub.connected(), 15_000, 'both instances to reconnect');
    // Reconnected is not yet re-subscribed: publish probes on A until B hears one (bounded). B's
    // SUBSCRIBE for the probe is queued after its re-subscriptions, so then those are in place too.
    await untilFannedOut(a, b).catch((error) => {
      console.log(logsB.filter((l) => /redis/i.test(l)).join(''));
      throw error;
    });
    const after = await pushNative(a.url, 'zhongtong', [{ trackingNumber: 'ZT9000000002', status: 'IN_TRANSIT', occurredAt: chinaTime(2) }]);
    expect(after.body).toMatchObject({ accepted: 1 });
    expect((await onB.next(15_000)).data.shipmentUpdated.newEvents).toEqual([{ status: 'IN_TRANSIT' }]);
    expect((await onA.next(15_000)).data.shipmentUpdated.newEvents).toEqual([{ status: 'IN_TRANSIT' }]);
    expect(await metric(a, 'hub_pubsub_redis_connected')).toBe(1);
    onA.dispose();
    onB.dispose();
  });
});
