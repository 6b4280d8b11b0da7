import pg from 'pg';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger, type Logger } from '../../src/platform/logger.js';
import { startHub, type Hub } from '../../src/app.js';
import { withDatabase } from './database-url.js';
import { TEST_SECRETS_KEY } from './fixtures.js';
import { generateApiKey } from '../../src/access/api-key.token.js';

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

/** A role to call the hub as (issue #6); keys are provisioned straight into the test database. */
export interface TestKeyOptions {
  role: 'PLATFORM' | 'COURIER' | 'OFFICIAL' | 'ADMIN';
  /** Courier code, for COURIER keys (e.g. `zhongtong`). */
  courier?: string;
  /** Market code, for PLATFORM keys (e.g. `pinduoduo`). */
  platform?: string;
  /** Default: `test-<role>-<courier|platform>`. */
  organisation?: string;
  /** Default: READ and WRITE. */
  scopes?: ('READ' | 'WRITE')[];
  expiresAt?: Date;
}

/** The same hub seen by one caller: its key (or none: anonymous) goes with every request. */
export interface TestCaller {
  /** POST a GraphQL operation as this caller; `headers` are added (e.g. `x-unmask-reason`). */
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** The raw HTTP response, for status codes and headers. */
  post(body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** A graphql-ws client authenticated as this caller (connectionParams `{ authorization }`). */
  ws(connectionParams?: Record<string, unknown>): Client;
}

export interface TestHub extends TestCaller {
  hub: Hub;
  url: string;
  databaseUrl: string;
  /** The ADMIN key every test hub is provisioned with; `gql`, `post` and `ws` send it by default. */
  adminKey: string;
  /** Provisions a key for a role directly in the database and returns it. */
  createKey(options: TestKeyOptions): Promise<string>;
  /** Calls as another key, or anonymously with `null` (`t.as(null).gql(...)`). */
  as(key: string | null): TestCaller;
  /** Runs SQL on the hub's own database. */
  sql<T extends pg.QueryResultRow = any>(text: string, params?: unknown[]): Promise<T[]>;
  /** The value of a Prometheus counter or gauge from /metrics (summed over labels). */
  metric(name: string): Promise<number>;
  close(): Promise<void>;
}

/** The METRICS_TOKEN of test hubs. */
export const TEST_METRICS_TOKEN = 'test-metrics-token-0123456789';

let counter = 0;

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.TEST_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh database cloned from the suite's template. */
export async function createTestDatabase(): Promise<string> {
  const name = `hub_t_${process.pid}_${++counter}_${Date.now() % 100000}`;
  await admin((c) => c.query(`create database "${name}" template "${process.env.TEST_TEMPLATE_DB}"`));
  return name;
}

export async function dropTestDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`drop database if exists "${name}" with (force)`));
}

/** The settings every test hub starts with, on a database of the suite (`env` overrides or adds). */
export function testHubEnv(databaseUrl: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    SEED_DEMO: 'false',
    DB_POOL_SIZE: '5',
    NODE_ENV: 'test',
    // Tests fire requests much faster than any client; rate-limit tests set their own budgets.
    RATE_LIMIT_PER_SECOND: '10000',
    // Anonymous callers may read (masked) as on the embedded default; t.gql/t.ws still send the ADMIN key.
    DEMO_MODE: 'true',
    // /metrics is behind a key (issue #11); a token touches no database, so statement counts stay exact.
    METRICS_TOKEN: TEST_METRICS_TOKEN,
    // Courier webhook secrets are sealed with it (issue #11); giveSecrets seals with the same key.
    SECRETS_KEY: TEST_SECRETS_KEY,
    ...env,
  };
}

