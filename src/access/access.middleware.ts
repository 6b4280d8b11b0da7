import type { GraphQLResolveInfo } from 'graphql';
import { guardRows } from './row-guard.js';
import { getMetadataStorage, type AuthCheckerFn, type MiddlewareFn } from 'type-graphql';
import type { HubContext } from '../graphql/context.js';
import { ForbiddenError, UnauthenticatedError } from '../policy/access.errors.js';
import { classificationOf } from '../policy/classification.js';
import { applyMask } from '../policy/masking.js';
import { DataClass, KeyScope, Role } from '../policy/role.js';
import { mayUnmaskPersonal, type Viewer } from '../policy/viewer.js';

let guardedMutations: Set<string> | undefined;

/** Mutations whose resolver carries `@Authorized(...)`: their rule replaces the ADMIN-only default. */
function hasOwnRule(fieldName: string): boolean {
  guardedMutations ??= new Set(getMetadataStorage().mutations.filter((m) => m.roles !== undefined).map((m) => m.schemaName));
  return guardedMutations.has(fieldName);
}

/** Whether a COMMERCIAL value is shown in clear: to the firm itself (row scope guarantees ownership), officials and admins. */
function mayReadCommercial(viewer: Viewer): boolean {
  return viewer.role === Role.ADMIN || viewer.role === Role.OFFICIAL || viewer.role === Role.PLATFORM;
}

/**
 * Default policy for root fields:
 * - queries and subscriptions: every authenticated role, and anonymous callers in demo mode;
 * - mutations: a key with the WRITE scope, and ADMIN only unless the resolver
 *   declares its roles with `@Authorized(Role.X, ...)` (checked by `authChecker`).
 * So a resolver added without any thought to access is readable and not writable.
 */
function enforceRootPolicy(viewer: Viewer, info: GraphQLResolveInfo): void {
  if (info.parentType.name !== 'Mutation') return;
  if (viewer.role === null) throw new UnauthenticatedError('Writing needs an API key or bearer token; anonymous demo access is read-only.');
  if (!viewer.scopes.includes(KeyScope.WRITE)) throw new ForbiddenError(`This key is read-only (scopes: ${viewer.scopes.join(', ')}); "${info.fieldName}" needs the WRITE scope.`);
  if (!hasOwnRule(info.fieldName) && viewer.role !== Role.ADMIN) {
    throw new ForbiddenError(`"${info.fieldName}" is not open to the ${viewer.role} role.`);
  }
}

/**
 * The one access middleware, registered globally (schema.ts): root-field
 * policy, then, on the way out, row visibility for subscription payloads,
 * masking of classified fields, and the counts the audit trail records.
 */
export const accessMiddleware: MiddlewareFn<HubContext> = async ({ context, info, root }, next) => {
  const viewer = context.viewer;
  const isRoot = info.path.prev === undefined;
  if (isRoot) enforceRootPolicy(viewer, info);
  let value = await next();
  const record = context.accessRecord;
  if (root && typeof root === 'object' && 'globalId' in root) record.row(root);
  // Rows the viewer may not see never leave, whichever path brought them here (issue #11): queries,
  // node/nodes, nested fields, subscription payloads (ORM entities and plain objects alike).
  if (value != null && typeof value === 'object') value = await guardRows(context, info, value);
  const classification = classificationOf(info.parentType.getFields()[info.fieldName]);
  if (!classification || value == null || classification.level === DataClass.PUBLIC) return value;
  const personal = classification.level === DataClass.PERSONAL;
  record.classified(`${info.parentType.name}.${info.fieldName}`, classification.level, root, personal);
  const clear = personal ? mayUnmaskPersonal(viewer) : mayReadCommercial(viewer);
  return clear ? value : applyMask(classification.mask, value);
};

/**
 * type-graphql authChecker for `@Authorized(...roles)`: ADMIN passes every
 * rule; `@Authorized()` with no roles means any authenticated caller.
 */
export const authChecker: AuthCheckerFn<HubContext, Role> = ({ context, info }, roles) => {
  const viewer = context.viewer;
  if (viewer.role === null) throw new UnauthenticatedError(`"${info.fieldName}" needs an API key or bearer token.`);
  if (roles.length === 0 || viewer.role === Role.ADMIN || roles.includes(viewer.role)) return true;
  throw new ForbiddenError(`"${info.fieldName}" needs the role ${roles.join(' or ')}; this caller is ${viewer.role}.`);
};
