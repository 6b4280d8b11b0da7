import { ReferenceKind, type EntityClass, type EntityMetadata, type EntityProperty, type Platform } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

type Row = Record<string, unknown>;
type Mapper<T> = (row: Row) => T;

/**
 * Read-only rows as objects of the entity's class, without the ORM's identity
 * map, change tracking or hydration (issue #10): for lists that only leave the
 * hub as JSON. A 50-row nested price list spent about a third of its CPU in
 * `em.map`/`merge`/`find`; this is a loop over the columns.
 *
 * The objects have the entity's prototype (so getters such as `globalId` and
 * `source`, `instanceof` in the access rules and type-graphql's field
 * resolvers work as on managed entities); a many-to-one is a reference object
 * of the target class holding only its primary key, which the request's
 * DataLoaders (`Loaders.ref`) resolve. They must not be persisted or flushed:
 * writes load their entities through the EntityManager as before.
 */
export function plainRows<T extends object>(em: EntityManager, entity: EntityClass<T>, rows: readonly Row[]): T[] {
  const map = mapperFor(em, entity);
  const out = new Array<T>(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = map(rows[i]);
  return out;
}

/** One row (see `plainRows`). */
export function plainRow<T extends object>(em: EntityManager, entity: EntityClass<T>, row: Row): T {
  return mapperFor(em, entity)(row);
}

/** The primary key of a managed entity, a plain row or a reference object, without the ORM's helper. */
export function primaryKeyOf(em: EntityManager, entity: EntityClass<object>, value: object): string | number {
  return (value as Row)[em.getMetadata().get(entity).primaryKeys[0]] as string | number;
}

const mappers = new WeakMap<EntityMetadata, Mapper<object>>();

function mapperFor<T extends object>(em: EntityManager, entity: EntityClass<T>): Mapper<T> {
  const meta = em.getMetadata().get(entity) as EntityMetadata;
  let mapper = mappers.get(meta);
  if (!mapper) {
    mapper = buildMapper(em, meta);
    mappers.set(meta, mapper);
  }
  return mapper as Mapper<T>;
}

/** A column's conversion to the property's JS value, as the ORM's hydrator does it. @internal */
function converter(prop: EntityProperty, platform: Platform): ((value: unknown) => unknown) | undefined {
  const type = prop.customType;
  if (type?.convertToJSValue) return (value) => (value == null ? value : type.convertToJSValue(value, platform));
  if (prop.runtimeType === 'boolean') return (value) => (value == null ? value : !!value);
  // Timestamps arrive as text (the driver's type parsers); `new Date` as the ORM's hydrator does.
  if (prop.runtimeType === 'Date') return (value) => (value == null || value instanceof Date ? value : new Date(value as string));
  return undefined;
}

const plainPrototypes = new WeakMap<EntityMetadata, object>();

/**
 * The prototype of plain rows of an entity: the entity's own prototype (class,
 * getters, `instanceof`) with each property shadowed by a plain writable slot.
 * MikroORM puts a setter for every property on the entity prototype that, on
 * first assignment, creates the entity's change-tracking helper and redefines
 * the property on the instance; assigning through it cost more than the rest
 * of the mapping together (profile of bench:peers). @internal
 */
function plainPrototype(meta: EntityMetadata): object {
  let prototype = plainPrototypes.get(meta);
  if (!prototype) {
    prototype = Object.create(meta.class.prototype as object) as object;
    for (const prop of meta.props as EntityProperty[]) {
      if (prop.persist === false || !prop.fieldNames?.length) continue;
      Object.defineProperty(prototype, prop.name, { value: undefined, writable: true, enumerable: false, configurable: true });
    }
    plainPrototypes.set(meta, prototype);
  }
  return prototype;
}

function buildMapper(em: EntityManager, meta: EntityMetadata): Mapper<object> {
  const platform = em.getPlatform();
  const metadata = em.getMetadata();
  const prototype = plainPrototype(meta);
  const steps: ((target: Row, row: Row) => void)[] = [];
  for (const prop of meta.props as EntityProperty[]) {
    if (prop.persist === false || !prop.fieldNames?.length) continue;
    const column = prop.fieldNames[0];
    const name = prop.name as string;
    if (prop.kind === ReferenceKind.SCALAR) {
      const convert = converter(prop, platform);
      steps.push(convert ? (t, r) => void (t[name] = convert(r[column])) : (t, r) => void (t[name] = r[column]));
    } else if (prop.kind === ReferenceKind.MANY_TO_ONE && prop.fieldNames.length === 1) {
      const target = (prop.targetMeta ?? metadata.find(prop.type as never))!;
      const targetPrototype = plainPrototype(target);
      const pk = target.primaryKeys[0] as string;
      steps.push((t, r) => {
        const key = r[column];
        if (key == null) {
          t[name] = null;
          return;
        }
        const reference = Object.create(targetPrototype) as Row;
        reference[pk] = key;
        t[name] = reference;
      });
    }
  }
  return (row) => {
    const target = Object.create(prototype) as Row;
    for (let i = 0; i < steps.length; i++) steps[i](target, row);
    return target;
  };
}
