import { createHash } from 'node:crypto';
import {
  getArgumentValues,
  getNamedType,
  GraphQLEnumType,
  GraphQLObjectType,
  isListType,
  isNonNullType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { EntityMetadata, EntityProperty, MetadataStorage } from '@mikro-orm/core';
import { classificationOf } from '../policy/classification.js';
import { DataClass } from '../policy/role.js';
import { mayUnmaskPersonal, type Viewer } from '../policy/viewer.js';
import { RowRuleKind, type RowCondition, type RowRule } from '../policy/row-rule.js';
import type { MaskKind } from '../policy/masking.js';
import { entityOfType, nodeEntityOf, rowRuleOf } from '../access/row-rules.js';
import { mayReadCommercial } from '../access/field-policy.js';
import { COLUMNS, NESTED_LISTS, NotCompilable, ROOT_LISTS, TO_ONE, type ListRead, type Order } from './read-model.js';

/**
 * The query compiler (issue #10): a whole query operation over the fields of
 * src/query-compiler/read-model.ts becomes ONE SQL statement whose single
 * value is the response's `data` as JSON (json_build_object / json_agg
 * subqueries, as PostGraphile does), with
 * - the viewer's row scope (the same `where` of src/access/row-rules.ts the
 *   EntityManager's filters apply) in the WHERE of every table read; a type
 *   without a row rule, or a rule whose condition the compiler cannot
 *   translate, is not compiled (fail closed: graphql-js runs it);
 * - classified fields masked on the JSON with the same functions and the same
 *   decision as the field policy (src/access/field-policy.ts), and noted in
 *   the access record for the audit trail exactly as the field policy notes them.
 *
 * A plan depends on the operation, the argument values and the viewer's
 * visibility class; the plugin caches it per document.
 */

/** Where a leaf's value needs work after the statement: a global ID, an enum name, a mask. */
interface Leaf {
  kind: 'leaf';
  key: string;
  nonNull: boolean;
  globalIdOf?: string;
  enumNames?: Map<unknown, string>;
  /** A timestamptz as PostgreSQL's JSON writes it, to be written as Date#toISOString does (finish.ts). */
  isoTime?: boolean;
  classified?: { name: string; level: DataClass; mask: MaskKind; clear: boolean; personal: boolean };
}
interface Nested {
  kind: 'object' | 'list';
  key: string;
  nonNull: boolean;
  shape: Shape;
}
type FieldShape = Leaf | Nested;

/** How to finish one JSON object: its fields, and whether it is a row the access record counts. */
export interface Shape {
  typeName: string;
  fields: FieldShape[];
  /** Whether this is a Node row, which the access record counts once per object (`AccessRecord.row`). */
  row: boolean;
  /**
   * How graphql-js execution would tell two rows apart: undefined, each JSON object is its own object (a page read
   * for this field); else rows of the same key under the same name are one object (a DataLoader's cache: a
   * many-to-one reference, a parcel's events, a market's first page of prices).
   */
  identity?: string;
  /** Whether anything below needs a pass (ids, enums, masks, non-null checks, row counts). */
  walk: boolean;
}

export interface Plan {
  /** Prepared-statement name (a hash of the text). */
  name: string;
  text: string;
  values: unknown[];
  shape: Shape;
  /** Whether a classified field is selected (the rows are then counted for the audit row). */
  audited: boolean;
}

/** The key (never a GraphQL name) carrying a many-to-one row's primary key for the row count; removed before the response leaves. */
export const PK = '#pk';

const MAX_PAIRS = 50; // json_build_object takes at most 100 arguments

type Fragments = Record<string, FragmentDefinitionNode>;

export class QueryCompiler {
  readonly #enumNames = new WeakMap<GraphQLEnumType, Map<unknown, string> | null>();

  /**
   * @param rules the row rules by GraphQL type name (src/access/row-rules.ts); a type without one is never compiled.
   */
  constructor(
    readonly schema: GraphQLSchema,
    private readonly metadata: MetadataStorage,
    readonly rules: (typeName: string) => RowRule | undefined = rowRuleOf,
  ) {}

  /** The plan of a query operation with coerced variables for a viewer, or null when any part of it is not compiled. */
  compile(operation: OperationDefinitionNode, fragments: Fragments, variables: Record<string, unknown>, viewer: Viewer): Plan | null {
    if (operation.operation !== 'query') return null;
    try {
      // Rows are counted (hence their keys read) only for an operation that reads classified data: only its audit row says how many.
      const first = this.#compile(operation, fragments, variables, viewer, false);
      return first.audited ? this.#compile(operation, fragments, variables, viewer, true) : first;
    } catch (error) {
      if (error instanceof NotCompilable) return null;
      throw error;
    }
  }

  #compile(operation: OperationDefinitionNode, fragments: Fragments, variables: Record<string, unknown>, viewer: Viewer, countRows: boolean): Plan {
    {
      const c = new Compilation(this, fragments, variables, viewer, countRows);
      const query = this.schema.getQueryType()!;
      const pairs: [key: string, sql: string][] = [];
      const fields: FieldShape[] = [];
      for (const [key, node] of c.collect(operation.selectionSet, query)) {
        if (node.name.value === '__typename') {
          pairs.push([key, `'Query'::text`]);
          continue;
        }
        const read = ROOT_LISTS[node.name.value];
        const def = query.getFields()[node.name.value];
        if (!read || !def) throw new NotCompilable(node.name.value);
        const connection = getNamedType(def.type) as GraphQLObjectType;
        const [sql, shape] = c.connection(node, connection, read(c.args(def, node)));
        pairs.push([key, sql]);
        fields.push({ kind: 'object', key, nonNull: isNonNullType(def.type), shape });
      }
      const text = `${c.ctes.length ? `with ${c.ctes.join(', ')} ` : ''}select ${c.object(pairs)} as data`;
      const shape: Shape = { typeName: 'Query', fields, row: false, walk: fields.some((f) => (f as Nested).shape.walk) };
      return { name: `hubq_${createHash('sha1').update(text).digest('base64url')}`, text, values: c.values, shape, audited: c.audited };
    }
  }

  metaOf(typeName: string): EntityMetadata {
    const entity = entityOfType(typeName);
    if (!entity) throw new NotCompilable(typeName);
    return this.metadata.get(entity as never) as EntityMetadata;
  }

  enumNames(type: GraphQLEnumType): Map<unknown, string> | null {
    let names = this.#enumNames.get(type);
    if (names === undefined) {
      const values = type.getValues();
      names = values.every((v) => v.value === v.name) ? null : new Map(values.map((v) => [v.value, v.name]));
      this.#enumNames.set(type, names);
    }
    return names;
  }
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
const isPrimitive = (value: unknown): value is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof value);
const isPlain = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;

