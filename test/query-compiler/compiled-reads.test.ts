import { parse, type OperationDefinitionNode } from 'graphql';
import type { Hub } from '../../src/app.js';
import { QueryCompiler, sameCondition } from '../../src/query-compiler/compile.js';
import { buildHubSchema } from '../../src/schema.js';
import { rowRuleOf } from '../../src/access/row-rules.js';
import { anonymousViewer, type Viewer } from '../../src/policy/viewer.js';
import { KeyScope, Role } from '../../src/policy/role.js';
import type { RowRule } from '../../src/policy/row-rule.js';
import { startHubOn, startTestHub, type TestHub } from '../support/test-hub.js';

/**
 * Issue #10: the compiled read path (one SQL statement building the JSON,
 * src/query-compiler) answers exactly what graphql-js execution answers, per
 * role: same rows (row scopes), same masks, same audit rows; with one
 * statement per operation (plus the audit row's where classified data is read).
 * Two hubs on one database: `t` with compiled reads (the default), `plain` with COMPILED_READS=false.
 */
let t: TestHub;
let plain: Hub;
const keys: Record<string, string | null> = {};
let zhongtongId = 0;

beforeAll(async () => {
  t = await startTestHub({ DELAY_SCAN_INTERVAL_S: '0', PRICE_SERIES_REFRESH_INTERVAL_S: '0' });
  plain = await startHubOn(t.databaseUrl, { DB_POOL_SIZE: '3', DELAY_SCAN_INTERVAL_S: '0', CONNECTOR_SCHEDULER: 'false', COMPILED_READS: 'false' });
  const [zto] = await t.sql(`select id from courier where code = 'zhongtong'`);
  const [yto] = await t.sql(`select id from courier where code <> 'zhongtong' order by code limit 1`);
  const [pdd] = await t.sql(`select id from market where code = 'pinduoduo'`);
  zhongtongId = zto.id;
  // Parcels of two couriers, one sold through pinduoduo, with personal data in the recipient fields and in the scan texts.
  for (const [i, courier] of [zto.id, zto.id, yto.id, zto.id].entries()) {
    const [row] = await t.sql(
      `insert into shipment (source_connector, source_key, courier_id, platform_id, tracking_number, status, direction, recipient_name, recipient_phone,
                             recipient_address, origin_code, origin_region_code, destination_region_code, weight_kg, promised_at, last_event_at, product_id)
       values ('cq', $1, $2, $3, $1, 'IN_TRANSIT', 'UPSTREAM', '张三丰', '13812341234', '山西省运城市临猗县北景乡西张村12号', '140821',
               (select code from region where code like '140821%' and level = 'VILLAGE' order by code limit 1), '140121', 1.25,
               timestamptz '2026-07-03 10:11:12.345678+08', now() - interval '1 hour', (select id from product where code = 'apple'))
       returning id`,
      [`CQ${i}`, courier, i === 1 ? pdd.id : null],
    );
    for (const [j, text] of ['已揽收', '快递员 王五 13912345678 正在派送', '已签收，由 张三丰 签收'].entries()) {
      await t.sql(
        `insert into tracking_event (source_connector, source_key, shipment_id, occurred_at, status, raw_text, location, area_code, region_code, temperature_c)
         values ('cq', $1, $2, timestamptz '2026-07-01 08:00:00.123+08' + make_interval(hours => $3), 'IN_TRANSIT', $4, $5, '140821', '140821', 3.5)`,
        [`CQ${i}-${j}`, row.id, j, text, j === 1 ? '临猗县北景乡站 电话0359-4023456' : '临猗县集散中心'],
      );
    }
  }
  // Prices at two markets: apples of Shanxi origin, with and without variety and origin.
  await t.sql(`
    insert into price_observation (source_connector, source_key, product_id, variety_id, market_id, origin_region_code, observed_on, raw_name,
                                   low_price, avg_price, high_price, unit, avg_per_kg, volume, spec)
    select 'cq', m.code || '-' || d, v.product_id, case when d % 3 = 0 then null else v.id end, m.id,
           case when d % 4 = 0 then null else (select code from region where level = 'VILLAGE' and code like '140821%' order by code limit 1) end,
           date '2026-07-01' + d, '红富士', 2.5 + d / 10.0, 3.05 + d, 4, '斤', 6.1 + d, 100.5, '一级'
      from market m cross join generate_series(0, 11) d
      cross join lateral (select id, product_id from variety where product_id = (select id from product where code = 'apple') order by id limit 1) v
     where m.code in ('pinduoduo', (select code from market where code <> 'pinduoduo' order by code limit 1))`);
  keys.anonymous = null;
  keys.courier = await t.createKey({ role: 'COURIER', courier: 'zhongtong' });
  keys.platform = await t.createKey({ role: 'PLATFORM', platform: 'pinduoduo' });
  keys.official = await t.createKey({ role: 'OFFICIAL' });
  keys.admin = t.adminKey;
});
afterAll(async () => {
  await plain?.close();
  await t?.close();
});

