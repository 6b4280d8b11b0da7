import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Field, Float, ObjectType } from 'type-graphql';
import { Fact } from '../common/fact.entity.js';
import { Node } from '../relay/node.type.js';
import { toGlobalId } from '../relay/global-id.js';
import { Region } from '../regions/region.entity.js';
import { Product } from '../catalog/product.entity.js';
import { Market } from '../markets/market.entity.js';
import { Courier } from './courier.entity.js';
import { ShipmentDirection, ShipmentStatus } from './logistics-enums.js';
import { Classified } from '../policy/classification.js';
import { MaskKind } from '../policy/masking.js';
import { DataClass } from '../policy/role.js';

/**
 * A parcel. Its status and timestamps are derived from its tracking events
 * (ordered by event time). Recipient fields are personal data: stored, and
 * exposed only through the access-control layer (issue #6), never directly.
 */
@ObjectType({ implements: Node, description: 'A parcel and its current state.' })
@Entity({ tableName: 'shipment' })
@Unique({ properties: ['courier', 'trackingNumber'] })
@Unique({ properties: ['sourceConnector', 'sourceKey'] })
@Index({ properties: ['status', 'lastEventAt'] })
// Tracking numbers are unique per courier only; the subsidy fraud check (issue #7) looks them up across couriers.
@Index({ properties: ['trackingNumber'] })
@Index({ name: 'shipment_origin_prefix_idx', expression: 'create index "shipment_origin_prefix_idx" on "shipment" ("origin_region_code" varchar_pattern_ops)' })
@Index({
  name: 'shipment_destination_prefix_idx',
  expression: 'create index "shipment_destination_prefix_idx" on "shipment" ("destination_region_code" varchar_pattern_ops)',
})
export class Shipment extends Fact implements Node {
  @PrimaryKey({ type: 'bigint' })
  id!: string;

  // (No foreign keys: one check per statement by a trigger, Migration20261130010500, issue #13.)
  @ManyToOne(() => Courier, { createForeignKeyConstraint: false })
  courier!: Courier;

  @Field()
  @Property({ length: 64 })
  trackingNumber!: string;

  @Field(() => ShipmentStatus)
  @Enum({ items: () => ShipmentStatus, nativeEnumName: 'shipment_status' })
  status: ShipmentStatus = ShipmentStatus.INFO_RECEIVED;

  @Field(() => ShipmentDirection)
  @Enum({ items: () => ShipmentDirection, nativeEnumName: 'shipment_direction' })
  direction: ShipmentDirection = ShipmentDirection.NONE;

  @ManyToOne(() => Region, { nullable: true, createForeignKeyConstraint: false })
  originRegion?: Region;

  @ManyToOne(() => Region, { nullable: true, createForeignKeyConstraint: false })
  destinationRegion?: Region;

  @Field({
    nullable: true,
    description: 'Where it was picked up, as a region code, also outside the regions the hub knows (`originRegion` is set when it knows it).',
  })
  @Property({ length: 12, nullable: true })
  originCode?: string;

  @Field({ nullable: true, description: 'Where it is (or was) delivered, as a region code, also outside the regions the hub knows.' })
  @Property({ length: 12, nullable: true })
  destinationCode?: string;

  @ManyToOne(() => Product, { nullable: true, createForeignKeyConstraint: false })
  product?: Product;

  @ManyToOne(() => Market, { nullable: true, createForeignKeyConstraint: false })
  platform?: Market;

  @Field({ description: 'Whether the parcel carries farm products (农产品).' })
  @Property({ default: false })
  isFarmProduct: boolean = false;

  @Field(() => Float, { nullable: true })
  @Property({ type: 'real', nullable: true })
  weightKg?: number;

  /** Personal data: masked by the access layer for every role but ADMIN with an unmask reason (issue #6). */
  @Field({ nullable: true, description: 'Recipient name; masked (`张*`) unless an ADMIN gives an unmask reason.' })
  @Classified(DataClass.PERSONAL, MaskKind.NAME)
  @Property({ length: 100, nullable: true })
  recipientName?: string;

  @Field({ nullable: true, description: 'Recipient phone; masked (`138****1234`) unless an ADMIN gives an unmask reason.' })
  @Classified(DataClass.PERSONAL, MaskKind.PHONE)
  @Property({ length: 32, nullable: true })
  recipientPhone?: string;

  @Field({ nullable: true, description: 'Recipient address; cut after the township unless an ADMIN gives an unmask reason.' })
  @Classified(DataClass.PERSONAL, MaskKind.ADDRESS)
  @Property({ length: 300, nullable: true })
  recipientAddress?: string;

  @Field({ nullable: true, description: 'Delivery promised by.' })
  @Property({ type: 'timestamptz', nullable: true })
  promisedAt?: Date;

  @Field({ nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  pickedUpAt?: Date;

  @Field({ nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  deliveredAt?: Date;

  @Field({ nullable: true, description: 'Time of the latest tracking event.' })
  @Property({ type: 'timestamptz', nullable: true })
  lastEventAt?: Date;

  get globalId(): string {
    return toGlobalId('Shipment', this.id);
  }
}
