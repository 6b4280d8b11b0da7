import { createHmac } from 'node:crypto';
import { ShipmentStatus } from '../logistics-enums.js';
import { TrackingFormat } from '../tracking-format.js';
import { FeedProblem, optionalText, textOf, timeOf, type FeedEvent, type RawFeedItem } from './feed-event.js';

/**
 * AfterShip's documentation, as read for these tables (issue #11):
 * - tags (delivery statuses): https://www.aftership.com/docs/tracking/enum/delivery-statuses
 * - subtags (delivery sub-statuses): https://www.aftership.com/docs/tracking/enum/delivery-sub-statuses
 *   (also https://www.aftership.com/docs/tracking/2026-07/enum/delivery-sub-statuses for Delivered_005)
 * - sub-statuses added on 27 March 2026 (Exception_016 to Exception_021):
 *   https://tracking-helpcenter.aftership.com/en/article/learn-about-delivery-sub-status-1b0hdlx
 * - webhook body and `aftership-hmac-sha256`: https://www.aftership.com/docs/tracking/webhook/webhook-specifications
 */

/** AfterShip checkpoint tags onto the hub's statuses (a checkpoint without a subtag). */
export const AFTERSHIP_TAGS: Readonly<Record<string, ShipmentStatus>> = {
  InfoReceived: ShipmentStatus.INFO_RECEIVED, // Carrier has received request from shipper and is about to pick up the shipment.
  InTransit: ShipmentStatus.IN_TRANSIT, // Carrier has accepted or picked up shipment from shipper. The shipment is on the way.
  OutForDelivery: ShipmentStatus.OUT_FOR_DELIVERY, // Carrier is about to deliver the shipment, or it is ready to pickup.
  AttemptFail: ShipmentStatus.FAILED_ATTEMPT, // Carrier attempted to deliver but failed, and usually leaves a notice and will try to deliver again.
  Delivered: ShipmentStatus.DELIVERED, // The shipment was delivered successfully.
  AvailableForPickup: ShipmentStatus.AVAILABLE_FOR_PICKUP, // The package arrived at a pickup point near you and is available for pickup.
  Exception: ShipmentStatus.EXCEPTION, // Custom hold, undelivered, returned shipment to sender or any shipping exceptions.
  Expired: ShipmentStatus.EXCEPTION, // Shipment has no tracking information for 30 days since added: a parcel gone quiet.
  Pending: ShipmentStatus.INFO_RECEIVED, // New shipments added that are pending to track: nothing scanned yet.
};

