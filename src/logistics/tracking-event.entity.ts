import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Field, Float, ObjectType } from 'type-graphql';
import { Fact } from '../common/fact.entity.js';
import { Node } from '../relay/node.type.js';
import { toGlobalId } from '../relay/global-id.js';
import { Region } from '../regions/region.entity.js';
import { LogisticsNode } from './logistics-node.entity.js';
import { Shipment } from './shipment.entity.js';
import { ShipmentStatus } from './logistics-enums.js';
import { TrackingFormat } from './tracking-format.js';
import { Classified } from '../policy/classification.js';
import { MaskKind } from '../policy/masking.js';
import { DataClass } from '../policy/role.js';

/** One scan or sensor report on a parcel, with the courier's raw code and text kept. */
@ObjectType({ implements: Node, description: 'A tracking event (scan) on a parcel.' })
@Entity({ tableName: 'tracking_event' })
@Unique({ properties: ['sourceConnector', 'sourceKey'] })
@Index({ properties: ['shipment', 'occurredAt'] })
export class TrackingEvent extends Fact implements Node {
  @PrimaryKey({ type: 'bigint' })
  id!: string;

  @ManyToOne(() => Shipment)
  shipment!: Shipment;

  @Field({ description: 'When the event happened (courier time), not when it arrived.' })
  @Property({ type: 'timestamptz' })
  occurredAt!: Date;

  @Field(() => ShipmentStatus)
  @Enum({ items: () => ShipmentStatus, nativeEnumName: 'shipment_status' })
  status!: ShipmentStatus;

  @Field({ nullable: true, description: "The courier's own status code." })
  @Property({ length: 32, nullable: true })
  rawCode?: string;

  /** Free text a courier writes (a courier's or signer's name and phone, issue #11): masked like the recipient fields. */
  @Field({
    nullable: true,
    description: "The courier's own description; phone numbers, names and addresses in it are masked unless an ADMIN gives an unmask reason.",
  })
  @Classified(DataClass.PERSONAL, MaskKind.FREE_TEXT)
  @Property({ type: 'text', nullable: true })
  rawText?: string;

  @ManyToOne(() => Region, { nullable: true })
  region?: Region;

  @Field({ nullable: true, description: 'Region code as the courier reported it (canonical form), also outside the regions the hub knows, e.g. `110105`.' })
  @Property({ length: 12, nullable: true })
  areaCode?: string;

  @Field(() => TrackingFormat, { description: 'Wire format the event arrived in.' })
  @Enum({ items: () => TrackingFormat, nativeEnumName: 'tracking_format', default: TrackingFormat.NATIVE })
  format: TrackingFormat = TrackingFormat.NATIVE;

  @ManyToOne(() => LogisticsNode, { nullable: true })
  node?: LogisticsNode;

  @Field({ nullable: true, description: 'Location text as the courier gave it; personal data in it masked like `rawText`.' })
  @Classified(DataClass.PERSONAL, MaskKind.FREE_TEXT)
  @Property({ length: 200, nullable: true })
  location?: string;

  @Field(() => Float, { nullable: true, description: 'Temperature reading, °C (cold chain).' })
  @Property({ type: 'real', nullable: true })
  temperatureC?: number;

  get globalId(): string {
    return toGlobalId('TrackingEvent', this.id);
  }
}
