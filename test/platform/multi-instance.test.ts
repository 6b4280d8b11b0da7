import fs from 'node:fs';
import type { Hub } from '../../src/app.js';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrationsList } from '../../src/migrations/index.js';
import { advisoryKey } from '../../src/platform/advisory-lock.js';
import { createTestDatabase, dropTestDatabase, startHubOn, TEST_METRICS_TOKEN, waitFor } from '../support/test-hub.js';
import { withDatabase } from '../support/database-url.js';
import { platformListing, startFakePlatform, type FakePlatform } from '../support/fake-platform.js';
import { provisionKey } from '../support/keys.js';

/**
 * Several hub instances on one database (issue #12): migrations and the
 * first-start seeding run once under advisory locks, every periodic job has
 * one leader, and a connector runs once per interval and never twice at once.
 * The instances here are in one process but each has its own ORM, pool,
 * leadership session and timers, as separate processes would
 * (test/scaling/load-balanced.test.ts runs them as processes behind HAProxy).
 */
const hubs: Hub[] = [];
const databases: string[] = [];

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.TEST_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function hubOn(databaseUrl: string, env: Record<string, string> = {}): Promise<Hub> {
  const hub = await startHubOn(databaseUrl, { DB_POOL_SIZE: '4', DELAY_SCAN_INTERVAL_S: '0', ...env });
  hubs.push(hub);
  return hub;
}

async function stop(hub: Hub) {
  hubs.splice(hubs.indexOf(hub), 1);
  await hub.close();
}