/** Whether two row conditions are the same data: plain objects, arrays and primitives only (anything else is never equal: fail closed). @internal */
export function sameCondition(a: unknown, b: unknown): boolean {
  if (a === null || isPrimitive(a)) return a === b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameCondition(x, b[i]));
  if (!isPlain(a) || !isPlain(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameCondition(a[k], b[k]));
}

/** The parent row a nested list is read under: its type and the alias whose rows passed that type's row rule. */
interface Parent {
  typeName: string;
  alias: string;
  /**
   * The parent alias's rows as a FROM item, when they are a list read (a nested list under them may then be read for
   * all of them at once): a root list's rows are a CTE, the same rows as the parent's, read once; a nested list's rows
   * (correlated to their own parent) are their SELECT again.
   */
  rows?: string;
}

/** One compilation: its parameters, its aliases, its viewer. */
class Compilation {
  readonly values: unknown[] = [];
  /** The statement's CTEs (`name as materialized (select ...)`): a root list's rows that a batched nested list reads too. */
  readonly ctes: string[] = [];
  audited = false;
  #aliases = 0;
  /**
   * Aliases whose rows are known to pass their type's row rule for this viewer: every alias a row is read under
   * (list reads and many-to-one reads put the scope, or a scope their parent implies, into their WHERE). Only under
   * such a parent may a nested list leave out a scope that the parent's implies.
   */
  readonly #scoped = new Set<string>();
  /** LEFT JOINs to put after a list read's rows, by the rows' alias: the nested lists read for all of its rows at once. */
  readonly #joins = new Map<string, string[]>();

