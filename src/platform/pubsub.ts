import { createPubSub, Repeater, type PubSub } from '@graphql-yoga/subscription';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { TypedEventTarget } from '@graphql-yoga/typed-event-target';
import { setMaxListeners } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

export type HubPubSub = PubSub<Record<string, [unknown]>>;

export interface PubSubHandle {
  pubSub: HubPubSub;
  /** "memory" or "redis". */
  transport: 'memory' | 'redis';
  /** With Redis: whether it is reachable now (false = delivering in-process only). Always true in memory. */
  connected(): boolean;
  close(): Promise<void>;
}

/** What the bus reports to the metrics. */
export interface PubSubObserver {
  /** Redis became reachable (true) or was lost (false). */
  onRedisState?(connected: boolean): void;
  /** An event was delivered in-process only because Redis was down. */
  onLocalFallback?(topic: string): void;
}

export interface PubSubOptions {
  /** Prefix of every Redis channel, so that several hubs (or test runs) can share one Redis. @default "harvest-hub:" */
  channelPrefix?: string;
  observer?: PubSubObserver;
}

type HubEvent = CustomEvent<unknown>;

/**
 * The event bus behind subscriptions. In-process by default; with REDIS_URL
 * every instance publishes to and hears from Redis (graphql-yoga's Redis event
 * target), so a subscriber on instance B sees what instance A ingested.
 *
 * Losing Redis does not lose local subscribers: while the publishing
 * connection is not ready, events are delivered in-process only (with a
 * warning and a metric) instead of queueing for a Redis that may not come
 * back; when it is back, ioredis re-subscribes and fan-out across instances
 * resumes by itself.
 */
