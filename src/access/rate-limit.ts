import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AccessConfig } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';

/** Outcome of a rate check: allowed, or refused with the seconds to wait. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimits {
  /** Spends one request of `subject`'s budget (a key id, a JWT subject, or `ip:<address>` for anonymous callers). */
  consume(subject: string): Promise<RateDecision>;
  /**
   * Whether `credential` (the key or token presented, or none) is locked out
   * from `ip` for too many failed authentications. Per address AND key
   * (issue #11): bad keys from one client behind a NAT lock out those keys
   * from that address, never the valid keys of its neighbours.
   */
  authLockout(ip: string, credential?: string | null): Promise<RateDecision>;
  /**
   * Records a failed authentication of `credential` from `ip`. It also spends
   * the address's anonymous budget, so spraying random keys is throttled like
   * anonymous reads; refused (retry after) once that is spent.
   */
  authFailed(ip: string, credential?: string | null): Promise<RateDecision>;
  close(): Promise<void>;
  /** "redis" when every instance shares the budget, else "memory". */
  store: 'redis' | 'memory';
}

const retryAfter = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

/**
 * The lockout counter of one credential from one address: an API key by its
 * public id (`hh_<id>_…`), any other token by a hash (never stored in clear). @internal
 */
export function lockoutKey(ip: string, credential?: string | null): string {
  const token = credential?.trim().replace(/^Bearer\s+/i, '');
  if (!token) return `${ip}|none`;
  const keyId = /^hh_([0-9a-f]{12})_/.exec(token)?.[1];
  return `${ip}|${keyId ? `key:${keyId}` : `tok:${createHash('sha256').update(token).digest('hex').slice(0, 24)}`}`;
}

/**
 * Per-key budgets with rate-limiter-flexible: a sustained rate (points per
 * second) plus a burst allowance per minute, combined with its
 * BurstyRateLimiter; together they behave as a token bucket that refills at
 * RATE_LIMIT_PER_SECOND and holds RATE_LIMIT_BURST extra. With REDIS_URL the
 * counters live in Redis so that all instances share one budget; if Redis is
 * unreachable an in-memory limiter stands in (insurance) rather than letting
 * everything through or refusing everything.
 */
export function createRateLimits(config: AccessConfig['rateLimit'], redisUrl: string | undefined, log: Logger): RateLimits {
  let redis: Redis | undefined;
  const make = (keyPrefix: string, points: number, duration: number): RateLimiterAbstract => {
    const memory = new RateLimiterMemory({ keyPrefix, points, duration });
    if (!redis) return memory;
    return new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration, insuranceLimiter: memory });
  };
  if (redisUrl) {
    redis = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
    redis.on('error', (error) => log.warn({ err: error.message }, 'rate-limit redis error (falling back to in-memory budgets)'));
  }
  const sustained = make('hh:rl:rate', config.perSecond, 1);
  const burst = make('hh:rl:burst', Math.max(config.burst, 1), 60);
  const bucket = config.burst > 0 ? new BurstyRateLimiter(sustained, burst) : sustained;
  const failures = make('hh:rl:authfail', config.authFailures, 300);

  return {
    store: redis ? 'redis' : 'memory',
    async consume(subject) {
      try {
        await bucket.consume(subject);
        return { allowed: true };
      } catch (error) {
        if (error instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: retryAfter(error) };
        throw error;
      }
    },
    async authLockout(ip, credential) {
      const res = await failures.get(lockoutKey(ip, credential));
      return res && res.consumedPoints >= config.authFailures ? { allowed: false, retryAfterSeconds: retryAfter(res) } : { allowed: true };
    },
    async authFailed(ip, credential) {
      await failures.penalty(lockoutKey(ip, credential), 1);
      try {
        await bucket.consume(`ip:${ip}`);
        return { allowed: true };
      } catch (error) {
        if (error instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: retryAfter(error) };
        throw error;
      }
    },
    async close() {
      redis?.disconnect();
    },
  };
}
