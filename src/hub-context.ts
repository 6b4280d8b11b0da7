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

/** The request's fork and loaders, made on first use; shared by every copy of its context. @internal */
class LazyScope {
  #em?: EntityManager;
  #loaders?: Loaders;
  #nodes?: NodeLoader;

  constructor(
    private readonly rootEm: EntityManager,
    private readonly viewer: Viewer,
  ) {}

  em(): EntityManager {
    if (!this.#em) {
      this.#em = this.rootEm.fork({ clear: true });
      applyRowScope(this.#em, this.viewer);
    }
    return this.#em;
  }

  loaders(): Loaders {
    return (this.#loaders ??= new Loaders(this.em(), PREFETCH));
  }

  nodes(): NodeLoader {
    return (this.#nodes ??= nodeLoader(this.loaders()));
  }
}

/**
 * A request's context. `em`, `loaders` and `nodes` are getters on the
 * prototype over one shared LazyScope, so that Apollo Server's copy of the
 * context (`Object.assign` onto an object of the same prototype, once per
 * operation) neither makes them nor gets a second fork.
 */
class RequestContext implements HubContext {
  readonly accessRecord = new AccessRecord();

  constructor(
    readonly log: Logger,
    readonly pubSub: HubPubSub,
    readonly viewer: Viewer,
    private readonly scope: LazyScope,
  ) {}

  get em(): EntityManager {
    return this.scope.em();
  }

  get loaders(): Loaders {
    return this.scope.loaders();
  }

  get nodes(): NodeLoader {
    return this.scope.nodes();
  }
}

/**
 * One forked EntityManager per HTTP request and per subscription operation,
 * with the viewer's row scope applied to it (src/access/row-scope.ts). The
 * fork and its loaders are made when first asked for: an operation answered by
 * the query compiler (src/query-compiler) never needs them (issue #10).
 */
export function createContext(rootEm: EntityManager, log: Logger, pubSub: HubPubSub, viewer: Viewer = anonymousViewer()): HubContext {
  return new RequestContext(log, pubSub, viewer, new LazyScope(rootEm, viewer));
}
