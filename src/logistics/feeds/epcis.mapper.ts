import { ShipmentStatus } from '../logistics-enums.js';
import { TrackingFormat } from '../tracking-format.js';
import { FeedProblem, optionalText, timeOf, type FeedEvent, type RawFeedItem } from './feed-event.js';

/**
 * GS1 CBV 2.0 vocabularies, as read for these tables (issue #11):
 * - business steps, dispositions and business transaction types, with their bare
 *   names (the EPCIS 2.0 JSON-LD context): https://github.com/gs1/EPCIS/tree/master/JSON-LD-Context
 *   (cbv-context-bizstep.jsonld, cbv-context-disposition.jsonld, cbv-context-biztransaction-type.jsonld);
 * - the Web URI form `https://ref.gs1.org/cbv/BizStep-…`, `Disp-…`, `BTT-…`:
 *   https://ref.gs1.org/standards/epcis/2.0.1/cbv-ontology.ttl;
 * - the URN form `urn:epcglobal:cbv:bizstep:…`, `…:disp:…`, `…:btt:…` (CBV 1.2, still valid in
 *   EPCIS 2.0): https://ref.gs1.org/standards/cbv/1.2.2 and the standard's example
 *   https://github.com/gs1/EPCIS/blob/master/JSON/Example_9.6.1-ObjectEvent.jsonld.
 */

/** Every CBV 2.0 business step onto the hub's statuses, by its bare name. */
export const EPCIS_BIZ_STEPS: Readonly<Record<string, ShipmentStatus | null>> = {
  // Before the parcel leaves its sender: produced, packed, readied.
  commissioning: ShipmentStatus.INFO_RECEIVED,
  creating_class_instance: ShipmentStatus.INFO_RECEIVED,
  encoding: ShipmentStatus.INFO_RECEIVED,
  assembling: ShipmentStatus.INFO_RECEIVED,
  killing: ShipmentStatus.INFO_RECEIVED, // slaughter: the start of a meat product's life
  packing: ShipmentStatus.INFO_RECEIVED,
  picking: ShipmentStatus.INFO_RECEIVED,
  reserving: ShipmentStatus.INFO_RECEIVED,
  staging_outbound: ShipmentStatus.INFO_RECEIVED,
  // Handed to the carrier.
  shipping: ShipmentStatus.PICKED_UP,
  consigning: ShipmentStatus.PICKED_UP, // shipping when the finer steps are unknown
  collecting: ShipmentStatus.PICKED_UP,
  // Moving.
  loading: ShipmentStatus.IN_TRANSIT,
  departing: ShipmentStatus.IN_TRANSIT,
  transporting: ShipmentStatus.IN_TRANSIT,
  sensor_reporting: ShipmentStatus.IN_TRANSIT, // a reading on the way
  // At a place of the network.
  arriving: ShipmentStatus.ARRIVED_AT_NODE,
  unloading: ShipmentStatus.ARRIVED_AT_NODE,
  receiving: ShipmentStatus.ARRIVED_AT_NODE,
  entering_exiting: ShipmentStatus.ARRIVED_AT_NODE,
  storing: ShipmentStatus.ARRIVED_AT_NODE,
  stocking: ShipmentStatus.ARRIVED_AT_NODE,
  holding: ShipmentStatus.ARRIVED_AT_NODE,
  inspecting: ShipmentStatus.ARRIVED_AT_NODE,
  sampling: ShipmentStatus.ARRIVED_AT_NODE,
  cycle_counting: ShipmentStatus.ARRIVED_AT_NODE,
  stock_taking: ShipmentStatus.ARRIVED_AT_NODE,
  unpacking: ShipmentStatus.ARRIVED_AT_NODE,
  repackaging: ShipmentStatus.ARRIVED_AT_NODE,
  disassembling: ShipmentStatus.ARRIVED_AT_NODE,
  removing: ShipmentStatus.ARRIVED_AT_NODE,
  replacing: ShipmentStatus.ARRIVED_AT_NODE,
  repairing: ShipmentStatus.ARRIVED_AT_NODE,
  // With its recipient.
  accepting: ShipmentStatus.DELIVERED,
  installing: ShipmentStatus.DELIVERED,
  dispensing: ShipmentStatus.DELIVERED,
  retail_selling: ShipmentStatus.DELIVERED,
  // Gone wrong.
  destroying: ShipmentStatus.EXCEPTION,
  decommissioning: ShipmentStatus.EXCEPTION,
  void_shipping: ShipmentStatus.EXCEPTION, // a prior shipping event declared not to have happened
  // "A business step not identified by any of the values listed": the disposition must say what happened.
  other: null,
};

