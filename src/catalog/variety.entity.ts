import { Entity, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';
import { Node } from '../relay/node.type.js';
import { toGlobalId } from '../relay/global-id.js';
import { Product } from './product.entity.js';

@ObjectType({ implements: Node, description: 'A variety (品种) of a product, e.g. 红富士 of 苹果.' })
@Entity({ tableName: 'variety' })
@Unique({ properties: ['product', 'name'] })
export class Variety implements Node {
  @PrimaryKey()
  id!: number;

  @ManyToOne(() => Product, { index: true })
  product!: Product;

  @Field()
  @Property({ length: 100 })
  name!: string;

  @Field(() => [String], { description: 'Other names of this variety.' })
  @Property({ type: 'text[]', defaultRaw: "'{}'" })
  aliases: string[] = [];

  get globalId(): string {
    return toGlobalId('Variety', this.id);
  }
}
