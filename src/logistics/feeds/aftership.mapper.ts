import { createHmac } from 'node:crypto';
import { ShipmentStatus } from '../logistics-enums.js';
import { TrackingFormat } from '../tracking-format.js';
import { FeedProblem, optionalText, textOf, timeOf, type FeedEvent, type RawFeedItem } from './feed-event.js';

/** AfterShip checkpoint tags onto the hub's statuses (https://www.aftership.com/docs/tracking/others/delivery-status). */
export const AFTERSHIP_TAGS: Readonly<Record<string, ShipmentStatus>> = {
  InfoReceived: ShipmentStatus.INFO_RECEIVED,
  InTransit: ShipmentStatus.IN_TRANSIT,
  OutForDelivery: ShipmentStatus.OUT_FOR_DELIVERY,
  AttemptFail: ShipmentStatus.FAILED_ATTEMPT,
  Delivered: ShipmentStatus.DELIVERED,
  AvailableForPickup: ShipmentStatus.AVAILABLE_FOR_PICKUP,
  Exception: ShipmentStatus.EXCEPTION,
  Expired: ShipmentStatus.EXCEPTION,
  Pending: ShipmentStatus.INFO_RECEIVED,
};

/** Sub-tags that say more than their tag (AfterShip `subtag`). */
export const AFTERSHIP_SUBTAGS: Readonly<Record<string, ShipmentStatus>> = {
  InTransit_002: ShipmentStatus.PICKED_UP, // Acceptance scan
  InTransit_003: ShipmentStatus.ARRIVED_AT_NODE, // Arrival scan
  InTransit_004: ShipmentStatus.ARRIVED_AT_NODE, // Arrived at the destination country / region
  Exception_004: ShipmentStatus.REJECTED, // Refused by the recipient
  Exception_010: ShipmentStatus.RETURNING, // Returning to sender
  Exception_011: ShipmentStatus.RETURNED, // Returned to sender
  Delivered_002: ShipmentStatus.DELIVERED, // Picked up by the customer
};

/** Base64 HMAC-SHA256 of the raw body: the `aftership-hmac-sha256` header. */
export function aftershipSign(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

/** Splits a webhook body into self-contained checkpoints `{tracking_number, slug, checkpoint}`. */
export function splitAftershipBody(body: unknown): RawFeedItem[] {
  const msg = (body as { msg?: { tracking_number?: unknown; slug?: unknown; checkpoints?: unknown } } | null)?.msg;
  if (!msg || typeof msg !== 'object') throw new FeedProblem('msg', 'msg is missing.');
  if (!Array.isArray(msg.checkpoints)) throw new FeedProblem('msg.checkpoints', 'msg.checkpoints must be an array.');
  return msg.checkpoints.map((checkpoint, index) => ({
    format: TrackingFormat.AFTERSHIP,
    index,
    path: `msg.checkpoints[${index}]`,
    raw: { tracking_number: msg.tracking_number, slug: msg.slug, checkpoint },
  }));
}

/** One AfterShip checkpoint. AfterShip has no region codes: the place is kept as text (and matched to a node by name). */
export function mapAftershipCheckpoint(raw: unknown): FeedEvent {
  const { tracking_number, slug, checkpoint } = (raw ?? {}) as { tracking_number?: unknown; slug?: unknown; checkpoint?: Record<string, unknown> };
  const trackingNumber = textOf(tracking_number, 'tracking_number');
  if (!checkpoint || typeof checkpoint !== 'object') throw new FeedProblem('checkpoint', 'is not an object.');
  const tag = checkpoint.tag;
  if (typeof tag !== 'string' || !tag) throw new FeedProblem('tag', 'is missing.');
  const subtag = typeof checkpoint.subtag === 'string' ? checkpoint.subtag : undefined;
  const status = (subtag && AFTERSHIP_SUBTAGS[subtag]) || AFTERSHIP_TAGS[tag];
  if (!status) throw new FeedProblem('tag', `unknown status code "${tag}".`);
  const place = [checkpoint.location, checkpoint.city, checkpoint.state].find((v) => typeof v === 'string' && v.trim());
  return {
    format: TrackingFormat.AFTERSHIP,
    courierCode: typeof slug === 'string' ? slug : undefined,
    trackingNumber,
    status,
    rawCode: subtag ?? tag,
    rawText: optionalText(checkpoint.message, 2000),
    occurredAt: timeOf(checkpoint.checkpoint_time, 'checkpoint_time'),
    location: optionalText(place, 200),
  };
}
