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

const money = () => new DecimalType('number');

/**
 * One price quote of one product at one market on one day, as the source gave
 * it (original name, unit and prices) and, where the unit allows, per kg.
 * `product` is null until entity resolution matches `rawName`.
 */
@ObjectType({ implements: Node, description: 'A price observed for a product at a market on a day.' })
@Entity({ tableName: 'price_observation' })
// The declarations match the migrated schema (test/schema/orm-schema-diff.test.ts): a partitioned table's unique
// constraints include the partition key (migration 20261129150000), and there is no index on observed_on alone
// (a month is a partition).
@Unique({ name: 'price_observation_source_unique', properties: ['sourceConnector', 'sourceKey', 'observedOn'] })
@Index({ properties: ['product', 'observedOn'] })
@Index({ properties: ['market', 'observedOn', 'id'] })
@Index({
  name: 'price_observation_origin_prefix_idx',
  expression:
    'create index "price_observation_origin_prefix_idx" on "price_observation" ("origin_region_code" varchar_pattern_ops) where "origin_region_code" is not null',
})
export class PriceObservation extends Fact implements Node {
  @PrimaryKey({ type: 'bigint' })
  id!: string;

  // Provenance compared byte-wise (migration 20261129212000: collation "C" for the bulk writer's duplicate check).
  @Property({ length: 64, collation: 'C' })
  declare sourceConnector: string;

  @Property({ length: 255, collation: 'C' })
  declare sourceKey: string;

  // No foreign key constraints on the fact table (migration 20261129150000): the ingest pipeline checks the
  // references itself, and statement triggers on the referenced tables null or refuse their deletion.
  @ManyToOne(() => Product, { nullable: true, createForeignKeyConstraint: false })
  product?: Product;

  @ManyToOne(() => Variety, { nullable: true, createForeignKeyConstraint: false })
  variety?: Variety;

  @ManyToOne(() => Market, { createForeignKeyConstraint: false })
  market!: Market;

  @ManyToOne(() => Region, { nullable: true, createForeignKeyConstraint: false })
  originRegion?: Region;

  @Field({ nullable: true, description: 'Origin as the source wrote it (e.g. "山西运城临猗", "冀鲁豫").' })
  @Property({ length: 100, nullable: true })
  originText?: string;

  @Field(() => GraphQLLocalDate, { description: 'Day the price applies to.' })
  @Property({ type: 'date' })
  observedOn!: string;

  @Field({ description: 'Product name as the source wrote it.' })
  @Property({ length: 200 })
  rawName!: string;

  @Field({ nullable: true, description: 'Specification or grade (规格), e.g. 普通, 一级, 箱装.' })
  @Property({ length: 100, nullable: true })
  spec?: string;

  @Field(() => Float, { nullable: true, description: 'Lowest price, in `unit`.' })
  @Property({ type: money(), precision: 12, scale: 2, nullable: true })
  lowPrice?: number;

  @Field(() => Float, { description: 'Average price, in `unit`.' })
  @Property({ type: money(), precision: 12, scale: 2 })
  avgPrice!: number;

  @Field(() => Float, { nullable: true, description: 'Highest price, in `unit`.' })
  @Property({ type: money(), precision: 12, scale: 2, nullable: true })
  highPrice?: number;

  @Field({ description: 'Unit the prices are quoted per, as the source gave it (斤, 公斤, 吨, 个, 箱...). Prices are in yuan.' })
  @Property({ length: 32 })
  unit!: string;

  @Field(() => Float, { nullable: true, description: 'Lowest price in yuan per kg; null when the unit is not a weight.' })
  @Property({ type: money(), precision: 12, scale: 2, nullable: true })
  lowPerKg?: number;

  @Field(() => Float, { nullable: true, description: 'Average price in yuan per kg; null when the unit is not a weight.' })
  @Property({ type: money(), precision: 12, scale: 2, nullable: true })
  avgPerKg?: number;

  @Field(() => Float, { nullable: true, description: 'Highest price in yuan per kg; null when the unit is not a weight.' })
  @Property({ type: money(), precision: 12, scale: 2, nullable: true })
  highPerKg?: number;

  @Field(() => Float, { nullable: true, description: 'Traded volume, in `volumeUnit`.' })
  @Property({ type: money(), precision: 14, scale: 2, nullable: true })
  volume?: number;

  @Field({ nullable: true })
  @Property({ length: 16, nullable: true })
  volumeUnit?: string;

  get globalId(): string {
    return toGlobalId('PriceObservation', this.id);
  }
}