/**
 * Every CBV 2.0 disposition. Those naming trouble or a return decide the
 * status whatever the business step; the others (`null`) leave it to the step
 * but must still be ones the vocabulary knows.
 */
export const EPCIS_DISPOSITIONS: Readonly<Record<string, ShipmentStatus | null>> = {
  active: null,
  available: null,
  completeness_verified: null,
  completeness_inferred: null,
  conformant: null,
  container_closed: null,
  container_open: null,
  dispensed: null,
  encoded: null,
  in_progress: null,
  in_transit: null,
  inactive: null,
  non_sellable_other: null,
  partially_dispensed: null,
  reserved: null,
  retail_sold: null,
  sellable_accessible: null,
  sellable_not_accessible: null,
  unavailable: null,
  unknown: null,
  damaged: ShipmentStatus.EXCEPTION,
  destroyed: ShipmentStatus.EXCEPTION,
  disposed: ShipmentStatus.EXCEPTION,
  stolen: ShipmentStatus.EXCEPTION,
  recalled: ShipmentStatus.EXCEPTION,
  expired: ShipmentStatus.EXCEPTION,
  non_conformant: ShipmentStatus.EXCEPTION,
  mismatch_instance: ShipmentStatus.EXCEPTION,
  mismatch_class: ShipmentStatus.EXCEPTION,
  mismatch_quantity: ShipmentStatus.EXCEPTION,
  needs_replacement: ShipmentStatus.EXCEPTION,
  no_pedigree_match: ShipmentStatus.EXCEPTION,
  returned: ShipmentStatus.RETURNING,
};

/** The three spellings of a CBV value: bare, URN (CBV 1.x) and Web URI (CBV 2.0), plus the JSON-LD compact `cbv:` form. @internal */
const CBV_FORMS = {
  bizStep: [/^urn:epcglobal:cbv:bizstep:/, /^https:\/\/ref\.gs1\.org\/cbv\/BizStep-/, /^cbv:BizStep-/],
  disposition: [/^urn:epcglobal:cbv:disp:/, /^https:\/\/ref\.gs1\.org\/cbv\/Disp-/, /^cbv:Disp-/],
  type: [/^urn:epcglobal:cbv:btt:/, /^https:\/\/ref\.gs1\.org\/cbv\/BTT-/, /^cbv:BTT-/],
} as const;

/** A CBV value in its bare form (`https://ref.gs1.org/cbv/BizStep-shipping` → `shipping`). */
export function cbvName(value: string, kind: keyof typeof CBV_FORMS): string {
  const form = CBV_FORMS[kind].find((prefix) => prefix.test(value));
  return form ? value.replace(form, '') : value;
}

/** Prefix of a `bizLocation.id` that names a hub logistics node by code. */
export const NODE_URN_PREFIX = 'urn:harvest-hub:node:';

/** Splits an EPCISDocument into its events. */
export function splitEpcisDocument(body: unknown): RawFeedItem[] {
  const list = (body as { epcisBody?: { eventList?: unknown } } | null)?.epcisBody?.eventList;
  if (!Array.isArray(list)) throw new FeedProblem('epcisBody.eventList', 'epcisBody.eventList must be an array.');
  return list.map((raw, index) => ({ format: TrackingFormat.EPCIS, index, path: `epcisBody.eventList[${index}]`, raw }));
}

interface SensorReport {
  type?: string;
  value?: number;
  maxValue?: number;
  minValue?: number;
  uom?: string;
}

/** Temperature readings of an event in °C (`gs1:Temperature`, CEL or FAH). @internal */
function temperatures(event: Record<string, unknown>): number[] {
  const elements = Array.isArray(event.sensorElementList) ? event.sensorElementList : [];
  return elements.flatMap((element: { sensorReport?: SensorReport[] }) =>
    (Array.isArray(element?.sensorReport) ? element.sensorReport : [])
      .filter((r) => typeof r?.type === 'string' && /temperature$/i.test(r.type))
      .flatMap((r) =>
        [r.value, r.minValue, r.maxValue]
          .filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
          .map((v) => (r.uom === 'FAH' ? ((v - 32) * 5) / 9 : v)),
      ),
  );
}

