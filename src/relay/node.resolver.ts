import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { HubContext } from '../graphql/context.js';
import { Node } from './node.type.js';

/** Relay object identification: any object by its global ID. */
@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: 'Fetches any object by its global ID.' })
  node(@Arg('id', () => ID) id: string, @Ctx() ctx: HubContext): Promise<Node | null> {
    return ctx.nodes.load(id) as Promise<Node | null>;
  }

  @Query(() => [Node], { nullable: 'items', description: 'Fetches objects by global IDs, in the same order (null for unknown IDs).' })
  nodes(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: HubContext): Promise<(Node | null)[]> {
    return Promise.all(ids.map((id) => ctx.nodes.load(id) as Promise<Node | null>));
  }
}
