import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port.js';
import { Redis } from 'ioredis';

/** A Redis for tests of several instances: the one CI names, else one started here, else the machine's default port. */
export interface TestRedis {
  url: string;
  /** Where it came from, for the test log. */
  source: string;
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/**
 * REDIS_TEST_URL (or TEST_REDIS_URL) when set, as CI sets it; else a
 * redis-server of its own on a free port when the binary is installed; else
 * 127.0.0.1:6379 if it answers; else undefined (the caller skips, saying why).
 */
export async function startTestRedis(): Promise<TestRedis | undefined> {
  const named = process.env.REDIS_TEST_URL ?? process.env.TEST_REDIS_URL;
  if (named) return { url: named, source: 'REDIS_TEST_URL', stop: async () => {} };
  if (spawnSync('redis-server', ['--version']).status === 0) {
    const port = await freePort();
    const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const url = `redis://127.0.0.1:${port}`;
    for (let i = 0; i < 100 && !(await answers(url)); i++) await new Promise((r) => setTimeout(r, 100));
    return {
      url,
      source: `own redis-server on ${port}`,
      stop: async () => {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      },
    };
  }
  if (await answers('redis://127.0.0.1:6379')) return { url: 'redis://127.0.0.1:6379', source: '127.0.0.1:6379', stop: async () => {} };
  return undefined;
}
