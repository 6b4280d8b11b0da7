import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { FormatsPlugin } from 'ajv-formats';
import { projectPath } from '../../platform/paths.js';
import { ShipmentStatus } from '../logistics-enums.js';
import { TrackingFormat } from '../tracking-format.js';
import { FeedProblem, regionCodeOf, type FeedEvent, type RawFeedItem } from './feed-event.js';

// ajv and ajv-formats are CommonJS with a `default` export; require() gives the classes without ESM interop guesswork.
const require = createRequire(import.meta.url);
const Ajv = require('ajv/dist/2020.js').default as typeof Ajv2020;
const addFormats = require('ajv-formats').default as FormatsPlugin;

/** Where the documented JSON Schema of the native batch lives; it is the validation, not a copy of it. */
export const COURIER_BATCH_SCHEMA_PATH = projectPath('schema', 'courier-batch.schema.json');
const schema = JSON.parse(readFileSync(COURIER_BATCH_SCHEMA_PATH, 'utf8')) as { $id: string };

/** ASCII code of `c`. @internal */
const code = (c: string) => c.charCodeAt(0);
const [ZERO, NINE, DASH, COLON, DOT, PLUS, T, Z] = ['0', '9', '-', ':', '.', '+', 'T', 'Z'].map(code);
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * ajv-formats' `date-time` (RFC 3339, offset required) with a fast path for the common spelling
 * `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`, read character by character: it answers `true` only where the
 * library's check does, and hands every other string (other separators, leap seconds, `z`, `+0800`…) to the
 * library's own function, so the accepted set is the library's. (Its regular expressions and `split` were about a
 * microsecond per event, session 5.) @internal
 */
export function fastDateTime(full: { validate: (s: string) => boolean } | ((s: string) => boolean)): (s: string) => boolean {
  const slow = typeof full === 'function' ? full : full.validate;
  const digits = (s: string, from: number, n: number): number => {
    let v = 0;
    for (let i = from; i < from + n; i++) {
      const c = s.charCodeAt(i);
      if (c < ZERO || c > NINE) return -1;
      v = v * 10 + (c - ZERO);
    }
    return v;
  };
  return (s: string) => {
    const n = s.length;
    if (n < 20 || s.charCodeAt(4) !== DASH || s.charCodeAt(7) !== DASH || s.charCodeAt(10) !== T || s.charCodeAt(13) !== COLON || s.charCodeAt(16) !== COLON)
      return slow(s);
    const year = digits(s, 0, 4);
    const month = digits(s, 5, 2);
    const day = digits(s, 8, 2);
    const hour = digits(s, 11, 2);
    const minute = digits(s, 14, 2);
    const second = digits(s, 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return slow(s);
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month])) return slow(s);
    let i = 19;
    if (s.charCodeAt(i) === DOT) {
      i++;
      const start = i;
      while (i < n && s.charCodeAt(i) >= ZERO && s.charCodeAt(i) <= NINE) i++;
      if (i === start) return slow(s);
    }
    if (i === n - 1 && s.charCodeAt(i) === Z) return true;
    const sign = s.charCodeAt(i);
    if (i === n - 6 && (sign === PLUS || sign === DASH) && s.charCodeAt(i + 3) === COLON) {
      const tzHour = digits(s, i + 1, 2);
      const tzMinute = digits(s, i + 4, 2);
      if (tzHour >= 0 && tzHour <= 23 && tzMinute >= 0 && tzMinute <= 59) return true;
    }
    return slow(s);
  };
}

const ajv = new Ajv({ allErrors: false, strict: true });
addFormats(ajv, ['date-time']);
const libraryDateTime = require('ajv-formats/dist/formats.js').fullFormats['date-time'] as {
  validate: (s: string) => boolean;
  compare: (a: string, b: string) => number | undefined;
};
ajv.addFormat('date-time', { type: 'string', validate: fastDateTime(libraryDateTime), compare: libraryDateTime.compare });
ajv.addSchema(schema);
const validateBatch = ajv.getSchema(schema.$id) as ValidateFunction;
const validateEvent = ajv.getSchema(`${schema.$id}#/$defs/event`) as ValidateFunction;

