import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';
import { Node } from '../../relay/node.type.js';
import { toGlobalId } from '../../relay/global-id.js';

/** An origin string a reviewer tied to a region code; the origin matcher reads it first (issue #14). */
@ObjectType({ implements: Node, description: 'An origin string tied to a region by a reviewer.' })
@Entity({ tableName: 'origin_alias' })
export class OriginAlias implements Node {
  @PrimaryKey()
  id!: number;

  @Field()
  @Property({ length: 100, unique: true })
  text!: string;

  @Field()
  @Property({ length: 12 })
  regionCode!: string;

  @Field({ nullable: true })
  @Property({ length: 200, nullable: true })
  createdBy?: string;

  @Field()
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  get globalId(): string {
    return toGlobalId('OriginAlias', this.id);
  }
}
