import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createTestDatabase, dropTestDatabase, waitFor } from '../support/test-hub.js';
import { withDatabase } from '../support/database-url.js';

/**
 * A bulk price load (the wholesale-prices connector, COPY text built straight
 * from the records, issue #13) killed with SIGKILL in the middle: every batch
 * is stored whole or not at all, and loading the file again stores exactly
 * the rest, once.
 */
const ROWS = 40_000;
const BATCH = 500;
let database: string;
let databaseUrl: string;
let db: pg.Pool;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'price-kill-'));
const file = path.join(dir, 'prices.csv');

beforeAll(async () => {
  database = await createTestDatabase();
  databaseUrl = withDatabase(process.env.TEST_ADMIN_URL!, database);
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  db.on('error', () => {}); // an idle client ended by the server is not a test failure; queries still fail loudly (as in test-hub.ts)
  const lines = ['品名,最低价,平均价,最高价,规格,单位,发布日期'];
  for (let i = 0; i < ROWS; i++) lines.push(`富士${i % 97},1.${i % 10},2.${i % 10},3,普通${i},斤,2016-0${(i % 6) + 1}-1${i % 10}`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
});
afterAll(async () => {
  await db.end();
  await dropTestDatabase(database);
  fs.rmSync(dir, { recursive: true, force: true });
});

function load(): { done: Promise<number | null>; kill: () => void } {
  const child = spawn(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', 'scripts/connector.ts', 'run', 'kill-prices', '--file', file, '--quiet'],
    {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        LOG_LEVEL: 'warn',
        SEED_DEMO: 'false',
        REDIS_URL: '',
        CONNECTORS: JSON.stringify([{ name: 'kill-prices', module: 'wholesale-prices', config: { batchSize: BATCH } }]),
      },
      stdio: ['ignore', 'ignore', 'ignore'],
    },
  );
  return { done: new Promise((resolve) => child.on('exit', (code) => resolve(code))), kill: () => child.kill('SIGKILL') };
}

const stored = async () => Number((await db.query(`select count(*) as n from price_observation where source_connector = 'kill-prices'`)).rows[0].n);

describe('a bulk price load killed with SIGKILL mid-way', () => {
  it('keeps whole batches only, and a second load stores exactly the rest, once', async () => {
    const first = load();
    await waitFor(async () => (await stored()) > 0, 120_000, 'a first batch stored'); // starting the CLI compiles with swc
    first.kill();
    await first.done;
    const afterKill = await stored();
    expect(afterKill).toBeLessThan(ROWS);
    expect(afterKill % BATCH).toBe(0);

    const second = load();
    expect(await second.done).toBe(0);
    expect(await stored()).toBe(ROWS);
    const { rows } = await db.query(
      `select count(distinct source_key)::int as keys, count(distinct id)::int as ids from price_observation where source_connector = 'kill-prices'`,
    );
    expect(rows[0]).toEqual({ keys: ROWS, ids: ROWS });

    // A third load of the same file stores nothing.
    const third = load();
    expect(await third.done).toBe(0);
    expect(await stored()).toBe(ROWS);
    // Three CLI processes one after the other, each compiling with swc at start: on a loaded CI machine more than jest's default 120 s.
  }, 360_000);
});