const SHAPE_A = `{ markets(first: 10) { totalCount nodes { code name prices(first: 10) { totalCount nodes {
  observedOn avgPrice avgPerKg product { name } variety { name } originRegion { code name parent { code name } } } } } } }`;
const SHAPE_B = `{ prices(filter: { product: "apple", originUnder: "14" }, first: 100) { nodes {
  observedOn avgPrice unit product { name } variety { name } market { code name } originRegion { code name } } } }`;
const SHAPE_C = `{ shipments(first: 20) { nodes { trackingNumber status lastEventAt
  events { occurredAt status rawCode rawText areaCode location } } } }`;
/** Every field the compiler reads, every classified field among them. */
const DEEP = `query Deep($n: Int!, $order: PriceOrder) {
  __typename
  shipments(first: $n) { __typename totalCount nodes { ...parcel } }
  prices(first: 30, orderBy: $order, filter: { product: "apple" }) { totalCount nodes { ...price } }
  markets(first: 3) { nodes { id code name channel address longitude latitude region { code } prices(first: 2) { totalCount nodes { id } } } }
}
fragment parcel on Shipment {
  id trackingNumber status direction originCode destinationCode isFarmProduct weightKg recipientName recipientPhone recipientAddress
  promisedAt pickedUpAt deliveredAt lastEventAt
  originRegion { id code name level parent { code parent { code name } } } destinationRegion { code name }
  product { id code name nameEn aliases isFarmProduct coldChainMinC coldChainMaxC }
  platform { id code name channel }
  events(first: 2) { id occurredAt status rawCode rawText areaCode format location temperatureC region { code } }
  all: events { id rawText location }
}
fragment price on PriceObservation {
  id originText observedOn rawName spec lowPrice avgPrice highPrice unit lowPerKg avgPerKg highPerKg volume volumeUnit
  product { code } variety { name product { code } } market { code } originRegion { code }
}`;

type Caller = keyof typeof keys | 'unmasking admin';
const ROLES: Caller[] = ['anonymous', 'courier', 'platform', 'official', 'admin', 'unmasking admin'];

async function post(url: string, caller: Caller, query: string, variables?: Record<string, unknown>) {
  const key = caller === 'unmasking admin' ? keys.admin : keys[caller];
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) };
  if (caller === 'unmasking admin') headers['x-unmask-reason'] = 'compiled-read parity test';
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  return { status: res.status, text: await res.text() };
}

async function statements(query: string, caller: Caller, variables?: Record<string, unknown>) {
  await post(t.url, caller, '{ __typename }'); // the key's lookup cached, so that only the operation is counted
  const before = await t.metric('hub_db_statements_total');
  const res = await post(t.url, caller, query, variables);
  const after = await t.metric('hub_db_statements_total');
  return { n: after - before, res };
}

const lastAudit = async () =>
  (
    await t.sql(
      `select actor, role, operation_type, operation_hash, classified_fields, rows_returned, personal_records, unmask_reason, outcome
         from audit_entry order by id desc limit 1`,
    )
  )[0];

describe('compiled reads answer exactly what graphql-js execution answers', () => {
  const cases: [string, string, Record<string, unknown>?][] = [
    ['shape (a) markets → prices → product, variety, origin and parent', SHAPE_A],
    ['shape (b) filtered prices', SHAPE_B],
    ['shape (c) shipments with their events', SHAPE_C],
    [
      'a response key longer than an identifier (json_build_object then)',
      `{ shipments(first: 3) { nodes { ${'k'.repeat(70)}: trackingNumber events { ${'e'.repeat(64)}: status } } } }`,
    ],
    [
      'events cut per parcel at first: 0 and first: 1',
      '{ shipments(first: 10) { nodes { trackingNumber none: events(first: 0) { status } one: events(first: 1) { rawText } } } }',
    ],
    ['a deep selection over every compiled field, every classified one included', DEEP, { n: 10, order: 'AVG_PRICE_ASC' }],
  ];
  for (const [name, query, variables] of cases) {
    it.each(ROLES)(`${name}: the same JSON, byte for byte, as %s`, async (caller) => {
      const expected = await post(plain.url, caller, query, variables);
      const actual = await post(t.url, caller, query, variables);
      expect(JSON.parse(expected.text).errors).toBeUndefined();
      expect(actual.status).toBe(expected.status);
      expect(actual.text).toBe(expected.text);
    });
  }

  it('returns rows and masks that differ by role (the parity above is not vacuous)', async () => {
    const courier = JSON.parse((await post(t.url, 'courier', SHAPE_C)).text).data.shipments.nodes;
    const official = JSON.parse((await post(t.url, 'official', DEEP, { n: 10 })).text).data.shipments.nodes;
    const unmasked = JSON.parse((await post(t.url, 'unmasking admin', DEEP, { n: 10 })).text).data.shipments.nodes;
    expect(courier).toHaveLength(3);
    expect(official).toHaveLength(4);
    expect(courier[0].events.map((e: { rawText: string }) => e.rawText)).toContain('快递员 王* 139****5678 正在派送');
    expect(official[0].recipientPhone).toBe('138****1234');
    expect(official[0].recipientName).toBe('张**');
    expect(unmasked[0].recipientPhone).toBe('13812341234');
    expect(unmasked[0].all.map((e: { location: string }) => e.location)).toContain('临猗县北景乡站 电话0359-4023456');
  });
});

