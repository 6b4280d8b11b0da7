import { defaultFieldResolver, isObjectType, type GraphQLField, type GraphQLFieldResolver, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import type { HubContext } from '../graphql/context.js';
import { ForbiddenError, HiddenRowError, UnauthenticatedError } from '../policy/access.errors.js';
import { classificationOf, type Classification } from '../policy/classification.js';
import { applyMask } from '../policy/masking.js';
import { rowVisible } from './row-scope.js';
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
 * - Subscription fields: the subscriber's row visibility of each payload;
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
  const subscription = schema.getSubscriptionType();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields()) as GraphQLField<unknown, HubContext>[]) {
      let resolve: Resolver = field.resolve ?? defaultFieldResolver;
      const classification = classificationOf(field as GraphQLField<unknown, unknown>);
      if (classification && classification.level !== DataClass.PUBLIC) resolve = masked(resolve, `${type.name}.${field.name}`, classification);
      if (type === mutation) resolve = mutationPolicy(resolve);
      if (type === subscription) resolve = subscriberRowPolicy(resolve);
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
  guardedMutations ??= new Set(getMetadataStorage().mutations.filter((m) => m.roles !== undefined).map((m) => m.schemaName));
  return guardedMutations.has(fieldName);
}

/** Whether a COMMERCIAL value is shown in clear: to the firm itself (row scope guarantees ownership), officials and admins. */
function mayReadCommercial(viewer: Viewer): boolean {
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
 * (checked by `authChecker`). Queries and subscriptions are open to every
 * authenticated role and to anonymous callers in demo mode. So a resolver
 * added without any thought to access is readable and not writable.
 */
function mutationPolicy(resolve: Resolver): Resolver {
  return (root, args, context, info) => {
    enforceWritePolicy(context.viewer, info);
    return resolve(root, args, context, info);
  };
}

function enforceWritePolicy(viewer: Viewer, info: GraphQLResolveInfo): void {
  if (viewer.role === null) throw new UnauthenticatedError('Writing needs an API key or bearer token; anonymous demo access is read-only.');
  if (!viewer.scopes.includes(KeyScope.WRITE)) throw new ForbiddenError(`This key is read-only (scopes: ${viewer.scopes.join(', ')}); "${info.fieldName}" needs the WRITE scope.`);
  if (!hasOwnRule(info.fieldName) && viewer.role !== Role.ADMIN) {
    throw new ForbiddenError(`"${info.fieldName}" is not open to the ${viewer.role} role.`);
  }
}

/** A subscription payload the subscriber may not see is dropped (HiddenRowError), not sent. */
function subscriberRowPolicy(resolve: Resolver): Resolver {
  return async (root, args, context, info) => {
    const value = await resolve(root, args, context, info);
    if (value && typeof value === 'object' && !(await visibleToSubscriber(context, value))) throw new HiddenRowError();
    return value;
  };
}

/**
 * Subscription payloads are published by whoever wrote the row, so they never
 * went through the subscriber's scoped queries: a row of a scoped entity is
 * re-read by primary key through the subscriber's DataLoader (whose
 * EntityManager carries the row filters); if that finds nothing, the event is
 * dropped. OFFICIAL, ADMIN and demo callers see every row of non-admin types.
 */
async function visibleToSubscriber(context: HubContext, value: object): Promise<boolean> {
  const viewer = context.viewer;
  const scoped = viewer.role === Role.COURIER || viewer.role === Role.PLATFORM;
  if (!scoped && viewer.role === Role.ADMIN) return true;
  const meta = context.em.getMetadata().find(value.constructor as new () => object);
  if (!meta) return true;
  if (!scoped && rowVisible(viewer, value)) return true;
  const key = (value as Record<string, unknown>)[meta.primaryKeys[0]];
  if (key == null) return false;
  return (await context.loaders.byKey(meta.class as new () => object, key as string | number)) != null;
}
