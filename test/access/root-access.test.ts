import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Query, Resolver, Subscription } from 'type-graphql';
import { startTestHub, subscribe, waitFor, type TestHub } from '../support/test-hub.js';
import { buildHubSchema } from '../../src/schema.js';
import { toGlobalId } from '../../src/relay/global-id.js';
import { declaredRoles, OPEN_ROOT_FIELDS } from '../../src/access/root-access.js';
import { rowRuleOf } from '../../src/access/row-rules.js';
import { getNamedType, type GraphQLSchema } from 'graphql';

/**
 * Session 7: who may call which root Query and Subscription field. Before, a root field without `@Authorized` was
 * open to every role and to anonymous demo callers, and only the row rules filtered rows of scoped types: a courier,
 * a platform or a demo caller read `connectors` (cursors, last error texts, paths of refused files on the hub host),
 * the review queues (raw source examples with their figures) and who made review decisions (`relinks`).
 */

const CALLERS = ['ADMIN', 'OFFICIAL', 'COURIER', 'PLATFORM', 'anonymous'] as const;

/** field -> callers that pass its access check (derived from `@Authorized` metadata; open fields: everyone) and the rows' rule. */
function accessTable(schema: GraphQLSchema): Record<string, string> {
  const table: Record<string, string> = {};
  for (const type of [schema.getQueryType()!, schema.getSubscriptionType()!]) {
    for (const field of Object.values(type.getFields())) {
      const roles = declaredRoles(type.name as 'Query' | 'Subscription', field.name);
      const callers = CALLERS.filter((c) =>
        roles === undefined ? true : c === 'anonymous' ? false : c === 'ADMIN' || roles.length === 0 || roles.includes(c),
      );
      const rows = rowRuleOf(getNamedType(field.type).name)?.kind ?? 'value';
      table[`${type.name}.${field.name}`] = `${callers.length === CALLERS.length ? 'everyone' : callers.join(' ')} | rows: ${rows}`;
    }
  }
  return table;
}

describe('the root field × caller table', () => {
  it('is what DOMAIN.md implies: operations and data quality for OFFICIAL and ADMIN, keys and audit for ADMIN', async () => {
    const schema = await buildHubSchema({} as never);
    const table = accessTable(schema);
    if (process.env.PRINT_ROOT_ACCESS)
      console.log(
        Object.entries(table)
          .map(([f, a]) => `${f} | ${a}`)
          .join('\n'),
      );
    const closed = Object.fromEntries(Object.entries(table).filter(([, a]) => !a.startsWith('everyone')));
    expect(closed).toEqual({
      'Query.connectors': 'ADMIN OFFICIAL | rows: WRAPPER',
      'Query.connector': 'ADMIN OFFICIAL | rows: WRAPPER',
      'Query.unmatchedNames': 'ADMIN OFFICIAL | rows: WRAPPER',
      'Query.unmatchedOrigins': 'ADMIN OFFICIAL | rows: WRAPPER',
      'Query.aliasesCsv': 'ADMIN OFFICIAL | rows: value',
      'Query.relinks': 'ADMIN OFFICIAL | rows: WRAPPER',
      'Query.apiKeys': 'ADMIN | rows: ADMIN',
      'Query.auditLog': 'ADMIN | rows: WRAPPER',
      'Subscription.connectorStatusChanged': 'ADMIN OFFICIAL | rows: WRAPPER',
    });
    // Every open field is open on purpose, with its reason, and nothing else is.
    expect(
      Object.keys(table)
        .filter((f) => table[f].startsWith('everyone'))
        .sort(),
    ).toEqual(Object.keys(OPEN_ROOT_FIELDS).sort());
  });

  it('refuses to build with a root Query or Subscription field that does not say who may call it', async () => {
    @Resolver()
    class UndecidedResolver {
      @Query(() => String)
      hubHostname(): string {
        return os.hostname();
      }

      @Subscription(() => String, { topics: 'HOST' })
      hostEvents(): string {
        return 'x';
      }
    }
    await expect(buildHubSchema({} as never, [UndecidedResolver])).rejects.toThrow(
      /declare @Authorized\(\.\.\.\) or list it as open for: Query\.hubHostname, Subscription\.hostEvents/,
    );
  });
});

let t: TestHub;
let folder: string;
const keys: Record<string, string> = {};
let queued: string;
let alias: string;
/** A platform's listing as its feed sent it, kept as an example of a queued name: a seller and an asking price. */
const EXAMPLE = { connector: 'platform:taobao', sourceKey: 'tb-1', rawName: '沙蜜托', seller: '秘密果园合作社', price: 12.5 };

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-root-access-'));
  const old = new Date(Date.now() - 60_000);
  // A list whose columns cannot be placed: refused whole, its path kept in the connector's state.
  fs.writeFileSync(path.join(folder, 'unplaceable.csv'), '菜名,地区,批发价(元/公斤),日期\n大白菜,河北,1.00,2024-11-01\n');
  fs.utimesSync(path.join(folder, 'unplaceable.csv'), old, old);
  t = await startTestHub({
    CONNECTOR_SCHEDULER: 'false',
    CONNECTORS: JSON.stringify([{ name: 'price-folder', module: 'wholesale-prices', config: { folder } }]),
  });
  keys.courier = await t.createKey({ role: 'COURIER', courier: 'zhongtong' });
  keys.platform = await t.createKey({ role: 'PLATFORM', platform: 'pinduoduo' });
  keys.official = await t.createKey({ role: 'OFFICIAL' });
  const run = await t.gql(`mutation { runConnector(name: "price-folder") { status } }`);
  expect(run.data.runConnector.status).toBe('OK');
  const [row] = await t.sql(
    `insert into unmatched_name (raw_name, normalised, count, examples, connectors) values ('沙蜜托', '沙蜜托', 1, $1, $2) returning id`,
    [JSON.stringify([EXAMPLE]), ['platform:taobao']],
  );
  queued = toGlobalId('UnmatchedName', row.id);
  const [added] = await t.sql(
    `insert into catalog_alias (alias, alias_key, product_id, source, created_by) select '沙蜜托', '沙蜜托', id, 'REVIEW', 'reviewer-7' from product where code = 'apple' returning id`,
  );
  alias = toGlobalId('CatalogAlias', added.id);
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(folder, { recursive: true, force: true });
});

