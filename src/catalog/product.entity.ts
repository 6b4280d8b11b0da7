import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, Float, ObjectType } from 'type-graphql';
import { Node } from '../relay/node.type.js';
import { toGlobalId } from '../relay/global-id.js';
import { ProductCategory } from './product-category.entity.js';

@ObjectType({ implements: Node, description: 'A canonical farm product (苹果, 小米, 老陈醋...).' })
@Entity({ tableName: 'product' })
export class Product implements Node {
  @PrimaryKey()
  id!: number;

  @Field({ description: 'Stable slug, e.g. `apple`.' })
  @Property({ length: 64, unique: true })
  code!: string;

  @Field({ description: 'Canonical Chinese name.' })
  @Property({ length: 100, unique: true })
  name!: string;

  @Field({ nullable: true, description: 'English name.' })
  @Property({ length: 100, nullable: true })
  nameEn?: string;

  @ManyToOne(() => ProductCategory, { index: true })
  category!: ProductCategory;

  @Field(() => [String], { description: 'Other names that mean this product (used by entity resolution).' })
  @Property({ type: 'text[]', defaultRaw: "'{}'" })
  aliases: string[] = [];

  @Field({ description: 'Whether parcels of it count as farm products (农产品) for subsidies.' })
  @Property({ default: true })
  isFarmProduct: boolean = true;

  @Field(() => Float, { nullable: true, description: 'Lowest allowed cold-chain temperature, °C (null: no cold chain).' })
  @Property({ type: 'real', nullable: true })
  coldChainMinC?: number;

  @Field(() => Float, { nullable: true, description: 'Highest allowed cold-chain temperature, °C.' })
  @Property({ type: 'real', nullable: true })
  coldChainMaxC?: number;

  get globalId(): string {
    return toGlobalId('Product', this.id);
  }
}
