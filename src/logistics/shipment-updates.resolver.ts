import { Arg, Ctx, Field, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import type { HubContext } from '../graphql/context.js';
import { BadUserInputError } from '../platform/errors.js';
import { REGION_CODE_PATTERN } from '../regions/region-code.validator.js';
import { Shipment } from './shipment.entity.js';
import { TrackingEvent } from './tracking-event.entity.js';
import { SHIPMENT_UPDATED, shipmentTopic, type ShipmentUpdatedEvent } from './shipment.events.js';

@ObjectType({ description: 'A parcel that just received tracking events: its new state and the events that moved it.' })
export class ShipmentUpdate {
  @Field(() => Shipment, { description: 'The parcel as it now stands (status derived from all its events in event-time order).' })
  shipment!: Shipment;

  @Field(() => [TrackingEvent], { description: 'The events this push added, in event-time order.' })
  newEvents!: TrackingEvent[];
}

/** Whether an update is one a subscriber asked for (no database access: it runs per subscriber per update). */
export function matchesShipmentFilter(
  event: ShipmentUpdatedEvent,
  args: { trackingNumber?: string | null; courier?: string | null; regionCode?: string | null },
): boolean {
  return (
    (!args.trackingNumber || args.trackingNumber === event.trackingNumber) &&
    (!args.courier || args.courier === event.courierCode) &&
    (!args.regionCode || event.areaCodes.some((code) => code.startsWith(args.regionCode!)))
  );
}

@Resolver(() => ShipmentUpdate)
export class ShipmentUpdatesResolver {
  @Subscription(() => ShipmentUpdate, {
    topics: ({ args }) => {
      if (args.regionCode != null && !REGION_CODE_PATTERN.test(args.regionCode)) {
        throw new BadUserInputError('Invalid argument "regionCode": must be a region code of 2, 4, 6, 9 or 12 digits.', 'regionCode');
      }
      if (args.trackingNumber != null && !/^[A-Za-z0-9-]{1,64}$/.test(args.trackingNumber)) {
        throw new BadUserInputError('Invalid argument "trackingNumber": 1 to 64 letters, digits or "-".', 'trackingNumber');
      }
      return args.trackingNumber ? shipmentTopic(args.trackingNumber) : SHIPMENT_UPDATED;
    },
    filter: ({ payload, args }) => matchesShipmentFilter(payload as ShipmentUpdatedEvent, args),
    description:
      'Parcels as their tracking events arrive, pushed from the ingest path (no polling): one parcel by `trackingNumber`, or all of a `courier` and/or a region subtree (`regionCode` matches origin, destination or the new scans).',
  })
  shipmentUpdated(
    @Root() event: ShipmentUpdatedEvent,
    @Ctx() ctx: HubContext,
    @Arg('trackingNumber', { nullable: true }) _trackingNumber?: string,
    @Arg('courier', { nullable: true, description: 'Courier code.' }) _courier?: string,
    @Arg('regionCode', { nullable: true, description: 'Region subtree.' }) _regionCode?: string,
  ): ShipmentUpdate {
    const em = ctx.em.fork();
    return { shipment: em.map(Shipment, event.shipment), newEvents: event.events.map((row) => em.map(TrackingEvent, row)) };
  }
}
