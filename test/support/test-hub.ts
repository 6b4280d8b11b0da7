import pg from 'pg';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { startHub, type Hub } from '../../src/app.js';
import { withDatabase } from './database-url.js';

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

export interface TestHub {
  hub: Hub;
  url: string;
  databaseUrl: string;
  /** POST a GraphQL operation; returns the parsed body (whatever the status). */
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** A graphql-ws client connected to this hub; closed with the hub. */
  ws(): Client;
  /** Runs SQL on the hub's own database. */
  sql<T extends pg.QueryResultRow = any>(text: string, params?: unknown[]): Promise<T[]>;
  /** The value of a Prometheus counter or gauge from /metrics (summed over labels). */
  metric(name: string): Promise<number>;
  close(): Promise<void>;
}

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

/**
 * Starts a real hub (HTTP + graphql-ws on a free port) on its own database,
 * cloned from the template that global-setup migrated and seeded.
 */
export async function startTestHub(env: Record<string, string> = {}): Promise<TestHub> {
  const database = await createTestDatabase();
  const databaseUrl = withDatabase(process.env.TEST_ADMIN_URL!, database);
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    SEED_DEMO: 'false',
    DB_POOL_SIZE: '5',
    NODE_ENV: 'test',
    ...env,
  });
  const hub = await startHub(config, createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'));
  const clients: Client[] = [];
  const sqlPool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  return {
    hub,
    url: hub.url,
    databaseUrl,
    async gql(query, variables, headers = {}) {
      const res = await fetch(`${hub.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as GraphQLResponse;
    },
    ws() {
      const client = createClient({ url: `${hub.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
      clients.push(client);
      return client;
    },
    async sql(text, params) {
      return (await sqlPool.query(text, params)).rows;
    },
    async metric(name) {
      const text = await (await fetch(`${hub.url}/metrics`)).text();
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
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
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
export function subscribe<T = any>(client: Client, query: string, variables?: Record<string, unknown>) {
  const queue: GraphQLResponse<T>[] = [];
  const waiting: ((value: GraphQLResponse<T>) => void)[] = [];
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        const waiter = waiting.shift();
        if (waiter) waiter(value as GraphQLResponse<T>);
        else queue.push(value as GraphQLResponse<T>);
      },
      error: (error) => queue.push({ errors: [{ message: String((error as Error)?.message ?? JSON.stringify(error)) }] }),
      complete: () => {},
    },
  );
  return {
    next(timeoutMs = 5000): Promise<GraphQLResponse<T>> {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no subscription event within ${timeoutMs} ms`)), timeoutMs);
        waiting.push((value) => {
          clearTimeout(timer);
          resolve(value);
        });
      });
    },
    dispose,
  };
}
