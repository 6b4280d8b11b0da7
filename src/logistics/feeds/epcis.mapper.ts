import { ShipmentStatus } from '../logistics-enums.js';
import { TrackingFormat } from '../tracking-format.js';
import { FeedProblem, optionalText, timeOf, type FeedEvent, type RawFeedItem } from './feed-event.js';

/** GS1 CBV 2.0 business steps onto the hub's statuses (`bizStep`, short or as a URN). */
export const EPCIS_BIZ_STEPS: Readonly<Record<string, ShipmentStatus>> = {
  commissioning: ShipmentStatus.INFO_RECEIVED,
  packing: ShipmentStatus.INFO_RECEIVED,
  shipping: ShipmentStatus.PICKED_UP,
  loading: ShipmentStatus.IN_TRANSIT,
  departing: ShipmentStatus.IN_TRANSIT,
  transporting: ShipmentStatus.IN_TRANSIT,
  sensor_reporting: ShipmentStatus.IN_TRANSIT,
  arriving: ShipmentStatus.ARRIVED_AT_NODE,
  unloading: ShipmentStatus.ARRIVED_AT_NODE,
  receiving: ShipmentStatus.ARRIVED_AT_NODE,
  storing: ShipmentStatus.ARRIVED_AT_NODE,
  holding: ShipmentStatus.ARRIVED_AT_NODE,
  accepting: ShipmentStatus.DELIVERED,
  destroying: ShipmentStatus.EXCEPTION,
};

/** Prefix of a `bizLocation.id` that names a hub logistics node by code. */
export const NODE_URN_PREFIX = 'urn:harvest-hub:node:';

/** Splits an EPCISDocument into its events. */
export function splitEpcisDocument(body: unknown): RawFeedItem[] {
  const list = (body as { epcisBody?: { eventList?: unknown } } | null)?.epcisBody?.eventList;
  if (!Array.isArray(list)) throw new FeedProblem('epcisBody.eventList', 'epcisBody.eventList must be an array.');
  return list.map((raw, index) => ({ format: TrackingFormat.EPCIS, index, path: `epcisBody.eventList[${index}]`, raw }));
}

interface SensorReport { type?: string; value?: number; maxValue?: number; minValue?: number; uom?: string }

/** Temperature readings of an event in °C (`gs1:Temperature`, CEL or FAH). @internal */
function temperatures(event: Record<string, unknown>): number[] {
  const elements = Array.isArray(event.sensorElementList) ? event.sensorElementList : [];
  return elements.flatMap((element: { sensorReport?: SensorReport[] }) =>
    (Array.isArray(element?.sensorReport) ? element.sensorReport : [])
      .filter((r) => typeof r?.type === 'string' && /temperature$/i.test(r.type))
      .flatMap((r) => [r.value, r.minValue, r.maxValue].filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).map((v) => (r.uom === 'FAH' ? ((v - 32) * 5) / 9 : v))));
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
  if (typeof e !== 'object') throw new FeedProblem('(event)', 'is not an object.');
  const transactions = Array.isArray(e.bizTransactionList) ? (e.bizTransactionList as { type?: string; bizTransaction?: string }[]) : [];
  const bol = transactions.find((t) => typeof t?.type === 'string' && /(^|:)bol$/.test(t.type))?.bizTransaction;
  const epc = Array.isArray(e.epcList) ? e.epcList.find((x) => typeof x === 'string') : undefined;
  const reference = bol ?? (epc as string | undefined);
  const trackingNumber = reference?.split(/[:/]/).filter(Boolean).at(-1);
  if (!trackingNumber) throw new FeedProblem('epcList', 'names no parcel (no bizTransactionList entry of type bol and no epcList).');
  const step = typeof e.bizStep === 'string' ? e.bizStep.replace(/^urn:epcglobal:cbv:bizstep:|^https:\/\/ref\.gs1\.org\/cbv\/BizStep-/, '') : undefined;
  if (!step) throw new FeedProblem('bizStep', 'is missing.');
  const status = EPCIS_BIZ_STEPS[step];
  if (!status) throw new FeedProblem('bizStep', `unknown status code "${step}".`);
  const location = (e.bizLocation as { id?: string } | undefined)?.id ?? (e.readPoint as { id?: string } | undefined)?.id;
  const readings = temperatures(e).sort((a, b) => a - b);
  const median = readings[Math.floor(readings.length / 2)];
  const extreme = readings.length ? readings.reduce((a, b) => (Math.abs(b - median) > Math.abs(a - median) ? b : a)) : undefined;
  return {
    format: TrackingFormat.EPCIS,
    trackingNumber,
    eventId: typeof e.eventID === 'string' ? e.eventID : undefined,
    status,
    rawCode: step.slice(0, 32),
    rawText: optionalText(e.disposition, 2000),
    occurredAt: timeOf(e.eventTime, 'eventTime', typeof e.eventTimeZoneOffset === 'string' ? e.eventTimeZoneOffset : '+00:00'),
    nodeCode: location?.startsWith(NODE_URN_PREFIX) ? location.slice(NODE_URN_PREFIX.length) : undefined,
    location: location?.startsWith(NODE_URN_PREFIX) ? undefined : optionalText(location, 200),
    temperatureC: extreme === undefined ? undefined : Math.round(extreme * 100) / 100,
  };
}
