import { startTestHub, type TestHub } from '../support/test-hub.js';
import { AFTERSHIP_SUBTAGS, mapAftershipCheckpoint, splitAftershipBody } from '../../src/logistics/feeds/aftership.mapper.js';
import { FeedProblem } from '../../src/logistics/feeds/feed-event.js';
import { chinaTime, giveSecrets, pushAftership } from './courier-push.js';

/**
 * The AfterShip webhook checked against AfterShip's documentation (issue #11):
 * tags https://www.aftership.com/docs/tracking/enum/delivery-statuses, subtags
 * https://www.aftership.com/docs/tracking/enum/delivery-sub-statuses (and the
 * March 2026 additions, https://tracking-helpcenter.aftership.com/en/article/learn-about-delivery-sub-status-1b0hdlx).
 */

/** The documented webhook sample's shape (event, msg with tag/subtag and checkpoints), values as documented. */
const documentedSample = () => ({
  event: 'tracking_update',
  event_id: '8b4a7b0c-7c1b-4c1c-9c1c-1c1c1c1c1c1c',
  is_tracking_first_tag: false,
  ts: 1499766278,
  msg: {
    id: '53aa94fc55ece21582000004',
    tracking_number: '1234567890',
    slug: 'dhl',
    tag: 'Delivered',
    subtag: 'Delivered_001',
    subtag_message: 'Delivered',
    checkpoints: [
      {
        slug: 'dhl',
        city: null,
        created_at: '2014-05-12T14:02:03+00:00',
        location: 'HONG KONG - HONG KONG',
        country_name: 'Hong Kong',
        message: 'Shipment picked up',
        country_iso3: 'HKG',
        tag: 'InTransit',
        subtag: 'InTransit_002',
        subtag_message: 'Acceptance scan',
        checkpoint_time: '2014-05-12T12:02:00',
        coordinates: [],
        state: null,
        zip: null,
        raw_tag: 'PU',
      },
      {
        slug: 'dhl',
        city: 'Paris',
        created_at: '2014-05-14T09:02:03+00:00',
        location: 'PARIS - FRANCE',
        country_name: 'France',
        message: 'Delivered - Signed for by: LUCAS',
        country_iso3: 'FRA',
        tag: 'Delivered',
        subtag: 'Delivered_003',
        subtag_message: 'Sign by customer',
        checkpoint_time: '2014-05-14T10:30:00+02:00',
        coordinates: [],
        state: null,
        zip: null,
        raw_tag: 'OK',
      },
    ],
  },
});

const problem = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof FeedProblem) return { field: error.field, reason: error.message };
    throw error;
  }
  throw new Error('expected a FeedProblem');
};
const checkpoint = (tag: string, subtag?: string) => ({
  tracking_number: 'SF8000000001',
  slug: 'sf-express',
  checkpoint: { tag, subtag, checkpoint_time: '2026-11-20T10:00:00+08:00', message: tag },
});

