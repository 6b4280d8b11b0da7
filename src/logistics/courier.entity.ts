import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';
import { Node } from '../relay/node.type.js';
import { toGlobalId } from '../relay/global-id.js';

@ObjectType({ implements: Node, description: 'A courier firm.' })
@Entity({ tableName: 'courier' })
export class Courier implements Node {
  @PrimaryKey()
  id!: number;

  @Field({ description: 'Stable code, as used in push URLs and by Kuaidi100 (`com`), e.g. `zhongtong`.' })
  @Property({ length: 64, unique: true })
  code!: string;

  @Field()
  @Property({ length: 100 })
  name!: string;

  @Field({ nullable: true, description: 'AfterShip courier slug, when it differs from `code`.' })
  @Property({ length: 64, nullable: true })
  aftershipSlug?: string;

  get globalId(): string {
    return toGlobalId('Courier', this.id);
  }
}
