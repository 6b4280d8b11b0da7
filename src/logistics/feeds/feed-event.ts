import { canonicalRegionCode } from '../../regions/region-level.js';
import type { ShipmentStatus } from '../logistics-enums.js';
import type { TrackingFormat } from '../tracking-format.js';

/** What the courier says about the parcel itself (absent values leave the stored ones alone). */
export interface DeclaredShipment {
  originCode?: string;
  destinationCode?: string;
  product?: string;
  platform?: string;
  isFarmProduct?: boolean;
  weightKg?: number;
  promisedAt?: Date;
  recipientName?: string;
  recipientPhone?: string;
  recipientAddress?: string;
}

/** One tracking event in the hub's own terms, whatever format it came in. */
export interface FeedEvent {
  format: TrackingFormat;
  /** Courier code the event claims to belong to (Kuaidi100 `com`, AfterShip slug); checked against the pushing courier. */
  courierCode?: string;
  /** The field that carried `courierCode` (`com`, `comNew`, `slug`), named when the courier is not the pushing one. */
  courierField?: string;
  trackingNumber: string;
  /** The courier's own stable id of the scan, when the format has one. */
  eventId?: string;
  status: ShipmentStatus;
  rawCode?: string;
  rawText?: string;
  occurredAt: Date;
  /** Canonical region code (2-12 digits). */
  areaCode?: string;
  nodeCode?: string;
  location?: string;
  temperatureC?: number;
  shipment?: DeclaredShipment;
}

/** A format-specific record that could not become a FeedEvent: which field and why. */
export class FeedProblem extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(reason);
    this.name = 'FeedProblem';
  }
}

/** One event as received, self-contained (so it can be kept and replayed on its own), plus its position in the request. */
export interface RawFeedItem {
  format: TrackingFormat;
  /** Index in the request, as reported back to the sender. */
  index: number;
  /** Field path prefix of this item in the request, e.g. `events[3]` or `lastResult.data[0]`. */
  path: string;
  raw: unknown;
}

/** Turns one self-contained raw record of a format into a FeedEvent, or throws a FeedProblem. */
export type FeedMapper = (raw: unknown) => FeedEvent;

/** A region code as sent (`CN140121000000`, `140121`) in canonical form, or a FeedProblem naming `field`. */
export function regionCodeOf(value: unknown, field: string): string | undefined {
  if (value == null || value === '') return undefined;
  const code = typeof value === 'string' ? canonicalRegionCode(value.trim()) : undefined;
  if (!code) throw new FeedProblem(field, `"${String(value)}" is not a region code (2, 4, 6, 9 or 12 digits, optionally prefixed with CN).`);
  return code;
}

/** Parses a time; `zoneless` says which offset to assume when the text has none (Kuaidi100 sends China time). */
export function timeOf(value: unknown, field: string, zoneless = '+08:00'): Date {
  if (typeof value === 'number' && Number.isFinite(value)) {
    // A number far outside any date (1e300) is no time at all: refused here, not a RangeError when the event is keyed.
    const at = new Date(value > 1e12 ? value : value * 1000);
    if (Number.isNaN(at.getTime())) throw new FeedProblem(field, `${value} is not a date-time.`);
    return at;
  }
  if (typeof value !== 'string' || !value.trim()) throw new FeedProblem(field, 'is missing.');
  let text = value.trim();
  const local = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(:\d{2}(\.\d+)?)?)$/.exec(text);
  if (local) text = `${local[1]}T${local[2]}${zoneless}`;
  const at = new Date(text);
  if (Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(text)) throw new FeedProblem(field, `"${value}" is not a date-time.`);
  return at;
}

/** A required non-empty string, trimmed. */
export function textOf(value: unknown, field: string, maxLength = 64): string {
  if (typeof value !== 'string' || !value.trim()) throw new FeedProblem(field, 'is missing.');
  const text = value.trim();
  if (text.length > maxLength) throw new FeedProblem(field, `is longer than ${maxLength} characters.`);
  return text;
}

/** An optional string, cut to `maxLength` (raw texts are kept, not refused, when long). */
export function optionalText(value: unknown, maxLength: number): string | undefined {
  if (value == null || value === '') return undefined;
  return String(value).slice(0, maxLength);
}

/**
 * A table's own entry for a key sent by a courier, or undefined: never an
 * inherited property (`constructor`, `__proto__`, `toString` must not read as
 * a status).
 */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
