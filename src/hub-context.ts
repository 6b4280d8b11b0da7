import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from './platform/logger.js';
import type { HubPubSub } from './platform/pubsub.js';
import { anonymousViewer, type Viewer } from './policy/viewer.js';
import { AccessRecord } from './policy/access-record.js';
import { applyRowScope } from './access/row-scope.js';
import { Loaders, type Prefetch } from './graphql/loaders.js';
import type { HubContext, NodeLoader } from './graphql/context.js';
import { fromGlobalId } from './relay/global-id.js';
import { nodeEntityOf } from './access/row-rules.js';
import { Region } from './regions/region.entity.js';
import { ancestorCodes } from './regions/region.service.js';

/** A region is loaded with its ancestors (their codes are prefixes of its own). */
const PREFETCH: Prefetch = new Map([[Region, (codes) => codes.flatMap(ancestorCodes)]]);

/** `node(id:)`: objects of the Node types that declare a row rule, through the scoped loaders. */
function nodeLoader(loaders: Loaders): NodeLoader {
  return {
    async load(id) {
      const parsed = fromGlobalId(id);
      // Only types with a row rule (issue #11): credentials, webhook signatures, connector state and other
      // internal entities are never loaded by id, whatever the caller.
      const entity = parsed && nodeEntityOf(parsed.type);
      if (!parsed || !entity) return null;
      return loaders.byKey(entity, parsed.key);
    },
  };
}

/**
 * One forked EntityManager per HTTP request and per subscription operation,
 * with the viewer's row scope applied to it (src/access/row-scope.ts). The
 * fork and its loaders are made when first asked for: an operation answered by
 * the query compiler (src/query-compiler) never needs them (issue #10).
 */
export function createContext(rootEm: EntityManager, log: Logger, pubSub: HubPubSub, viewer: Viewer = anonymousViewer()): HubContext {
  let em: EntityManager | undefined;
  let loaders: Loaders | undefined;
  let nodes: NodeLoader | undefined;
  const scopedEm = () => {
    if (!em) {
      em = rootEm.fork({ clear: true });
      applyRowScope(em, viewer);
    }
    return em;
  };
  const scopedLoaders = () => (loaders ??= new Loaders(scopedEm(), PREFETCH));
  return {
    get em() {
      return scopedEm();
    },
    get loaders() {
      return scopedLoaders();
    },
    get nodes() {
      return (nodes ??= nodeLoader(scopedLoaders()));
    },
    log,
    pubSub,
    viewer,
    accessRecord: new AccessRecord(),
  };
}
