import DataLoader from 'dataloader';
import type { EntityClass } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { plainRows, primaryKeyOf } from '../platform/plain-rows.js';

type Key = string | number;

/**
 * Keys worth loading together with the asked ones, per entity: e.g. a region's
 * ancestors, whose codes are prefixes of its own, so that walking up
 * `parent { parent { … } }` costs no further query.
 */
export type Prefetch = Map<EntityClass<object>, (keys: readonly string[]) => string[]>;

/**
 * Whether a key could be a value of the primary key column: integer keys are decimal integers within the
 * column's range, no key holds NUL. A global ID is the caller's text; one that PostgreSQL cannot cast
 * ("Shipment:abc", "Shipment:1e3", 20 digits) failed the request with a 500 and every other id of its batch
 * (found by probing, session 6). @internal
 */
function keyCheck(numeric: boolean, columnType: string): (key: Key) => boolean {
  const type = columnType.toLowerCase();
  const bits = /bigint|int8|bigserial/.test(type) ? 63 : numeric || /^(int|integer|int4|smallint|serial)\b/.test(type) ? 31 : 0;
  const max = 2n ** BigInt(bits || 1) - 1n;
  return (key) => {
    const text = String(key);
    if (text.includes('\u0000')) return false;
    if (!bits) return true;
    if (!/^-?\d{1,19}$/.test(text)) return false;
    const value = BigInt(text);
    return value <= max && value >= -max - 1n;
  };
}

/**
 * Per-request batching. `ref(Entity, reference)` resolves a many-to-one
 * reference; all references of one entity type asked for in the same tick are
 * loaded with one `WHERE pk IN (...)` query. `custom(name, batch)` holds any
 * other batch loader (one-to-many, nested connections) for the request.
 *
 * Loaded rows are read-only plain objects of the entity's class (src/platform/plain-rows.ts,
 * issue #10), not managed entities; the row scope still applies: each query
 * carries the request EntityManager's filters as SQL predicates.
 */
export class Loaders {
  readonly #byKey = new Map<EntityClass<object>, DataLoader<Key, object | null>>();
  readonly #custom = new Map<string, DataLoader<unknown, unknown>>();

  constructor(
    private readonly em: EntityManager,
    private readonly prefetch: Prefetch = new Map(),
  ) {}

  /** Loads an entity by primary key (batched, cached for the request). */
  byKey<T extends object>(entity: EntityClass<T>, key: Key): Promise<T | null> {
    return this.loaderFor(entity).load(key) as Promise<T | null>;
  }

  /** Resolves a many-to-one reference (or null), batched. */
  async ref<T extends object>(entity: EntityClass<T>, reference: T | null | undefined): Promise<T | null> {
    if (reference == null) return null;
    return this.byKey(entity, primaryKeyOf(this.em, entity, reference));
  }

  /**
   * One-to-many: the rows of `entity` whose `foreignKey` is `key`, batched
   * across keys into one `WHERE fk IN (...)` query per request tick.
   */
  many<T extends object>(entity: EntityClass<T>, foreignKey: keyof T & string, key: Key, orderBy: Record<string, 'asc' | 'desc'> = {}): Promise<T[]> {
    const name = `many:${entity.name}.${foreignKey}:${JSON.stringify(orderBy)}`;
    return this.custom<Key, T[]>(name, async (keys) => {
      const qb = this.em
        .createQueryBuilder(entity)
        .where({ [foreignKey]: { $in: [...keys] } } as never)
        .orderBy(orderBy as never);
      const rows = plainRows(this.em, entity, await this.scoped(qb));
      const groups = new Map<string, T[]>(keys.map((k) => [String(k), []]));
      const target = (this.em.getMetadata().get(entity).properties as Record<string, { targetMeta?: { class: unknown } }>)[foreignKey].targetMeta!
        .class as EntityClass<object>;
      for (const row of rows) {
        const ref = (row as Record<string, unknown>)[foreignKey] as object;
        groups.get(String(primaryKeyOf(this.em, target, ref)))?.push(row);
      }
      return keys.map((k) => groups.get(String(k)) ?? []);
    }).load(key);
  }

  /** A named loader created on first use for this request. */
  custom<K, V>(name: string, batch: DataLoader.BatchLoadFn<K, V>, options?: DataLoader.Options<K, V, string>): DataLoader<K, V> {
    let loader = this.#custom.get(name);
    if (!loader) {
      loader = new DataLoader(batch as DataLoader.BatchLoadFn<unknown, unknown>, options as DataLoader.Options<unknown, unknown, string>);
      this.#custom.set(name, loader);
    }
    return loader as DataLoader<K, V>;
  }

  /** Raw rows of a query with the request's row scope (the EntityManager's filters) applied as SQL predicates. */
  private async scoped(qb: { applyFilters(): Promise<void>; execute(method: 'all', mapResults: false): Promise<unknown> }): Promise<Record<string, unknown>[]> {
    await qb.applyFilters();
    return (await qb.execute('all', false)) as Record<string, unknown>[];
  }

  private loaderFor<T extends object>(entity: EntityClass<T>): DataLoader<Key, object | null> {
    let loader = this.#byKey.get(entity);
    if (!loader) {
      const meta = this.em.getMetadata().get(entity);
      const pk = meta.primaryKeys[0];
      const numeric = ['number', 'integer'].includes(String(meta.properties[pk].runtimeType));
      const canBeKey = keyCheck(numeric, String(meta.properties[pk].columnTypes?.[0] ?? meta.properties[pk].type ?? ''));
      const expand = this.prefetch.get(entity as EntityClass<object>);
      const self: DataLoader<Key, object | null> = new DataLoader<Key, object | null>(
        async (keys) => {
          // A key no row can have (node(id:) of "Shipment:1.5"): null without asking PostgreSQL, which refused the whole batch.
          const possible = keys.filter(canBeKey);
          if (!possible.length) return keys.map(() => null);
          const wanted = expand ? [...new Set([...possible.map(String), ...expand(possible.map(String))])] : possible;
          const normalised = wanted.map((k) => (numeric ? Number(k) : String(k)));
          const qb = this.em.createQueryBuilder(entity).where({ [pk]: { $in: normalised } } as never);
          const rows = plainRows(this.em, entity, await this.scoped(qb));
          const byKey = new Map(rows.map((row) => [String((row as Record<string, unknown>)[pk]), row]));
          if (expand) for (const [key, row] of byKey) self.prime(key, row);
          return keys.map((k) => (canBeKey(k) ? (byKey.get(String(k)) ?? null) : null));
        },
        { cacheKeyFn: (key) => String(key) },
      );
      loader = self;
      this.#byKey.set(entity, loader);
    }
    return loader;
  }
}
