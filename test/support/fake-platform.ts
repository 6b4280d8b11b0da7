import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An item as the fake platform serves it. */
export type PlatformItem = Record<string, unknown> & { id: string; updated_at: string };

/** Supply listing `<prefix><n>` as a platform serves it: Linyi Fuji apples, 500 kg at 6.5 yuan/kg; `over` changes fields. */
export const platformListing = (prefix: string, n: number, updatedAt: string, over: Partial<PlatformItem> = {}): PlatformItem => ({
  id: `${prefix}${n}`,
  title: '红富士苹果',
  shop: `临猗果园${n}`,
  origin: '山西运城临猗',
  quantity: 500,
  unit: 'kg',
  price: 6.5,
  price_unit: 'kg',
  available_from: '2024-10-01',
  updated_at: updatedAt,
  ...over,
});

/** How the fake platform misbehaves, per request number of a resource (1-based), consumed once. */
export interface Misbehaviour {
  /** Answer 500 to these request numbers. */
  fail500?: number[];
  /** Answer 429 with `Retry-After: <seconds>` to these request numbers. */
  throttle?: { at: number[]; retryAfterSeconds: number };
  /** Wait this long before answering these request numbers (for client timeouts). */
  slow?: { at: number[]; delayMs: number };
  /** Serve the previous page again instead of these request numbers' pages (once each). */
  repeatPage?: number[];
}

export interface FakePlatform {
  url: string;
  /** Items by resource; tests may add and update items between runs. */
  data: Record<'listings' | 'sales', PlatformItem[]>;
  misbehave: Partial<Record<'listings' | 'sales', Misbehaviour>>;
  /** Every request seen: resource, query and the answer's status. */
  requests: { resource: string; query: Record<string, string>; status: number; authorization?: string }[];
  /** Most requests it was answering at the same time (two connector runs overlapping show as 2). */
  maxInFlight(): number;
  close(): Promise<void>;
}

/**
 * A small e-commerce platform API on loopback for connector tests:
 * `GET /listings|/sales?updated_since=&limit=&cursor=` answering
 * `{items, next_cursor}` ordered by `updated_at`, requiring a bearer token,
 * and misbehaving on request: slow pages, 500s, 429 with Retry-After and pages
 * served twice. Everything it does is bounded by the test's data.
 */
export async function startFakePlatform(token: string): Promise<FakePlatform> {
  const data: FakePlatform['data'] = { listings: [], sales: [] };
  const misbehave: FakePlatform['misbehave'] = {};
  const requests: FakePlatform['requests'] = [];
  const counters: Record<string, number> = {};
  const lastPage: Record<string, unknown> = {};
  const timers = new Set<NodeJS.Timeout>();

  let inFlight = 0;
  let maxInFlight = 0;
  const server = http.createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.once('close', () => inFlight--);
    const url = new URL(req.url ?? '/', 'http://fake');
    const resource = url.pathname.replace(/^\//, '') as 'listings' | 'sales';
    const query = Object.fromEntries(url.searchParams);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      requests.push({ resource, query, status, authorization: req.headers.authorization });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, { error: 'unauthorized' });
    if (!(resource in data)) return send(404, { error: 'not found' });
    const n = (counters[resource] = (counters[resource] ?? 0) + 1);
    const rules = misbehave[resource] ?? {};
    if (rules.fail500?.includes(n)) return send(500, { error: 'internal error' });
    if (rules.throttle?.at.includes(n)) return send(429, { error: 'slow down' }, { 'retry-after': String(rules.throttle.retryAfterSeconds) });
    if (rules.repeatPage?.includes(n) && lastPage[resource]) return send(200, lastPage[resource]);
    const since = query.updated_since ? Date.parse(query.updated_since) : -Infinity;
    const limit = Number(query.limit ?? 100);
    const offset = Number(query.cursor ?? 0);
    const matching = data[resource].filter((item) => Date.parse(item.updated_at) >= since).sort((a, b) => Date.parse(a.updated_at) - Date.parse(b.updated_at));
    const items = matching.slice(offset, offset + limit);
    const body = { items, next_cursor: offset + limit < matching.length ? String(offset + limit) : null };
    lastPage[resource] = body;
    const delay = rules.slow?.at.includes(n) ? rules.slow.delayMs : 0;
    if (!delay) return send(200, body);
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!res.destroyed) send(200, body);
    }, delay);
    timers.add(timer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    data,
    misbehave,
    requests,
    maxInFlight: () => maxInFlight,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
