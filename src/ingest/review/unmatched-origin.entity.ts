import { Entity, Enum, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { GraphQLJSON } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';
import { Node } from '../../relay/node.type.js';
import { toGlobalId } from '../../relay/global-id.js';
import { ReviewStatus } from './unmatched-name.entity.js';

/**
 * An origin string (产地) that resolved to no region code: the origin review
 * queue (issue #14). Facts carrying it keep the text and no region; accepting
 * a region adds an origin alias and re-links them. Strings naming several
 * provinces (冀鲁豫) are not queued: no single region is their origin.
 */
@ObjectType({ implements: Node, description: 'An origin string no region matched, waiting for review.' })
@Entity({ tableName: 'unmatched_origin' })
export class UnmatchedOrigin implements Node {
  @PrimaryKey()
  id!: number;

  @Field({ description: 'The origin as sources wrote it.' })
  @Property({ length: 100, unique: true })
  rawText!: string;

  @Field(() => Int, { description: 'Stored facts that carried it.' })
  @Property({ default: 0 })
  count: number = 0;

  @Field(() => [GraphQLJSON], { description: 'A few of those facts.' })
  @Property({ type: 'jsonb', defaultRaw: `'[]'` })
  examples: unknown[] = [];

  @Field(() => [String], { description: 'Connectors that sent it.' })
  @Property({ type: 'text[]', defaultRaw: `'{}'` })
  connectors: string[] = [];

  @Field(() => ReviewStatus)
  @Enum({ items: () => ReviewStatus, nativeEnumName: 'review_status' })
  status: ReviewStatus = ReviewStatus.PENDING;

  @Field({ nullable: true, description: 'Region code accepted for it.' })
  @Property({ length: 12, nullable: true })
  regionCode?: string;

  @Field(() => Int)
  @Property({ default: 0 })
  relinked: number = 0;

  @Field()
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  firstSeenAt: Date = new Date();

  @Field()
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  lastSeenAt: Date = new Date();

  get globalId(): string {
    return toGlobalId('UnmatchedOrigin', this.id);
  }
}
