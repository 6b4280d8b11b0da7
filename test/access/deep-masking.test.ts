import { GraphQLObjectType, isObjectType } from 'graphql';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { toGlobalId } from '../../src/relay/global-id.js';
import { buildHubSchema } from '../../src/schema.js';
import { classificationOf } from '../../src/policy/classification.js';

/**
 * Issues #10 and #11: a deep selection over every classified field still
 * masks for every role that may not see it in clear (whatever path the rows
 * come by), and the limits on list arguments and nested lists hold.
 */
let t: TestHub;
const keys: Record<string, string> = {};
let shipmentId = '';
const CLEAR = ['13812341234', '张三丰', '西张村12号', '13912345678', '王五', '0359-4023456', '临猗果业合作社'];

beforeAll(async () => {
  t = await startTestHub();
  const [zto] = await t.sql(`select id from courier where code = 'zhongtong'`);
  const [pdd] = await t.sql(`select id from market where code = 'pinduoduo'`);
  const [row] = await t.sql(
    `insert into shipment (source_connector, source_key, courier_id, platform_id, tracking_number, recipient_name, recipient_phone, recipient_address)
     values ('deep', 'ZT0301', $1, $2, 'ZT0301', '张三丰', '13812341234', '山西省运城市临猗县北景乡西张村12号') returning id`,
    [zto.id, pdd.id],
  );
  shipmentId = String(row.id);
  for (const [i, text] of ['已揽收', '快递员 王五 13912345678 正在派送', '已签收，由 张三丰 签收'].entries()) {
    await t.sql(
      `insert into tracking_event (source_connector, source_key, shipment_id, occurred_at, status, raw_text, location) values ('deep', $1, $2, now() - make_interval(hours => $3), 'IN_TRANSIT', $4, $5)`,
      [`ZT0301-${i}`, shipmentId, 3 - i, text, i === 1 ? '临猗县北景乡站 电话0359-4023456' : '临猗县集散中心'],
    );
  }
  await t.sql(
    `insert into alert (kind, severity, message, shipment_id, details, dedupe_key) values ('DELAYED', 'WARNING', '快递员 王五 13912345678 未更新', $1, $2, 'deep-1')`,
    [shipmentId, { courierPhone: '13912345678', recipient: { name: '张三丰' } }],
  );
  await t.sql(`insert into rejected_record (connector, reason, raw) values ('courier:zhongtong', 'bad phone 13812341234', $1)`, [
    { trackingNumber: 'ZT0301', shipment: { recipient: { name: '张三丰', phone: '13812341234', address: '山西省运城市临猗县北景乡西张村12号' } } },
  ]);
  await t.sql(
    `insert into supply_listing (source_connector, source_key, platform_id, raw_name, seller, quantity, quantity_unit, price, price_unit, available_from)
     values ('deep', 'l1', $1, '红富士', '临猗果业合作社', 100, 'kg', 6.5, 'kg', '2026-07-01')`,
    [pdd.id],
  );
  keys.courier = await t.createKey({ role: 'COURIER', courier: 'zhongtong' });
  keys.platform = await t.createKey({ role: 'PLATFORM', platform: 'pinduoduo' });
  keys.official = await t.createKey({ role: 'OFFICIAL' });
});
afterAll(() => t.close());

const SHIPMENT = `recipientName recipientPhone recipientAddress events { rawText location }`;
const DEEP = (id: string) => `{
  shipments(first: 5) { nodes { ${SHIPMENT} } }
  alerts(first: 5) { nodes { message details shipment { ${SHIPMENT} } } }
  rejectedRecords(first: 5) { nodes { reason raw } }
  supplyListings(first: 5) { nodes { seller price } }
  salesRecords(first: 5) { nodes { amount } }
  node(id: "${id}") { ... on Shipment { ${SHIPMENT} } }
  nodes(ids: ["${id}"]) { ... on Shipment { ${SHIPMENT} } }
}`;
/** Every classified field the deep selection asks for. */
const COVERED = [
  'Shipment.recipientName',
  'Shipment.recipientPhone',
  'Shipment.recipientAddress',
  'TrackingEvent.rawText',
  'TrackingEvent.location',
  'Alert.message',
  'Alert.details',
  'RejectedRecord.reason',
  'RejectedRecord.raw',
  'SupplyListing.seller',
  'SupplyListing.price',
  'SalesRecord.amount',
];