const REFUSED: [string, string][] = [
  ['connectors', `{ connectors { name cursor lastError refusedFiles { path reason } } }`],
  ['connector', `{ connector(name: "price-folder") { name cursor lastError refusedFiles { path reason } } }`],
  ['unmatchedNames', `{ unmatchedNames(first: 5) { nodes { rawName examples connectors } } }`],
  ['unmatchedOrigins', `{ unmatchedOrigins(first: 5) { nodes { rawText examples connectors } } }`],
  ['relinks', `{ relinks(first: 5) { raw actor } }`],
];

describe('over HTTP', () => {
  const hostile: [string, () => string | null, string][] = [
    ['COURIER', () => keys.courier, 'FORBIDDEN'],
    ['PLATFORM', () => keys.platform, 'FORBIDDEN'],
    ['anonymous (demo mode)', () => null, 'UNAUTHENTICATED'],
  ];

  describe.each(hostile)('a %s caller', (_who, key, code) => {
    it.each(REFUSED)('is refused %s with the access error code, and nothing of it', async (field, query) => {
      const res = await t.as(key()).post({ query });
      const text = await res.text();
      const body = JSON.parse(text);
      expect(body.errors?.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual([code]);
      expect(body.errors[0].path).toEqual([field]);
      expect(Object.values(body.data ?? {}).filter((v) => v !== null)).toEqual([]);
      // Nothing of the connector state leaks, not even in the error's text.
      expect(text).not.toContain(folder);
      expect(text).not.toContain('unplaceable');
      expect(text).not.toContain(EXAMPLE.seller);
    });

    it('is not given a queued name, or who added an alias, by their global ids either', async () => {
      const res = await t
        .as(key())
        .gql(`{ node(id: "${queued}") { id ... on UnmatchedName { rawName examples } } alias: node(id: "${alias}") { ... on CatalogAlias { createdBy } } }`);
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({ node: null, alias: null });
    });

    it('still reads public market data, reference data and itself', async () => {
      const res = await t
        .as(key())
        .gql(`{ viewer { role } markets(first: 1) { totalCount } prices(first: 1) { totalCount } couriers { code } shipments(first: 1) { totalCount } }`);
      expect(res.errors).toBeUndefined();
      expect(res.data.markets.totalCount).toBeGreaterThan(0);
      expect(res.data.couriers.length).toBeGreaterThan(0);
    });
  });

  it.each([
    ['OFFICIAL', () => keys.official],
    ['ADMIN', () => t.adminKey],
  ])('an %s caller still reads the connectors with the refused file, the review queues and the decisions', async (_who, key) => {
    const caller = t.as(key());
    const res = await caller.gql(`{ ${REFUSED.map(([, q]) => q.slice(1, -1)).join(' ')} }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.connector.refusedFiles).toEqual([{ path: path.join(folder, 'unplaceable.csv'), reason: expect.stringContaining('地区') }]);
    expect(res.data.connectors.map((c: { name: string }) => c.name)).toContain('price-folder');
    expect(res.data.unmatchedNames.nodes).toEqual([{ rawName: '沙蜜托', examples: [EXAMPLE], connectors: ['platform:taobao'] }]);
    expect(Array.isArray(res.data.relinks)).toBe(true);
    const byId = await caller.gql(`{ node(id: "${queued}") { ... on UnmatchedName { rawName } } }`);
    expect(byId.data.node).toEqual({ rawName: '沙蜜托' });
    const aliasById = await caller.gql(`{ node(id: "${alias}") { ... on CatalogAlias { alias createdBy } } }`);
    expect(aliasById.data.node).toEqual({ alias: '沙蜜托', createdBy: 'reviewer-7' });
  });
});

describe('over WebSocket', () => {
  const SUB = `subscription { connectorStatusChanged(name: "price-folder") { name status refusedFiles { path } } }`;

  it.each([
    ['COURIER', () => keys.courier, 'FORBIDDEN'],
    ['PLATFORM', () => keys.platform, 'FORBIDDEN'],
    ['anonymous (demo mode)', () => null, 'UNAUTHENTICATED'],
  ])('a %s caller cannot subscribe to connectorStatusChanged', async (_who, key, code) => {
    const sub = subscribe(t.as(key()).ws(), SUB);
    const first = await sub.next();
    expect(first.errors?.map((e) => e.extensions?.code)).toEqual([code]);
    expect(JSON.stringify(first)).not.toContain(folder);
    sub.dispose();
  });

  it('an OFFICIAL caller hears the connector run, with its refused file', async () => {
    const before = await t.metric('hub_graphql_open_subscriptions');
    const sub = subscribe(t.as(keys.official).ws(), SUB);
    await waitFor(async () => (await t.metric('hub_graphql_open_subscriptions')) === before + 1, 15_000, 'the subscription');
    await t.gql(`mutation { runConnector(name: "price-folder") { status } }`);
    const event = await sub.next();
    expect(event.errors).toBeUndefined();
    expect(event.data.connectorStatusChanged).toMatchObject({ name: 'price-folder', refusedFiles: [{ path: path.join(folder, 'unplaceable.csv') }] });
    sub.dispose();
  });
});
