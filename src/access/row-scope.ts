import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '../policy/viewer.js';
import type { RowScope } from '../policy/row-rule.js';
import { entityRules, rowRuleOf } from './row-rules.js';

/** A condition no row meets (the primary keys are positive). */
const NOTHING = { id: { $lt: 0 } };

/**
 * Row-level scoping as SQL predicates: every entity-backed rule of
 * src/access/row-rules.ts becomes a MikroORM filter on the request's forked
 * EntityManager, so every `em.find`, every DataLoader (`ref`, `byKey`, `many`,
 * hence `node(id)`) and every connection (`paginate` applies the filters to
 * its query builder) fetches only the rows the viewer may see.
 *
 * Raw SQL (`em.execute`) is not filtered: it is how aggregates are computed,
 * and aggregates are what other roles may see. A read path of its own asks
 * `rowScopeOf` for the predicate to put in its statement.
 */
export function applyRowScope(em: EntityManager, viewer: Viewer): void {
  for (const [entity, rule] of entityRules()) {
    const scope = rule.where(viewer);
    if (scope === true) continue;
    em.addFilter({ name: `rows:${entity.name}`, entity: [entity], cond: scope === false ? NOTHING : scope });
  }
}

/**
 * The rows of a GraphQL type a viewer may see, for read paths that build
 * their own statements: `true` all, `false` none, or a MikroORM condition.
 * A type that declares no rule yields `false` (fail closed).
 */
export function rowScopeOf(typeName: string, viewer: Viewer): RowScope {
  return rowRuleOf(typeName)?.where(viewer) ?? false;
}
