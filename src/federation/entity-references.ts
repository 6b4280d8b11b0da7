import type { GraphQLResolveInfo } from 'graphql';
import type { HubContext } from '../graphql/context.js';
import { fromGlobalId } from '../relay/global-id.js';
import { Product } from '../catalog/product.entity.js';
import { Region } from '../regions/region.entity.js';
import { Market } from '../markets/market.entity.js';

/**
 * The hub's Federation entities and their keys (issue #15). `id` is the Relay
 * global ID every Node has; products, regions and markets also have their
 * stable public code. A shipment has only `id`: its tracking number is unique
 * per courier, not overall.
 */
export const ENTITY_KEYS = {
  Product: ['code', 'id'],
  Region: ['code', 'id'],
  Market: ['code', 'id'],
  Shipment: ['id'],
} as const;

type Representation = { __typename: string; id?: unknown; code?: unknown };
type ReferenceResolver = (reference: Representation, context: HubContext, info: GraphQLResolveInfo) => Promise<object | null>;

/**
 * By global ID, through the same node loader as `node(id:)`: the request's
 * EntityManager carries the caller's row scope, so a shipment of another
 * courier (or platform) resolves to null, exactly as if it did not exist.
 */
async function byGlobalId(type: string, id: unknown, context: HubContext): Promise<object | null> {
  if (typeof id !== 'string' || fromGlobalId(id)?.type !== type) return null;
  return context.nodes.load(id);
}

/** Products or markets by code: one `WHERE code IN (...)` per request tick, however many representations the router sends. */
function byCode<T extends Product | Market>(entity: new () => T, code: unknown, context: HubContext): Promise<T | null> {
  if (typeof code !== 'string') return Promise.resolve(null);
  return context.loaders
    .custom<string, T | null>(`federation:${entity.name}.code`, async (codes) => {
      const rows = await context.em.find(entity, { code: { $in: [...codes] } } as never);
      const found = new Map(rows.map((row) => [row.code, row]));
      return codes.map((c) => found.get(c) ?? null);
    })
    .load(code);
}

/**
 * `__resolveReference` of each entity: what the router asks for when another
 * subgraph's field returns a hub entity. Rows are only ever found through the
 * caller's scoped EntityManager; the fields of what is found then go through
 * the access middleware (masking, audit) like any other.
 */
export const referenceResolvers: Record<keyof typeof ENTITY_KEYS, ReferenceResolver> = {
  Product: async (ref, ctx) => (ref.code !== undefined ? byCode(Product, ref.code, ctx) : byGlobalId('Product', ref.id, ctx)),
  Market: async (ref, ctx) => (ref.code !== undefined ? byCode(Market, ref.code, ctx) : byGlobalId('Market', ref.id, ctx)),
  Region: async (ref, ctx) => (typeof ref.code === 'string' ? ctx.loaders.byKey(Region, ref.code) : byGlobalId('Region', ref.id, ctx)),
  Shipment: async (ref, ctx) => byGlobalId('Shipment', ref.id, ctx),
};
