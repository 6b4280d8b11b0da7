import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { isInterfaceType, isObjectType, Kind, parse, visit, type DirectiveNode, type DocumentNode, type GraphQLSchema } from 'graphql';
import { createResolversMap } from 'type-graphql';
import type { HubContext } from '../graphql/context.js';
import { ENTITY_KEYS, referenceResolvers } from './entity-references.js';

/**
 * The Federation 2 version the hub's subgraph SDL links; 2.3 is understood by
 * every Apollo Router and gateway since 2023 and has all the hub needs (`@key`).
 */
export const FEDERATION_LINK = 'https://specs.apollo.dev/federation/v2.3';

function keyDirective(fields: string): DirectiveNode {
  return {
    kind: Kind.DIRECTIVE,
    name: { kind: Kind.NAME, value: 'key' },
    arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'fields' }, value: { kind: Kind.STRING, value: fields } }],
  };
}

/**
 * The hub's SDL as an Apollo Federation 2 subgraph: the public schema as
 * type-graphql built it, a `@link` to the federation spec, and `@key`s on the
 * entity types (added here, so that schema/schema.graphql stays the plain public
 * contract for clients that do not federate).
 */
export function subgraphTypeDefs(schema: GraphQLSchema): DocumentNode {
  const document = parse(printSchemaWithDirectives(schema));
  const withKeys = visit(document, {
    ObjectTypeDefinition(node) {
      const keys = ENTITY_KEYS[node.name.value as keyof typeof ENTITY_KEYS];
      return keys ? { ...node, directives: [...(node.directives ?? []), ...keys.map(keyDirective)] } : undefined;
    },
  });
  const link = parse(`extend schema @link(url: "${FEDERATION_LINK}", import: ["@key"])`);
  return { ...withKeys, definitions: [...link.definitions, ...withKeys.definitions] };
}

/**
 * The hub's schema as a subgraph (issue #15, FEDERATION=true), the way
 * type-graphql documents it: its SDL and resolver map handed to
 * `buildSubgraphSchema`, which adds `_service` and `_entities`. The resolvers
 * are type-graphql's own, so the access middleware, `@Authorized` and argument
 * validation run as before; field extensions (the `@classified` masking rules)
 * are copied over, since a schema rebuilt from SDL has none.
 */
export function buildHubSubgraphSchema(schema: GraphQLSchema): GraphQLSchema {
  const resolvers = createResolversMap(schema) as GraphQLResolverMap<HubContext>;
  for (const [type, resolveReference] of Object.entries(referenceResolvers)) {
    resolvers[type] = { ...(resolvers[type] as object), __resolveReference: resolveReference } as GraphQLResolverMap<HubContext>[string];
  }
  const subgraph = buildSubgraphSchema([{ typeDefs: subgraphTypeDefs(schema), resolvers }]);
  copyExtensions(schema, subgraph);
  return subgraph;
}

/** Copies type and field extensions from the type-graphql schema onto the rebuilt one. @internal */
function copyExtensions(from: GraphQLSchema, to: GraphQLSchema): void {
  for (const [name, source] of Object.entries(from.getTypeMap())) {
    const target = to.getType(name);
    if (!target || name.startsWith('__')) continue;
    if (Object.keys(source.extensions ?? {}).length) Object.assign(target, { extensions: { ...source.extensions, ...target.extensions } });
    if (!(isObjectType(source) || isInterfaceType(source)) || !(isObjectType(target) || isInterfaceType(target))) continue;
    const targetFields = target.getFields();
    for (const [fieldName, field] of Object.entries(source.getFields())) {
      const copy = targetFields[fieldName];
      if (copy && Object.keys(field.extensions ?? {}).length) Object.assign(copy, { extensions: { ...field.extensions, ...copy.extensions } });
    }
  }
}
