/** The landing page at `/`: where to go next. */
export function indexPage(): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8" /><title>Harvest Hub</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#1f2a1f}a{color:#2f6b2f}code{background:#f1f5ee;padding:0 .3em}</style>
</head><body>
<h1>Harvest Hub 农产品产销数据枢纽</h1>
<p>One GraphQL schema for farm-product supply, prices, origins and parcel logistics in Shanxi.</p>
<ul>
  <li><a href="/graphiql">GraphiQL</a>: explore the schema and run the example queries and subscriptions.</li>
  <li><a href="/dashboard/">Officials' dashboard</a>: price trends, rural parcels, subsidy report, village coverage, live alerts.</li>
  <li>GraphQL endpoint: <code>POST /graphql</code> (HTTP) and <code>ws(s)://…/graphql</code> (graphql-ws) for subscriptions.</li>
  <li><a href="/healthz">/healthz</a> · <a href="/readyz">/readyz</a> · <a href="/metrics">/metrics</a></li>
</ul>
</body></html>`;
}
