import net from 'node:net';
import { spawnSync } from 'node:child_process';
import type { Hub } from '../../src/app.js';
import { announceSkip } from './skip.js';

/** The Redis tests may use: REDIS_TEST_URL (as .ci/run and TEAM.md set it), else the machine's default. */
export const REDIS_TEST_URL = process.env.REDIS_TEST_URL || process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

/** Whether a Redis answers PING at `url` within a second (a machine with only Node has none). */
export function redisAnswers(url = REDIS_TEST_URL): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port || 6379), hostname || '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(/^\+PONG|^-NOAUTH/.test(String(data))));
  });
}

/** Whether `redis-server` can be started by a test (to stop it on purpose). */
export const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

/** `describe` when `available`; otherwise skipped with one line saying why. */
export function describeIf(available: boolean, reason: string, name: string, body: () => void): void {
  if (available) return describe(name, body);
  announceSkip(`skipping "${name}": ${reason}`);
  // Skipped on purpose: the machine lacks what the block needs (CI has it; see .ci/run).
  describe.skip(name, body);
}

/**
 * Waits until what `from` publishes is heard on `to`: an outcome, not a delay.
 * Subscriptions to Redis are sent on one connection in order, so once a probe
 * subscribed after them is heard, the earlier ones are in place too.
 */
export async function untilFannedOut(from: Hub, to: Hub, attempts = 100): Promise<void> {
  const topic = `PROBE:${process.pid}:${Date.now()}`;
  let heard = false;
  const probe = to.pubSub.pubSub.subscribe(topic);
  const listening = (async () => {
    for await (const _ of probe) {
      heard = true;
      break;
    }
  })();
  for (let i = 0; i < attempts && !heard; i++) {
    from.pubSub.pubSub.publish(topic, { i });
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!heard) throw new Error(`no probe published on ${from.url} was heard on ${to.url}`);
  await listening;
}
