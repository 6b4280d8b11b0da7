import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * PostgreSQL advisory locks, the coordination the hub instances already share
 * (issue #12): no extra service, and a lock held by an instance that dies is
 * released by the server the moment its session ends.
 *
 * Session-level locks are used throughout, each on a connection checked out for
 * as long as the lock is held, so that a lock is never left on a pooled
 * connection that another request may reuse. Session locks need a session:
 * behind PgBouncer in transaction mode they do not work (see docs/SCALING.md).
 */

/** The 64-bit lock key of a name (first 8 bytes of its SHA-256), namespaced so that other applications' locks do not collide. */
export function advisoryKey(name: string): string {
  return createHash('sha256').update(`harvest-hub:${name}`).digest().readBigInt64BE(0).toString();
}

/** Something that hands out a dedicated session: a `pg.Pool` (MikroORM's native client) or a factory of clients. */
export type SessionSource = pg.Pool | (() => Promise<{ client: pg.ClientBase; release(): Promise<void> | void }>);

async function session(source: SessionSource): Promise<{ client: pg.ClientBase; release(destroy?: boolean): Promise<void> }> {
  if (typeof source === 'function') {
    const s = await source();
    return { client: s.client, release: async () => void (await s.release()) };
  }
  const client = await source.connect();
  return { client, release: async (destroy) => client.release(destroy) };
}

/**
 * Runs `fn` while holding the lock `name`, waiting for it if another instance
 * holds it (migrations and first-start seeding: the second instance waits and
 * then finds the work done). `onWait` is called once if the lock is not free at
 * once.
 */
export async function withAdvisoryLock<T>(source: SessionSource, name: string, fn: () => Promise<T>, onWait?: () => void): Promise<T> {
  const { client, release } = await session(source);
  const key = advisoryKey(name);
  let broken = false;
  try {
    const [{ locked }] = (await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [key])).rows;
    if (!locked) {
      onWait?.();
      await client.query('select pg_advisory_lock($1::bigint)', [key]);
    }
    try {
      return await fn();
    } finally {
      await client.query('select pg_advisory_unlock($1::bigint)', [key]).catch(() => {
        broken = true;
      });
    }
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    // A session whose unlock failed is thrown away (closing it releases the lock) rather than pooled.
    await release(broken);
  }
}

/** A lock taken without waiting: `release()` gives it back. */
export interface HeldLock {
  release(): Promise<void>;
}

/** Takes the lock `name` if it is free; undefined when another session holds it. The lock is held on its own session until released. */
export async function tryAdvisoryLock(source: SessionSource, name: string): Promise<HeldLock | undefined> {
  const { client, release } = await session(source);
  const key = advisoryKey(name);
  try {
    const [{ locked }] = (await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [key])).rows;
    if (!locked) {
      await release();
      return undefined;
    }
  } catch (error) {
    await release(true);
    throw error;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query('select pg_advisory_unlock($1::bigint)', [key]);
        await release();
      } catch {
        await release(true);
      }
    },
  };
}
