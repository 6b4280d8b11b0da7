/** Pub/sub topic of shipments that received new tracking events. */
export const SHIPMENT_UPDATED = 'SHIPMENT_UPDATED';

/**
 * The topic of one parcel: a subscriber to one tracking number listens here
 * only, so a push wakes its own parcel's subscribers instead of running every
 * subscriber's filter (10,000 open subscriptions, one parcel each).
 */
export const shipmentTopic = (trackingNumber: string) => `${SHIPMENT_UPDATED}:${trackingNumber}`;

/**
 * What the ingest path publishes per shipment after its transaction commits:
 * the shipment row as it now stands, the events this push added, and what
 * subscribers filter on, so that no subscriber needs a database query to
 * decide whether the update is theirs. Plain JSON (it crosses Redis).
 */
export interface ShipmentUpdatedEvent {
  shipment: Record<string, unknown>;
  events: Record<string, unknown>[];
  courierCode: string;
  trackingNumber: string;
  /** Region codes the update touches: origin, destination and the new events' places. */
  areaCodes: string[];
}