describe('a deep selection over every classified field', () => {
  it('names every classified field of the schema (a newly classified field must be added here)', async () => {
    const schema = await buildHubSchema({} as never);
    const classified = Object.values(schema.getTypeMap())
      .filter((type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith('__'))
      .flatMap((type) =>
        Object.values(type.getFields())
          .filter((f) => classificationOf(f))
          .map((f) => `${type.name}.${f.name}`),
      );
    expect(classified.sort()).toEqual([...COVERED].sort());
  });

  // Roles other than ADMIN send an unmask reason too: it must change nothing.
  const reason = { 'x-unmask-reason': 'only ADMIN may unmask' };
  it.each([
    ['ADMIN without an unmask reason', () => t.adminKey, {}],
    ['OFFICIAL', () => keys.official, reason],
    ['COURIER (its own parcel)', () => keys.courier, reason],
    ['PLATFORM (its own sale)', () => keys.platform, reason],
    ['anonymous (demo mode)', () => null, reason],
  ])('still masks every personal value for %s', async (_who, key, headers) => {
    const res = await t.as(key()).gql(DEEP(toGlobalId('Shipment', shipmentId)), {}, headers);
    expect(res.errors).toBeUndefined();
    expect(res.data.shipments.nodes.length).toBe(1);
    const text = JSON.stringify(res.data);
    const personal = CLEAR.filter((value) => value !== '临猗果业合作社');
    for (const value of personal) expect(text).not.toContain(value);
    expect(text).toContain('138****1234');
  });

  it('shows the clear values to ADMIN with an unmask reason (the selection does reach them)', async () => {
    const res = await t.gql(DEEP(toGlobalId('Shipment', shipmentId)), {}, { 'x-unmask-reason': 'recipient complaint 12' });
    const text = JSON.stringify(res.data);
    for (const value of CLEAR) expect(text).toContain(value);
  });
});

describe('limits on lists', () => {
  const id = () => toGlobalId('Shipment', shipmentId);

  it('refuses nodes(ids:) with more ids than QUERY_MAX_LIST_ITEMS (100)', async () => {
    const res = await t.as(null).gql(`query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: Array.from({ length: 101 }, () => id()) });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'LIST_TOO_LONG', limit: 100, actual: 101 });
    const ok = await t.as(null).gql(`query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: Array.from({ length: 100 }, () => id()) });
    expect(ok.errors).toBeUndefined();
  });

  it('counts each id of nodes(ids:) in the query cost, times its nested pages', async () => {
    const res = await t.as(null).gql(`query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Shipment { events(first: 300) { status rawText } } } }`, {
      ids: Array.from({ length: 100 }, () => id()),
    });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX' });
  });

  it('pages Shipment.events with first and after', async () => {
    const all = await t.gql(`{ node(id: "${id()}") { ... on Shipment { events { id status } } } }`);
    const events = all.data.node.events;
    expect(events).toHaveLength(3);
    const page = await t.gql(
      `{ node(id: "${id()}") { ... on Shipment { first: events(first: 2) { id } next: events(first: 2, after: "${events[1].id}") { id } } } }`,
    );
    expect(page.data.node).toEqual({ first: [{ id: events[0].id }, { id: events[1].id }], next: [{ id: events[2].id }] });
    const tooMany = await t.gql(`{ node(id: "${id()}") { ... on Shipment { events(first: 501) { id } } } }`);
    expect(tooMany.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
