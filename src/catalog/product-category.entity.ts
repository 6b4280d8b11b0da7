import { Entity, Enum, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Node } from '../relay/node.type.js';
import { toGlobalId } from '../relay/global-id.js';

/**
 * Level of a catalogue category, after NY/T 3177-2018 农产品分类与代码: a SECTOR
 * is a four-digit group such as 0104 蔬菜, a CLASS a six-digit one such as
 * 010402 白菜类 (issue #14). Analytics group products by their class.
 */
export enum CategoryLevel {
  SECTOR = 'SECTOR',
  CLASS = 'CLASS',
}
registerEnumType(CategoryLevel, { name: 'CategoryLevel', description: 'SECTOR (e.g. 0104 蔬菜) or CLASS (e.g. 010402 白菜类), after NY/T 3177-2018.' });

@ObjectType({ implements: Node, description: 'A product category: a sector (蔬菜, 果品, 水产品…) or a class within it (白菜类, 甘蓝类…).' })
@Entity({ tableName: 'product_category' })
export class ProductCategory implements Node {
  @PrimaryKey()
  id!: number;

  @Field({ description: 'Stable slug, e.g. `fruit` or `veg-cabbage`.' })
  @Property({ length: 64, unique: true })
  code!: string;

  @Field()
  @Property({ length: 100 })
  name!: string;

  @Field({ nullable: true, description: 'English name.' })
  @Property({ length: 100, nullable: true })
  nameEn?: string;

  @Field(() => CategoryLevel)
  @Enum({ items: () => CategoryLevel, nativeEnumName: 'category_level', default: CategoryLevel.CLASS })
  level: CategoryLevel = CategoryLevel.CLASS;

  @Field({
    nullable: true,
    description: 'The standard the code comes from (`NY/T 3177-2018`), or `hub` for a hub-assigned grouping without a verified standard code.',
  })
  @Property({ length: 64, nullable: true })
  standard?: string;

  @Field({ nullable: true, description: 'Code in that standard, e.g. `010402` (白菜类).' })
  @Property({ length: 16, nullable: true })
  standardCode?: string;

  @ManyToOne(() => ProductCategory, { nullable: true })
  parent?: ProductCategory;

  get globalId(): string {
    return toGlobalId('ProductCategory', this.id);
  }
}
