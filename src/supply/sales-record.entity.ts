import { DecimalType } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { GraphQLLocalDate } from 'graphql-scalars';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { Fact } from '../common/fact.entity.js';
import { Node } from '../relay/node.type.js';
import { toGlobalId } from '../relay/global-id.js';
import { Region } from '../regions/region.entity.js';
import { Product } from '../catalog/product.entity.js';
import { Variety } from '../catalog/variety.entity.js';
import { Market } from '../markets/market.entity.js';
import { MarketChannel } from '../markets/market-channel.js';
import { Classified } from '../policy/classification.js';
import { MaskKind } from '../policy/masking.js';
import { DataClass } from '../policy/role.js';

/** Sales of a product over a period through one channel, from an origin to a destination region. */
@ObjectType({ implements: Node, description: 'Sales over a period: quantity, amount and orders by product, channel, origin and destination.' })
@Entity({ tableName: 'sales_record' })
@Unique({ properties: ['sourceConnector', 'sourceKey'] })
@Index({ properties: ['product', 'periodStart'] })
@Index({
  name: 'sales_record_origin_prefix_idx',
  expression: 'create index "sales_record_origin_prefix_idx" on "sales_record" ("origin_region_code" varchar_pattern_ops)',
})
export class SalesRecord extends Fact implements Node {
  @PrimaryKey({ type: 'bigint' })
  id!: string;

  @ManyToOne(() => Product, { nullable: true })
  product?: Product;

  @ManyToOne(() => Variety, { nullable: true })
  variety?: Variety;

  @Field({ description: 'Product name as the source wrote it.' })
  @Property({ length: 200 })
  rawName!: string;

  @Field(() => MarketChannel)
  @Enum({ items: () => MarketChannel, nativeEnumName: 'market_channel' })
  channel!: MarketChannel;

  @ManyToOne(() => Market, { nullable: true, index: true })
  platform?: Market;

  @ManyToOne(() => Region, { nullable: true })
  originRegion?: Region;

  @ManyToOne(() => Region, { nullable: true })
  destinationRegion?: Region;

  @Field(() => GraphQLLocalDate)
  @Property({ type: 'date' })
  periodStart!: string;

  @Field(() => GraphQLLocalDate)
  @Property({ type: 'date' })
  periodEnd!: string;

  @Field(() => Float)
  @Property({ type: new DecimalType('number'), precision: 14, scale: 2 })
  quantity!: number;

  @Field()
  @Property({ length: 16 })
  quantityUnit!: string;

  @Field(() => Float, { nullable: true, description: 'Sales amount in yuan. COMMERCIAL: null for callers outside the platform (couriers, anonymous demo).' })
  @Classified(DataClass.COMMERCIAL, MaskKind.WITHHOLD)
  @Property({ type: new DecimalType('number'), precision: 16, scale: 2 })
  amount!: number;

  @Field(() => Int)
  @Property({ default: 0 })
  orders: number = 0;

  get globalId(): string {
    return toGlobalId('SalesRecord', this.id);
  }
}