async function query(databaseUrl: string, text: string): Promise<any[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

afterEach(async () => {
  while (hubs.length) await hubs.pop()!.close();
});
afterAll(async () => {
  for (const name of databases) await dropTestDatabase(name);
});

describe('two hub instances started together on an empty database', () => {
  it('both start, and the migrations and the demo data are there once', async () => {
    const name = `hub_empty_${process.pid}_${Date.now() % 100000}`;
    await admin((c) => c.query(`create database "${name}"`));
    databases.push(name);
    const url = withDatabase(process.env.TEST_ADMIN_URL!, name);
    // Before the locks one of the two crashed in the migrations (pg_type_typname_nsp_index) every time.
    const [a, b] = await Promise.all([hubOn(url, { SEED_DEMO: 'true' }), hubOn(url, { SEED_DEMO: 'true' })]);
    for (const hub of [a, b]) expect((await fetch(`${hub.url}/readyz`)).status).toBe(200);

    const [migrations] = await query(url, `select count(*)::int as n, count(distinct name)::int as names from mikro_orm_migrations`);
    expect(migrations).toEqual({ n: migrationsList.length, names: migrationsList.length });
    const [counts] = await query(
      url,
      `select (select count(*) from region)::int as regions, (select count(*) from shipment)::int as parcels,
        (select count(*) from courier)::int as couriers, (select count(*) from courier_credential)::int as secrets,
        (select count(*) from price_observation)::int as prices, (select count(distinct (source_connector, source_key)) from price_observation)::int as price_keys`,
    );
    // One load of the reference data (23,380 Shanxi divisions) and of the 20,000 demo parcels; no price twice.
    expect(counts).toMatchObject({ regions: 23_380, parcels: 20_000 });
    expect(counts.secrets).toBe(counts.couriers);
    expect(counts.prices).toBe(counts.price_keys);
    expect(counts.prices).toBeGreaterThan(10_000);
  }, 240_000);
});

describe('periodic jobs on several instances', () => {
  let database: string;
  let url: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    databases.push(database);
    url = withDatabase(process.env.TEST_ADMIN_URL!, database);
  });

  it('have one leader each, and a standby instance takes over when the leader stops', async () => {
    const a = await hubOn(url, { DELAY_SCAN_INTERVAL_S: '1' });
    await waitFor(() => a.leadership.led().includes('delay-scanner'), 10_000, 'A to lead the delay scanner');
    const b = await hubOn(url, { DELAY_SCAN_INTERVAL_S: '1' });
    // B checks at least once a second and keeps standing by while A leads.
    await new Promise((r) => setTimeout(r, 1500));
    expect(b.leadership.led()).not.toContain('delay-scanner');
    expect(await b.leadership.lead('delay-scanner')).toBe(false);

    await stop(a);
    await waitFor(() => b.leadership.led().includes('delay-scanner'), 10_000, 'B to take over the delay scanner');
    const text = await (await fetch(`${b.url}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } })).text();
    expect(text).toMatch(/hub_leader_jobs\{job="delay-scanner"\} 1/);
  });

  describe('a scheduled connector', () => {
    const TOKEN = 'multi-instance-token';
    let platform: FakePlatform;
    let dir: string;
    let connectors: string;
    beforeAll(async () => {
      platform = await startFakePlatform(TOKEN);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-multi-'));
      connectors = path.join(dir, 'connectors.json');
      fs.writeFileSync(
        connectors,
        JSON.stringify([
          {
            name: 'shared-platform',
            module: 'ecommerce-platform',
            intervalSeconds: 1,
            config: { baseUrl: platform.url, platform: 'taobao', token: TOKEN, pageSize: 2, timeoutMs: 5000, retries: 0 },
          },
        ]),
      );
    });
    afterAll(async () => {
      await platform.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    /** Runs seen by the source: each run starts with the first page of listings (no cursor). */
    const runs = () => platform.requests.filter((r) => r.resource === 'listings' && r.query.cursor === undefined).length;

    it('is pulled once per interval across two instances, by the one that leads it', async () => {
      const [a, b] = await Promise.all([hubOn(url, { CONNECTORS: connectors }), hubOn(url, { CONNECTORS: connectors })]);
      await waitFor(() => runs() >= 1, 10_000, 'a first run');
      const before = runs();
      const started = Date.now();
      await new Promise((r) => setTimeout(r, 4000));
      const seconds = (Date.now() - started) / 1000;
      const during = runs() - before;
      // Every instance pulling on its own would make about two runs a second.
      expect(during).toBeGreaterThanOrEqual(1);
      expect(during).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
      const leaders = [a, b].filter((h) => h.leadership.led().includes('connector:shared-platform'));
      expect(leaders).toHaveLength(1);
    });

    it('never runs twice at once: a manual run waits for the scheduled one, here or on the other instance', async () => {
      // Slow pages (each run reads listings, then sales): overlapping runs would have two requests in flight at the source.
      platform.misbehave.listings = { slow: { at: Array.from({ length: 1000 }, (_, i) => i + 1), delayMs: 1500 } };
      try {
        const [a, b] = await Promise.all([hubOn(url, { CONNECTORS: connectors }), hubOn(url, { CONNECTORS: connectors })]);
        const status = async () => (await query(url, `select status from connector_state where name = 'shared-platform'`))[0]?.status;
        await waitFor(async () => (await status()) === 'RUNNING', 10_000, 'a scheduled run');
        const key = await provisionAdminKey(url);
        const runOn = async (hub: Hub) =>
          (
            await fetch(`${hub.url}/graphql`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
              body: JSON.stringify({ query: 'mutation { runConnector(name: "shared-platform") { status } }' }),
            })
          ).json() as Promise<any>;
        const before = runs();
        // Both instances are asked at once while the scheduled run is reading its slow first page.
        const [onA, onB] = await Promise.all([runOn(a), runOn(b)]);
        expect(onA.errors).toBeUndefined();
        expect(onB.errors).toBeUndefined();
        expect([onA.data.runConnector.status, onB.data.runConnector.status]).toEqual(['OK', 'OK']);
        expect(runs() - before).toBeGreaterThanOrEqual(2);
        expect(platform.maxInFlight()).toBe(1);
      } finally {
        platform.misbehave.listings = {};
      }
    });

    it('waits for a run held by another session (another instance) and starts only when it ends', async () => {
      const a = await hubOn(url, { CONNECTORS: connectors, CONNECTOR_SCHEDULER: 'false' });
      const key = await provisionAdminKey(url);
      const session = new pg.Client({ connectionString: url });
      await session.connect();
      try {
        await session.query('select pg_advisory_lock($1::bigint)', [advisoryKey('connector:shared-platform')]);
        const before = runs();
        const answer = fetch(`${a.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ query: 'mutation { runConnector(name: "shared-platform") { status } }' }),
        }).then((r) => r.json() as Promise<any>);
        await new Promise((r) => setTimeout(r, 1000));
        expect(runs()).toBe(before);
        await session.query('select pg_advisory_unlock($1::bigint)', [advisoryKey('connector:shared-platform')]);
        const res = await answer;
        expect(res.errors).toBeUndefined();
        expect(res.data.runConnector.status).toBe('OK');
        expect(runs()).toBe(before + 1);
      } finally {
        await session.end();
      }
    });

    it('only moves its cursor forward: a run whose cursor was moved by another run stops without writing its batch', async () => {
      const a = await hubOn(url, { CONNECTORS: connectors, CONNECTOR_SCHEDULER: 'false' });
      const key = await provisionAdminKey(url);
      platform.data.listings.push(...Array.from({ length: 6 }, (_, i) => platformListing('F', i, `2024-10-01T0${i}:00:00Z`)));
      // Pages 2 and 3 are slow: time to move the cursor under the run after its first batch (3.5 s, under the connector's 5 s request timeout: on a loaded CI
      // machine 1.5 s was sometimes too short to see the first commit and move the cursor before the second batch).
      const listingRequests = platform.requests.filter((r) => r.resource === 'listings').length;
      platform.misbehave.listings = { slow: { at: [listingRequests + 2, listingRequests + 3], delayMs: 3500 } };
      try {
        const [{ seq: before }] = await query(url, `select cursor_seq::int as seq from connector_state where name = 'shared-platform'`);
        const answer = fetch(`${a.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ query: 'mutation { runConnector(name: "shared-platform") { status error counts { stored } } }' }),
        }).then((r) => r.json() as Promise<any>);
        await waitFor(
          async () => (await query(url, `select cursor_seq::int as seq from connector_state where name = 'shared-platform'`))[0].seq === before + 1,
          10_000,
          'the first batch to commit',
        );
        // Another run (one that took over when this one's lock session died) moved the cursor on.
        const ahead = { listings: '2030-01-01T00:00:00.000Z' };
        await query(url, `update connector_state set cursor = '${JSON.stringify(ahead)}'::jsonb, cursor_seq = cursor_seq + 5 where name = 'shared-platform'`);
        const res = await answer;
        expect(res.data.runConnector).toMatchObject({ status: 'FAILED', counts: { stored: 2 } });
        expect(res.data.runConnector.error).toMatch(/moved by another run/);
        const [state] = await query(url, `select cursor, cursor_seq::int as seq from connector_state where name = 'shared-platform'`);
        expect(state).toEqual({ cursor: ahead, seq: before + 6 });
        const [{ n }] = await query(url, `select count(*)::int as n from supply_listing where source_connector = 'shared-platform'`);
        expect(n).toBe(2);
      } finally {
        platform.misbehave.listings = {};
      }
    });
  });
});

const provisionAdminKey = async (databaseUrl: string) => (await provisionKey(databaseUrl)).plaintext;
