import { Field, ObjectType, Query, Resolver } from 'type-graphql';
import { startTestHub, subscribe, waitFor, type TestHub } from '../support/test-hub.js';
import { toGlobalId } from '../../src/relay/global-id.js';
import { buildHubSchema } from '../../src/schema.js';

/**
 * Issue #11 "fail closed by construction": every object type declares who may
 * see which rows, and the rule holds on every path (lists, node/nodes, nested
 * fields, subscriptions). Each case below names a leak found by trying the hub
 * as a new user would.
 */
let t: TestHub;
const keys: Record<string, string> = {};
const ids: Record<string, string> = {};
const RECIPIENT = { name: '张三丰', phone: '13812341234', address: '山西省运城市临猗县北景乡西张村12号' };

beforeAll(async () => {
  t = await startTestHub();
  const [zto] = await t.sql(`select id from courier where code = 'zhongtong'`);
  const [yd] = await t.sql(`select id from courier where code = 'yunda'`);
  const [pdd] = await t.sql(`select id from market where code = 'pinduoduo'`);
  const [tb] = await t.sql(`select id from market where code = 'taobao'`);
  const ship = async (courier: number, platform: number, number: string) => {
    const [row] = await t.sql(
      `insert into shipment (source_connector, source_key, courier_id, platform_id, tracking_number) values ('rows', $1, $2, $3, $1) returning id`,
      [number, courier, platform],
    );
    return String(row.id);
  };
  ids.ztoPdd = await ship(zto.id, pdd.id, 'ZT0101');
  ids.ydTb = await ship(yd.id, tb.id, 'YD0101');
  const reject = async (connector: string) => {
    const raw = { trackingNumber: 'ZT0199', status: 'NOPE', description: '快递员 王五 13912345678', shipment: { recipient: RECIPIENT } };
    const [row] = await t.sql(`insert into rejected_record (connector, reason, field, raw) values ($1, 'unknown status "NOPE"', 'status', $2) returning id`, [
      connector,
      raw,
    ]);
    return String(row.id);
  };
  ids.rejectedZto = await reject('courier:zhongtong');
  ids.rejectedYd = await reject('courier:yunda');
  keys.courierZto = await t.createKey({ role: 'COURIER', courier: 'zhongtong' });
  keys.courierYd = await t.createKey({ role: 'COURIER', courier: 'yunda' });
  keys.platformPdd = await t.createKey({ role: 'PLATFORM', platform: 'pinduoduo' });
  keys.official = await t.createKey({ role: 'OFFICIAL' });
});
afterAll(() => t.close());

describe('the schema', () => {
  it('refuses to build when an object type declares no row rule', async () => {
    @ObjectType()
    class Undeclared {
      @Field() secret!: string;
    }
    @Resolver()
    class UndeclaredResolver {
      @Query(() => Undeclared)
      undeclared(): Undeclared {
        return { secret: 'x' };
      }
    }
    await expect(buildHubSchema({} as never, [UndeclaredResolver])).rejects.toThrow(/none declared for: Undeclared/);
  });
});

describe('rejected records (raw pushes with recipients)', () => {
  const LIST = `{ rejectedRecords(first: 10) { nodes { id connector reason raw } } }`;
  const maskedRaw = {
    trackingNumber: 'ZT0199',
    status: 'NOPE',
    description: '快递员 王* 139****5678',
    shipment: { recipient: { name: '张**', phone: '138****1234', address: '山西省运城市临猗县北景乡' } },
  };

  it('are hidden from anonymous demo callers, officials, platforms and other couriers, by list and by node(id)', async () => {
    for (const key of [null, keys.official, keys.platformPdd, keys.courierYd]) {
      const res = await t
        .as(key)
        .gql(`{ rejectedRecords(first: 10) { nodes { connector } } node(id: "${toGlobalId('RejectedRecord', ids.rejectedZto)}") { id } }`);
      expect(res.errors).toBeUndefined();
      expect(res.data.node).toBeNull();
      expect(res.data.rejectedRecords.nodes.map((n: any) => n.connector)).not.toContain('courier:zhongtong');
    }
  });

  it('show the submitting courier its own, with the raw input masked', async () => {
    const res = await t.as(keys.courierZto).gql(LIST);
    expect(res.errors).toBeUndefined();
    expect(res.data.rejectedRecords.nodes).toEqual([
      { id: toGlobalId('RejectedRecord', ids.rejectedZto), connector: 'courier:zhongtong', reason: 'unknown status "NOPE"', raw: maskedRaw },
    ]);
    const node = await t.as(keys.courierZto).gql(`{ node(id: "${toGlobalId('RejectedRecord', ids.rejectedZto)}") { ... on RejectedRecord { raw } } }`);
    expect(node.data.node.raw).toEqual(maskedRaw);
  });

  it('show ADMIN all of them, masked, and in clear only with an unmask reason', async () => {
    const masked = await t.gql(LIST);
    expect(masked.data.rejectedRecords.nodes.map((n: any) => n.connector).sort()).toEqual(['courier:yunda', 'courier:zhongtong']);
    expect(masked.data.rejectedRecords.nodes[0].raw).toEqual(maskedRaw);
    const clear = await t.gql(LIST, {}, { 'x-unmask-reason': 'courier support ticket 7' });
    expect(clear.data.rejectedRecords.nodes[0].raw.shipment.recipient).toEqual(RECIPIENT);
  });
});