/** Another hub on a test hub's database, with the same settings and `env` (e.g. one feature switched off to compare). */
export async function startHubOn(databaseUrl: string, env: Record<string, string> = {}): Promise<Hub> {
  return startHub(loadConfig(testHubEnv(databaseUrl, env)), createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'));
}

/**
 * Starts a real hub (HTTP + graphql-ws on a free port) on its own database,
 * cloned from the template that global-setup migrated and seeded.
 */
export async function startTestHub(env: Record<string, string> = {}, options: { log?: Logger } = {}): Promise<TestHub> {
  const database = await createTestDatabase();
  const databaseUrl = withDatabase(process.env.TEST_ADMIN_URL!, database);
  const config = loadConfig(testHubEnv(databaseUrl, env));
  const hub = await startHub(config, options.log ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'));
  const clients: Client[] = [];
  const sqlPool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  sqlPool.on('error', () => {}); // an idle client ended by the server is not a test failure; queries still fail loudly
  const sqlOf = async <T extends pg.QueryResultRow = any>(text: string, params?: unknown[]) => (await sqlPool.query<T>(text, params)).rows;
  const createKey = async (options: TestKeyOptions): Promise<string> => {
    const organisation = options.organisation ?? `test-${options.role.toLowerCase()}-${options.courier ?? options.platform ?? 'org'}`;
    const kind = { PLATFORM: 'PLATFORM', COURIER: 'COURIER', OFFICIAL: 'AGENCY', ADMIN: 'OPERATOR' }[options.role];
    const [org] = await sqlOf<{ id: number }>(
      `insert into organisation (name, kind, courier_id, platform_id)
       values ($1, $2, (select id from courier where code = $3), (select id from market where code = $4))
       on conflict (name) do update set name = excluded.name returning id`,
      [organisation, kind, options.courier ?? null, options.platform ?? null],
    );
    const key = generateApiKey();
    await sqlOf('insert into api_key (key_id, secret_hash, organisation_id, role, scopes, label, expires_at) values ($1, $2, $3, $4, $5, $6, $7)', [
      key.keyId,
      key.secretHash,
      org.id,
      options.role,
      options.scopes ?? ['READ', 'WRITE'],
      'test',
      options.expiresAt ?? null,
    ]);
    return key.plaintext;
  };
  const adminKey = await createKey({ role: 'ADMIN', organisation: 'test-admin' });
  const caller = (key: string | null): TestCaller => {
    const auth: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${hub.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...auth, ...headers },
        body: JSON.stringify(body),
      });
    return {
      post,
      async gql(query, variables, headers = {}) {
        return (await (await post({ query, variables }, headers)).json()) as GraphQLResponse;
      },
      ws(connectionParams) {
        const client = createClient({
          url: `${hub.url.replace('http', 'ws')}/graphql`,
          webSocketImpl: WebSocket,
          retryAttempts: 0,
          lazy: false,
          connectionParams: connectionParams ?? auth,
        });
        clients.push(client);
        return client;
      },
    };
  };
  const admin = caller(adminKey);
  // Warm the key (its lookup is cached, its last use recorded once a minute) so that statement counts in tests see only the operation.
  await admin.gql('{ viewer { role } }');
  return {
    hub,
    url: hub.url,
    databaseUrl,
    adminKey,
    createKey,
    as: caller,
    gql: admin.gql,
    post: admin.post,
    ws: admin.ws,
    async sql(text, params) {
      return (await sqlPool.query(text, params)).rows;
    },
    async metric(name) {
      const text = await (await fetch(hub.metricsUrl ?? `${hub.url}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } })).text();
      return text
        .split('\n')
        .filter((line) => line.startsWith(name) && !line.startsWith('#') && /^[a-z_]+(\{[^}]*\})? /.test(line) && line.split(/[ {]/)[0] === name)
        .reduce((sum, line) => sum + Number(line.trim().split(' ').at(-1)), 0);
    },
    async close() {
      await Promise.all(clients.map((c) => c.dispose()));
      await sqlPool.end();
      await hub.close();
      await dropTestDatabase(database);
    },
  };
}

/** Polls `check` until it returns true (or throws after `timeoutMs`). */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Subscribes and collects results; `next()` resolves with the next result or
 * rejects after `timeoutMs`.
 */
export function subscribe<T = any>(client: Client, query: string, variables?: Record<string, unknown>, extra: { extensions?: Record<string, unknown> } = {}) {
  const queue: GraphQLResponse<T>[] = [];
  const waiting: ((value: GraphQLResponse<T>) => void)[] = [];
  const deliver = (value: GraphQLResponse<T>) => {
    const waiter = waiting.shift();
    if (waiter) waiter(value);
    else queue.push(value);
  };
  const dispose = client.subscribe<T>(
    { query, variables, ...extra },
    {
      next: (value) => deliver(value as GraphQLResponse<T>),
      // An `error` message (the operation refused before it ran) carries GraphQL errors; a closed socket an Event or Error.
      error: (error) => deliver({ errors: Array.isArray(error) ? error : [{ message: String((error as Error)?.message ?? JSON.stringify(error)) }] }),
      complete: () => {},
    },
  );
  return {
    next(timeoutMs = 15_000): Promise<GraphQLResponse<T>> {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const waiter = (value: GraphQLResponse<T>) => {
          clearTimeout(timer);
          resolve(value);
        };
        // A timed-out waiter leaves the queue: the next event goes to the next caller, not to a rejected promise.
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(waiter), 1);
          reject(new Error(`no subscription event within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.push(waiter);
      });
    },
    dispose,
  };
}
