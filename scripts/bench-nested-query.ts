/**
 * Load test of the nested query of issue #3 (markets -> prices -> product ->
 * variety -> origin region -> parent region) with autocannon, against a hub
 * running as its own process on a seeded database (the embedded default with
 * its demo data, or DATABASE_URL).
 *
 *   npm run bench:nested                          # embedded PostgreSQL under .data/bench
 *   DATABASE_URL=postgres://… npm run bench:nested
 *   BENCH_SECONDS=20 BENCH_CONNECTIONS=20 npm run bench:nested
 *
 * Prints requests/s, latency percentiles and SQL statements per request.
 */
import 'reflect-metadata';
import path from 'node:path';
import autocannon from 'autocannon';
import { BENCH_METRICS_TOKEN, startHubProcess } from './lib/hub-process.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const markets = Number(process.env.BENCH_MARKETS ?? 10);

const query = `query Nested($first: Int!) {
  markets(first: $first) {
    totalCount
    edges { node {
      code name
      prices(first: 10) {
        totalCount
        nodes { observedOn avgPrice avgPerKg product { name } variety { name } originRegion { code name parent { code name } } }
      }
    } }
  }
}`;

const hub = await startHubProcess({
  PORT: process.env.BENCH_PORT ?? '4100',
  DATA_DIR: process.env.DATA_DIR ?? path.resolve('.data/bench'),
  EMBEDDED_PG_PORT: process.env.EMBEDDED_PG_PORT ?? '54350',
  // One client hammering from one address: measure the query, not the per-caller budget.
  RATE_LIMIT_PER_SECOND: '1000000',
  RATE_LIMIT_BURST: '1000000',
});
const body = JSON.stringify({ query, variables: { first: markets }, operationName: 'Nested' });

const probe = await fetch(`${hub.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
const probeJson = (await probe.json()) as { data?: { markets: { edges: { node: { prices: { nodes: unknown[] } } }[] } }; errors?: unknown };
if (probeJson.errors) throw new Error(`query failed: ${JSON.stringify(probeJson.errors)}`);
const rows = probeJson.data!.markets.edges.reduce((n, e) => n + e.node.prices.nodes.length, 0);

const statementsBefore = await statementCount();
await fetch(`${hub.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
const statementsPerRequest = (await statementCount()) - statementsBefore;

console.log(`nested query: ${markets} markets, ${rows} prices per response, ${statementsPerRequest} SQL statements per request`);
console.log(`autocannon: ${connections} connections for ${seconds}s against ${hub.url}/graphql ...`);
const result = await autocannon({
  url: `${hub.url}/graphql`,
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body,
  connections,
  duration: seconds,
});
console.log(
  JSON.stringify(
    {
      requestsPerSecond: result.requests.average,
      latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
      non2xx: result.non2xx,
      errors: result.errors,
      statementsPerRequest,
      markets,
      pricesPerResponse: rows,
    },
    null,
    2,
  ),
);
await hub.stop();

async function statementCount(): Promise<number> {
  const text = await (await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` } })).text();
  return Number(text.match(/^hub_db_statements_total (\d+)/m)?.[1] ?? 0);
}
