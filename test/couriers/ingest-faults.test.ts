import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { createTestDatabase, dropTestDatabase, waitFor } from '../support/test-hub.js';
import { withDatabase } from '../support/database-url.js';
import { giveSecrets, nativeHeaders } from './courier-push.js';
import { TEST_SECRETS_KEY } from '../support/fixtures.js';
import { freePort } from '../support/free-port.js';

/**
 * A courier streams batches to a hub process that is killed with SIGKILL in
 * the middle; the courier retries what was not acknowledged (re-signed, as a
 * real sender does) against the restarted hub. Every event ends up stored
 * exactly once: acknowledged ones were committed, the rest were rolled back
 * whole and stored on the retry.
 */
const BATCHES = 30;
const PER_BATCH = 100;
let database: string;
let databaseUrl: string;
let db: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase();
  databaseUrl = withDatabase(process.env.TEST_ADMIN_URL!, database);
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  await giveSecrets((text, params) => db.query(text, params as unknown[]).then((r) => r.rows));
});
afterAll(async () => {
  await db.end();
  await dropTestDatabase(database);
});

function startHub(port: number): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', 'src/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      SEED_DEMO: 'false',
      LOG_LEVEL: 'warn',
      DELAY_SCAN_INTERVAL_S: '0',
      RATE_LIMIT_PER_SECOND: '100000',
      DEMO_MODE: 'true',
      REDIS_URL: '',
      SECRETS_KEY: TEST_SECRETS_KEY,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // What the hub said last, for a start that fails (a taken port, a migration): the test then says why at once.
  let said = '';
  child.stderr!.on('data', (chunk) => (said = (said + String(chunk)).slice(-4_000)));
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `the hub process exited (${signal ?? code}) before it was ready: ${said}`));
  const ready = waitFor(
    async () => {
      if (exited) throw new Error(exited);
      try {
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
      } catch {
        return false;
      }
    },
    120_000,
    'the hub process to be ready',
  ); // compiling src/ with swc takes a while on a busy machine
  return { child, ready };
}

const batch = (b: number) =>
  Array.from({ length: PER_BATCH }, (_, i) => ({
    eventId: `kill-${b}-${i}`,
    trackingNumber: `KL${String(b).padStart(3, '0')}${String(i % 20).padStart(4, '0')}`,
    status: i % 2 ? 'IN_TRANSIT' : 'PICKED_UP',
    occurredAt: new Date(Date.now() - 3_600_000 + i * 1000).toISOString(),
    location: { nodeCode: 'cdc-140821' },
  }));

/** Sends one batch, signed now; true when the hub acknowledged it (200 with every event accounted for). */
async function send(port: number, b: number): Promise<boolean> {
  const body = JSON.stringify({ events: batch(b) });
  try {
    const res = await fetch(`http://127.0.0.1:${port}/hooks/couriers/zhongtong`, { method: 'POST', headers: nativeHeaders(body), body });
    if (res.status !== 200) return false;
    const answer = (await res.json()) as { accepted: number; duplicates: number };
    return answer.accepted + answer.duplicates === PER_BATCH;
  } catch {
    return false;
  }
}

describe('a hub process killed with SIGKILL in the middle of a stream of batches', () => {
  it('has stored every acknowledged event exactly once, and every other one once after the retry', async () => {
    // A port nobody holds now (a fixed range could collide with the ephemeral ports of other tests' connections).
    const port = await freePort();
    const first = startHub(port);
    await first.ready;
    const acknowledged = new Set<number>();
    const pending = Array.from({ length: BATCHES }, (_, b) => b);
    let killed = false;
    // Two senders; the hub is killed once a third of the batches were acknowledged, with requests in flight.
    await Promise.all(
      [0, 1].map(async () => {
        while (pending.length) {
          const b = pending.shift()!;
          if (await send(port, b)) acknowledged.add(b);
          if (!killed && acknowledged.size >= BATCHES / 3) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        }
      }),
    );
    expect(killed).toBe(true);
    const unacknowledged = Array.from({ length: BATCHES }, (_, b) => b).filter((b) => !acknowledged.has(b));
    expect(unacknowledged.length).toBeGreaterThan(0);

    // Acknowledged means committed: all of them are there before any retry.
    const stored = async (b: number) =>
      Number((await db.query(`select count(*) from tracking_event where source_key like $1`, [`NATIVE:id:kill-${b}-%`])).rows[0].count);
    for (const b of acknowledged) expect(await stored(b)).toBe(PER_BATCH);

    const second = startHub(port);
    await second.ready;
    try {
      for (const b of unacknowledged) {
        let ok = false;
        for (let attempt = 0; attempt < 5 && !ok; attempt++) ok = await send(port, b);
        expect(ok).toBe(true);
      }
      // And a courier that re-sends everything (it lost track of its acknowledgements) adds nothing.
      for (const b of acknowledged) expect(await send(port, b)).toBe(true);
    } finally {
      second.child.kill('SIGTERM');
    }
    const {
      rows: [totals],
    } = await db.query(`select count(*)::int as events, count(distinct source_key)::int as keys from tracking_event`);
    expect(totals).toEqual({ events: BATCHES * PER_BATCH, keys: BATCHES * PER_BATCH });
    const {
      rows: [parcels],
    } = await db.query(`select count(*)::int as n from shipment`);
    expect(parcels.n).toBe(BATCHES * 20);
  }, 300_000); // two process starts, each bounded above, and the batches
});
