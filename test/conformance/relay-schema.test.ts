import { GraphQLNonNull, getNamedType, getNullableType, isListType, isObjectType, isInterfaceType, type GraphQLField, type GraphQLSchema } from 'graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import { buildHubSchema } from '../../src/schema.js';
import type { HubPubSub } from '../../src/platform/pubsub.js';

/**
 * The schema against the Relay specifications, rule by rule:
 * https://relay.dev/graphql/connections.htm and https://relay.dev/graphql/objectidentification.htm
 */
let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildHubSchema(createPubSub() as HubPubSub);
});

const typeName = (field: GraphQLField<unknown, unknown>) => String(field.type);

describe('Relay object identification', () => {
  it('has a Node interface with id: ID! and Query.node(id: ID!): Node', () => {
    const node = schema.getType('Node');
    expect(isInterfaceType(node)).toBe(true);
    if (!isInterfaceType(node)) return;
    expect(String(node.getFields().id.type)).toBe('ID!');
    const query = schema.getQueryType()!.getFields().node;
    expect(String(query.type)).toBe('Node');
    expect(query.args.map((a) => `${a.name}: ${a.type}`)).toEqual(['id: ID!']);
  });

  it('lets every type with an id: ID! implement Node', () => {
    const offenders = Object.values(schema.getTypeMap())
      .filter(isObjectType)
      .filter((t) => !t.name.startsWith('__') && t.getFields().id && String(t.getFields().id.type) === 'ID!')
      .filter((t) => !t.getInterfaces().some((i) => i.name === 'Node'))
      .map((t) => t.name);
    expect(offenders).toEqual([]);
  });
});

describe('Relay cursor connections', () => {
  const connections = () => Object.values(schema.getTypeMap()).filter((t) => isObjectType(t) && t.name.endsWith('Connection'));

  it('finds the connection types', () => {
    expect(connections().length).toBeGreaterThanOrEqual(6);
  });

  it('gives every connection edges: [Edge] and pageInfo: PageInfo!', () => {
    for (const type of connections()) {
      if (!isObjectType(type)) continue;
      const fields = type.getFields();
      const edges = getNullableType(fields.edges.type);
      expect(isListType(edges)).toBe(true);
      const edge = getNamedType(fields.edges.type);
      expect(edge.name).toBe(type.name.replace(/Connection$/, 'Edge'));
      expect(typeName(fields.pageInfo)).toBe('PageInfo!');
    }
  });

  it('gives every edge a node and a non-null opaque String cursor', () => {
    for (const type of connections()) {
      if (!isObjectType(type)) continue;
      const edge = getNamedType(type.getFields().edges.type);
      if (!isObjectType(edge)) throw new Error(`${edge.name} is not an object type`);
      expect(edge.getFields().node).toBeDefined();
      expect(typeName(edge.getFields().cursor)).toBe('String!');
    }
  });

  it('has PageInfo with non-null hasPreviousPage/hasNextPage and nullable start/end cursors', () => {
    const pageInfo = schema.getType('PageInfo');
    if (!isObjectType(pageInfo)) throw new Error('PageInfo missing');
    const f = pageInfo.getFields();
    expect([typeName(f.hasPreviousPage), typeName(f.hasNextPage), typeName(f.startCursor), typeName(f.endCursor)]).toEqual([
      'Boolean!',
      'Boolean!',
      'String',
      'String',
    ]);
  });

  it('takes first: Int, after: String, last: Int, before: String on every field returning a connection', () => {
    const fieldsReturningConnections = Object.values(schema.getTypeMap())
      .filter(isObjectType)
      .filter((t) => !t.name.startsWith('__'))
      .flatMap((t) => Object.values(t.getFields()).map((f) => ({ owner: t.name, field: f })))
      .filter(({ field }) => getNamedType(field.type).name.endsWith('Connection'));
    expect(fieldsReturningConnections.length).toBeGreaterThan(5);
    for (const { owner, field } of fieldsReturningConnections) {
      const args = Object.fromEntries(field.args.map((a) => [a.name, String(a.type)]));
      expect({ at: `${owner}.${field.name}`, first: args.first, after: args.after, last: args.last, before: args.before }).toEqual({
        at: `${owner}.${field.name}`,
        first: 'Int',
        after: 'String',
        last: 'Int',
        before: 'String',
      });
      expect(field.type).toBeInstanceOf(GraphQLNonNull);
    }
  });
});