export function createHubPubSub(redisUrl: string | undefined, log: Logger, options: PubSubOptions = {}): PubSubHandle {
  if (!redisUrl) {
    const target = countingTarget(unboundedTarget());
    const pubSub = createPubSub({ eventTarget: target }) as HubPubSub;
    listenedTopics.set(pubSub, target.listened);
    return { pubSub, transport: 'memory', connected: () => true, close: async () => {} };
  }
  const prefix = options.channelPrefix ?? 'harvest-hub:';
  const observer = options.observer ?? {};
  const clientOptions = {
    lazyConnect: false,
    // Publishes must not wait for a Redis that is down: they fall back to in-process delivery instead.
    maxRetriesPerRequest: 0,
    enableOfflineQueue: true,
    retryStrategy: (attempt: number) => Math.min(200 * attempt, 2000),
  };
  const publishClient = new Redis(redisUrl, clientOptions);
  // The subscriber keeps its SUBSCRIBE commands queued while offline so they run on reconnect.
  const subscribeClient = new Redis(redisUrl, { ...clientOptions, maxRetriesPerRequest: null });
  let up = false;
  const setUp = (next: boolean) => {
    if (next === up) return;
    up = next;
    observer.onRedisState?.(next);
    if (next) log.info({ redis: 'up' }, 'redis reachable: subscriptions fan out across instances');
    else log.warn({ redis: 'down' }, 'redis unreachable: subscriptions are delivered in-process only until it is back');
  };
  const bothReady = () => publishClient.status === 'ready' && subscribeClient.status === 'ready';
  for (const [name, client] of [
    ['publish', publishClient],
    ['subscribe', subscribeClient],
  ] as const) {
    client.on('error', (error) => log.debug({ err: error.message, client: name }, 'redis connection error'));
    client.on('ready', () => setUp(bothReady()));
    client.on('close', () => setUp(false));
    client.on('end', () => setUp(false));
  }
  observer.onRedisState?.(false);

  // The Redis target does not handle its SUBSCRIBE/UNSUBSCRIBE promises; one rejected while Redis is
  // away (or after close) must not become an unhandled rejection. ioredis re-subscribes on reconnect.
  const guardedSubscriber = new Proxy(subscribeClient, {
    get(target, property, receiver) {
      if (property === 'subscribe' || property === 'unsubscribe') {
        return (...channels: string[]) =>
          (target[property] as (...c: string[]) => Promise<unknown>)(...channels).catch((error: Error) =>
            log.debug({ err: error.message, channels }, `redis ${String(property)} deferred`),
          );
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const redis = createRedisEventTarget<HubEvent>({ publishClient, subscribeClient: guardedSubscriber });
  const local = unboundedTarget();
  // graphql-yoga's pub/sub adds one listener per topic and subscriber; listeners are registered on both
  // targets, and each event is dispatched on exactly one of them, so nobody hears it twice.
  const target: TypedEventTarget<HubEvent> = {
    addEventListener(topic, listener) {
      redis.addEventListener(prefix + topic, listener);
      local.addEventListener(topic, listener as Parameters<EventTarget['addEventListener']>[1]);
    },
    removeEventListener(topic, listener) {
      redis.removeEventListener(prefix + topic, listener);
      local.removeEventListener(topic, listener as Parameters<EventTarget['addEventListener']>[1]);
    },
    dispatchEvent(event) {
      const deliverLocally = () => {
        observer.onLocalFallback?.(event.type);
        return local.dispatchEvent(new CustomEvent(event.type, { detail: event.detail }));
      };
      if (!up || publishClient.status !== 'ready') return deliverLocally();
      // Published here rather than through the Redis target, whose publish promise is not handled:
      // a connection lost mid-publish would be an unhandled rejection. It falls back instead.
      publishClient.publish(prefix + event.type, event.detail === undefined ? '' : JSON.stringify(event.detail)).catch((error: Error) => {
        log.warn({ err: error.message, topic: event.type }, 'redis publish failed: delivered in-process only');
        deliverLocally();
      });
      return true;
    },
  };
  return {
    pubSub: createPubSub({ eventTarget: target }) as HubPubSub,
    transport: 'redis',
    connected: () => up,
    async close() {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}

/** An EventTarget without Node's "more than 10 listeners" leak warning: one listener per open subscription is the design. */
function unboundedTarget(): EventTarget {
  const target = new EventTarget();
  setMaxListeners(0, target);
  return target;
}

/** In-process buses and whether a topic has a listener on them. @internal */
const listenedTopics = new WeakMap<HubPubSub, (topic: string) => boolean>();

/**
 * Whether an event published on `topic` can reach anyone: false only when the
 * bus is in-process and nobody listens to that topic now, so that a publisher
 * may skip building what it would publish (issue #13: a bulk push nobody
 * subscribes to costs no per-event publishing work). With Redis, subscribers
 * may be on other instances: always true.
 */
export function hasSubscribers(pubSub: HubPubSub, topic: string): boolean {
  const listened = listenedTopics.get(pubSub);
  return listened ? listened(topic) : true;
}

/** An EventTarget that knows which topics have listeners. @internal */
function countingTarget(target: EventTarget): EventTarget & { listened: (topic: string) => boolean } {
  type Listener = Parameters<EventTarget['addEventListener']>[1];
  const listeners = new Map<string, Set<Listener>>();
  const add = target.addEventListener.bind(target);
  const remove = target.removeEventListener.bind(target);
  return Object.assign(target, {
    addEventListener(topic: string, listener: Listener, options?: Parameters<EventTarget['addEventListener']>[2]) {
      if (listener) {
        const set = listeners.get(topic);
        if (set) set.add(listener);
        else listeners.set(topic, new Set([listener]));
      }
      add(topic, listener, options);
    },
    removeEventListener(topic: string, listener: Listener, options?: Parameters<EventTarget['removeEventListener']>[2]) {
      const set = listeners.get(topic);
      if (set && listener && set.delete(listener) && !set.size) listeners.delete(topic);
      remove(topic, listener, options);
    },
    listened: (topic: string) => listeners.has(topic),
  });
}

/**
 * A subscription's events, each event expanded into the values `each` gives for it (e.g. the prices of one stored
 * batch, src/pricing/price.events.ts): a flat-map over a pub/sub stream that, like graphql-yoga's own `filter`,
 * ends the source when the subscriber leaves, even while it waits for the next event.
 */
export function expandEvents<T, U>(source: AsyncIterable<T>, each: (value: T) => Iterable<U>): AsyncIterable<U> {
  return new Repeater<U>(async (push, stop) => {
    const iterator = source[Symbol.asyncIterator]();
    void stop.then(() => iterator.return?.());
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      for (const value of each(next.value)) await push(value);
    }
    stop();
  });
}