describe('AfterShip tags and subtags (documented)', () => {
  it('reads the documented sample: acceptance scan picked up, signed delivery delivered, local times kept', () => {
    const events = splitAftershipBody(documentedSample()).map((item) => mapAftershipCheckpoint(item.raw));
    expect(events.map((e) => [e.status, e.rawCode, e.location])).toEqual([
      ['PICKED_UP', 'InTransit_002', 'HONG KONG - HONG KONG'],
      ['DELIVERED', 'Delivered_003', 'PARIS - FRANCE'],
    ]);
    expect(events[1].occurredAt.toISOString()).toBe('2014-05-14T08:30:00.000Z');
    expect(events[0]).toMatchObject({ trackingNumber: '1234567890', courierCode: 'dhl' });
  });

  it.each([
    ['Exception', 'Exception_003', 'REJECTED'], // Customer refused delivery
    ['Exception', 'Exception_004', 'EXCEPTION'], // Delayed (Customs clearance): not a refusal
    ['Exception', 'Exception_009', 'EXCEPTION'], // Rejected by carrier, not by the recipient
    ['Exception', 'Exception_010', 'RETURNING'],
    ['Exception', 'Exception_011', 'RETURNED'],
    ['Exception', 'Exception_012', 'EXCEPTION'], // Shipment damage
    ['Exception', 'Exception_013', 'EXCEPTION'], // Shipment lost
    ['Exception', 'Exception_021', 'EXCEPTION'], // Shipment disposed (2026)
    ['AttemptFail', 'AttemptFail_001', 'FAILED_ATTEMPT'],
    ['AttemptFail', 'AttemptFail_002', 'FAILED_ATTEMPT'],
    ['AttemptFail', 'AttemptFail_003', 'FAILED_ATTEMPT'],
    ['Delivered', 'Delivered_001', 'DELIVERED'],
    ['Delivered', 'Delivered_002', 'DELIVERED'],
    ['Delivered', 'Delivered_003', 'DELIVERED'],
    ['Delivered', 'Delivered_004', 'DELIVERED'],
    ['InTransit', 'InTransit_001', 'IN_TRANSIT'],
    ['InTransit', 'InTransit_003', 'ARRIVED_AT_NODE'],
    ['InTransit', 'InTransit_007', 'IN_TRANSIT'],
    ['OutForDelivery', 'OutForDelivery_001', 'OUT_FOR_DELIVERY'],
    ['AvailableForPickup', 'AvailableForPickup_001', 'AVAILABLE_FOR_PICKUP'],
    ['InfoReceived', 'InfoReceived_001', 'INFO_RECEIVED'],
    ['Expired', 'Expired_001', 'EXCEPTION'],
    ['Pending', 'Pending_001', 'INFO_RECEIVED'],
  ])('%s / %s is %s', (tag, subtag, status) => {
    expect(mapAftershipCheckpoint(checkpoint(tag, subtag))).toMatchObject({ status, rawCode: subtag });
  });

  it('maps every documented Exception subtag 001 to 013 and every tag without a subtag', () => {
    for (let i = 1; i <= 13; i++) expect(AFTERSHIP_SUBTAGS[`Exception_${String(i).padStart(3, '0')}`]).toBeDefined();
    for (const tag of ['InfoReceived', 'InTransit', 'OutForDelivery', 'AttemptFail', 'Delivered', 'AvailableForPickup', 'Exception', 'Expired', 'Pending']) {
      expect(mapAftershipCheckpoint(checkpoint(tag)).rawCode).toBe(tag);
    }
  });

  it('refuses an unknown tag or subtag, a subtag of another tag, and inherited names, naming the field', () => {
    expect(problem(() => mapAftershipCheckpoint(checkpoint('Teleported')))).toEqual({ field: 'tag', reason: 'unknown status code "Teleported".' });
    expect(problem(() => mapAftershipCheckpoint(checkpoint('Exception', 'Exception_099')))).toEqual({
      field: 'subtag',
      reason: 'unknown subtag "Exception_099".',
    });
    expect(problem(() => mapAftershipCheckpoint(checkpoint('Delivered', 'Exception_003')))).toEqual({
      field: 'subtag',
      reason: 'subtag "Exception_003" does not belong to tag "Delivered".',
    });
    expect(problem(() => mapAftershipCheckpoint(checkpoint('constructor')))).toMatchObject({ field: 'tag' });
    expect(problem(() => mapAftershipCheckpoint(checkpoint('Exception', 'toString')))).toMatchObject({ field: 'subtag' });
  });
});

describe('AfterShip webhook at the hub', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ DELAY_SCAN_INTERVAL_S: '0' });
    await giveSecrets(t.sql);
  });
  afterAll(() => t.close());

  it('stores a refusal by the recipient as REJECTED, a customs delay as an exception, and keeps an unknown subtag for replay naming it', async () => {
    const n = 'SF8100000001';
    const res = await pushAftership(t.url, 'shunfeng', {
      ts: Math.floor(Date.now() / 1000),
      event: 'tracking_update',
      event_id: 'e7c1f8e0-0000-4000-8000-000000000101',
      msg: {
        tracking_number: n,
        slug: 'sf-express',
        tag: 'Exception',
        subtag: 'Exception_003',
        checkpoints: [
          { checkpoint_time: chinaTime(5), message: '海关查验延误', tag: 'Exception', subtag: 'Exception_004', location: '太原快件分拨中心' },
          { checkpoint_time: chinaTime(3), message: '新的子状态', tag: 'Exception', subtag: 'Exception_099', location: '太原快件分拨中心' },
          { checkpoint_time: chinaTime(1), message: '收件人拒收', tag: 'Exception', subtag: 'Exception_003', location: '猗氏镇快递综合服务站' },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 2 });
    expect(res.body.rejected).toEqual([
      { index: 1, field: 'msg.checkpoints[1].subtag', reason: 'unknown subtag "Exception_099".', rejectedRecordId: expect.any(String) },
    ]);
    const events = await t.sql(
      `select e.raw_code, e.status from tracking_event e join shipment s on s.id = e.shipment_id where s.tracking_number = $1 order by e.occurred_at`,
      [n],
    );
    expect(events).toEqual([
      { raw_code: 'Exception_004', status: 'EXCEPTION' },
      { raw_code: 'Exception_003', status: 'REJECTED' },
    ]);
    const [parcel] = await t.sql(`select status from shipment where tracking_number = $1`, [n]);
    expect(parcel.status).toBe('REJECTED');
    const [record] = await t.sql(`select raw from rejected_record where connector = 'courier:shunfeng' and field = 'msg.checkpoints[1].subtag'`);
    expect(record.raw).toMatchObject({ format: 'AFTERSHIP', event: { tracking_number: n, checkpoint: { subtag: 'Exception_099' } } });
  });
});
