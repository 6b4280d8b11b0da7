import { startTestHub, type TestHub } from '../support/test-hub.js';
import { chinaTime } from './courier-push.js';
import { withPgTransaction } from '../../src/ingest/bulk-insert.js';
import { createHubPubSub } from '../../src/platform/pubsub.js';
import { createLogger } from '../../src/platform/logger.js';
import { mapNativeEvent } from '../../src/logistics/feeds/native.mapper.js';
import { trackingKind, type CourierContext } from '../../src/logistics/tracking-event.kind.js';
import { shipmentTopic, type ShipmentUpdatedEvent } from '../../src/logistics/shipment.events.js';

/**
 * A batch nobody listens to writes its parcels without reading them back (session 5); a subscriber that starts
 * listening between the write and the publish (after the commit) still gets the parcel as it stands.
 */
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ DELAY_SCAN_INTERVAL_S: '0' });
});
afterAll(() => t.close());

it('publishes to a subscriber that arrived after the parcels were written', async () => {
  const em = t.hub.db.orm.em.fork();
  const { pubSub } = createHubPubSub(undefined, createLogger('silent'));
  const [courier] = (await t.sql("select id, code, aftership_slug from courier where code = 'zhongtong'")) as CourierContext['courier'][];
  const n = 'ZT7300000001';
  const now = Date.now();
  const record = trackingKind.validate(
    { kind: 'tracking', ...mapNativeEvent({ trackingNumber: n, status: 'PICKED_UP', occurredAt: chinaTime(2), location: { nodeCode: 'vsp-140821100200' } }) },
    { connector: 'courier:zhongtong', now, context: { courier } },
  );
  const written = await withPgTransaction(em, (client) =>
    trackingKind.write([{ index: 0, record: record as never }], {
      connector: 'courier:zhongtong',
      now,
      context: { courier },
      client,
      em,
      cache: new Map(),
      pubSub,
    }),
  );
  expect(written.stored).toBe(1);

  const updates = pubSub.subscribe(shipmentTopic(n))[Symbol.asyncIterator]();
  const next = updates.next();
  await new Promise((resolve) => setTimeout(resolve, 10));
  await written.publish?.();
  const { value } = (await next) as { value: ShipmentUpdatedEvent };
  expect(value.trackingNumber).toBe(n);
  expect(value.shipment).toMatchObject({ tracking_number: n, status: 'PICKED_UP', origin_code: '140821100200', courier_id: courier.id });
  expect(value.events.map((e) => e.status)).toEqual(['PICKED_UP']);
  await updates.return?.();
});