  constructor(
    private readonly compiler: QueryCompiler,
    private readonly fragments: Fragments,
    private readonly variables: Record<string, unknown>,
    private readonly viewer: Viewer,
    private readonly countRows: boolean,
  ) {}

  param(value: unknown): string {
    // Integers (page sizes, ids of the viewer's own firm) go into the text: a statement without parameters is planned once per connection.
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    this.values.push(value);
    return `$${this.values.length}`;
  }

  alias(): string {
    return `t${++this.#aliases}`;
  }

  args(def: GraphQLField<unknown, unknown>, node: FieldNode): Record<string, unknown> {
    return getArgumentValues(def, node, this.variables);
  }

  /**
   * A JSON object of (response key, SQL value) pairs, as `row_to_json` of a one-row select whose columns are named by
   * the keys (each value goes through the same datum-to-JSON conversion as with `json_build_object`, and the text is
   * compact; measured ~8 % less PostgreSQL CPU on shape c than `json_build_object`, which looks up the type of each
   * argument on every call). A key longer than an identifier may be (63 bytes) would be cut: then json_build_object.
   */
  object(pairs: [key: string, sql: string][]): string {
    if (pairs.length > MAX_PAIRS) throw new NotCompilable('too many fields');
    if (pairs.some(([key]) => Buffer.byteLength(key) > 63)) return `json_build_object(${pairs.map(([key, sql]) => `'${key}', ${sql}`).join(', ')})`;
    return `(select row_to_json(j) from (select ${pairs.map(([key, sql]) => `${sql} as ${quote(key)}`).join(', ')}) j)`;
  }

