import { createPubSub, type PubSub } from '@graphql-yoga/subscription';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

export type HubPubSub = PubSub<Record<string, [unknown]>>;

export interface PubSubHandle {
  pubSub: HubPubSub;
  /** "memory" or "redis". */
  transport: 'memory' | 'redis';
  close(): Promise<void>;
}

/**
 * The event bus behind subscriptions. In-process by default; with REDIS_URL
 * every instance publishes to and hears from Redis (graphql-yoga's Redis event
 * target), so a subscriber on instance B sees what instance A ingested.
 */
export function createHubPubSub(redisUrl: string | undefined, log: Logger): PubSubHandle {
  if (!redisUrl) {
    return { pubSub: createPubSub() as HubPubSub, transport: 'memory', close: async () => {} };
  }
  const options = { lazyConnect: false, maxRetriesPerRequest: null, enableOfflineQueue: true };
  const publishClient = new Redis(redisUrl, options);
  const subscribeClient = new Redis(redisUrl, options);
  for (const [name, client] of [['publish', publishClient], ['subscribe', subscribeClient]] as const) {
    client.on('error', (error) => log.warn({ err: error.message, client: name }, 'redis connection error'));
    client.on('ready', () => log.info({ client: name }, 'redis connected'));
  }
  const eventTarget = createRedisEventTarget({ publishClient, subscribeClient });
  return {
    pubSub: createPubSub({ eventTarget }) as HubPubSub,
    transport: 'redis',
    async close() {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
