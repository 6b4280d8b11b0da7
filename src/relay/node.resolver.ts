import type { EntityClass } from '@mikro-orm/core';
import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { HubContext } from '../graphql/context.js';
import { entities } from '../entities.js';
import { fromGlobalId } from './global-id.js';
import { Node } from './node.type.js';

const byTypeName = new Map<string, EntityClass<object>>(entities.map((e) => [e.name, e as EntityClass<object>]));

/** Relay object identification: any object by its global ID. */
@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: 'Fetches any object by its global ID.' })
  node(@Arg('id', () => ID) id: string, @Ctx() ctx: HubContext): Promise<Node | null> {
    return load(id, ctx);
  }

  @Query(() => [Node], { nullable: 'items', description: 'Fetches objects by global IDs, in the same order (null for unknown IDs).' })
  nodes(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: HubContext): Promise<(Node | null)[]> {
    return Promise.all(ids.map((id) => load(id, ctx)));
  }
}

async function load(id: string, ctx: HubContext): Promise<Node | null> {
  const parsed = fromGlobalId(id);
  const entity = parsed && byTypeName.get(parsed.type);
  if (!parsed || !entity) return null;
  return (await ctx.loaders.byKey(entity, parsed.key)) as Node | null;
}
