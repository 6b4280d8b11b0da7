import { Args, Ctx, FieldResolver, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { ConnectionType } from '../relay/connection.type.js';
import type { HubContext } from '../graphql/context.js';
import { Region } from '../regions/region.entity.js';
import { Product } from '../catalog/product.entity.js';
import { Variety } from '../catalog/variety.entity.js';
import { Market } from '../markets/market.entity.js';
import { SupplyListing } from './supply-listing.entity.js';
import { SalesRecord } from './sales-record.entity.js';
import { SupplyArgs } from './supply.args.js';
import { listSales, listSupply } from './supply.service.js';

@ObjectType()
export class SupplyListingConnection extends ConnectionType(SupplyListing) {}

@ObjectType()
export class SalesRecordConnection extends ConnectionType(SalesRecord) {}

@Resolver(() => SupplyListing)
export class SupplyListingResolver {
  @Query(() => SupplyListingConnection, { description: 'Supply on offer, newest availability first.' })
  async supplyListings(@Args() args: SupplyArgs, @Ctx() ctx: HubContext): Promise<SupplyListingConnection> {
    return new SupplyListingConnection(await listSupply(ctx.em, args));
  }

  @FieldResolver(() => Product, { nullable: true })
  product(@Root() row: SupplyListing, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Product, row.product);
  }

  @FieldResolver(() => Variety, { nullable: true })
  variety(@Root() row: SupplyListing, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Variety, row.variety);
  }

  @FieldResolver(() => Market)
  platform(@Root() row: SupplyListing, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Market, row.platform);
  }

  @FieldResolver(() => Region, { nullable: true })
  originRegion(@Root() row: SupplyListing, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Region, row.originRegion);
  }
}

@Resolver(() => SalesRecord)
export class SalesRecordResolver {
  @Query(() => SalesRecordConnection, { description: 'Sales by product, channel, origin and destination, newest period first.' })
  async salesRecords(@Args() args: SupplyArgs, @Ctx() ctx: HubContext): Promise<SalesRecordConnection> {
    return new SalesRecordConnection(await listSales(ctx.em, args));
  }

  @FieldResolver(() => Product, { nullable: true })
  product(@Root() row: SalesRecord, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Product, row.product);
  }

  @FieldResolver(() => Variety, { nullable: true })
  variety(@Root() row: SalesRecord, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Variety, row.variety);
  }

  @FieldResolver(() => Market, { nullable: true })
  platform(@Root() row: SalesRecord, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Market, row.platform);
  }

  @FieldResolver(() => Region, { nullable: true })
  originRegion(@Root() row: SalesRecord, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Region, row.originRegion);
  }

  @FieldResolver(() => Region, { nullable: true })
  destinationRegion(@Root() row: SalesRecord, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Region, row.destinationRegion);
  }
}
