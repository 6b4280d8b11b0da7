import { IsOptional, MaxLength } from 'class-validator';
import { Arg, Args, Ctx, Field, FieldResolver, InputType, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import { ConnectionType } from '../relay/connection.type.js';
import type { HubContext } from '../graphql/context.js';
import { Region } from '../regions/region.entity.js';
import { IsRegionCode } from '../regions/region-code.validator.js';
import { Product } from '../catalog/product.entity.js';
import { Variety } from '../catalog/variety.entity.js';
import { Market } from '../markets/market.entity.js';
import { MarketChannel } from '../markets/market-channel.js';
import { assertValidArgument } from '../graphql/validation.js';
import { PriceObservation } from './price-observation.entity.js';
import { PricesArgs } from './price.args.js';
import { listPrices } from './price.service.js';
import { PRICES_OBSERVED, pricesOf, type PriceObservedEvent, type PricesObservedEvent } from './price.events.js';
import { expandEvents } from '../platform/pubsub.js';

@ObjectType()
export class PriceObservationConnection extends ConnectionType(PriceObservation) {}

@InputType({ description: 'Which new prices a subscriber wants. All given conditions must hold.' })
export class PriceSubscriptionFilter {
  @Field({ nullable: true, description: 'Product code, e.g. `apple`.' })
  @IsOptional()
  @MaxLength(64)
  product?: string;

  @Field({ nullable: true, description: 'Variety name, e.g. `红富士`.' })
  @IsOptional()
  @MaxLength(100)
  variety?: string;

  @Field({ nullable: true, description: 'Origin region code; matches its whole subtree.' })
  @IsOptional()
  @IsRegionCode()
  originUnder?: string;

  @Field({ nullable: true, description: 'Market code.' })
  @IsOptional()
  @MaxLength(64)
  market?: string;

  @Field(() => MarketChannel, { nullable: true })
  channel?: MarketChannel;
}

/** Whether a published price matches a subscriber's filter (no database access). */
export function matchesPriceFilter(event: PriceObservedEvent, filter: PriceSubscriptionFilter | undefined): boolean {
  if (!filter) return true;
  const origin = event.row.origin_region_code as string | null;
  return (
    (!filter.product || filter.product === event.productCode) &&
    (!filter.variety || filter.variety === event.varietyName) &&
    (!filter.market || filter.market === event.marketCode) &&
    (!filter.channel || filter.channel === event.channel) &&
    (!filter.originUnder || (origin?.startsWith(filter.originUnder) ?? false))
  );
}

@Resolver(() => PriceObservation)
export class PriceResolver {
  @Query(() => PriceObservationConnection, { description: 'Price observations by product, variety, market, channel, origin subtree and date range.' })
  async prices(@Args() args: PricesArgs, @Ctx() ctx: HubContext): Promise<PriceObservationConnection> {
    return new PriceObservationConnection(await listPrices(ctx.em, args));
  }

  @Subscription(() => PriceObservation, {
    // Prices are published one event per stored batch (issue #13); each price of it is matched and sent on its own.
    subscribe: ({ args, context }) => {
      assertValidArgument(PriceSubscriptionFilter, args.filter, 'filter');
      const filter = args.filter as PriceSubscriptionFilter | undefined;
      return expandEvents((context as HubContext).pubSub.subscribe(PRICES_OBSERVED) as AsyncIterable<PricesObservedEvent>, function* (batch) {
        for (const price of pricesOf(batch)) if (matchesPriceFilter(price, filter)) yield price;
      });
    },
    description: 'Prices as they are stored, optionally filtered by product, variety, origin subtree, market or channel.',
  })
  priceObserved(
    @Root() event: PriceObservedEvent,
    @Ctx() ctx: HubContext,
    @Arg('filter', () => PriceSubscriptionFilter, { nullable: true }) _filter?: PriceSubscriptionFilter,
  ): PriceObservation {
    // A throwaway fork per event keeps the subscription's identity map from growing.
    return ctx.em.fork().map(PriceObservation, event.row);
  }

  @FieldResolver(() => Product, { nullable: true, description: 'Canonical product; null while the name awaits review.' })
  product(@Root() price: PriceObservation, @Ctx() ctx: HubContext): Promise<Product | null> {
    return ctx.loaders.ref(Product, price.product);
  }

  @FieldResolver(() => Variety, { nullable: true })
  variety(@Root() price: PriceObservation, @Ctx() ctx: HubContext): Promise<Variety | null> {
    return ctx.loaders.ref(Variety, price.variety);
  }

  @FieldResolver(() => Market)
  async market(@Root() price: PriceObservation, @Ctx() ctx: HubContext): Promise<Market> {
    return (await ctx.loaders.ref(Market, price.market))!;
  }

  @FieldResolver(() => Region, { nullable: true, description: 'Origin region, when known.' })
  originRegion(@Root() price: PriceObservation, @Ctx() ctx: HubContext): Promise<Region | null> {
    return ctx.loaders.ref(Region, price.originRegion);
  }
}
