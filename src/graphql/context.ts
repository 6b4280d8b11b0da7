import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../platform/logger.js';
import type { HubPubSub } from '../platform/pubsub.js';
import { anonymousViewer, type Viewer } from '../access/viewer.js';
import { AccessRecord } from '../access/access-record.js';
import { applyRowScope } from '../access/row-scope.js';
import { Loaders, type Prefetch } from './loaders.js';
import { Region } from '../regions/region.entity.js';
import { ancestorCodes } from '../regions/region.service.js';

/** A region is loaded with its ancestors (their codes are prefixes of its own). */
const PREFETCH: Prefetch = new Map([[Region, (codes) => codes.flatMap(ancestorCodes)]]);

/** What every resolver receives: its own EntityManager fork and batch loaders. */
export interface HubContext {
  em: EntityManager;
  loaders: Loaders;
  log: Logger;
  pubSub: HubPubSub;
  /** Who is calling (issue #6); the fork above is already scoped to the rows this viewer may see. */
  viewer: Viewer;
  /** Classified fields and rows returned, for the audit trail. */
  accessRecord: AccessRecord;
}

/**
 * One forked EntityManager per HTTP request and per subscription operation,
 * with the viewer's row scope applied to it (src/access/row-scope.ts).
 */
export function createContext(rootEm: EntityManager, log: Logger, pubSub: HubPubSub, viewer: Viewer = anonymousViewer()): HubContext {
  const em = rootEm.fork({ clear: true });
  applyRowScope(em, viewer);
  return { em, loaders: new Loaders(em, PREFETCH), log, pubSub, viewer, accessRecord: new AccessRecord() };
}
