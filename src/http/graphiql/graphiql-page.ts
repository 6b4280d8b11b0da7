import { exampleQueries } from './example-queries.js';

/**
 * The GraphiQL page: every script and style comes from /assets/vendor on this
 * server (no CDN). Queries go over HTTP, subscriptions over graphql-ws on the
 * same /graphql path, both with the header editor's credentials; the
 * operation to run is read from the editor's document at run time.
 */
export function graphiqlPage(): string {
  const tabs = JSON.stringify(exampleQueries).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Harvest Hub · GraphiQL</title>
  <link rel="stylesheet" href="/assets/vendor/graphiql.min.css" />
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="/assets/vendor/react.production.min.js"></script>
  <script src="/assets/vendor/react-dom.production.min.js"></script>
  <script src="/assets/vendor/graphql-ws.min.js"></script>
  <script src="/assets/vendor/graphiql.min.js"></script>
  <script>
    const http = new URL('/graphql', location.href);
    const ws = new URL('/graphql', location.href);
    ws.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const { parse } = GraphiQL.GraphQL;

    // The document in the editor decides what runs (issue #15): GraphiQL passes the operation name it
    // saw last, which lags behind a query pasted and run at once ("Unknown operation named …").
    function operationIn(query, requested) {
      let document;
      try { document = parse(query); } catch { return { name: requested, document: undefined }; } // the hub reports the syntax error
      const operations = document.definitions.filter((d) => d.kind === 'OperationDefinition');
      const chosen = operations.length === 1 ? operations[0] : operations.find((o) => o.name && o.name.value === requested);
      return { name: chosen && chosen.name ? chosen.name.value : undefined, document };
    }

    // The header editor's credentials also open the WebSocket: graphql-ws carries no HTTP headers,
    // so they go as connectionParams (one lazy client per credential; it closes when idle).
    const header = (headers, name) => {
      const key = Object.keys(headers || {}).find((k) => k.toLowerCase() === name);
      return key ? String(headers[key]) : undefined;
    };
    const wsClients = new Map();
    function wsClientFor(headers) {
      const params = {};
      const authorization = header(headers, 'authorization');
      const apiKey = header(headers, 'x-api-key');
      if (authorization) params.authorization = authorization;
      if (apiKey) params.apiKey = apiKey;
      const id = JSON.stringify(params);
      if (!wsClients.has(id)) wsClients.set(id, graphqlWs.createClient({ url: ws.href, lazy: true, connectionParams: params }));
      return wsClients.get(id);
    }

    function fetcher(params, options) {
      const { name, document } = operationIn(params.query, params.operationName);
      const headers = options && options.headers;
      const run = GraphiQL.createFetcher({ url: http.href, wsClient: wsClientFor(headers) });
      return run({ ...params, operationName: params.operationName === 'IntrospectionQuery' ? params.operationName : name }, { ...options, documentAST: document });
    }

    const root = ReactDOM.createRoot(document.getElementById('graphiql'));
    root.render(React.createElement(GraphiQL, {
      fetcher,
      defaultEditorToolsVisibility: true,
      defaultTabs: ${tabs},
      shouldPersistHeaders: true,
    }));
  </script>
</body>
</html>`;
}
