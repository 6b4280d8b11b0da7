import { Field, ID, InterfaceType } from 'type-graphql';

/**
 * The Relay `Node` interface. Each implementing type exposes its global ID as
 * `id` through a `globalId` getter, so the database keeps its own keys.
 */
@InterfaceType({
  description: 'An object with a globally unique ID (Relay object identification).',
  resolveType: (value: object) => value.constructor.name,
})
export abstract class Node {
  @Field(() => ID, { name: 'id', description: 'Globally unique, opaque ID; pass it to `node(id:)`.' })
  globalId!: string;
}