  /** The fields of a selection set on an object type by response key; directives, other type conditions and repeated keys are left to graphql-js. */
  collect(selectionSet: SelectionSetNode, type: GraphQLObjectType, into = new Map<string, FieldNode>()): Map<string, FieldNode> {
    for (const selection of selectionSet.selections) {
      if (selection.directives?.length) throw new NotCompilable('directive');
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        if (into.has(key) || key.startsWith('#')) throw new NotCompilable('repeated field');
        into.set(key, selection);
        continue;
      }
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? this.fragments[selection.name.value] : selection;
      if (!fragment || (fragment.typeCondition && fragment.typeCondition.name.value !== type.name)) throw new NotCompilable('fragment');
      if (fragment.directives?.length) throw new NotCompilable('directive');
      this.collect(fragment.selectionSet, type, into);
    }
    return into;
  }

  /** A connection (`totalCount`, `nodes`) over a list read. */
  connection(node: FieldNode, type: GraphQLObjectType, read: ListRead, parent?: Parent): [string, Shape] {
    const pairs: [key: string, sql: string][] = [];
    const fields: FieldShape[] = [];
    for (const [key, field] of this.collect(node.selectionSet!, type)) {
      const name = field.name.value;
      if (name === '__typename') pairs.push([key, `'${type.name}'::text`]);
      else if (name === 'totalCount') pairs.push([key, this.count(read, parent)]);
      else if (name === 'nodes') {
        const [sql, shape] = this.list(field, read, parent);
        pairs.push([key, sql]);
        fields.push({ kind: 'list', key, nonNull: true, shape });
      } else throw new NotCompilable(`${type.name}.${name}`);
    }
    return [this.object(pairs), { typeName: type.name, fields, row: false, walk: fields.some((f) => (f as Nested).shape.walk) }];
  }

  /**
   * The WHERE of a list read on alias `p`: its link to the parent row (ListRead.via), its conditions (the driver's
   * too, unless it drives the read) and the viewer's row scope, unless the parent's scope implies it.
   */
  where(read: ListRead, driven = false, parent?: Parent, link?: string): string {
    const conditions =
      read.driver && !driven ? [[`p.${read.driver.column} in (${read.driver.keys[0]})`, read.driver.keys[1]] as const, ...read.conditions] : read.conditions;
    const parts = conditions.map(([sql, params]) => {
      let i = 0;
      return sql.replace(/\?/g, () => this.param(params[i++]));
    });
    if (read.via) parts.unshift(link ?? this.link(read.typeName, read.via, parent));
    const scope = this.impliedBy(read, parent) ? '' : this.scope(read.typeName, 'p');
    if (scope) parts.push(scope);
    return parts.length ? parts.join(' and ') : 'true';
  }

  /** `p.<column of via> = <parent>.<primary key>`: a nested list's rows under its parent row; not compiled without a parent of the relation's target. */
  link(typeName: string, via: string, parent: Parent | undefined): string {
    const [column, key] = this.linkColumns(typeName, via, parent);
    return `p.${column} = ${parent!.alias}.${key}`;
  }

  /** The quoted column of `via` on the rows and the parent's quoted primary key. */
  linkColumns(typeName: string, via: string, parent: Parent | undefined): [column: string, key: string] {
    const meta = this.compiler.metaOf(typeName);
    const prop = meta.properties[via as never] as EntityProperty | undefined;
    if (!parent || !prop || prop.kind !== 'm:1' || prop.fieldNames?.length !== 1) throw new NotCompilable(`${typeName}.${via}`);
    const target = this.compiler.metaOf(parent.typeName);
    if ((prop.targetMeta as EntityMetadata | undefined)?.class !== target.class) throw new NotCompilable(`${typeName}.${via}`);
    return [quote(prop.fieldNames[0]), quote(this.primaryKey(target).fieldNames[0])];
  }

  /**
   * Whether the viewer's row scope of a nested list's rows is implied by its parent row's (issue #10): only when
   * - the rows' rule declares it is the parent type's rule through the very relation the rows are joined on
   *   (RowRule.through, e.g. a parcel's events through `shipment`),
   * - the parent alias's rows passed the parent type's rule in this statement (#scoped),
   * - and, for this viewer, the rows' condition is exactly `{ [via]: <the parent's condition> }` (compared as data).
   * Anything else keeps the predicate (fail closed). Row scope `true` needs no predicate anyway.
   */
  impliedBy(read: ListRead, parent: Parent | undefined): boolean {
    if (!read.via || !parent || !this.#scoped.has(parent.alias)) return false;
    const rule = this.compiler.rules(read.typeName);
    const parentRule = this.compiler.rules(parent.typeName);
    if (!rule?.through || rule.through.relation !== read.via || rule.through.typeName !== parent.typeName) return false;
    if (!parentRule || parentRule.kind === RowRuleKind.WRAPPER || rule.kind === RowRuleKind.WRAPPER) return false;
    const where = rule.where(this.viewer);
    const parentWhere = parentRule.where(this.viewer);
    if (!isPlain(where) || !isPlain(parentWhere)) return false;
    const keys = Object.keys(where);
    return keys.length === 1 && keys[0] === read.via && sameCondition(where[read.via], parentWhere);
  }

  /** `totalCount`: the sum of a table of exact counts where the read allows it (ListRead.counts) and the viewer sees every row, else count(*). */
  count(read: ListRead, parent?: Parent): string {
    if (read.counts && this.scope(read.typeName, 'p') === '') {
      return `(select coalesce(sum(p.n), 0)::int from ${quote(read.counts)} p where ${this.where(read, false, parent)})`;
    }
    return `(select count(*)::int from ${quote(this.compiler.metaOf(read.typeName).tableName)} p where ${this.where(read, false, parent)})`;
  }

  /** A list of rows: a page read in order, aggregated in the same order. */
  list(node: FieldNode, read: ListRead, parent?: Parent): [string, Shape] {
    const type = this.schema().getType(read.typeName) as GraphQLObjectType;
    const meta = this.compiler.metaOf(read.typeName);
    const alias = this.alias();
    const order = (a: string, keys: Order) => keys.map(([column, direction]) => `${a}.${quote(column)} ${direction}`).join(', ');
    const limit = this.param(read.limit);
    // The rows' WHERE first: it holds the row scope (or one the parent implies), so the alias's rows pass their rule.
    let rows: string;
    if (read.driver) {
      const [keys, params] = read.driver.keys;
      let i = 0;
      const keySql = keys.replace(/\?/g, () => this.param(params[i++]));
      const where = this.where(read, true, parent);
      rows =
        `select p.* from (${keySql}) k(key) cross join lateral (select p.* from ${quote(meta.tableName)} p where p.${quote(read.driver.column)} = k.key and ${where} ` +
        `order by ${order('p', read.order)} limit ${limit}) p order by ${order('p', read.order)} limit ${limit}`;
    } else {
      rows = `select p.* from ${quote(meta.tableName)} p where ${this.where(read, false, parent)} order by ${order('p', read.order)} limit ${limit}`;
    }
    this.#scoped.add(alias);
    // Nested lists under these rows are read for all of them at once when they can (batched), their joins kept in #joins.
    // A root list's rows (not correlated to any other alias) are then a materialized CTE, so the page is read once
    // for both: the parent rows and the keys the nested list is read by (issue #10: ~10 % of shape c's statement).
    const cte = parent ? undefined : quote(`#rows_${alias}`);
    const from = cte ?? `(${rows})`;
    const [object, shape] = this.fields(node.selectionSet!, type, alias, read.identity, read.driver ? undefined : from);
    const joins = (this.#joins.get(alias) ?? []).map((join) => ` ${join}`).join('');
    if (cte && joins) this.ctes.push(`${cte} as materialized (${rows})`);
    return [
      `coalesce((select json_agg(${object} order by ${order(alias, read.order)}) from ${cte && joins ? cte : `(${rows})`} ${alias}${joins}), '[]'::json)`,
      shape,
    ];
  }

  /**
   * A nested list (not a connection) read for every row of its parent list at once (issue #10, shape c): one read of
   * the rows whose link is any of the parent rows' keys, numbered per parent in the list's order and cut at its page
   * size, aggregated per parent and LEFT JOINed to the parent rows. The same rows in the same order as one correlated
   * read per parent row, but the table (and each of its partitions) is searched once, not once per parent row.
   */
  batched(node: FieldNode, read: ListRead, parent: Parent & { rows: string }): [string, Shape] {
    const type = this.schema().getType(read.typeName) as GraphQLObjectType;
    const meta = this.compiler.metaOf(read.typeName);
    const [column, key] = this.linkColumns(read.typeName, read.via!, parent);
    const alias = this.alias();
    const joined = this.alias();
    const order = (a: string) => read.order.map(([c, direction]) => `${a}.${quote(c)} ${direction}`).join(', ');
    const limit = this.param(read.limit);
    const where = this.where(read, false, parent, `p.${column} = any(array(select x.${key} from ${parent.rows} x))`);
    this.#scoped.add(alias);
    const [object, shape] = this.fields(node.selectionSet!, type, alias, read.identity);
    const joins = [...(this.#joins.get(parent.alias) ?? [])];
    joins.push(
      `left join (select ${alias}.${column} as k, json_agg(${object} order by ${order(alias)}) as v ` +
        `from (select p.*, row_number() over (partition by p.${column} order by ${order('p')}) as "#n" from ${quote(meta.tableName)} p where ${where}) ${alias} ` +
        `where ${alias}."#n" <= ${limit} group by ${alias}.${column}) ${joined} on ${joined}.k = ${parent.alias}.${key}`,
    );
    this.#joins.set(parent.alias, joins);
    return [`coalesce(${joined}.v, '[]'::json)`, shape];
  }

  schema(): GraphQLSchema {
    return this.compiler.schema;
  }

  /** The JSON object of one row of `type` under `alias`. */
  fields(selectionSet: SelectionSetNode, type: GraphQLObjectType, alias: string, identity: string | undefined, rows?: string): [string, Shape] {
    const meta = this.compiler.metaOf(type.name);
    const columns = COLUMNS[type.name] ?? [];
    const pairs: [key: string, sql: string][] = [];
    const fields: FieldShape[] = [];
    const isNode = nodeEntityOf(type.name) !== undefined;
    let walk = false;
    for (const [key, node] of this.collect(selectionSet, type)) {
      const name = node.name.value;
      const def = type.getFields()[name];
      if (name === '__typename') {
        pairs.push([key, `'${type.name}'::text`]);
        continue;
      }
      if (!def) throw new NotCompilable(`${type.name}.${name}`);
      const nonNull = isNonNullType(def.type);
      if (name === 'id' && isNode) {
        pairs.push([key, `${alias}.${quote(this.primaryKey(meta).fieldNames[0])}`]);
        fields.push({ kind: 'leaf', key, nonNull, globalIdOf: type.name });
        walk = true;
      } else if (columns.includes(name)) {
        const [sql, leaf] = this.leaf(type.name, meta, def, alias, key);
        pairs.push([key, sql]);
        fields.push(leaf);
        walk ||= Boolean(leaf.nonNull || leaf.enumNames || leaf.isoTime || leaf.classified);
      } else if (TO_ONE[type.name]?.[name]) {
        const [sql, shape] = this.toOne(node, def, meta, TO_ONE[type.name][name], alias);
        pairs.push([key, sql]);
        fields.push({ kind: 'object', key, nonNull, shape });
        walk ||= nonNull || shape.walk;
      } else if (NESTED_LISTS[type.name]?.[name]) {
        const read = NESTED_LISTS[type.name][name](this.args(def, node));
        const named = getNamedType(def.type) as GraphQLObjectType;
        const parent: Parent = { typeName: type.name, alias, rows };
        const [sql, shape] = read.connection
          ? this.connection(node, named, read, parent)
          : rows && !read.driver
            ? this.batched(node, read, { ...parent, rows })
            : this.list(node, read, parent);
        pairs.push([key, sql]);
        fields.push({ kind: read.connection ? 'object' : 'list', key, nonNull, shape });
        walk ||= shape.walk;
      } else throw new NotCompilable(`${type.name}.${name}`);
    }
    const counted = isNode && this.countRows;
    if (counted) walk = true;
    if (counted && identity) pairs.push([PK, `${alias}.${quote(this.primaryKey(meta).fieldNames[0])}`]);
    return [this.object(pairs), { typeName: type.name, fields, row: counted, identity: counted ? identity : undefined, walk }];
  }

  primaryKey(meta: EntityMetadata): EntityProperty {
    if (meta.primaryKeys.length !== 1) throw new NotCompilable('composite key');
    return meta.properties[meta.primaryKeys[0] as never] as EntityProperty;
  }

  /** A many-to-one row: the target's row by key, if the viewer may see it (a hidden row is null, as the scoped DataLoader returns it). */
  toOne(node: FieldNode, def: GraphQLField<unknown, unknown>, meta: EntityMetadata, property: string, alias: string): [string, Shape] {
    const prop = meta.properties[property as never] as EntityProperty | undefined;
    const type = getNamedType(def.type);
    if (!prop || prop.kind !== 'm:1' || !(type instanceof GraphQLObjectType) || prop.fieldNames.length !== 1) throw new NotCompilable(property);
    const target = this.compiler.metaOf(type.name);
    const t = this.alias();
    const scope = this.scope(type.name, t);
    // A non-null field whose row the viewer might not see: graphql-js decides (it raises the error).
    if (scope && isNonNullType(def.type)) throw new NotCompilable(`${type.name} scoped`);
    this.#scoped.add(t);
    const [object, shape] = this.fields(node.selectionSet!, type, t, 'ref');
    const pk = quote(this.primaryKey(target).fieldNames[0]);
    return [
      `(select ${object} from ${quote(target.tableName)} ${t} where ${t}.${pk} = ${alias}.${quote(prop.fieldNames[0])}${scope ? ` and ${scope}` : ''})`,
      shape,
    ];
  }

  /** A scalar column, in the form its GraphQL scalar serialises to. */
  leaf(typeName: string, meta: EntityMetadata, def: GraphQLField<unknown, unknown>, alias: string, key: string): [string, Leaf] {
    const prop = meta.properties[def.name as never] as EntityProperty | undefined;
    if (!prop || prop.kind !== 'scalar' || prop.fieldNames?.length !== 1) throw new NotCompilable(def.name);
    const column = `${alias}.${quote(prop.fieldNames[0])}`;
    const columnType = String(prop.columnTypes?.[0] ?? '').toLowerCase();
    const named = getNamedType(def.type);
    // A NOT NULL column cannot break a non-null field; only a nullable column under one is checked.
    const leaf: Leaf = { kind: 'leaf', key, nonNull: isNonNullType(def.type) && Boolean(prop.nullable) };
    const sql = column;
    if (isListType(isNonNullType(def.type) ? def.type.ofType : def.type)) {
      if (named.name !== 'String' || !/^(text|varchar.*|character varying.*)\[\]$/.test(columnType)) throw new NotCompilable(def.name);
    } else if (named instanceof GraphQLEnumType) {
      leaf.enumNames = this.compiler.enumNames(named) ?? undefined;
    } else if (named.name === 'DateTimeISO') {
      if (columnType !== 'timestamptz' && !columnType.startsWith('timestamptz') && !columnType.startsWith('timestamp with time zone'))
        throw new NotCompilable(def.name);
      // The value as row_to_json writes it, made Date#toISOString's form by the finishing pass (finish.ts, isoTimeOf):
      // to_char here cost ~10 % of shape c's statement (issue #10), the same in JavaScript a few microseconds.
      leaf.isoTime = true;
    } else if (named.name === 'LocalDate') {
      if (columnType !== 'date') throw new NotCompilable(def.name);
    } else if (!['String', 'Int', 'Float', 'Boolean', 'ID'].includes(named.name)) {
      throw new NotCompilable(def.name);
    }
    const classification = classificationOf(def);
    if (classification && classification.level !== DataClass.PUBLIC) {
      const personal = classification.level === DataClass.PERSONAL;
      leaf.classified = {
        name: `${typeName}.${def.name}`,
        level: classification.level,
        mask: classification.mask,
        clear: personal ? mayUnmaskPersonal(this.viewer) : mayReadCommercial(this.viewer),
        personal,
      };
      this.audited = true;
    }
    return [sql, leaf];
  }

  /** The viewer's row scope of a type as SQL on `alias`: '' every row; throws for a type without a rule or a condition not translated. */
  scope(typeName: string, alias: string): string {
    const rule = this.compiler.rules(typeName);
    if (!rule || rule.kind === RowRuleKind.WRAPPER) throw new NotCompilable(`${typeName}: no row rule`);
    const where = rule.where(this.viewer);
    if (where === true) return '';
    if (where === false) return 'false';
    return this.condition(where, this.compiler.metaOf(typeName), alias);
  }

  /** A MikroORM condition of the row rules' kind (`{ courier: 12 }`, `{ shipment: { courier: 12 } }`) as SQL; anything else is not compiled. */
  condition(cond: RowCondition, meta: EntityMetadata, alias: string): string {
    const parts: string[] = [];
    for (const [key, value] of Object.entries(cond)) {
      const prop = meta.properties[key as never] as EntityProperty | undefined;
      if (!prop || prop.fieldNames?.length !== 1) throw new NotCompilable(`condition ${key}`);
      const column = `${alias}.${quote(prop.fieldNames[0])}`;
      if (value === null && (prop.kind === 'scalar' || prop.kind === 'm:1')) parts.push(`${column} is null`);
      else if (isPrimitive(value) && (prop.kind === 'scalar' || prop.kind === 'm:1')) parts.push(`${column} = ${this.param(value)}`);
      else if (prop.kind === 'm:1' && value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype && prop.targetMeta) {
        const target = prop.targetMeta as EntityMetadata;
        const x = this.alias();
        const pk = quote(this.primaryKey(target).fieldNames[0]);
        parts.push(
          `exists (select 1 from ${quote(target.tableName)} ${x} where ${x}.${pk} = ${column} and ${this.condition(value as RowCondition, target, x)})`,
        );
      } else throw new NotCompilable(`condition ${key}`);
    }
    return parts.length ? parts.join(' and ') : 'true';
  }
}
