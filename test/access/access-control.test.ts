import { startTestHub, subscribe, waitFor, type TestHub } from '../support/test-hub.js';
import { toGlobalId } from '../../src/relay/global-id.js';

/**
 * Issue #6, against a real server and PostgreSQL: who may read and write what,
 * which fields are masked, and that couriers and platforms stay inside their
 * own rows whichever way they ask (lists, node(id), nested fields, guesses).
 */
let t: TestHub;
const keys: Record<string, string> = {};
const ids: Record<string, string> = {};

const SHIPMENTS = `{ shipments(first: 50) { totalCount nodes { id trackingNumber courier { code } recipientName recipientPhone recipientAddress events { rawText } } } }`;
const SUPPLY = `{ supplyListings(first: 50) { totalCount nodes { rawName seller price platform { code } } } }`;
const SALES = `{ salesRecords(first: 50) { totalCount nodes { rawName amount platform { code } } } }`;
const RECORD_PRICE = `mutation ($input: RecordPricesInput!) { recordPriceObservations(input: $input) { stored } }`;
const priceInput = (key: string) => ({
  input: {
    connector: 'acl-test',
    observations: [{ sourceKey: key, rawName: '红富士', product: 'apple', market: 'beijing-xinfadi', observedOn: '2026-07-01', avgPrice: 3.5, unit: '斤' }],
  },
});

beforeAll(async () => {
  t = await startTestHub();
  const [zto] = await t.sql(`select id from courier where code = 'zhongtong'`);
  const [yd] = await t.sql(`select id from courier where code = 'yunda'`);
  const [pdd] = await t.sql(`select id from market where code = 'pinduoduo'`);
  const [tb] = await t.sql(`select id from market where code = 'taobao'`);
  const ship = async (courier: number, platform: number, number: string, name: string, phone: string, address: string) => {
    const [row] = await t.sql(
      `insert into shipment (source_connector, source_key, courier_id, platform_id, tracking_number, recipient_name, recipient_phone, recipient_address)
       values ('acl', $1, $2, $3, $1, $4, $5, $6) returning id`,
      [number, courier, platform, name, phone, address],
    );
    await t.sql(
      `insert into tracking_event (source_connector, source_key, shipment_id, occurred_at, status, raw_text) values ('acl', $1, $2, now(), 'PICKED_UP', $3)`,
      [`${number}-1`, row.id, `揽收 ${number}`],
    );
    return String(row.id);
  };
  ids.zto1 = await ship(zto.id, pdd.id, 'ZT0001', '张三', '13812341234', '山西省运城市临猗县北景乡西张村12号');
  ids.zto2 = await ship(zto.id, tb.id, 'ZT0002', '欧阳娜娜', '13900001111', '山西省太原市小店区坞城路街道92号');
  ids.yd1 = await ship(yd.id, tb.id, 'YD0001', '李四', '13700002222', '山西省晋中市平遥县古陶镇南大街5号');
  for (const [platform, seller, price] of [
    [pdd.id, '临猗果业合作社', 6.5],
    [tb.id, '平遥牛肉老店', 88],
  ] as const) {
    await t.sql(
      `insert into supply_listing (source_connector, source_key, platform_id, raw_name, seller, quantity, quantity_unit, price, price_unit, available_from)
       values ('acl', $1, $2, $3, $3, 100, 'kg', $4, 'kg', '2026-07-01')`,
      [`${platform}-listing`, platform, seller, price],
    );
    await t.sql(
      `insert into sales_record (source_connector, source_key, platform_id, raw_name, channel, period_start, period_end, quantity, quantity_unit, amount)
       values ('acl', $1, $2, $3, 'ECOMMERCE_PLATFORM', '2026-07-01', '2026-07-07', 10, 'kg', $4)`,
      [`${platform}-sales`, platform, seller, price * 10],
    );
  }
  keys.courierZto = await t.createKey({ role: 'COURIER', courier: 'zhongtong' });
  keys.courierYd = await t.createKey({ role: 'COURIER', courier: 'yunda' });
  keys.platformPdd = await t.createKey({ role: 'PLATFORM', platform: 'pinduoduo' });
  keys.official = await t.createKey({ role: 'OFFICIAL' });
  keys.readOnlyAdmin = await t.createKey({ role: 'ADMIN', organisation: 'auditor', scopes: ['READ'] });
});
afterAll(() => t.close());

