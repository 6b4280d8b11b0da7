import { DecimalType } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { GraphQLLocalDate } from 'graphql-scalars';
import { Field, Float, ObjectType } from 'type-graphql';
import { Fact } from '../common/fact.entity.js';
import { Node } from '../relay/node.type.js';
import { toGlobalId } from '../relay/global-id.js';
import { Region } from '../regions/region.entity.js';
import { Product } from '../catalog/product.entity.js';
import { Variety } from '../catalog/variety.entity.js';
import { Market } from '../markets/market.entity.js';
import { Classified } from '../policy/classification.js';
import { MaskKind } from '../policy/masking.js';
import { DataClass } from '../policy/role.js';

/** An offer: who offers how much of what, from where, when, at what price, on which platform. */
@ObjectType({ implements: Node, description: 'Supply on offer: a seller offering a quantity of a product from an origin.' })
@Entity({ tableName: 'supply_listing' })
@Unique({ properties: ['sourceConnector', 'sourceKey'] })
@Index({ properties: ['product', 'availableFrom'] })
@Index({
  name: 'supply_listing_origin_prefix_idx',
  expression: 'create index "supply_listing_origin_prefix_idx" on "supply_listing" ("origin_region_code" varchar_pattern_ops)',
})
export class SupplyListing extends Fact implements Node {
  @PrimaryKey({ type: 'bigint' })
  id!: string;

  @ManyToOne(() => Product, { nullable: true })
  product?: Product;

  @ManyToOne(() => Variety, { nullable: true })
  variety?: Variety;

  @ManyToOne(() => Market, { index: true })
  platform!: Market;

  @Field({ description: 'Product name as the platform wrote it.' })
  @Property({ length: 200 })
  rawName!: string;

  @Field({ description: 'Seller (shop, cooperative, farm) as named by the platform. COMMERCIAL: first character only for callers outside the platform.' })
  @Classified(DataClass.COMMERCIAL, MaskKind.TEXT)
  @Property({ length: 200 })
  seller!: string;

  @ManyToOne(() => Region, { nullable: true })
  originRegion?: Region;

  @Field(() => Float)
  @Property({ type: new DecimalType('number'), precision: 14, scale: 2 })
  quantity!: number;

  @Field({ description: 'Unit of `quantity`: kg, 斤, 箱, 件...' })
  @Property({ length: 16 })
  quantityUnit!: string;

  @Field(() => Float, { nullable: true, description: 'Asking price in yuan per `priceUnit`. COMMERCIAL: null for callers outside the platform.' })
  @Classified(DataClass.COMMERCIAL, MaskKind.WITHHOLD)
  @Property({ type: new DecimalType('number'), precision: 12, scale: 2, nullable: true })
  price?: number;

  @Field({ nullable: true })
  @Property({ length: 16, nullable: true })
  priceUnit?: string;

  @Field(() => GraphQLLocalDate)
  @Property({ type: 'date' })
  availableFrom!: string;

  @Field(() => GraphQLLocalDate, { nullable: true })
  @Property({ type: 'date', nullable: true })
  availableTo?: string;

  get globalId(): string {
    return toGlobalId('SupplyListing', this.id);
  }
}
