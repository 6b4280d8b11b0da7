import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../platform/logger.js';
import type { HubPubSub } from '../platform/pubsub.js';
import { Loaders } from './loaders.js';

/** What every resolver receives: its own EntityManager fork and batch loaders. */
export interface HubContext {
  em: EntityManager;
  loaders: Loaders;
  log: Logger;
  pubSub: HubPubSub;
}

/** One forked EntityManager per HTTP request and per subscription operation. */
export function createContext(rootEm: EntityManager, log: Logger, pubSub: HubPubSub): HubContext {
  const em = rootEm.fork({ clear: true });
  return { em, loaders: new Loaders(em), log, pubSub };
}
