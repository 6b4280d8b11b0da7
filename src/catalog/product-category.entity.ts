import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';
import { Node } from '../relay/node.type.js';
import { toGlobalId } from '../relay/global-id.js';

@ObjectType({ implements: Node, description: 'A product category (fruit, grain, meat, medicinal herbs, condiments...).' })
@Entity({ tableName: 'product_category' })
export class ProductCategory implements Node {
  @PrimaryKey()
  id!: number;

  @Field({ description: 'Stable slug, e.g. `fruit`.' })
  @Property({ length: 64, unique: true })
  code!: string;

  @Field()
  @Property({ length: 100 })
  name!: string;

  @ManyToOne(() => ProductCategory, { nullable: true })
  parent?: ProductCategory;

  get globalId(): string {
    return toGlobalId('ProductCategory', this.id);
  }
}
