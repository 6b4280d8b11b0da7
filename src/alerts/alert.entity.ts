import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';
import { Node } from '../relay/node.type.js';
import { toGlobalId } from '../relay/global-id.js';
import { Region } from '../regions/region.entity.js';
import { Product } from '../catalog/product.entity.js';
import { Market } from '../markets/market.entity.js';
import { Shipment } from '../logistics/shipment.entity.js';
import { AlertKind, AlertSeverity } from './stream/alert-kind.js';
import { Classified } from '../policy/classification.js';
import { MaskKind } from '../policy/masking.js';
import { DataClass } from '../policy/role.js';

/**
 * One alert. `dedupeKey` makes raising idempotent: the same condition (e.g.
 * "shipment 42 delayed since its last scan at T") is stored and published once.
 */
@ObjectType({ implements: Node, description: 'An alert: a late, broken or too-warm parcel, an unusual price, abnormal data access.' })
@Entity({ tableName: 'alert' })
@Index({ properties: ['kind', 'raisedAt'] })
@Index({ name: 'alert_region_prefix_idx', expression: 'create index "alert_region_prefix_idx" on "alert" ("region_code" varchar_pattern_ops)' })
export class Alert implements Node {
  @PrimaryKey({ type: 'bigint' })
  id!: string;

  @Field(() => AlertKind)
  @Enum({ items: () => AlertKind, nativeEnumName: 'alert_kind' })
  kind!: AlertKind;

  @Field(() => AlertSeverity)
  @Enum({ items: () => AlertSeverity, nativeEnumName: 'alert_severity' })
  severity: AlertSeverity = AlertSeverity.WARNING;

  /** Built from scan texts and key owners' names (issue #11): masked like free text. */
  @Field({ description: 'Human-readable summary; personal data in it masked unless an ADMIN gives an unmask reason.' })
  @Classified(DataClass.PERSONAL, MaskKind.FREE_TEXT)
  @Property({ type: 'text' })
  message!: string;

  @ManyToOne(() => Region, { nullable: true })
  region?: Region;

  @ManyToOne(() => Shipment, { nullable: true, index: true })
  shipment?: Shipment;

  @ManyToOne(() => Product, { nullable: true })
  product?: Product;

  @ManyToOne(() => Market, { nullable: true })
  market?: Market;

  @Field(() => GraphQLJSONObject, { description: 'Figures behind the alert (readings, thresholds, counts); personal values masked.' })
  @Classified(DataClass.PERSONAL, MaskKind.RECORD)
  @Property({ type: 'jsonb', defaultRaw: `'{}'` })
  details: Record<string, unknown> = {};

  @Field()
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  raisedAt: Date = new Date();

  /** Identity of the condition; the same key is never raised twice. */
  @Property({ length: 255, unique: true })
  dedupeKey!: string;

  get globalId(): string {
    return toGlobalId('Alert', this.id);
  }
}
