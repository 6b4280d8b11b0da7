import { exampleQueries } from './example-queries.js';

/**
 * The GraphiQL page: every script and style comes from /assets/vendor on this
 * server (no CDN). Queries go over HTTP, subscriptions over graphql-ws on the
 * same /graphql path.
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
    const fetcher = GraphiQL.createFetcher({
      url: http.href,
      wsClient: graphqlWs.createClient({ url: ws.href, lazy: true }),
    });
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
