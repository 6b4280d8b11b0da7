import { Role } from './role.js';
import type { Viewer } from './viewer.js';

/**
 * A condition on an entity's rows in MikroORM's filter language
 * (`{ courier: 12 }`, `{ shipment: { platform: 3 } }`): the ORM turns it into
 * the SQL predicate of every statement that fetches the rows.
 */
export type RowCondition = Record<string, unknown>;

/**
 * Which rows of a type a viewer may see (issue #11 "fail closed by
 * construction", issue #10 "row scopes as SQL predicates"): `true` every
 * row, `false` none, or a condition the reads put into their SQL.
 */
export type RowScope = boolean | RowCondition;

/** What a rule says of one row already in hand: visible, hidden, or `undefined` when the row does not carry what the rule needs (then it is re-read through the scoped reads). */
export type RowVerdict = boolean | undefined;

/**
 * Who may see which rows of one GraphQL object type. Every object type of the
 * schema declares one (src/access/row-rules.ts); the schema refuses to build
 * when a type has none. The same rule is applied twice, as data:
 * - `where`: the SQL predicate of reads (MikroORM filters on the request's
 *   EntityManager, and whatever read path asks `rowScopeOf`);
 * - `test`: the check of a row that reached a field without a scoped read
 *   (subscription payloads, plain objects), run by the access middleware on
 *   every field that returns the type.
 */
export interface RowRule {
  /** How the rule is explained in the README and the role × type table. */
  readonly kind: RowRuleKind;
  where(viewer: Viewer): RowScope;
  test(viewer: Viewer, row: Record<string, unknown>, seen?: SeenRows): RowVerdict;
  /**
   * Declared by a rule that is its parent's rule through a many-to-one relation (a parcel's events: the parcel's
   * rule through `shipment`): every condition `where` returns is `{ [relation]: <typeName's where for the same
   * viewer> }`. A read of these rows under a parent row of `typeName` that already passed its own rule, joined on
   * that relation, may then leave the condition out (src/query-compiler). Only a declaration: the compiler still
   * compares both conditions for each viewer and keeps the predicate when they differ (fail closed).
   */
  readonly through?: { readonly relation: string; readonly typeName: string };
}

/** Whether a row of a type was already found visible in this operation (e.g. the parcel whose `events` are being resolved). */
export type SeenRows = (typeName: string, id: string) => boolean;

export enum RowRuleKind {
  /** Reference data (regions, catalogue, markets, couriers): every caller, every row. */
  PUBLIC = 'PUBLIC',
  /** Holds no row data of its own (connections, edges, payloads, aggregates computed for the caller): each field's own type decides. */
  WRAPPER = 'WRAPPER',
  /** The hub's own administration (keys, organisations, audit): ADMIN only. */
  ADMIN = 'ADMIN',
  /** Rows owned by a courier or a platform: its own, or all for OFFICIAL and ADMIN (see each rule). */
  SCOPED = 'SCOPED',
}

const always = (): true => true;

/** Every row, for every caller (reference data). */
export const publicRows: RowRule = { kind: RowRuleKind.PUBLIC, where: always, test: always };

/** No rows of its own: a connection, an edge, a payload, an aggregate the resolver computed for this caller. */
export const wrapperRows: RowRule = { kind: RowRuleKind.WRAPPER, where: always, test: always };

/** ADMIN only. */
export const adminRows: RowRule = {
  kind: RowRuleKind.ADMIN,
  where: (viewer) => viewer.role === Role.ADMIN,
  test: (viewer) => viewer.role === Role.ADMIN,
};

/** A scoped rule from its two forms (kept side by side so that they cannot drift apart unnoticed). */
export function scopedRows(where: RowRule['where'], test: RowRule['test'], through?: RowRule['through']): RowRule {
  return through ? { kind: RowRuleKind.SCOPED, where, test, through } : { kind: RowRuleKind.SCOPED, where, test };
}

/** The primary key of a many-to-one value: an id, an entity or reference (`{ id }`), or a plain row's `<name>Id`. @internal */
export function refId(row: Record<string, unknown>, relation: string): string | null | undefined {
  const value = row[relation];
  if (value === undefined) {
    const flat = row[`${relation}Id`] ?? row[`${relation}_id`];
    return flat === undefined ? undefined : flat === null ? null : String(flat);
  }
  if (value === null) return null;
  if (typeof value === 'object') {
    const id = (value as { id?: unknown }).id;
    return id == null ? undefined : String(id);
  }
  return String(value);
}

/** A related row when it is loaded (an initialised entity or a nested plain object), else undefined. @internal */
export function loadedRef(row: Record<string, unknown>, relation: string): Record<string, unknown> | null | undefined {
  const value = row[relation];
  if (value === null) return null;
  if (value === undefined) return row[`${relation}Id`] === null || row[`${relation}_id`] === null ? null : undefined;
  if (typeof value !== 'object') return undefined;
  // A MikroORM reference not yet loaded carries only its key: it cannot answer for its own relations.
  const helper = (value as { __helper?: { __initialized?: boolean } }).__helper;
  if (helper && helper.__initialized === false) return undefined;
  return value as Record<string, unknown>;
}

const declared = new Map<string, RowRule>();

/**
 * Declares the row rule of a GraphQL object type by name. Declared where the
 * type is made (connection and edge types in src/relay) or in the table of
 * src/access/row-rules.ts; declaring a type twice with different rules is a
 * programming error.
 */
export function declareRows(typeName: string, rule: RowRule): void {
  const known = declared.get(typeName);
  if (known && known !== rule) throw new Error(`Row rule of ${typeName} declared twice.`);
  declared.set(typeName, rule);
}

/** The declared row rule of a GraphQL object type, or undefined. */
export function declaredRowRule(typeName: string): RowRule | undefined {
  return declared.get(typeName);
}
