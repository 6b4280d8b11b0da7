import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { createTestDatabase, dropTestDatabase, waitFor } from '../support/test-hub.js';
import { withDatabase } from '../support/database-url.js';
import { freePort } from '../support/free-port.js';

/** The real entry point in a child process, stopped with SIGTERM. */
describe('the hub process', () => {
  let database: string;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => dropTestDatabase(database));

  it('on SIGTERM closes subscriptions (1001), finishes and exits 0', async () => {
    // A port nobody holds now (a fixed range could collide with the ephemeral ports of other tests' connections).
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', 'src/main.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: withDatabase(process.env.TEST_ADMIN_URL!, database),
        PORT: String(port),
        HOST: '127.0.0.1',
        SEED_DEMO: 'false',
        LOG_LEVEL: 'info',
        // Anonymous read-only access (issue #6), so that the raw socket below needs no API key.
        DEMO_MODE: 'true',
        // Not 'test': Apollo installs its own signal handlers outside tests (regression: they killed
        // the process before the hub's shutdown ran, orphaning the embedded PostgreSQL).
        NODE_ENV: 'development',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let logs = '';
    child.stdout.on('data', (chunk) => (logs += chunk));
    child.stderr.on('data', (chunk) => (logs += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // A bound, not a delay: compiling src/ with swc takes a while on a busy machine.
    await waitFor(() => logs.includes('harvest hub listening'), 120_000, 'the hub to listen').catch((error) =>
      Promise.reject(new Error(`${error.message}; its output:\n${logs}`)),
    );

    const socket = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init' }));
    await new Promise((resolve) => socket.once('message', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));

    child.kill('SIGTERM');
    expect(await closed).toBe(1001);
    expect(await exited).toBe(0);
    const lines = logs
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['stop requested', 'shut down']));
    expect(lines.every((l) => typeof l.level === 'number' && l.service === 'harvest-hub')).toBe(true);
  }, 180_000);
});
