import { Arg, Args, Ctx, FieldResolver, ID, Int, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { MAX_PAGE_SIZE } from '../relay/connection.args.js';
import { fromGlobalId } from '../relay/global-id.js';
import { BadUserInputError } from '../platform/errors.js';
import { ConnectionType } from '../relay/connection.type.js';
import type { HubContext } from '../graphql/context.js';
import { Region } from '../regions/region.entity.js';
import { Product } from '../catalog/product.entity.js';
import { Market } from '../markets/market.entity.js';
import { Courier } from './courier.entity.js';
import { LogisticsNode } from './logistics-node.entity.js';
import { Shipment } from './shipment.entity.js';
import { TrackingEvent } from './tracking-event.entity.js';
import { LogisticsNodesArgs, ShipmentsArgs } from './logistics.args.js';
import { listLogisticsNodes, listShipments } from './logistics.service.js';

/** Events of a parcel returned when a client gives no `first`. */
export const EVENTS_PAGE_SIZE = 100;

@ObjectType()
export class LogisticsNodeConnection extends ConnectionType(LogisticsNode) {}

@ObjectType()
export class ShipmentConnection extends ConnectionType(Shipment) {}

@Resolver(() => Courier)
export class CourierResolver {
  @Query(() => [Courier], { description: 'Courier firms known to the hub.' })
  couriers(@Ctx() ctx: HubContext): Promise<Courier[]> {
    return ctx.em.find(Courier, {}, { orderBy: { code: 'asc' } });
  }
}

@Resolver(() => LogisticsNode)
export class LogisticsNodeResolver {
  @Query(() => LogisticsNodeConnection, { description: 'County centres, township stations, village service points and other nodes.' })
  async logisticsNodes(@Args() args: LogisticsNodesArgs, @Ctx() ctx: HubContext): Promise<LogisticsNodeConnection> {
    return new LogisticsNodeConnection(await listLogisticsNodes(ctx.em, args));
  }

  @FieldResolver(() => Region)
  region(@Root() node: LogisticsNode, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Region, node.region);
  }

  @FieldResolver(() => Courier, { nullable: true, description: 'Courier operating the node, if any.' })
  operator(@Root() node: LogisticsNode, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Courier, node.operator);
  }
}

@Resolver(() => Shipment)
export class ShipmentResolver {
  @Query(() => ShipmentConnection, { description: 'Parcels by courier, status, direction and region, newest first.' })
  async shipments(@Args() args: ShipmentsArgs, @Ctx() ctx: HubContext): Promise<ShipmentConnection> {
    return new ShipmentConnection(await listShipments(ctx.em, args));
  }

  @Query(() => Shipment, { nullable: true, description: 'One parcel by tracking number (and courier code, when numbers collide).' })
  shipment(
    @Arg('trackingNumber') trackingNumber: string,
    @Ctx() ctx: HubContext,
    @Arg('courier', { nullable: true }) courier?: string,
  ): Promise<Shipment | null> {
    return ctx.em.findOne(Shipment, courier ? { trackingNumber, courier: { code: courier } } : { trackingNumber }, { orderBy: { id: 'desc' } });
  }

  @FieldResolver(() => Courier)
  courier(@Root() shipment: Shipment, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Courier, shipment.courier);
  }

  @FieldResolver(() => Region, { nullable: true })
  originRegion(@Root() shipment: Shipment, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Region, shipment.originRegion);
  }

  @FieldResolver(() => Region, { nullable: true })
  destinationRegion(@Root() shipment: Shipment, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Region, shipment.destinationRegion);
  }

  @FieldResolver(() => Product, { nullable: true })
  product(@Root() shipment: Shipment, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Product, shipment.product);
  }

  @FieldResolver(() => Market, { nullable: true, description: 'E-commerce platform the parcel was sold through.' })
  platform(@Root() shipment: Shipment, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Market, shipment.platform);
  }

  /** Paged (issue #11): an unpaged nested list let one request pull every event of every parcel; `first` also counts in the query cost. */
  @FieldResolver(() => [TrackingEvent], {
    description: `The timeline, in event time order: at most \`first\` events (default ${EVENTS_PAGE_SIZE}, max ${MAX_PAGE_SIZE}), after the event \`after\` (a TrackingEvent ID) when given.`,
  })
  async events(
    @Root() shipment: Shipment,
    @Ctx() ctx: HubContext,
    @Arg('first', () => Int, { defaultValue: EVENTS_PAGE_SIZE }) first: number,
    @Arg('after', () => ID, { nullable: true }) after?: string,
  ): Promise<TrackingEvent[]> {
    if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE)
      throw new BadUserInputError(`Invalid argument "first": 0 to ${MAX_PAGE_SIZE}.`, 'first');
    const afterKey = after == null ? null : fromGlobalId(after);
    if (after != null && afterKey?.type !== 'TrackingEvent') throw new BadUserInputError('Invalid argument "after": a TrackingEvent ID.', 'after');
    const timeline = await ctx.loaders.many(TrackingEvent, 'shipment', shipment.id, { occurredAt: 'asc', id: 'asc' });
    const start = afterKey ? timeline.findIndex((e) => String(e.id) === afterKey.key) + 1 : 0;
    return afterKey && start === 0 ? [] : timeline.slice(start, start + first);
  }
}

@Resolver(() => TrackingEvent)
export class TrackingEventResolver {
  @FieldResolver(() => Region, { nullable: true })
  region(@Root() event: TrackingEvent, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Region, event.region);
  }

  @FieldResolver(() => LogisticsNode, { nullable: true })
  node(@Root() event: TrackingEvent, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(LogisticsNode, event.node);
  }
}