describe('node(id:)', () => {
  it('refuses internal entities (credentials, webhook signatures, connector state) whatever the caller', async () => {
    const [zto] = await t.sql(`select id from courier where code = 'zhongtong'`);
    const [credential] = await t.sql(`insert into courier_credential (courier_id, secret) values ($1, 'sealed') returning id`, [zto.id]);
    await t.sql(`insert into webhook_signature (signature, courier_id) values ('sig-1', $1)`, [zto.id]);
    for (const id of [
      toGlobalId('CourierCredential', String(credential.id)),
      toGlobalId('WebhookSignature', 'sig-1'),
      toGlobalId('ApiKey', '1'),
      toGlobalId('Organisation', '1'),
    ]) {
      const res = await t.gql(`{ node(id: "${id}") { id } }`, {}, { 'x-unmask-reason': 'looking' });
      expect(res.errors).toBeUndefined();
      expect(res.data.node).toBeNull();
    }
  });
});

describe('alerts', () => {
  const raise = async (alerts: { kind: string; message: string; dedupeKey: string; shipmentId?: string }[]) => {
    const { raiseAlerts } = await import('../../src/alerts/stream/alert.service.js');
    await raiseAlerts(
      t.hub.db.orm.em.fork(),
      t.hub.pubSub.pubSub,
      alerts.map((a) => ({ severity: 'WARNING' as never, ...a, kind: a.kind as never })),
    );
  };

  it('ABNORMAL_ACCESS never reaches couriers or platforms; a platform sees DELAYED alerts of the parcels sold through it only', async () => {
    const courier = subscribe(t.as(keys.courierZto).ws(), `subscription { alertRaised { kind message } }`);
    const platform = subscribe(t.as(keys.platformPdd).ws(), `subscription { alertRaised { kind message shipment { trackingNumber } } }`);
    const official = subscribe(t.as(keys.official).ws(), `subscription { alertRaised { kind } }`);
    await waitFor(async () => (await t.metric('hub_graphql_open_subscriptions')) === 3, 15_000, 'three subscriptions');
    await raise([
      { kind: 'ABNORMAL_ACCESS', message: 'hh_x read 900 personal records', dedupeKey: 'rows-abnormal' },
      { kind: 'DELAYED', message: 'yunda late, 派件员李四 13700002222', dedupeKey: 'rows-yd', shipmentId: ids.ydTb },
      { kind: 'DELAYED', message: 'zto late', dedupeKey: 'rows-zt', shipmentId: ids.ztoPdd },
    ]);
    expect((await official.next()).data.alertRaised.kind).toBe('ABNORMAL_ACCESS');
    expect((await courier.next()).data.alertRaised).toEqual({ kind: 'DELAYED', message: 'zto late' });
    expect((await platform.next()).data.alertRaised).toEqual({ kind: 'DELAYED', message: 'zto late', shipment: { trackingNumber: 'ZT0101' } });
    await expect(courier.next(300)).rejects.toThrow(/no subscription event/);
    await expect(platform.next(300)).rejects.toThrow(/no subscription event/);
    for (const s of [courier, platform, official]) s.dispose();

    const list = `{ alerts(first: 50) { nodes { kind message } } }`;
    const ofCourier = (await t.as(keys.courierZto).gql(list)).data.alerts.nodes;
    expect(ofCourier).toEqual([{ kind: 'DELAYED', message: 'zto late' }]);
    expect((await t.as(keys.platformPdd).gql(list)).data.alerts.nodes).toEqual([{ kind: 'DELAYED', message: 'zto late' }]);
    expect((await t.as(null).gql(list)).data.alerts.nodes.map((n: any) => n.kind)).toEqual(['DELAYED', 'DELAYED']);
    // Alert text is free text: a name and phone in it are masked like the recipient fields.
    expect((await t.as(keys.official).gql(list)).data.alerts.nodes).toContainEqual({ kind: 'DELAYED', message: 'yunda late, 派件员李* 137****2222' });
  });
});