describe('one statement per compiled operation', () => {
  it('answers shapes (a) and (b) with one SQL statement (graphql-js execution takes 7)', async () => {
    for (const query of [SHAPE_A, SHAPE_B]) {
      const { n, res } = await statements(query, 'anonymous');
      expect(JSON.parse(res.text).errors).toBeUndefined();
      expect(n).toBe(1);
    }
  });

  it("answers shape (c) with one statement plus the audit row's (scan texts and places are personal data, masked)", async () => {
    const { n } = await statements(SHAPE_C, 'courier');
    // 1 compiled statement, and 1 for the audit row with the abnormal-access check that follows every row with personal
    // records (one statement since both went into the audit writer's group commit)
    const audit = await t.sql(`select personal_records from audit_entry order by id desc limit 1`);
    expect(audit[0].personal_records).toBeGreaterThan(0);
    expect(n).toBe(2);
  });

  it('writes the same audit row as graphql-js execution', async () => {
    for (const caller of ['courier', 'official', 'unmasking admin'] as Caller[]) {
      await post(plain.url, caller, DEEP, { n: 10 });
      const expected = await lastAudit();
      await post(t.url, caller, DEEP, { n: 10 });
      const actual = await lastAudit();
      expect(actual).toEqual(expected);
      expect(actual.classified_fields).toEqual(
        expect.arrayContaining([
          'Shipment.recipientName:PERSONAL',
          'Shipment.recipientPhone:PERSONAL',
          'Shipment.recipientAddress:PERSONAL',
          'TrackingEvent.rawText:PERSONAL',
          'TrackingEvent.location:PERSONAL',
        ]),
      );
    }
  });

  it('writes no audit row for a read without classified data, as before', async () => {
    const [{ n: before }] = await t.sql(`select count(*)::int as n from audit_entry`);
    await post(t.url, 'courier', SHAPE_A);
    const [{ n: after }] = await t.sql(`select count(*)::int as n from audit_entry`);
    expect(after).toBe(before);
  });

  it('leaves what it does not cover to graphql-js (cursors, edges, other fields), with the same answers', async () => {
    for (const query of [
      '{ markets(first: 2) { edges { cursor node { code } } pageInfo { hasNextPage } } }',
      '{ shipments(first: 2, status: IN_TRANSIT) { nodes { trackingNumber courier { code } } } }',
      '{ prices(first: 3, filter: { from: "2026-07-02" }) { nodes { avgPrice source { connector } } } }',
      '{ markets(first: 501) { totalCount } }',
    ]) {
      const expected = await post(plain.url, 'courier', query);
      const actual = await post(t.url, 'courier', query);
      expect(actual.text).toBe(expected.text);
    }
    // graphql-js: the page, then the count
    const { n } = await statements('{ markets(first: 2) { totalCount edges { node { code } } } }', 'anonymous');
    expect(n).toBe(2);
  });
});

