import { GraphQLObjectType, getNamedType, isAbstractType, isLeafType, isListType, isNonNullType, type GraphQLResolveInfo } from 'graphql';
import type { HubContext } from '../graphql/context.js';
import { HiddenRowError } from '../policy/access.errors.js';
import { RowRuleKind, type RowRule } from '../policy/row-rule.js';
import { entityOfType, rowRuleOf } from './row-rules.js';

/** Per operation: which types the viewer sees whole, and which rows were found visible (for rules that go through a parent). */
interface GuardState {
  whole: Map<string, boolean>;
  seen: Set<string>;
}
const states = new WeakMap<object, GuardState>();
/** Rows remembered per operation, at most (a long subscription must not grow without bound). */
const MAX_SEEN = 10_000;

const passes = (rule: RowRule | undefined) => rule !== undefined && (rule.kind === RowRuleKind.PUBLIC || rule.kind === RowRuleKind.WRAPPER);

/**
 * Applies the row rule of a field's type to the value a resolver returned
 * (issue #11, fail closed by construction): for every object of a scoped or
 * admin-only type, the rule's `test` decides from the row itself; a row that
 * does not carry what the rule needs (a plain row, an unloaded reference) is
 * re-read by primary key through the request's scoped EntityManager; a type
 * with no rule, or an object whose type cannot be told, is hidden.
 *
 * Hidden rows are left out of lists of non-null items, become null in lists
 * of nullable items (`nodes(ids:)` keeps its positions) and in nullable
 * fields, and raise HiddenRowError in non-null fields and at the root of a
 * subscription (the transport drops the event). Types whose rule lets every
 * row through (reference data, wrappers) cost one map lookup.
 */
export async function guardRows(context: HubContext, info: GraphQLResolveInfo, value: object): Promise<unknown> {
  const named = getNamedType(info.returnType);
  if (isLeafType(named)) return value;
  const concrete = named instanceof GraphQLObjectType ? named.name : undefined;
  if (concrete && passes(rowRuleOf(concrete))) return value;

  const state = stateOf(context);
  const visible = async (row: unknown): Promise<boolean> => {
    if (row == null) return true;
    if (typeof row !== 'object') return false;
    const typeName = concrete ?? typeNameOf(row, info);
    if (!typeName) return false;
    return rowVisible(context, state, typeName, row as Record<string, unknown>);
  };

  const atSubscriptionRoot = info.parentType.name === 'Subscription';
  let type = info.returnType;
  if (isNonNullType(type)) type = type.ofType;
  if (isListType(type) && Array.isArray(value)) {
    const itemsNullable = !isNonNullType(type.ofType);
    const verdicts = await Promise.all(value.map(visible));
    if (verdicts.every(Boolean)) return value;
    if (atSubscriptionRoot) throw new HiddenRowError();
    return itemsNullable ? value.map((row, i) => (verdicts[i] ? row : null)) : value.filter((_, i) => verdicts[i]);
  }
  if (await visible(value)) return value;
  if (atSubscriptionRoot || isNonNullType(info.returnType)) throw new HiddenRowError();
  return null;
}

async function rowVisible(context: HubContext, state: GuardState, typeName: string, row: Record<string, unknown>): Promise<boolean> {
  const rule = rowRuleOf(typeName);
  if (!rule) return false;
  if (passes(rule)) return true;
  let whole = state.whole.get(typeName);
  if (whole === undefined) {
    whole = rule.where(context.viewer) === true;
    state.whole.set(typeName, whole);
  }
  if (whole) return true;
  const seen = (type: string, id: string) => state.seen.has(`${type}:${id}`);
  let verdict = rule.test(context.viewer, row, seen);
  if (verdict === undefined) verdict = await reread(context, typeName, row);
  if (verdict && row.id != null) {
    if (state.seen.size >= MAX_SEEN) state.seen.clear();
    state.seen.add(`${typeName}:${String(row.id)}`);
  }
  return verdict;
}

/** The row read again through the viewer's scoped reads (its SQL predicate decides); false when it cannot be. */
async function reread(context: HubContext, typeName: string, row: Record<string, unknown>): Promise<boolean> {
  const entity = entityOfType(typeName);
  if (!entity) return false;
  const pk = context.em.getMetadata().find(entity)?.primaryKeys[0] ?? 'id';
  const key = row[pk];
  if (typeof key !== 'string' && typeof key !== 'number') return false;
  return (await context.loaders.byKey(entity, key)) != null;
}

/** The concrete type of an object returned for an interface or union: `__typename`, else the class name, if it is one of the possible types. */
function typeNameOf(row: object, info: GraphQLResolveInfo): string | undefined {
  const named = getNamedType(info.returnType);
  const name = (row as { __typename?: unknown }).__typename ?? row.constructor?.name;
  if (typeof name !== 'string' || !isAbstractType(named)) return undefined;
  const type = info.schema.getType(name);
  return type instanceof GraphQLObjectType && info.schema.isSubType(named, type) ? name : undefined;
}

function stateOf(context: HubContext): GuardState {
  let state = states.get(context.accessRecord);
  if (!state) {
    state = { whole: new Map(), seen: new Set() };
    states.set(context.accessRecord, state);
  }
  return state;
}