/** Every documented subtag onto the hub's statuses; a subtag belongs to the tag it starts with. */
export const AFTERSHIP_SUBTAGS: Readonly<Record<string, ShipmentStatus>> = {
  InfoReceived_001: ShipmentStatus.INFO_RECEIVED, // Info received
  InTransit_001: ShipmentStatus.IN_TRANSIT, // In transit: shipment on the way
  InTransit_002: ShipmentStatus.PICKED_UP, // Acceptance scan: shipment accepted by the carrier
  InTransit_003: ShipmentStatus.ARRIVED_AT_NODE, // Arrival scan: shipment arrived at a hub or sorting center
  InTransit_004: ShipmentStatus.ARRIVED_AT_NODE, // Arrived at the destination country / region
  InTransit_005: ShipmentStatus.IN_TRANSIT, // Customs clearance completed
  InTransit_006: ShipmentStatus.IN_TRANSIT, // Customs clearance started
  InTransit_007: ShipmentStatus.IN_TRANSIT, // Departure scan: shipment moved to the next destination
  InTransit_008: ShipmentStatus.IN_TRANSIT, // Problem resolved: shipment in transit again
  InTransit_009: ShipmentStatus.IN_TRANSIT, // Forwarded to a different delivery address
  OutForDelivery_001: ShipmentStatus.OUT_FOR_DELIVERY, // Out for delivery
  OutForDelivery_003: ShipmentStatus.OUT_FOR_DELIVERY, // Customer contacted before the final delivery
  OutForDelivery_004: ShipmentStatus.OUT_FOR_DELIVERY, // Delivery appointment scheduled
  AttemptFail_001: ShipmentStatus.FAILED_ATTEMPT, // Failed attempt: the courier usually leaves a notice and tries again
  AttemptFail_002: ShipmentStatus.FAILED_ATTEMPT, // Addressee not available
  AttemptFail_003: ShipmentStatus.FAILED_ATTEMPT, // Business closed
  Delivered_001: ShipmentStatus.DELIVERED, // Delivered
  Delivered_002: ShipmentStatus.DELIVERED, // Picked up by the customer
  Delivered_003: ShipmentStatus.DELIVERED, // Sign by customer
  Delivered_004: ShipmentStatus.DELIVERED, // Delivered and received cash on delivery
  Delivered_005: ShipmentStatus.DELIVERED, // Delivered to neighbor (2026-07 list)
  AvailableForPickup_001: ShipmentStatus.AVAILABLE_FOR_PICKUP, // Available for pickup
  Exception_001: ShipmentStatus.EXCEPTION, // Exception: delivery failed due to some shipping exception
  Exception_002: ShipmentStatus.EXCEPTION, // Customer moved
  Exception_003: ShipmentStatus.REJECTED, // Customer refused delivery: the recipient refused to take the package
  Exception_004: ShipmentStatus.EXCEPTION, // Delayed (Customs clearance) — a delay, NOT a refusal
  Exception_005: ShipmentStatus.EXCEPTION, // Delayed (External factors)
  Exception_006: ShipmentStatus.EXCEPTION, // Held for payment
  Exception_007: ShipmentStatus.EXCEPTION, // Incorrect address
  Exception_008: ShipmentStatus.EXCEPTION, // Pick up missed: available for pickup but not collected
  Exception_009: ShipmentStatus.EXCEPTION, // Rejected by carrier (noncompliance with its guidelines), not by the recipient
  Exception_010: ShipmentStatus.RETURNING, // Returning to sender
  Exception_011: ShipmentStatus.RETURNED, // Returned to sender: received back by the sender
  Exception_012: ShipmentStatus.EXCEPTION, // Shipment damage
  Exception_013: ShipmentStatus.EXCEPTION, // Shipment lost
  Exception_016: ShipmentStatus.EXCEPTION, // Delayed (Processing issue)
  Exception_017: ShipmentStatus.EXCEPTION, // Delayed (Extreme weather)
  Exception_018: ShipmentStatus.EXCEPTION, // Incorrect / missing documents
  Exception_019: ShipmentStatus.EXCEPTION, // Delayed (Late flight)
  Exception_020: ShipmentStatus.EXCEPTION, // Shipment cancelled
  Exception_021: ShipmentStatus.EXCEPTION, // Shipment disposed
  Expired_001: ShipmentStatus.EXCEPTION, // Expired: no tracking information for 30 days
  Pending_001: ShipmentStatus.INFO_RECEIVED, // Pending: no information on the carrier's site yet
  Pending_002: ShipmentStatus.INFO_RECEIVED, // Pending
  Pending_003: ShipmentStatus.INFO_RECEIVED, // Pending
  Pending_004: ShipmentStatus.INFO_RECEIVED, // Pending
  Pending_005: ShipmentStatus.INFO_RECEIVED, // Pending
  Pending_006: ShipmentStatus.INFO_RECEIVED, // Pending
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
  if (!Object.hasOwn(AFTERSHIP_TAGS, tag)) throw new FeedProblem('tag', `unknown status code "${tag.slice(0, 40)}".`);
  const subtag = checkpoint.subtag == null || checkpoint.subtag === '' ? undefined : checkpoint.subtag;
  if (subtag !== undefined && typeof subtag !== 'string') throw new FeedProblem('subtag', 'is not a string.');
  // An unknown subtag is refused (kept for replay once the table knows it) rather than guessed from its tag.
  if (subtag !== undefined && !Object.hasOwn(AFTERSHIP_SUBTAGS, subtag)) throw new FeedProblem('subtag', `unknown subtag "${subtag.slice(0, 40)}".`);
  if (subtag !== undefined && !subtag.startsWith(`${tag}_`)) throw new FeedProblem('subtag', `subtag "${subtag}" does not belong to tag "${tag}".`);
  const status = subtag !== undefined ? AFTERSHIP_SUBTAGS[subtag] : AFTERSHIP_TAGS[tag];
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