describe('the role × operation × field table', () => {
  type Expect = {
    shipments: string[];
    phone: string | null;
    name: string | null;
    address: string | null;
    sellers: string[];
    price: 'clear' | 'null';
    amount: 'clear' | 'null';
    write: 'ok' | string;
  };
  const table: [string, () => string | null, Record<string, string>, Expect][] = [
    [
      'ADMIN with an unmask reason',
      () => t.adminKey,
      { 'x-unmask-reason': 'complaint #42 from recipient' },
      {
        shipments: ['YD0001', 'ZT0002', 'ZT0001'],
        phone: '13812341234',
        name: '张三',
        address: '山西省运城市临猗县北景乡西张村12号',
        sellers: ['平遥牛肉老店', '临猗果业合作社'],
        price: 'clear',
        amount: 'clear',
        write: 'ok',
      },
    ],
    [
      'ADMIN without a reason',
      () => t.adminKey,
      {},
      {
        shipments: ['YD0001', 'ZT0002', 'ZT0001'],
        phone: '138****1234',
        name: '张*',
        address: '山西省运城市临猗县北景乡',
        sellers: ['平遥牛肉老店', '临猗果业合作社'],
        price: 'clear',
        amount: 'clear',
        write: 'ok',
      },
    ],
    [
      'OFFICIAL',
      () => keys.official,
      { 'x-unmask-reason': 'officials cannot unmask' },
      {
        shipments: ['YD0001', 'ZT0002', 'ZT0001'],
        phone: '138****1234',
        name: '张*',
        address: '山西省运城市临猗县北景乡',
        sellers: ['平遥牛肉老店', '临猗果业合作社'],
        price: 'clear',
        amount: 'clear',
        write: 'FORBIDDEN',
      },
    ],
    [
      'COURIER zhongtong',
      () => keys.courierZto,
      {},
      {
        shipments: ['ZT0002', 'ZT0001'],
        phone: '138****1234',
        name: '张*',
        address: '山西省运城市临猗县北景乡',
        sellers: ['平**', '临**'],
        price: 'null',
        amount: 'null',
        write: 'FORBIDDEN',
      },
    ],
    [
      'PLATFORM pinduoduo',
      () => keys.platformPdd,
      {},
      {
        shipments: ['ZT0001'],
        phone: '138****1234',
        name: '张*',
        address: '山西省运城市临猗县北景乡',
        sellers: ['临猗果业合作社'],
        price: 'clear',
        amount: 'clear',
        write: 'FORBIDDEN',
      },
    ],
    [
      'anonymous (demo mode)',
      () => null,
      {},
      {
        shipments: ['YD0001', 'ZT0002', 'ZT0001'],
        phone: '138****1234',
        name: '张*',
        address: '山西省运城市临猗县北景乡',
        sellers: ['平**', '临**'],
        price: 'null',
        amount: 'null',
        write: 'UNAUTHENTICATED',
      },
    ],
  ];

  it.each(table)('%s sees exactly what the table says', async (_who, key, headers, expected) => {
    const caller = t.as(key());
    const shipments = await caller.gql(SHIPMENTS, {}, headers);
    expect(shipments.errors).toBeUndefined();
    const nodes = shipments.data.shipments.nodes;
    expect(nodes.map((n: any) => n.trackingNumber)).toEqual(expected.shipments);
    expect(shipments.data.shipments.totalCount).toBe(expected.shipments.length);
    const zt1 = nodes.find((n: any) => n.trackingNumber === 'ZT0001');
    expect(zt1).toMatchObject({
      recipientPhone: expected.phone,
      recipientName: expected.name,
      recipientAddress: expected.address,
      events: [{ rawText: '揽收 ZT0001' }],
    });

    const supply = await caller.gql(SUPPLY, {}, headers);
    expect(supply.data.supplyListings.nodes.map((n: any) => n.seller)).toEqual(expected.sellers);
    for (const n of supply.data.supplyListings.nodes) expect(n.price === null ? 'null' : 'clear').toBe(expected.price);
    const sales = await caller.gql(SALES, {}, headers);
    for (const n of sales.data.salesRecords.nodes) expect(n.amount === null ? 'null' : 'clear').toBe(expected.amount);

    const write = await caller.gql(RECORD_PRICE, priceInput(`write-${_who}`));
    if (expected.write === 'ok') expect(write.errors).toBeUndefined();
    else expect(write.errors?.[0].extensions?.code).toBe(expected.write);
  });

  it('masks a second name and an urban address the same way (欧阳娜娜 -> 欧***, cut after 街道)', async () => {
    const res = await t.as(keys.official).gql(`{ shipment(trackingNumber: "ZT0002") { recipientName recipientPhone recipientAddress } }`);
    expect(res.data.shipment).toEqual({ recipientName: '欧***', recipientPhone: '139****1111', recipientAddress: '山西省太原市小店区坞城路街道' });
  });

  it('keeps admin-only queries and mutations to ADMIN, and read-only keys from writing', async () => {
    for (const key of [keys.official, keys.courierZto, keys.platformPdd, null]) {
      const res = await t.as(key).gql(`{ apiKeys { keyId } }`);
      expect(['FORBIDDEN', 'UNAUTHENTICATED']).toContain(res.errors?.[0].extensions?.code);
      expect(res.data?.apiKeys ?? null).toBeNull();
    }
    const readOnly = await t.as(keys.readOnlyAdmin).gql(RECORD_PRICE, priceInput('read-only'));
    expect(readOnly.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: expect.stringMatching(/read-only/) });
  });
});

