import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../platform/logger.js';
import type { HubPubSub } from '../platform/pubsub.js';
import type { Viewer } from '../policy/viewer.js';
import type { AccessRecord } from '../policy/access-record.js';
import type { Loaders } from './loaders.js';

/** What every resolver receives: its own EntityManager fork and batch loaders (made by src/hub-context.ts). */
export interface HubContext {
  em: EntityManager;
  loaders: Loaders;
  log: Logger;
  pubSub: HubPubSub;
  /** Who is calling (issue #6); the fork above is already scoped to the rows this viewer may see. */
  viewer: Viewer;
  /** Classified fields and rows returned, for the audit trail. */
  accessRecord: AccessRecord;
  /** Relay object identification: loads an object by its global ID, or null (unknown type or ID, or not visible). */
  nodes: NodeLoader;
}

/** Loads objects of the schema's Node types by global ID (built by the composition root). */
export interface NodeLoader {
  load(globalId: string): Promise<object | null>;
}
