import type { AuthCheckerFn } from 'type-graphql';
import type { HubContext } from '../graphql/context.js';
import { ForbiddenError, UnauthenticatedError } from '../policy/access.errors.js';
import { Role } from '../policy/role.js';

// The rest of the schema-side policy (default write policy, masking, subscriber row checks, audit counts) is
// decided per field when the schema is built: src/access/field-policy.ts (issue #10).

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