/**
 * One EPCIS ObjectEvent. The parcel is the `bizTransactionList` entry of type
 * `bol` (bill of lading = waybill) or else the last `:` segment of the first
 * `epcList` entry; `bizStep` gives the status; a `bizLocation` of the form
 * `urn:harvest-hub:node:<code>` is a hub node. Of several temperature readings
 * the most extreme (farthest from their median) is kept: one bad reading is
 * what a cold-chain check must see.
 */
export function mapEpcisEvent(raw: unknown): FeedEvent {
  const e = (raw ?? {}) as Record<string, unknown>;
  if (typeof e !== 'object' || Array.isArray(e)) throw new FeedProblem('(event)', 'is not an object.');
  const transactions = Array.isArray(e.bizTransactionList) ? (e.bizTransactionList as { type?: unknown; bizTransaction?: unknown }[]) : [];
  // The waybill is the bill of lading (`bol`, in any of the three spellings).
  const bol = transactions.find((t) => typeof t?.type === 'string' && cbvName(t.type, 'type') === 'bol' && typeof t.bizTransaction === 'string')
    ?.bizTransaction as string | undefined;
  const epc = Array.isArray(e.epcList) ? e.epcList.find((x) => typeof x === 'string') : undefined;
  const reference = bol ?? (epc as string | undefined);
  const trackingNumber = reference?.split(/[:/]/).filter(Boolean).at(-1);
  if (!trackingNumber) throw new FeedProblem('epcList', 'names no parcel (no bizTransactionList entry of type bol and no epcList).');
  if (e.bizStep == null || e.bizStep === '') throw new FeedProblem('bizStep', 'is missing.');
  if (typeof e.bizStep !== 'string') throw new FeedProblem('bizStep', 'is not a string.');
  const step = cbvName(e.bizStep, 'bizStep');
  if (!Object.hasOwn(EPCIS_BIZ_STEPS, step)) throw new FeedProblem('bizStep', `unknown status code "${step.slice(0, 60)}".`);
  let disposition: string | undefined;
  if (e.disposition != null && e.disposition !== '') {
    if (typeof e.disposition !== 'string') throw new FeedProblem('disposition', 'is not a string.');
    disposition = cbvName(e.disposition, 'disposition');
    if (!Object.hasOwn(EPCIS_DISPOSITIONS, disposition)) throw new FeedProblem('disposition', `unknown disposition "${disposition.slice(0, 60)}".`);
  }
  // A disposition naming trouble or a return says more than the step (damaged while receiving is an exception).
  const status = (disposition && EPCIS_DISPOSITIONS[disposition]) || EPCIS_BIZ_STEPS[step];
  if (!status) throw new FeedProblem('bizStep', `business step "${step}" says nothing about the parcel, and neither does its disposition.`);
  const idOf = (place: unknown) =>
    place && typeof place === 'object' && typeof (place as { id?: unknown }).id === 'string' ? (place as { id: string }).id : undefined;
  const location = idOf(e.bizLocation) ?? idOf(e.readPoint);
  const readings = temperatures(e).sort((a, b) => a - b);
  const median = readings[Math.floor(readings.length / 2)];
  const extreme = readings.length ? readings.reduce((a, b) => (Math.abs(b - median) > Math.abs(a - median) ? b : a)) : undefined;
  // The native batch's range (schema/courier-batch.schema.json): a reading of 1e300 °C is a broken sensor or a hostile push, not a fact.
  if (extreme !== undefined && (extreme < -80 || extreme > 80))
    throw new FeedProblem('sensorElementList', `temperature ${extreme} °C is outside -80 to 80 °C.`);
  return {
    format: TrackingFormat.EPCIS,
    trackingNumber,
    eventId: typeof e.eventID === 'string' ? e.eventID : undefined,
    status,
    rawCode: step.slice(0, 32),
    rawText: disposition,
    occurredAt: timeOf(e.eventTime, 'eventTime', typeof e.eventTimeZoneOffset === 'string' ? e.eventTimeZoneOffset : '+00:00'),
    nodeCode: location?.startsWith(NODE_URN_PREFIX) ? location.slice(NODE_URN_PREFIX.length) : undefined,
    location: location?.startsWith(NODE_URN_PREFIX) ? undefined : optionalText(location, 200),
    temperatureC: extreme === undefined ? undefined : Math.round(extreme * 100) / 100,
  };
}
