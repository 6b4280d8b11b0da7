import { IsDateString, IsOptional } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import { ConnectionArgs } from '../relay/connection.args.js';
import { ConnectionType } from '../relay/connection.type.js';
import { paginate, type Ordering } from '../relay/paginate.js';
import type { HubContext } from '../graphql/context.js';
import { Region } from '../regions/region.entity.js';
import { IsRegionCode, REGION_CODE_PATTERN, inSubtree } from '../regions/region-code.validator.js';
import { Product } from '../catalog/product.entity.js';
import { Market } from '../markets/market.entity.js';
import { Shipment } from '../logistics/shipment.entity.js';
import { BadUserInputError } from '../platform/errors.js';
import { sqlList } from '../platform/sql.js';
import { Alert } from './alert.entity.js';
import { AlertKind } from './stream/alert-kind.js';
import { ALERT_RAISED, type AlertRaisedEvent } from './stream/alert.events.js';

@ObjectType()
export class AlertConnection extends ConnectionType(Alert) {}

@ArgsType()
export class AlertsArgs extends ConnectionArgs {
  @Field(() => [AlertKind], { nullable: true, description: 'Only these kinds.' })
  kinds?: AlertKind[];

  @Field({ nullable: true, description: 'Only alerts inside this region (whole subtree).' })
  @IsOptional()
  @IsRegionCode()
  regionUnder?: string;

  @Field({ nullable: true, description: 'Raised at or after this time.' })
  @IsOptional()
  @IsDateString()
  since?: string;
}

const newestFirst: Ordering<Alert> = {
  direction: 'desc',
  keys: [
    { sql: 'a.raised_at', read: (a) => a.raisedAt },
    { sql: 'a.id', read: (a) => Number(a.id) },
  ],
};

@Resolver(() => Alert)
export class AlertResolver {
  @Query(() => AlertConnection, { description: 'Alerts, newest first.' })
  async alerts(@Args() args: AlertsArgs, @Ctx() ctx: HubContext): Promise<AlertConnection> {
    const qb = ctx.em.createQueryBuilder(Alert, 'a');
    if (args.kinds?.length) qb.andWhere('a.kind in (?)', [sqlList(args.kinds)]);
    if (args.regionUnder) qb.andWhere(...inSubtree('a.region_code', args.regionUnder));
    if (args.since) qb.andWhere('a.raised_at >= ?', [args.since]);
    return new AlertConnection(await paginate(qb, newestFirst, args));
  }

  @Subscription(() => Alert, {
    topics: ({ args }) => {
      if (args.regionCode != null && !REGION_CODE_PATTERN.test(args.regionCode)) {
        throw new BadUserInputError('Invalid argument "regionCode": must be a region code of 2, 4, 6, 9 or 12 digits.', 'regionCode');
      }
      return ALERT_RAISED;
    },
    filter: ({ payload, args }) => {
      const event = payload as AlertRaisedEvent;
      return (!args.kinds?.length || args.kinds.includes(event.kind)) && (!args.regionCode || (event.regionCode?.startsWith(args.regionCode) ?? false));
    },
    description: 'Alerts as they are raised, optionally only some kinds and only inside a region subtree.',
  })
  alertRaised(
    @Root() event: AlertRaisedEvent,
    @Ctx() ctx: HubContext,
    @Arg('kinds', () => [AlertKind], { nullable: true }) _kinds?: AlertKind[],
    @Arg('regionCode', { nullable: true }) _regionCode?: string,
  ): Alert {
    return ctx.em.fork().map(Alert, event.row);
  }

  @FieldResolver(() => Region, { nullable: true })
  region(@Root() alert: Alert, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Region, alert.region);
  }

  @FieldResolver(() => Shipment, { nullable: true })
  shipment(@Root() alert: Alert, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Shipment, alert.shipment);
  }

  @FieldResolver(() => Product, { nullable: true })
  product(@Root() alert: Alert, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Product, alert.product);
  }

  @FieldResolver(() => Market, { nullable: true })
  market(@Root() alert: Alert, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Market, alert.market);
  }
}
