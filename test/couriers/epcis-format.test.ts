import { startTestHub, type TestHub } from '../support/test-hub.js';
import { EPCIS_BIZ_STEPS, EPCIS_DISPOSITIONS, cbvName, mapEpcisEvent, splitEpcisDocument } from '../../src/logistics/feeds/epcis.mapper.js';
import { FeedProblem } from '../../src/logistics/feeds/feed-event.js';
import { chinaTime, giveSecrets, nativeHeaders } from './courier-push.js';

/**
 * EPCIS 2.0 documents checked against GS1's CBV 2.0 (issue #11): the
 * vocabularies of https://github.com/gs1/EPCIS/tree/master/JSON-LD-Context in
 * their three spellings (bare, `urn:epcglobal:cbv:…`, `https://ref.gs1.org/cbv/…`),
 * and the standard's example 9.6.1 (https://github.com/gs1/EPCIS/blob/master/JSON/Example_9.6.1-ObjectEvent.jsonld).
 */

/** The standard's example 9.6.1, as published (URN spelling). */
const example961 = () => ({
  '@context': ['https://gs1.github.io/EPCIS/epcis-context.jsonld', { example: 'http://ns.example.com/epcis/' }],
  id: '_:document1',
  isA: 'EPCISDocument',
  schemaVersion: 2.0,
  creationDate: '2005-07-11T11:30:47.0Z',
  format: 'application/ld+json',
  epcisBody: {
    eventList: [
      {
        id: '_:event1',
        isA: 'ObjectEvent',
        action: 'OBSERVE',
        bizStep: 'urn:epcglobal:cbv:bizstep:shipping',
        disposition: 'urn:epcglobal:cbv:disp:in_transit',
        epcList: ['urn:epc:id:sgtin:0614141.107346.2017', 'urn:epc:id:sgtin:0614141.107346.2018'],
        eventTime: '2005-04-03T20:33:31.116000-06:00',
        eventTimeZoneOffset: '-06:00',
        readPoint: { id: 'urn:epc:id:sgln:0614141.07346.1234' },
        bizTransactionList: [{ type: 'urn:epcglobal:cbv:btt:po', bizTransaction: 'http://transaction.acme.com/po/12345678' }],
      },
      {
        id: '_:event2',
        isA: 'ObjectEvent',
        action: 'OBSERVE',
        bizStep: 'urn:epcglobal:cbv:bizstep:receiving',
        disposition: 'urn:epcglobal:cbv:disp:in_progress',
        epcList: ['urn:epc:id:sgtin:0614141.107346.2018'],
        eventTime: '2005-04-04T20:33:31.116-06:00',
        eventTimeZoneOffset: '-06:00',
        readPoint: { id: 'urn:epc:id:sgln:0012345.11111.400' },
        bizLocation: { id: 'urn:epc:id:sgln:0012345.11111.0' },
        bizTransactionList: [
          { type: 'urn:epcglobal:cbv:btt:po', bizTransaction: 'http://transaction.acme.com/po/12345678' },
          { type: 'urn:epcglobal:cbv:btt:desadv', bizTransaction: 'urn:epcglobal:cbv:bt:0614141073467:1152' },
        ],
        'example:myField': 'Example of a vendor/user extension',
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
const event = (extra: Record<string, unknown>) => ({
  type: 'ObjectEvent',
  eventTime: '2026-11-20T10:00:00+08:00',
  action: 'OBSERVE',
  epcList: ['urn:epc:id:sgtin:0614141.107346.JD80000001'],
  ...extra,
});

describe('EPCIS 2.0 CBV vocabularies (documented)', () => {
  it("reads the standard's example 9.6.1: shipping is picked up, receiving arrived, the parcel named by its epcList (no bol)", () => {
    const events = splitEpcisDocument(example961()).map((item) => mapEpcisEvent(item.raw));
    expect(events.map((e) => [e.trackingNumber, e.status, e.rawCode, e.rawText, e.location])).toEqual([
      // An SGTIN names a trade item, not a waybill: the hub refuses it as a tracking number (dots) when validating.
      ['0614141.107346.2017', 'PICKED_UP', 'shipping', 'in_transit', 'urn:epc:id:sgln:0614141.07346.1234'],
      ['0614141.107346.2018', 'ARRIVED_AT_NODE', 'receiving', 'in_progress', 'urn:epc:id:sgln:0012345.11111.0'],
    ]);
    expect(events[0].occurredAt.toISOString()).toBe('2005-04-04T02:33:31.116Z');
  });

  it.each(['shipping', 'urn:epcglobal:cbv:bizstep:shipping', 'https://ref.gs1.org/cbv/BizStep-shipping', 'cbv:BizStep-shipping'])(
    'reads bizStep %s',
    (bizStep) => {
      expect(mapEpcisEvent(event({ bizStep }))).toMatchObject({ status: 'PICKED_UP', rawCode: 'shipping' });
    },
  );

  it.each(['damaged', 'urn:epcglobal:cbv:disp:damaged', 'https://ref.gs1.org/cbv/Disp-damaged'])(
    'reads disposition %s: damaged on receipt is an exception',
    (disposition) => {
      expect(mapEpcisEvent(event({ bizStep: 'receiving', disposition }))).toMatchObject({ status: 'EXCEPTION', rawCode: 'receiving', rawText: 'damaged' });
    },
  );

  it.each(['bol', 'urn:epcglobal:cbv:btt:bol', 'https://ref.gs1.org/cbv/BTT-bol'])('takes the waybill from a bizTransaction of type %s', (type) => {
    const e = event({
      bizStep: 'departing',
      bizTransactionList: [
        { type: 'https://ref.gs1.org/cbv/BTT-po', bizTransaction: 'urn:epcglobal:cbv:bt:0614141000005:PO-1' },
        { type, bizTransaction: 'urn:epcglobal:cbv:bt:0614141000005:JD8000000099' },
      ],
    });
    expect(mapEpcisEvent(e)).toMatchObject({ trackingNumber: 'JD8000000099', status: 'IN_TRANSIT' });
  });

  it('maps every CBV 2.0 business step and knows every disposition', () => {
    const steps = [
      'accepting',
      'arriving',
      'assembling',
      'collecting',
      'commissioning',
      'consigning',
      'creating_class_instance',
      'cycle_counting',
      'decommissioning',
      'departing',
      'destroying',
      'disassembling',
      'dispensing',
      'encoding',
      'entering_exiting',
      'holding',
      'inspecting',
      'installing',
      'killing',
      'loading',
      'other',
      'packing',
      'picking',
      'receiving',
      'removing',
      'repackaging',
      'repairing',
      'replacing',
      'reserving',
      'retail_selling',
      'sampling',
      'sensor_reporting',
      'shipping',
      'staging_outbound',
      'stock_taking',
      'stocking',
      'storing',
      'transporting',
      'unloading',
      'unpacking',
      'void_shipping',
    ];
    expect(Object.keys(EPCIS_BIZ_STEPS).sort()).toEqual([...steps].sort());
    expect(Object.keys(EPCIS_DISPOSITIONS)).toHaveLength(33);
    expect(mapEpcisEvent(event({ bizStep: 'void_shipping' })).status).toBe('EXCEPTION');
    expect(mapEpcisEvent(event({ bizStep: 'storing', disposition: 'returned' })).status).toBe('RETURNING');
    expect(cbvName('https://ref.gs1.org/cbv/Disp-in_transit', 'disposition')).toBe('in_transit');
  });

  it('refuses an unknown step or disposition, a step that says nothing without a telling disposition, and inherited names, naming the field', () => {
    expect(problem(() => mapEpcisEvent(event({ bizStep: 'teleporting' })))).toEqual({ field: 'bizStep', reason: 'unknown status code "teleporting".' });
    expect(problem(() => mapEpcisEvent(event({ bizStep: 'shipping', disposition: 'https://ref.gs1.org/cbv/Disp-vanished' })))).toEqual({
      field: 'disposition',
      reason: 'unknown disposition "vanished".',
    });
    expect(problem(() => mapEpcisEvent(event({ bizStep: 'other', disposition: 'in_transit' })))).toMatchObject({ field: 'bizStep' });
    expect(mapEpcisEvent(event({ bizStep: 'other', disposition: 'stolen' })).status).toBe('EXCEPTION');
    expect(problem(() => mapEpcisEvent(event({ bizStep: 'constructor' })))).toMatchObject({ field: 'bizStep' });
    expect(problem(() => mapEpcisEvent(event({ bizStep: 'shipping', disposition: '__proto__' })))).toMatchObject({ field: 'disposition' });
    expect(problem(() => mapEpcisEvent(event({ bizStep: 42 })))).toMatchObject({ field: 'bizStep', reason: 'is not a string.' });
  });
});

describe('EPCIS documents at the hub', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ DELAY_SCAN_INTERVAL_S: '0' });
    await giveSecrets(t.sql);
  });
  afterAll(() => t.close());

  it('stores Web-URI spellings with a BTT-bol waybill and keeps an unknown disposition for replay naming it', async () => {
    const n = 'JD8100000001';
    const common = {
      type: 'ObjectEvent',
      action: 'OBSERVE',
      eventTimeZoneOffset: '+08:00',
      epcList: ['urn:epc:id:sgtin:0614141.107346.999'],
      bizTransactionList: [{ type: 'https://ref.gs1.org/cbv/BTT-bol', bizTransaction: `urn:epcglobal:cbv:bt:0614141000005:${n}` }],
    };
    const body = JSON.stringify({
      type: 'EPCISDocument',
      schemaVersion: '2.0',
      creationDate: chinaTime(0),
      epcisBody: {
        eventList: [
          { ...common, eventTime: chinaTime(3), bizStep: 'https://ref.gs1.org/cbv/BizStep-shipping', disposition: 'https://ref.gs1.org/cbv/Disp-in_transit' },
          { ...common, eventTime: chinaTime(2), bizStep: 'https://ref.gs1.org/cbv/BizStep-receiving', disposition: 'https://ref.gs1.org/cbv/Disp-damaged' },
          { ...common, eventTime: chinaTime(1), bizStep: 'https://ref.gs1.org/cbv/BizStep-storing', disposition: 'https://ref.gs1.org/cbv/Disp-melted' },
        ],
      },
    });
    const res = await fetch(`${t.url}/hooks/couriers/jd/epcis`, { method: 'POST', headers: nativeHeaders(body), body });
    const json = (await res.json()) as any;
    expect(res.status).toBe(200);
    expect(json).toMatchObject({ accepted: 2 });
    expect(json.rejected).toEqual([
      { index: 2, field: 'epcisBody.eventList[2].disposition', reason: 'unknown disposition "melted".', rejectedRecordId: expect.any(String) },
    ]);
    const events = await t.sql(
      `select e.raw_code, e.raw_text, e.status from tracking_event e join shipment s on s.id = e.shipment_id where s.tracking_number = $1 order by e.occurred_at`,
      [n],
    );
    expect(events).toEqual([
      { raw_code: 'shipping', raw_text: 'in_transit', status: 'PICKED_UP' },
      { raw_code: 'receiving', raw_text: 'damaged', status: 'EXCEPTION' },
    ]);
  });
});
