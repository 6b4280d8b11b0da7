import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';
import { Node } from '../relay/node.type.js';
import { toGlobalId } from '../relay/global-id.js';
import { RegionLevel } from './region-level.js';

/**
 * An administrative division. Codes are hierarchical prefixes, so "everything
 * in county 140121" is `code LIKE '140121%'`, served by a pattern-ops index.
 */
@ObjectType({ implements: Node, description: 'An administrative division of China (province down to village).' })
@Entity({ tableName: 'region' })
@Index({ name: 'region_code_prefix_idx', expression: 'create index "region_code_prefix_idx" on "region" ("code" varchar_pattern_ops)' })
export class Region implements Node {
  @Field({ description: 'Official code: 2 digits province, 4 city, 6 county, 9 township, 12 village.' })
  @PrimaryKey({ length: 12 })
  code!: string;

  @Field()
  @Property({ length: 100 })
  name!: string;

  @Field(() => RegionLevel)
  @Enum({ items: () => RegionLevel, nativeEnumName: 'region_level' })
  @Index()
  level!: RegionLevel;

  @ManyToOne(() => Region, { nullable: true, index: true })
  parent?: Region;

  get globalId(): string {
    return toGlobalId('Region', this.code);
  }
}