describe('fail closed', () => {
  const viewer = (role: Role | null): Viewer => ({
    ...anonymousViewer(),
    role,
    courierId: role === Role.COURIER ? zhongtongId : null,
    scopes: [KeyScope.READ],
  });
  const operation = (text: string) => parse(text).definitions[0] as OperationDefinitionNode;
  /** The courier's 20 parcels of shape (c), read once (a CTE: the parcels and the keys their events are read by). */
  const PARCELS = (courier: number) =>
    `with "#rows_t1" as materialized (select p.* from "shipment" p where p."courier_id" = ${courier} order by p."id" desc limit 20) select `;
  /** The events of shape (c): those of the parcels the statement reads. */
  const EVENTS_OF = `p."shipment_id" = any(array(select x."id" from "#rows_t1" x))`;

  it('never compiles a type without a row rule', async () => {
    const compiler = new QueryCompiler(await buildHubSchema({} as never), t.hub.db.orm.getMetadata(), (name) =>
      name === 'TrackingEvent' ? undefined : rowRuleOf(name),
    );
    expect(compiler.compile(operation(SHAPE_C), {}, {}, viewer(Role.OFFICIAL))).toBeNull();
    expect(compiler.compile(operation('{ shipments(first: 2) { nodes { trackingNumber } } }'), {}, {}, viewer(Role.OFFICIAL))).not.toBeNull();
  });

  it("puts the courier's row scope into the statement for the parcels; their events are read only under those parcels", async () => {
    const compiler = new QueryCompiler(await buildHubSchema({} as never), t.hub.db.orm.getMetadata());
    const plan = compiler.compile(operation(SHAPE_C), {}, {}, viewer(Role.COURIER))!;
    expect(plan.text.startsWith(PARCELS(zhongtongId))).toBe(true);
    // The events' rule is the parcel's through `shipment` (RowRule.through): under a parcel that passed it, no second check.
    // The events of all 20 parcels are read at once (each partition searched once), numbered and cut per parcel.
    expect(plan.text).toContain(`from "tracking_event" p where ${EVENTS_OF}) t2 where t2."#n" <= 100 group by t2."shipment_id") t3 on t3.k = t1."id"`);
    expect(plan.text).not.toContain('exists');
    expect(plan.audited).toBe(true);
  });

  describe("a nested list's row scope is left out only when its parent's implies it", () => {
    const EVENTS_SCOPE = (alias: string) =>
      `exists (select 1 from "shipment" ${alias} where ${alias}."id" = p."shipment_id" and ${alias}."courier_id" = ${zhongtongId})`;
    const compile = async (rules: (name: string) => RowRule | undefined, text = SHAPE_C, role = Role.COURIER) =>
      new QueryCompiler(await buildHubSchema({} as never), t.hub.db.orm.getMetadata(), rules).compile(operation(text), {}, {}, viewer(role));

    it('keeps the predicate for a rule that declares no `through`', async () => {
      const plan = await compile((name) => (name === 'TrackingEvent' ? { ...rowRuleOf(name)!, through: undefined } : rowRuleOf(name)));
      expect(plan!.text).toContain(`where ${EVENTS_OF} and ${EVENTS_SCOPE('t4')}`);
    });

    it('keeps the predicate when the declared relation or parent type is not the one the list is read through', async () => {
      for (const through of [
        { relation: 'region', typeName: 'Shipment' },
        { relation: 'shipment', typeName: 'Market' },
      ]) {
        const plan = await compile((name) => (name === 'TrackingEvent' ? { ...rowRuleOf(name)!, through } : rowRuleOf(name)));
        expect(plan!.text).toContain(EVENTS_SCOPE('t4'));
      }
    });

    it("keeps the predicate when, for this viewer, the condition is not exactly the parent's through the relation", async () => {
      const events = rowRuleOf('TrackingEvent')!;
      // a declared `through` whose condition says more than the parcel's (a stricter rule must not be dropped)
      const stricter: RowRule = { ...events, where: (v) => ({ shipment: { courier: v.courierId }, status: 'DELIVERED' }) };
      const plan = await compile((name) => (name === 'TrackingEvent' ? stricter : rowRuleOf(name)));
      expect(plan!.text).toContain(`p."status" = $1`);
      // a parent rule that differs from the one the events' rule goes through
      const parcels = rowRuleOf('Shipment')!;
      const otherParent: RowRule = { ...parcels, where: (v) => ({ courier: (v.courierId ?? 0) + 1 }) };
      const plan2 = await compile((name) => (name === 'Shipment' ? otherParent : rowRuleOf(name)));
      expect(plan2!.text).toContain(`where p."courier_id" = ${zhongtongId + 1} `);
      expect(plan2!.text).toContain(EVENTS_SCOPE('t4'));
    });

    it('needs no predicate where the viewer sees every row, and keeps `false` as no rows', async () => {
      const official = await compile(rowRuleOf, SHAPE_C, Role.OFFICIAL);
      expect(official!.text).not.toContain('exists');
      const none: RowRule = { ...rowRuleOf('TrackingEvent')!, where: () => false };
      const plan = await compile((name) => (name === 'TrackingEvent' ? none : rowRuleOf(name)));
      expect(plan!.text).toContain(`where ${EVENTS_OF} and false)`);
    });

    it('compares conditions as data only', () => {
      expect(sameCondition({ courier: 3 }, { courier: 3 })).toBe(true);
      expect(sameCondition({ courier: 3, $or: [{ a: null }] }, { $or: [{ a: null }], courier: 3 })).toBe(true);
      expect(sameCondition({ courier: 3 }, { courier: '3' })).toBe(false);
      expect(sameCondition({ courier: 3 }, { courier: 3, platform: 1 })).toBe(false);
      expect(sameCondition({ at: new Date(0) }, { at: new Date(0) })).toBe(false);
      expect(sameCondition([1, 2], [1, 2])).toBe(true);
      expect(sameCondition(undefined, undefined)).toBe(false);
    });
  });
});
