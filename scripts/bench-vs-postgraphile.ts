/**
 * The nested query of issue #3, side by side with PostGraphile 5 on the same
 * database: the hub (its own process, embedded default with demo data) and
 * PostGraphile (`amber` preset over the same tables), each driven by
 * autocannon with the same shape of query.
 *
 *   npm run bench:peers          # BENCH_SECONDS=15 BENCH_CONNECTIONS=10 to change the load
 *
 * PostGraphile is not a dependency of the hub: it is installed on first use
 * into .data/peers from the npm registry.
 */
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { startHubProcess } from './lib/hub-process.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const POSTGRAPHILE = '5.1.5';
const peers = path.resolve('.data/peers');
const dataDir = path.resolve(process.env.DATA_DIR ?? '.data/bench');
const pgPort = process.env.EMBEDDED_PG_PORT ?? '54350';

const HUB_QUERY = `{ markets(first: 10) { totalCount nodes { code name prices(first: 10) { totalCount nodes {
  observedOn avgPrice avgPerKg product { name } variety { name } originRegion { code name parent { code name } } } } } } }`;
const POSTGRAPHILE_QUERY = `{ allMarkets(first: 10, orderBy: CODE_ASC) { totalCount nodes { code name
  priceObservationsByMarketId(first: 10, orderBy: [OBSERVED_ON_DESC, PRIMARY_KEY_DESC]) { totalCount nodes {
  observedOn avgPrice avgPerKg productByProductId { name } varietyByVarietyId { name }
  regionByOriginRegionCode { code name regionByParentCode { code name } } } } } } }`;

if (!fs.existsSync(path.join(peers, 'node_modules/.bin/postgraphile'))) {
  console.log(`installing postgraphile@${POSTGRAPHILE} into ${peers} ...`);
  fs.mkdirSync(peers, { recursive: true });
  fs.writeFileSync(path.join(peers, 'package.json'), JSON.stringify({ name: 'bench-peers', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', peers, `postgraphile@${POSTGRAPHILE}`], { stdio: 'inherit' });
}

const hub = await startHubProcess({
  PORT: process.env.BENCH_PORT ?? '4100',
  DATA_DIR: dataDir,
  EMBEDDED_PG_PORT: pgPort,
  RATE_LIMIT_PER_SECOND: '1000000',
  RATE_LIMIT_BURST: '1000000',
});
const databaseUrl = `postgres://postgres:harvest-hub-local@127.0.0.1:${pgPort}/harvest`;
const peer = spawn(path.join(peers, 'node_modules/.bin/postgraphile'), ['-P', 'postgraphile/presets/amber', '-c', databaseUrl, '-s', 'public', '-p', '5678', '-n', '127.0.0.1'], {
  env: { ...process.env, GRAPHILE_ENV: 'production' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise<void>((resolve, reject) => {
  peer.stdout!.on('data', (chunk: Buffer) => String(chunk).includes('Server listening') && resolve());
  peer.once('exit', (code) => reject(new Error(`postgraphile exited with ${code}`)));
});

async function load(name: string, url: string, query: string) {
  const body = JSON.stringify({ query });
  const probe = (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json()) as { errors?: unknown };
  if (probe.errors) throw new Error(`${name}: ${JSON.stringify(probe.errors)}`);
  const result = await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration: seconds });
  return { name, requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx };
}

try {
  const rows = [await load('harvest-hub', `${hub.url}/graphql`, HUB_QUERY), await load(`postgraphile ${POSTGRAPHILE}`, 'http://127.0.0.1:5678/graphql', POSTGRAPHILE_QUERY)];
  console.log(`\n${connections} connections, ${seconds} s each, same database (${databaseUrl.replace(/:[^:@/]*@/, ':***@')})`);
  console.log('| server | requests/s | p50 ms | p99 ms | non-2xx |\n| --- | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.name} | ${r.requestsPerSecond.toFixed(1)} | ${r.p50} | ${r.p99} | ${r.non2xx} |`);
} finally {
  peer.kill('SIGTERM');
  await hub.stop();
}