/** Most batch events allowed per request. */
export const MAX_BATCH_EVENTS = 1000;

/** ajv's first error as a field path (`location.regionCode`) and a sentence. @internal */
export function describeSchemaError(error: ErrorObject | undefined, prefix = ''): { field: string; reason: string } {
  if (!error) return { field: prefix || '(body)', reason: 'is invalid.' };
  const path = error.instancePath
    .split('/')
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join('');
  const join = (tail: string) => `${prefix}${path}${tail}`.replace(/^\./, '') || '(body)';
  switch (error.keyword) {
    case 'required':
      return { field: join(`.${error.params.missingProperty}`), reason: 'is missing.' };
    case 'additionalProperties':
      return { field: join(`.${error.params.additionalProperty}`), reason: 'is not a known field.' };
    case 'enum':
      return { field: join(''), reason: `unknown code; expected one of ${(error.params.allowedValues as string[]).join(', ')}.` };
    default:
      return { field: join(''), reason: `${error.message ?? 'is invalid'}.` };
  }
}

/**
 * Checks the envelope of a native batch (an object with 1..1,000 `events`)
 * and splits it into self-contained items. A bad envelope refuses the whole
 * request; each event is then validated on its own by `mapNativeEvent`.
 */
export function splitNativeBatch(body: unknown, format = TrackingFormat.NATIVE): RawFeedItem[] {
  if (!validateBatch(body)) {
    const { field, reason } = describeSchemaError(validateBatch.errors?.[0]);
    throw new FeedProblem(field, `${field} ${reason}`);
  }
  return (body as { events: unknown[] }).events.map((raw, index) => ({ format, index, path: `events[${index}]`, raw }));
}

/** One native event (as in `#/$defs/event` of the JSON Schema) in the hub's terms. */
export function mapNativeEvent(raw: unknown, format = TrackingFormat.NATIVE): FeedEvent {
  if (!validateEvent(raw)) {
    const { field, reason } = describeSchemaError(validateEvent.errors?.[0]);
    throw new FeedProblem(field, reason);
  }
  const e = raw as NativeEvent;
  const s = e.shipment;
  return {
    format,
    trackingNumber: e.trackingNumber,
    eventId: e.eventId,
    // The enum in the schema is the mapping table of this format: its codes are ours.
    status: e.status as ShipmentStatus,
    rawCode: e.rawCode ?? e.status,
    rawText: e.description,
    occurredAt: new Date(e.occurredAt),
    areaCode: regionCodeOf(e.location?.regionCode, 'location.regionCode'),
    nodeCode: e.location?.nodeCode,
    location: e.location?.text,
    temperatureC: e.temperatureC,
    shipment: s && {
      originCode: regionCodeOf(s.originRegionCode, 'shipment.originRegionCode'),
      destinationCode: regionCodeOf(s.destinationRegionCode, 'shipment.destinationRegionCode'),
      product: s.product,
      platform: s.platform,
      isFarmProduct: s.isFarmProduct,
      weightKg: s.weightKg,
      promisedAt: s.promisedAt ? new Date(s.promisedAt) : undefined,
      recipientName: s.recipient?.name,
      recipientPhone: s.recipient?.phone,
      recipientAddress: s.recipient?.address,
    },
  };
}

/** The native event as the JSON Schema describes it. @internal */
interface NativeEvent {
  eventId?: string;
  trackingNumber: string;
  status: string;
  occurredAt: string;
  rawCode?: string;
  description?: string;
  location?: { regionCode?: string; nodeCode?: string; text?: string };
  temperatureC?: number;
  shipment?: {
    originRegionCode?: string;
    destinationRegionCode?: string;
    product?: string;
    platform?: string;
    isFarmProduct?: boolean;
    weightKg?: number;
    promisedAt?: string;
    recipient?: { name?: string; phone?: string; address?: string };
  };
}
