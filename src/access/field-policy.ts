import {
  defaultFieldResolver,
  getNamedType,
  isLeafType,
  isObjectType,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import type { HubContext } from '../graphql/context.js';
import { ForbiddenError, UnauthenticatedError } from '../policy/access.errors.js';
import { classificationOf, type Classification } from '../policy/classification.js';
import { applyMask } from '../policy/masking.js';
import { guardRows } from './row-guard.js';
import { rowRuleOf } from './row-rules.js';
import { RowRuleKind } from '../policy/row-rule.js';
import { DataClass, KeyScope, Role } from '../policy/role.js';
import { mayUnmaskPersonal, type Viewer } from '../policy/viewer.js';

type Resolver = GraphQLFieldResolver<unknown, HubContext>;

/**
 * Access control decided per type and field once, when the schema is built
 * (issue #10). It replaced a type-graphql global middleware that ran on every
 * resolved field (an async chain of three promises per scalar, 600 fields in
 * a nested price list) although most fields carry nothing classified:
 *
 * - Mutation fields: the default write policy, before the resolver;
 * - fields returning objects of a scoped type (or an interface or union): the row rules (issue #11,
 *   src/access/row-guard.ts), on whatever path they are reached, subscription payloads included;
 * - classified fields (`@classified`, PERSONAL or COMMERCIAL): masking and the audit record;
 * - every other field keeps its own resolver, untouched;
 * - rows returned (for the audit trail) are counted once per object as graphql-js
 *   completes it (`isTypeOf`), not once per field.
 *
 * `@Authorized(...)` rules stay type-graphql's (`authChecker`, applied by
 * type-graphql to the fields that declare them only).
 */
export function applyFieldPolicy(schema: GraphQLSchema): GraphQLSchema {
  const mutation = schema.getMutationType();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields()) as GraphQLField<unknown, HubContext>[]) {
      let resolve: Resolver = field.resolve ?? defaultFieldResolver;
      const classification = classificationOf(field as GraphQLField<unknown, unknown>);
      if (classification && classification.level !== DataClass.PUBLIC) resolve = masked(resolve, `${type.name}.${field.name}`, classification);
      if (type === mutation) resolve = mutationPolicy(resolve);
      if (mayCarryScopedRows(field)) resolve = rowGuarded(resolve);
      field.resolve = resolve;
    }
    // Every abstract type of the schema has its own resolveType (type-graphql), so isTypeOf is only asked when
    // graphql-js completes an object of this type: once per row returned, whatever the number of fields selected.
    const isTypeOf = type.isTypeOf;
    type.isTypeOf = (value, context: HubContext, info) => {
      if (value && typeof value === 'object' && 'globalId' in value) context.accessRecord?.row(value);
      return isTypeOf ? isTypeOf(value, context, info) : true;
    };
  }
  return schema;
}

let guardedMutations: Set<string> | undefined;

/** Mutations whose resolver carries `@Authorized(...)`: their rule replaces the ADMIN-only default. */
function hasOwnRule(fieldName: string): boolean {
  guardedMutations ??= new Set(
    getMetadataStorage()
      .mutations.filter((m) => m.roles !== undefined)
      .map((m) => m.schemaName),
  );
  return guardedMutations.has(fieldName);
}

/** Whether a COMMERCIAL value is shown in clear: to the firm itself (row scope guarantees ownership), officials and admins. */
export function mayReadCommercial(viewer: Viewer): boolean {
  return viewer.role === Role.ADMIN || viewer.role === Role.OFFICIAL || viewer.role === Role.PLATFORM;
}

const isPromise = (value: unknown): value is Promise<unknown> => typeof (value as Promise<unknown> | null)?.then === 'function';

/**
 * Masks a classified field's value unless the viewer may see it in clear, and
 * notes the field (and, for PERSONAL data, the record) for the audit trail.
 */
function masked(resolve: Resolver, name: string, classification: Classification): Resolver {
  const personal = classification.level === DataClass.PERSONAL;
  const finish = (value: unknown, root: unknown, context: HubContext) => {
    if (value == null) return value;
    context.accessRecord.classified(name, classification.level, root, personal);
    const clear = personal ? mayUnmaskPersonal(context.viewer) : mayReadCommercial(context.viewer);
    return clear ? value : applyMask(classification.mask, value);
  };
  return (root, args, context, info) => {
    const value = resolve(root, args, context, info);
    return isPromise(value) ? value.then((v) => finish(v, root, context)) : finish(value, root, context);
  };
}

/**
 * The default policy for mutations: a key with the WRITE scope, and ADMIN only
 * unless the resolver declares its roles with `@Authorized(Role.X, ...)`
 * (checked by `authChecker`). A root query or subscription must declare its
 * roles or be listed as open (src/access/root-access.ts), or the schema does
 * not build: a resolver added without any thought to access is not written.
 */
function mutationPolicy(resolve: Resolver): Resolver {
  return (root, args, context, info) => {
    enforceWritePolicy(context.viewer, info);
    return resolve(root, args, context, info);
  };
}

function enforceWritePolicy(viewer: Viewer, info: GraphQLResolveInfo): void {
  if (viewer.role === null) throw new UnauthenticatedError('Writing needs an API key or bearer token; anonymous demo access is read-only.');
  if (!viewer.scopes.includes(KeyScope.WRITE))
    throw new ForbiddenError(`This key is read-only (scopes: ${viewer.scopes.join(', ')}); "${info.fieldName}" needs the WRITE scope.`);
  if (!hasOwnRule(info.fieldName) && viewer.role !== Role.ADMIN) {
    throw new ForbiddenError(`"${info.fieldName}" is not open to the ${viewer.role} role.`);
  }
}

/**
 * Whether a field's values need the row rules: objects of a type whose rule
 * lets every row through (reference data, wrappers such as connections) do not;
 * scoped and admin-only types, types without a rule and abstract types do.
 */
function mayCarryScopedRows(field: GraphQLField<unknown, HubContext>): boolean {
  const named = getNamedType(field.type);
  if (isLeafType(named)) return false;
  if (!isObjectType(named)) return true;
  const kind = rowRuleOf(named.name)?.kind;
  return kind !== RowRuleKind.PUBLIC && kind !== RowRuleKind.WRAPPER;
}

/** Rows the viewer may not see never leave (issue #11): see `guardRows`. */
function rowGuarded(resolve: Resolver): Resolver {
  const guard = (value: unknown, context: HubContext, info: GraphQLResolveInfo) =>
    value != null && typeof value === 'object' ? guardRows(context, info, value) : value;
  return (root, args, context, info) => {
    const value = resolve(root, args, context, info);
    return isPromise(value) ? value.then((v) => guard(v, context, info)) : guard(value, context, info);
  };
}