describe('row scoping cannot be walked around', () => {
  it("a courier cannot read another courier's parcel by guessing its global ID, tracking number or event", async () => {
    const yunda = toGlobalId('Shipment', ids.yd1);
    const asZto = t.as(keys.courierZto);
    const res = await asZto.gql(`query ($ids: [ID!]!) { node(id: "${yunda}") { id } nodes(ids: $ids) { id } shipment(trackingNumber: "YD0001") { id } }`, {
      ids: [yunda, toGlobalId('Shipment', ids.zto1)],
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.node).toBeNull();
    expect(res.data.nodes).toEqual([null, { id: toGlobalId('Shipment', ids.zto1) }]);
    expect(res.data.shipment).toBeNull();
    const [event] = await t.sql(`select id from tracking_event where shipment_id = $1`, [ids.yd1]);
    expect((await asZto.gql(`{ node(id: "${toGlobalId('TrackingEvent', event.id)}") { id } }`)).data.node).toBeNull();
    // …and asking for yunda by name returns nothing rather than yunda's parcels.
    expect((await asZto.gql(`{ shipments(courier: "yunda") { totalCount nodes { id } } }`)).data.shipments).toEqual({ totalCount: 0, nodes: [] });
    // The owner sees it.
    expect((await t.as(keys.courierYd).gql(`{ node(id: "${yunda}") { id } }`)).data.node).toEqual({ id: yunda });
  });

  it("a courier cannot push into another courier's parcels: ingest mutations are closed to couriers unless a resolver opens them", async () => {
    const res = await t.as(keys.courierZto).gql(RECORD_PRICE, priceInput('courier-push'));
    expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const [{ n }] = await t.sql(`select count(*)::int as n from price_observation where source_key = 'courier-push'`);
    expect(n).toBe(0);
  });

  it('keys, organisations and the audit trail are invisible to other roles even through node(id)', async () => {
    const [entry] = await t.sql(
      `insert into audit_entry (actor, credential, transport, operation_type, operation_hash, outcome) values ('x', 'api_key', 'http', 'query', 'h', 'OK') returning id`,
    );
    const id = toGlobalId('AuditEntry', entry.id);
    expect((await t.as(keys.official).gql(`{ node(id: "${id}") { id } }`)).data.node).toBeNull();
    expect((await t.gql(`{ node(id: "${id}") { id ... on AuditEntry { actor } } }`)).data.node).toEqual({ id, actor: 'x' });
  });

  it("a courier's subscription hears only its own parcels' alerts", async () => {
    const mine = subscribe(t.as(keys.courierZto).ws(), `subscription { alertRaised { message shipment { trackingNumber } } }`);
    await waitFor(async () => (await t.metric('hub_graphql_open_subscriptions')) === 1, 15_000, 'the subscription');
    const { raiseAlerts } = await import('../../src/alerts/stream/alert.service.js');
    const em = t.hub.db.orm.em.fork();
    await raiseAlerts(em, t.hub.pubSub.pubSub, [
      { kind: 'DELAYED' as never, severity: 'WARNING' as never, message: 'yunda late', dedupeKey: 'acl-yd', shipmentId: ids.yd1 },
      { kind: 'DELAYED' as never, severity: 'WARNING' as never, message: 'zto late', dedupeKey: 'acl-zt', shipmentId: ids.zto1 },
    ]);
    const event = await mine.next();
    expect(event.data.alertRaised).toMatchObject({ message: 'zto late', shipment: { trackingNumber: 'ZT0001' } });
    await expect(mine.next(300)).rejects.toThrow(/no subscription event/);
    mine.dispose();
  });
});

describe('the role × type table covers every type (issue #11)', () => {
  type Rows = 'all' | 'own' | 'some' | 'none';
  const roles = ['ADMIN', 'OFFICIAL', 'COURIER', 'PLATFORM', 'anonymous'] as const;
  const viewer = (role: (typeof roles)[number]) =>
    ({
      credential: 'api_key',
      role: role === 'anonymous' ? null : role,
      scopes: ['READ'],
      actor: 'table',
      organisationId: 1,
      organisationName: 'table',
      courierId: role === 'COURIER' ? 7 : null,
      platformId: role === 'PLATFORM' ? 9 : null,
      courierCode: role === 'COURIER' ? 'zhongtong' : null,
      platformCode: role === 'PLATFORM' ? 'pinduoduo' : null,
      unmaskReason: null,
      ip: null,
    }) as never;
  // Rows each role sees, per type that is not reference data: `own` = its courier's or platform's, `some` = a subset by kind.
  const SCOPED: Record<string, [Rows, Rows, Rows, Rows, Rows]> = {
    //                ADMIN  OFFICIAL COURIER PLATFORM anonymous
    Shipment: ['all', 'all', 'own', 'own', 'all'],
    TrackingEvent: ['all', 'all', 'own', 'own', 'all'],
    Alert: ['all', 'all', 'own', 'own', 'some'],
    SupplyListing: ['all', 'all', 'all', 'own', 'all'],
    SalesRecord: ['all', 'all', 'all', 'own', 'all'],
    RejectedRecord: ['all', 'none', 'own', 'own', 'none'],
    AuditEntry: ['all', 'none', 'none', 'none', 'none'],
    ApiKey: ['all', 'none', 'none', 'none', 'none'],
    Organisation: ['all', 'none', 'none', 'none', 'none'],
    UnmatchedName: ['all', 'all', 'none', 'none', 'none'],
    UnmatchedOrigin: ['all', 'all', 'none', 'none', 'none'],
    CatalogAlias: ['all', 'all', 'none', 'none', 'none'],
    OriginAlias: ['all', 'all', 'none', 'none', 'none'],
  };
  const PUBLIC = ['Region', 'ProductCategory', 'Product', 'Variety', 'OriginLabel', 'Market', 'PriceObservation', 'Courier', 'LogisticsNode'];

  it('gives every object type of the schema a rule, and each rule the rows this table says per role', async () => {
    const { buildHubSchema } = await import('../../src/schema.js');
    const { rowRuleOf } = await import('../../src/access/row-rules.js');
    const { GraphQLObjectType } = await import('graphql');
    const schema = await buildHubSchema({} as never);
    const types = Object.values(schema.getTypeMap()).filter(
      (type) => type instanceof GraphQLObjectType && !type.name.startsWith('__') && !['Query', 'Mutation', 'Subscription'].includes(type.name),
    );
    for (const type of types) {
      const rule = rowRuleOf(type.name);
      expect([type.name, rule !== undefined]).toEqual([type.name, true]);
      const expected = SCOPED[type.name];
      if (!expected) {
        expect([type.name, rule!.kind]).toEqual([type.name, PUBLIC.includes(type.name) ? 'PUBLIC' : 'WRAPPER']);
        continue;
      }
      const seen = roles.map((role) => {
        const scope = rule!.where(viewer(role));
        if (scope === true) return 'all';
        if (scope === false) return 'none';
        const text = JSON.stringify(scope);
        return /courier|platform|connector/.test(text) && !/"\$or"/.test(text) ? 'own' : /"\$or"/.test(text) ? 'own' : 'some';
      });
      expect([type.name, seen]).toEqual([type.name, expected]);
    }
    // Subscription payloads are typed: each field of them is checked by its own type's row.
    const subscription = schema.getSubscriptionType()!;
    for (const field of Object.values(subscription.getFields())) {
      const named = (field.type as { ofType?: { name: string }; name?: string }).ofType?.name ?? (field.type as { name: string }).name;
      expect([field.name, rowRuleOf(named) !== undefined]).toEqual([field.name, true]);
    }
  });

  it('applies to the exports: the subsidy CSV only to OFFICIAL and ADMIN (and demo callers, demo data only)', async () => {
    const get = (key: string | null) =>
      fetch(`${t.url}/reports/subsidy.csv?county=140821&month=2026-06`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    expect((await get(t.adminKey)).status).toBe(200);
    expect((await get(keys.official)).status).toBe(200);
    for (const key of [keys.courierZto, keys.platformPdd]) expect((await get(key)).status).toBe(403);
  });

  it('applies to every export, role by role: the subsidy CSV, the alias table (HTTP and the aliasesCsv query)', async () => {
    // Status per export:   ADMIN OFFICIAL COURIER PLATFORM
    const EXPORTS: [string, (key: string) => Promise<number>, [number, number, number, number]][] = [
      [
        'GET /reports/subsidy.csv',
        async (key) => (await fetch(`${t.url}/reports/subsidy.csv?county=140821&month=2026-06`, { headers: { authorization: `Bearer ${key}` } })).status,
        [200, 200, 403, 403],
      ],
      [
        'GET /catalog/aliases.csv',
        async (key) => (await fetch(`${t.url}/catalog/aliases.csv`, { headers: { authorization: `Bearer ${key}` } })).status,
        [200, 200, 403, 403],
      ],
      [
        'query aliasesCsv',
        async (key) => {
          const res = await t.as(key).gql('{ aliasesCsv }');
          return res.data?.aliasesCsv ? 200 : res.errors?.[0]?.extensions?.code === 'FORBIDDEN' ? 403 : 500;
        },
        [200, 200, 403, 403],
      ],
    ];
    const roleKeys = [t.adminKey, keys.official, keys.courierZto, keys.platformPdd];
    for (const [name, status, expected] of EXPORTS) {
      const seen: number[] = [];
      for (const key of roleKeys) seen.push(await status(key));
      expect([name, seen]).toEqual([name, expected]);
    }
    // Anonymous callers never get the alias table, even in demo mode.
    expect((await fetch(`${t.url}/catalog/aliases.csv`)).status).toBe(403);
  });
});
