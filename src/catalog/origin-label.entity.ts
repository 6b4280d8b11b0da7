import { Entity, Enum, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Fact } from '../common/fact.entity.js';
import { Node } from '../relay/node.type.js';
import { toGlobalId } from '../relay/global-id.js';
import { Region } from '../regions/region.entity.js';
import { Product } from './product.entity.js';
import { Variety } from './variety.entity.js';

export enum OriginLabelKind {
  GEOGRAPHICAL_INDICATION = 'GEOGRAPHICAL_INDICATION',
  GREEN_FOOD = 'GREEN_FOOD',
  ORGANIC = 'ORGANIC',
  PRODUCT_OF_ORIGIN = 'PRODUCT_OF_ORIGIN',
}
registerEnumType(OriginLabelKind, {
  name: 'OriginLabelKind',
  description: 'Geographical indication (地理标志) or a certification of produce from a place.',
});

/** A geographical indication or certification tying a product (or variety) to an origin region. */
@ObjectType({ implements: Node, description: 'A geographical-indication or certification label on an origin.' })
@Entity({ tableName: 'origin_label' })
@Unique({ properties: ['sourceConnector', 'sourceKey'] })
export class OriginLabel extends Fact implements Node {
  @PrimaryKey()
  id!: number;

  @ManyToOne(() => Product, { index: true })
  product!: Product;

  @ManyToOne(() => Variety, { nullable: true })
  variety?: Variety;

  @ManyToOne(() => Region, { index: true })
  region!: Region;

  @Field(() => OriginLabelKind)
  @Enum({ items: () => OriginLabelKind, nativeEnumName: 'origin_label_kind' })
  kind!: OriginLabelKind;

  @Field({ description: 'Protected name, e.g. 清徐老陈醋.' })
  @Property({ length: 100 })
  name!: string;

  @Field({ nullable: true, description: 'Registration or certificate number.' })
  @Property({ length: 64, nullable: true })
  registrationNo?: string;

  @Field({ nullable: true, description: 'Issuing authority.' })
  @Property({ length: 100, nullable: true })
  issuer?: string;

  get globalId(): string {
    return toGlobalId('OriginLabel', this.id);
  }
}
