/**
 * The dependency rules of the code base (issue #10, STYLE.md "A rule that keeps it so"), checked by
 * `npm run depcheck`. Arrows point down: the composition root (src/*.ts) → transports (src/http,
 * src/ws) → areas (resolvers → services → entities) → libraries (src/graphql, src/relay) → leaves
 * (src/policy, src/platform). A folder includes its sub-folders.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycle',
      comment: 'No folder imports a folder that imports it back (directly or through others).',
      severity: 'error',
      scope: 'folder',
      from: { path: '^(src|connectors|seeds)' },
      to: { circular: true },
    },
    {
      name: 'no-module-cycle',
      comment: 'No module imports a module that imports it back at run time (a type-only edge inside a folder is harmless).',
      severity: 'error',
      from: { path: '^(src|connectors|seeds)' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'composition-root-on-top',
      comment: 'src/*.ts (app, schema, context, database, entities) wires everything; nothing below imports it.',
      severity: 'error',
      from: { path: '^(src/[^/]+/|connectors/|seeds/)' },
      to: { path: '^src/[^/]+\\.ts$' },
    },
    {
      name: 'policy-is-a-leaf',
      comment: 'Roles, classification, masking and row-visibility declarations import nothing of the project, so entities can carry them.',
      severity: 'error',
      from: { path: '^src/policy/' },
      to: { path: '^(src|connectors|seeds)/', pathNot: '^src/policy/' },
    },
    {
      name: 'platform-is-a-leaf',
      comment: 'Configuration, logging, metrics, pub/sub, SQL helpers know no area.',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: '^(src|connectors|seeds)/', pathNot: '^src/platform/' },
    },
    {
      name: 'graphql-is-a-library',
      comment: 'src/graphql and src/relay (context type, loaders, errors, connections) import no area.',
      severity: 'error',
      from: { path: '^src/(graphql|relay)/' },
      to: { path: '^(src|connectors|seeds)/', pathNot: '^src/(graphql|relay|platform|policy)/' },
    },
    {
      name: 'transports-on-the-edge',
      comment: 'Only the composition root imports the HTTP and WebSocket transports.',
      severity: 'error',
      from: { path: '^(src/[^/]+/|connectors/|seeds/)', pathNot: '^src/(http|ws)/' },
      to: { path: '^src/(http|ws)/' },
    },
    {
      name: 'services-below-resolvers',
      comment: 'A service, query module or entity never imports a resolver.',
      severity: 'error',
      from: { path: '\\.(service|query|entity|events|types|args|input)\\.ts$' },
      to: { path: '\\.resolvers?\\.ts$' },
    },
    {
      name: 'entities-below-services',
      comment: 'An entity imports no service.',
      severity: 'error',
      from: { path: '\\.entity\\.ts$' },
      to: { path: '\\.(service|query)\\.ts$' },
    },
    {
      name: 'connectors-use-the-ingest-api',
      comment: 'A connector imports the connector interface and the ingest records, never GraphQL, HTTP or an area.',
      severity: 'error',
      from: { path: '^connectors/' },
      to: { path: '^src/', pathNot: '^src/(ingest/(?!.*\\.resolver\\.ts$)|platform/|markets/market-channel\\.ts$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a type is a dependency too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
